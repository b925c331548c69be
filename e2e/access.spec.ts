import { expect, test, untilHydrated } from "./fixtures";

test("a bin made in one browser does not open in another; a read-only link opens it there, watching live and changing nothing", async ({
  page,
  browser,
  request,
}) => {
  await page.goto("/");
  await page.getByRole("button", { name: "New bin" }).click();
  await expect(page).toHaveURL(/\/bins\/[A-Za-z0-9_-]{22}$/);
  await untilHydrated(page);
  const binId = page.url().split("/bins/")[1]!;
  const url = (await page.getByTestId("bin-url").textContent())!;
  expect((await request.post(url, { data: "first" })).status()).toBe(200);
  await expect(page.locator("[data-request-id]")).toHaveCount(1);

  const stranger = await browser.newContext();
  try {
    const other = await stranger.newPage();
    // Knowing the id (it is in the capture URL senders see) opens nothing.
    const direct = await other.goto(`/bins/${binId}`);
    expect(direct?.status()).toBe(404);
    await expect(other.getByRole("heading", { name: "Nothing here" })).toBeVisible();
    expect((await stranger.request.get(`/api/bins/${binId}/requests`)).status()).toBe(404);

    await page.getByRole("button", { name: "Share or open elsewhere…" }).click();
    await page.getByRole("combobox", { name: "Link", exact: true }).selectOption("viewer");
    await page.getByRole("button", { name: "Make link" }).click();
    const link = (await page.getByTestId("minted-link-url").textContent())!;
    expect(link).toMatch(/\/open#hyk_/);
    await expect(page.getByTestId("access-link")).toHaveCount(2);

    await other.goto(link);
    await expect(other).toHaveURL(new RegExp(`/bins/${binId}$`));
    await untilHydrated(other);
    await expect(other.getByTestId("read-only")).toBeVisible();
    await expect(other.locator("[data-request-id]")).toHaveCount(1);
    // Nothing that changes, forwards or reveals settings is offered.
    await expect(other.getByRole("button", { name: "Delete bin" })).toHaveCount(0);
    await expect(other.getByRole("button", { name: "Clear" })).toHaveCount(0);
    await expect(other.getByRole("region", { name: "Access" })).toHaveCount(0);
    await expect(other.getByRole("region", { name: "Request detail" }).getByRole("button", { name: "Delete" })).toHaveCount(0);
    await expect(other.getByRole("heading", { name: "Forward" })).toHaveCount(0);
    // And the API refuses it even when asked directly from that browser.
    expect((await stranger.request.delete(`/api/bins/${binId}`)).status()).toBe(403);

    // Live in both.
    expect((await request.post(`${url}/second`, { data: "second" })).status()).toBe(200);
    await expect(other.locator("[data-request-id]")).toHaveCount(2);
    await expect(page.locator("[data-request-id]")).toHaveCount(2);

    // Revoked: the other browser is locked out at its next load.
    page.once("dialog", (dialog) => void dialog.accept());
    await page.getByTestId("access-link").filter({ hasText: "Read-only" }).getByRole("button", { name: "Revoke" }).click();
    await expect(page.getByTestId("access-link")).toHaveCount(1);
    expect((await other.reload())?.status()).toBe(404);
  } finally {
    await stranger.close();
  }
  await request.delete(`/api/bins/${binId}`);
});

test("the dashboard's cookie never ends up inside a capture, even when the dashboard itself sends one", async ({ page, bin, request }) => {
  await page.goto(`/bins/${bin.id}`);
  await untilHydrated(page);
  const cookies = await page.context().cookies();
  expect(
    cookies
      .filter((cookie) => cookie.name === "hookyard_bin")
      .map((cookie) => cookie.path)
      .sort(),
  ).toEqual([`/api/bins/${bin.id}`, `/bins/${bin.id}`]);
  // A page of the dashboard's own origin posting to the capture URL, credentials and all.
  const status = await page.evaluate(
    async (target) => (await fetch(target, { method: "POST", body: "from the page", credentials: "include" })).status,
    `/b/${bin.id}/from-page`,
  );
  expect(status).toBe(200);
  const listed = (await (await request.get(`/api/bins/${bin.id}/requests`)).json()) as { requests: { id: string }[] };
  const detail = (await (await request.get(`/api/bins/${bin.id}/requests/${listed.requests[0]!.id}`)).json()) as { headers: [string, string][] };
  expect(detail.headers.map(([, value]) => value).join("\n")).not.toContain(bin.token);
  expect(detail.headers.some(([name]) => name.toLowerCase() === "cookie")).toBe(false);
});
