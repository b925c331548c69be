import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { Locator, Page } from "@playwright/test";
import { expect, test, untilCaptureShown } from "./fixtures";

test.use({ permissions: ["clipboard-read", "clipboard-write"] });

const run = promisify(execFile);

function clipboard(page: Page): Promise<string> {
  return page.evaluate(() => navigator.clipboard.readText());
}

/** Clicks a copy button and returns what it put on the clipboard (the write completes after the click). */
async function copyWith(page: Page, button: Locator): Promise<string> {
  await page.evaluate(() => navigator.clipboard.writeText(""));
  await button.click();
  await expect.poll(() => clipboard(page)).not.toBe("");
  return clipboard(page);
}

type Capture = { id: string; receivedAt: number; bodyBase64: string };

// Spacing and key order a JSON re-serialisation would change: the copies must keep them.
const body = '{ "id": "evt_1",\n  "paid": true, "amount": 4200, "note": "caf\u00e9 \u2713" }';

test("a header value, the capture as HAR and as fetch go to the clipboard exactly", async ({ page, request, bin, send }) => {
  const id = await send({ path: "/hook?tag=a&tag=b", headers: { "Content-Type": "application/json", "X-Event": "invoice.paid" }, body });
  await page.goto(`/bins/${bin.id}?r=${id}`);
  await untilCaptureShown(page);

  // One header value, from the keyboard: its button is reachable and named after the header.
  const copyEvent = page.getByRole("table", { name: "Headers" }).getByRole("button", { name: "Copy value of X-Event" });
  await copyEvent.focus();
  await expect(copyEvent).toBeVisible();
  await page.keyboard.press("Enter");
  // It says so, its name now the visible "Copied".
  await expect(page.getByRole("table", { name: "Headers" }).getByRole("button", { name: "Copied" })).toBeVisible();
  await expect.poll(() => clipboard(page)).toBe("invoice.paid");

  // The second of two query values named alike.
  expect(await copyWith(page, page.getByRole("table", { name: "Query parameters" }).getByRole("button", { name: "Copy value of tag" }).nth(1))).toBe("b");
  expect(await copyWith(page, page.getByRole("button", { name: "Copy body", exact: true }))).toBe(body);

  // HAR is the menu's first format.
  const copiedHar = await copyWith(page, page.getByRole("button", { name: "Copy as HAR entry" }));
  const capture = (await (await request.get(`/api/bins/${bin.id}/requests/${id}`)).json()) as Capture;
  const har = JSON.parse(copiedHar) as {
    startedDateTime: string;
    request: { method: string; url: string; headers: { name: string; value: string }[]; queryString: unknown; postData: { mimeType: string; text: string } };
  };
  expect(har.startedDateTime).toBe(new Date(capture.receivedAt).toISOString());
  expect(har.request.method).toBe("POST");
  expect(har.request.url).toBe(`${bin.url}/hook?tag=a&tag=b`);
  expect(har.request.queryString).toEqual([
    { name: "tag", value: "a" },
    { name: "tag", value: "b" },
  ]);
  expect(har.request.headers).toContainEqual({ name: "X-Event", value: "invoice.paid" });
  expect(har.request.postData).toEqual({ mimeType: "application/json", text: body });

  // fetch: chosen from the native select, then run for real (in Node) against the same bin.
  await page.getByRole("combobox", { name: "Copy format" }).selectOption({ label: "fetch (JavaScript)" });
  const code = await copyWith(page, page.getByRole("button", { name: "Copy as fetch (JavaScript)" }));
  expect(code).toContain(`fetch('${bin.url}/hook?tag=a&tag=b'`);
  await run(process.execPath, ["--input-type=module", "-e", `const response = await ${code};\nif (!response.ok) process.exit(1);`]);
  const { requests } = (await (await request.get(`/api/bins/${bin.id}/requests`)).json()) as { requests: { id: string }[] };
  expect(requests).toHaveLength(2);
  const again = (await (await request.get(`/api/bins/${bin.id}/requests/${requests[0]!.id}`)).json()) as Capture;
  expect(Buffer.from(again.bodyBase64, "base64").toString()).toBe(body);
});

test("a binary body is offered as base64, labelled so", async ({ page, bin, send }) => {
  const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0xff, 0x10]);
  const id = await send({ headers: { "Content-Type": "image/png" }, body: bytes });
  await page.goto(`/bins/${bin.id}?r=${id}`);
  await untilCaptureShown(page);
  await expect(page.getByRole("button", { name: "Copy body", exact: true })).toHaveCount(0);
  expect(await copyWith(page, page.getByRole("button", { name: "Copy body as base64" }))).toBe(bytes.toString("base64"));
});

test("times read relative, move on without a reload, and give the exact time on hover", async ({ page, request, bin, send }) => {
  await page.clock.install();
  const id = await send({ path: "/timed" });
  const capture = (await (await request.get(`/api/bins/${bin.id}/requests/${id}`)).json()) as Capture;
  await page.goto(`/bins/${bin.id}?r=${id}`);
  await untilCaptureShown(page);

  const iso = new Date(capture.receivedAt).toISOString();
  const exact = await page.evaluate((epochMs) => new Date(epochMs).toLocaleString(), capture.receivedAt);
  const inList = page.locator(`[data-request-id="${id}"] time`);
  const inDetail = page.getByRole("region", { name: "Request detail" }).locator("time");
  for (const time of [inList, inDetail]) {
    await expect(time).toHaveText(/^(now|\d+ sec\. ago)$/);
    await expect(time).toHaveAttribute("datetime", iso);
    await expect(time).toHaveAttribute("title", `${exact} (${iso})`);
  }

  await page.clock.fastForward("02:05");
  await expect(inList).toHaveText("2 min. ago");
  await expect(inDetail).toHaveText("2 min. ago");
});
