import { expect, test, untilCaptureShown, untilHydrated } from "./fixtures";
import { type SecondOrigin, serveSecondOrigin } from "./support/second-origin";

let other: SecondOrigin;

test.beforeAll(async () => {
  other = await serveSecondOrigin();
});

test.afterAll(async () => {
  await other?.close();
});

type Outcome = { status: number; id: string | null; json: unknown } | { failed: string };

/** Runs in the page on the second origin: a PUT with JSON and a custom header, which the browser preflights. */
function putFromPage(url: string): Promise<Outcome> {
  return fetch(url, { method: "PUT", headers: { "Content-Type": "application/json", "X-Custom": "1" }, body: JSON.stringify({ from: "page" }) })
    .then(async (response) => ({ status: response.status, id: response.headers.get("X-Request-Id"), json: (await response.json()) as unknown }))
    .catch((error: unknown) => ({ failed: String(error) }));
}

test("a page on another origin can PUT JSON to a bin and read the answer, until CORS is switched off", async ({ page, bin }) => {
  const dashboard = `/bins/${bin.id}`;
  await page.goto(other.origin);
  const sent = await page.evaluate(putFromPage, `${bin.url}/from-page`);
  expect(sent).toMatchObject({ status: 200, json: { ok: true } });
  const putId = "id" in sent ? sent.id : null;
  expect(putId).toMatch(/^[0-9A-Z]{26}$/);

  // The dashboard shows both: the browser's preflight and the PUT it allowed.
  await page.goto(dashboard);
  await untilHydrated(page);
  const rows = page.locator("[data-request-id]");
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0)).toContainText("PUT");
  await expect(rows.nth(1)).toContainText("OPTIONS");
  await rows.nth(1).click();
  await untilCaptureShown(page);
  await expect(page.getByTestId("detail-answer")).toHaveText("204 · CORS preflight");
  await expect(page.getByRole("table", { name: "Headers" }).getByRole("row", { name: /Access-Control-Request-Method/i })).toContainText("PUT");
  await rows.nth(0).click();
  await untilCaptureShown(page);
  await expect(page.getByTestId("detail-answer")).toHaveText("200 · built-in");

  // Switched off: the same fetch (to a new path, so no cached preflight applies) fails in the page.
  const toggle = page.getByRole("checkbox", { name: "Answer browsers (CORS)" });
  await expect(toggle).toBeChecked();
  // The box follows the saved setting: it turns off once the server has it.
  await toggle.click();
  await expect(toggle).not.toBeChecked();
  await expect(toggle).toBeEnabled();
  await expect(page.getByText(/^Off: OPTIONS is answered like any method/)).toBeVisible();

  await page.goto(other.origin);
  const refused = await page.evaluate(putFromPage, `${bin.url}/after-off`);
  expect(refused).toMatchObject({ failed: expect.stringMatching(/TypeError/) });

  // The preflight was still captured, answered by the bin like any OPTIONS; the PUT never came.
  await page.goto(dashboard);
  await untilHydrated(page);
  await expect(rows).toHaveCount(3);
  await expect(rows.nth(0)).toContainText("OPTIONS");
  await expect(rows.nth(0)).toContainText("/after-off");
  await rows.nth(0).click();
  await untilCaptureShown(page);
  await expect(page.getByTestId("detail-answer")).toHaveText("200 · built-in");
  await expect(page.getByRole("checkbox", { name: "Answer browsers (CORS)" })).not.toBeChecked();
});
