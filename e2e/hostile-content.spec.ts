import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";

const payload = `<img src=x onerror="document.title='pwned'">`;

/** Opens the bin's dashboard, live, recording every dialog a script might open. */
async function openWatched(page: Page, binId: string): Promise<string[]> {
  const dialogs: string[] = [];
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await page.goto(`/bins/${binId}`);
  await expect(page.getByTestId("live-status")).toHaveText("Live");
  return dialogs;
}

/** Nothing from a capture became markup or ran: no injected image, script or link, no dialog. */
async function expectNothingRan(page: Page, dialogs: string[]): Promise<void> {
  await expect(page.locator("main img")).toHaveCount(0);
  await expect(page.locator('main a[href^="javascript:"]')).toHaveCount(0);
  // The one script in main is the page's own, which opens the live stream early.
  await expect(page.locator("main script")).toHaveCount(1);
  expect(await page.locator("main script").getAttribute("data-early-stream")).toBe("");
  expect(await page.locator("main script").textContent()).not.toContain("alert");
  expect(await page.title()).not.toBe("pwned");
  expect(dialogs).toEqual([]);
}

test("hostile content in path, headers and body is shown as text and never runs", async ({ page, bin, send }) => {
  const dialogs = await openWatched(page, bin.id);

  await send({
    path: `/${encodeURIComponent("<script>alert(1)</script>")}?q=${encodeURIComponent(payload)}`,
    headers: { "Content-Type": "text/html", "X-Payload": payload },
    body: `<script>alert('body')</script>${payload}<a href="javascript:alert(2)">click</a>`,
  });
  await page.locator("[data-request-id]").first().click();

  await expect(page.getByRole("table", { name: "Headers" })).toContainText(payload);
  await expect(page.getByRole("table", { name: "Query parameters" })).toContainText(payload);
  await expect(page.getByTestId("body-raw")).toContainText("<script>alert('body')</script>");
  await expectNothingRan(page, dialogs);
});

test("the dashboard sends a strict Content-Security-Policy and the raw body is sandboxed", async ({ page, request, bin, send }) => {
  const response = await page.goto(`/bins/${bin.id}`);
  const policy = response?.headers()["content-security-policy"] ?? "";
  expect(policy).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'/);
  expect(policy).toContain("object-src 'none'");

  const id = await send({ headers: { "Content-Type": "text/html" }, body: `<script>alert(1)</script>` });
  const raw = await request.get(`/api/bins/${bin.id}/requests/${id}/raw`);
  expect(raw.headers()["content-security-policy"]).toContain("sandbox");
  expect(raw.headers()["x-content-type-options"]).toBe("nosniff");
  expect(await raw.text()).toBe("<script>alert(1)</script>");
});

test("hostile keys and values stay text in the JSON view, the form fields view and the hex view", async ({ page, bin, send }) => {
  const dialogs = await openWatched(page, bin.id);

  const json = JSON.stringify({ [payload]: "javascript:alert(3)", nested: { html: "<script>alert('json')</script>", list: [payload] } });
  const jsonId = await send({ headers: { "Content-Type": "application/json" }, body: json });
  const formId = await send({
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: `${encodeURIComponent(payload)}=${encodeURIComponent("<script>alert('form')</script>")}&link=${encodeURIComponent("javascript:alert(4)")}`,
  });

  await page.locator(`[data-request-id="${jsonId}"]`).click();
  const pretty = page.getByTestId("body-pretty");
  await expect(pretty).toContainText(payload);
  await expect(pretty).toContainText("<script>alert('json')</script>");
  await page.getByRole("tab", { name: "Hex" }).click();
  await expect(page.getByTestId("body-hex")).toContainText('|{"<img src=x one|');

  await page.locator(`[data-request-id="${formId}"]`).click();
  await expect(page.getByRole("tab", { name: "Form fields" })).toHaveAttribute("aria-selected", "true");
  await expect(page.getByTestId("body-pretty")).toContainText(payload);
  await expect(page.getByTestId("body-pretty")).toContainText("<script>alert('form')</script>");
  await expect(page.getByTestId("body-pretty")).toContainText("javascript:alert(4)");

  await expectNothingRan(page, dialogs);
});

test("JSON nested 1,000 levels deep opens as a tree, selected on load, and the page keeps working", async ({ page, bin, send }) => {
  // 1,000 levels in 6 KB once overflowed a recursive tree's stack and took the whole
  // dashboard down; the tree is now a flat list of the rows in view.
  const deep = `${'{"a":'.repeat(1000)}1${"}".repeat(1000)}`;
  await send({ path: "/deep", headers: { "Content-Type": "application/json" }, body: deep });
  const dialogs = await openWatched(page, bin.id);

  await expect(page.getByRole("tab", { name: "JSON" })).toHaveAttribute("aria-selected", "true");
  await expect(page.getByTestId("json-tree-refusal")).toHaveCount(0);
  // The innermost value is found and the way down to it, 1,000 levels, expanded.
  await page.getByRole("searchbox", { name: "Search the JSON" }).fill("1");
  await expect(page.getByTestId("json-search-count")).toHaveText("1 of 1");
  await expect(page.locator("[data-current-match]")).toHaveAttribute("aria-level", "1001");

  const nextId = await send({ path: "/next", headers: { "Content-Type": "application/json" }, body: '{"ok":true}' });
  await page.locator(`[data-request-id="${nextId}"]`).click();
  await expect(page.getByTestId("body-pretty")).toContainText("ok");
  await expectNothingRan(page, dialogs);
});

test("a capture whose detail fails to render leaves the list and the other captures working", async ({ page, bin, send }) => {
  const goodId = await send({ path: "/good", headers: { "Content-Type": "application/json" }, body: '{"ok":true}' });
  const badId = await send({ path: "/bad" });
  // Our API never answers like this; a detail it cannot render stands in for any
  // rendering failure still unknown, to check that it stays inside the detail pane.
  await page.route(`**/api/bins/${bin.id}/requests/${badId}`, async (route) => {
    const detail = (await (await route.fetch()).json()) as Record<string, unknown>;
    await route.fulfill({ json: { ...detail, headers: null } });
  });
  await openWatched(page, bin.id);

  await expect(page.getByRole("alert").filter({ hasText: "This request could not be shown" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Open its raw body" })).toHaveAttribute("href", `/api/bins/${bin.id}/requests/${badId}/raw`);
  await page.locator(`[data-request-id="${goodId}"]`).click();
  await expect(page.getByTestId("body-pretty")).toContainText("ok");
  await send({ path: "/later" });
  await expect(page.locator("[data-request-id]")).toHaveCount(3);
});
