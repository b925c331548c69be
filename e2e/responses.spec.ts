import { expect, test, untilHydrated } from "./fixtures";

// Long journeys with many form steps: allow the triple timeout on a busy machine.
test.slow();

test("set a rule in the dashboard, preview it, send a request and get the rule's answer", async ({ page, bin, request }) => {
  await page.goto(`/bins/${bin.id}`);
  await untilHydrated(page);
  await expect(page.getByTestId("response-summary")).toContainText("Built-in");
  await page.getByRole("button", { name: "Edit response" }).click();
  const form = page.getByRole("form", { name: "Response settings" });

  await form.getByRole("button", { name: "Add rule" }).click();
  await form.getByLabel("Rule 1 method", { exact: true }).selectOption("POST");
  await form.getByLabel("Rule 1 sub-path match", { exact: true }).selectOption("exact");
  await form.getByLabel("Rule 1 sub-path", { exact: true }).fill("/fail");
  await form.getByLabel("Rule 1 status", { exact: true }).fill("503");
  await form.getByLabel("Rule 1 body", { exact: true }).fill("down at {{request.path}} <b>{{request.query.who}}</b>");

  // A second rule, moved above the first with the keyboard only.
  await form.getByRole("button", { name: "Add rule" }).click();
  await form.getByLabel("Rule 2 method", { exact: true }).selectOption("GET");
  await form.getByLabel("Rule 2 status", { exact: true }).fill("418");
  await form.getByRole("button", { name: "Move rule 2 up" }).focus();
  await page.keyboard.press("Enter");
  await expect(form.getByLabel("Rule 1 status", { exact: true })).toHaveValue("418");
  await expect(form.getByLabel("Rule 2 status", { exact: true })).toHaveValue("503");

  // The preview runs the same matching as the server, on a sample request.
  await form.getByLabel("Sample sub-path and query").fill("/fail?who=ada");
  await expect(page.getByTestId("response-preview")).toContainText("Rule 2 matches.");
  await expect(page.getByTestId("preview-status")).toHaveText("503");
  await expect(page.getByTestId("response-preview")).toContainText("down at /fail <b>ada</b>");
  await form.getByLabel("Sample method").fill("GET");
  await expect(page.getByTestId("preview-status")).toHaveText("418");

  await form.getByRole("button", { name: "Save response" }).click();
  await expect(page.getByTestId("response-summary")).toHaveText(/2 rules\./);

  const failed = await request.fetch(`${bin.url}/fail?who=ada`, { method: "POST", data: "x" });
  expect(failed.status()).toBe(503);
  expect(await failed.text()).toBe("down at /fail <b>ada</b>");
  const other = await request.fetch(`${bin.url}/ok`, { method: "POST", data: "x" });
  expect(other.status()).toBe(200);
  // Both were captured, whatever the answer.
  await expect(page.getByTestId("request-count")).toHaveText("(2)");
});

test("name a bin and capture through its name", async ({ page, bin, request }) => {
  const alias = `pw-${bin.id
    .slice(0, 8)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "x")}`;
  await page.goto(`/bins/${bin.id}`);
  await untilHydrated(page);
  await page.getByRole("textbox", { name: "Name", exact: true }).fill(alias);
  await page.getByRole("button", { name: "Save name" }).click();
  await expect(page.getByTestId("bin-url")).toHaveText(new RegExp(`/b/${alias}$`));

  const response = await request.fetch(`/b/${alias}/named`, { method: "POST", data: "hello" });
  expect(response.status()).toBe(200);
  await expect(page.getByTestId("request-count")).toHaveText("(1)");

  // The name captures, and leads nobody to the bin: its page opens by id only.
  expect((await page.goto(`/bins/${alias}`))?.status()).toBe(404);
  await expect(page).toHaveURL(new RegExp(`/bins/${alias}$`));
});
