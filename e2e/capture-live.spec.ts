import { createBin, expect, holdScripts, test, untilCaptureShown, untilHydrated } from "./fixtures";

test("a new bin shows its URL, then each request appears live with headers and pretty JSON", async ({ page, request }) => {
  await page.goto("/");
  await page.getByRole("button", { name: "New bin" }).click();
  await expect(page).toHaveURL(/\/bins\/[A-Za-z0-9_-]{22}$/);
  await expect(page.getByTestId("empty-state")).toBeVisible();
  await expect(page.getByTestId("live-status")).toHaveText("Live");

  const url = (await page.getByTestId("bin-url").textContent())!;
  const response = await request.post(`${url}/stripe/webhook?attempt=1`, {
    headers: { "Content-Type": "application/json", "X-Signature": "t=1,v1=abc" },
    data: JSON.stringify({ id: "evt_123", type: "invoice.paid", data: { amount: 4200 } }),
  });
  expect(response.status()).toBe(200);

  const item = page.locator("[data-request-id]").first();
  await expect(item).toContainText("/stripe/webhook?attempt=1");
  await expect(page.getByTestId("request-count")).toHaveText("(1)");
  await expect(page.getByTestId("capture-limit")).toHaveText("1 / 1,000 kept");

  await item.click();
  await expect(page.getByTestId("detail-path")).toHaveText("/stripe/webhook?attempt=1");
  const headers = page.getByRole("table", { name: "Headers" });
  await expect(headers.getByRole("row", { name: /X-Signature/ })).toContainText("t=1,v1=abc");
  await expect(page.getByRole("table", { name: "Query parameters" })).toContainText("attempt");
  await expect(page.getByTestId("body-pretty")).toContainText('"invoice.paid"');
  await expect(page.getByTestId("body-pretty")).toContainText("4200");

  // The home page remembers the bin in this browser.
  await page.goto("/");
  await expect(page.getByRole("link", { name: new RegExp(url.split("/b/")[1]!) })).toBeVisible();
  await request.delete(`/api/bins/${url.split("/b/")[1]}`);
});

test("a capture that lands while the page is still loading is not lost", async ({ page, request }) => {
  const bin = await createBin(request);
  await request.post(bin.url, { data: "first" });

  // Hold the page's scripts until a second capture has been committed: the server
  // rendered only the first, so the stream must resume from it and deliver the second.
  const releaseScripts = await holdScripts(page);
  // Count the page's streams: the one the inline script opens early must be adopted.
  await page.addInitScript(() => {
    const counter = window as unknown as { __streamsOpened: string[] };
    counter.__streamsOpened = [];
    const Native = window.EventSource;
    window.EventSource = class extends Native {
      constructor(...args: ConstructorParameters<typeof EventSource>) {
        super(...args);
        counter.__streamsOpened.push(String(args[0]));
      }
    };
  });
  const navigation = page.goto(`/bins/${bin.id}`);
  await expect(page.locator("[data-request-id]")).toHaveCount(1);
  const second = await request.post(`${bin.url}/during-load`, { data: "second" });
  expect(second.status()).toBe(200);
  // The early stream (opened before any bundle ran) holds the event until React takes over.
  await page.waitForFunction(() => {
    const early = (window as unknown as { __hookyardEarlyStream?: { events: { type: string }[] } }).__hookyardEarlyStream;
    return early?.events.some((event) => event.type === "request") ?? false;
  });
  releaseScripts();
  await navigation;

  await expect(page.locator("[data-request-id]")).toHaveCount(2);
  await expect(page.locator("[data-request-id]").first()).toContainText("/during-load");
  await expect(page.getByTestId("live-status")).toHaveText("Live");
  // One stream, resuming after the rendered capture's place in the bin (its seq, 1).
  expect(await page.evaluate(() => (window as unknown as { __streamsOpened: string[] }).__streamsOpened)).toEqual([`/api/bins/${bin.id}/stream?after=1`]);
  await request.delete(`/api/bins/${bin.id}`);
});

test("the list is usable from the keyboard", async ({ page, bin, send }) => {
  await send({ path: "/one" });
  await send({ path: "/two" });
  await send({ path: "/three" });
  await page.goto(`/bins/${bin.id}`);

  // The newest capture is selected on load; the list is one Tab stop, and arrow keys move through it.
  await expect(page.getByTestId("detail-path")).toHaveText("/three");
  await untilHydrated(page);
  await page.getByRole("button", { name: "Clear" }).focus();
  await page.keyboard.press("Tab");
  await expect(page.locator("[data-request-id]").first()).toBeFocused();
  await page.keyboard.press("Tab");
  await expect(page.locator("[data-request-id]:focus")).toHaveCount(0);
  await page.locator("[data-request-id]").first().focus();
  await page.keyboard.press("ArrowDown");
  await expect(page.getByTestId("detail-path")).toHaveText("/two");
  await page.keyboard.press("j");
  await expect(page.getByTestId("detail-path")).toHaveText("/one");
  await expect(page.locator("[data-request-id]").nth(2)).toBeFocused();
  await page.keyboard.press("ArrowUp");
  await expect(page.getByTestId("detail-path")).toHaveText("/two");
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/[?&]r=/);

  // Deleting from the keyboard leaves focus on the next capture, not on the page.
  await page.getByRole("button", { name: "Delete", exact: true }).focus();
  await page.keyboard.press("Enter");
  await expect(page.locator("[data-request-id]")).toHaveCount(2);
  await expect(page.getByTestId("detail-path")).toHaveText("/one");
  await expect(page.locator('[data-request-id][aria-current="true"]')).toBeFocused();
});

test("deleting and clearing are reflected live in every open dashboard", async ({ page, bin, send }) => {
  await send({ path: "/keep" });
  await send({ path: "/remove-me" });
  // Another tab of the same browser, which holds the bin's token.
  const other = await page.context().newPage();
  await page.goto(`/bins/${bin.id}`);
  await other.goto(`/bins/${bin.id}`);
  await expect(other.getByTestId("live-status")).toHaveText("Live");

  await page.locator("[data-request-id]", { hasText: "/remove-me" }).click();
  await page.getByRole("button", { name: "Delete", exact: true }).click();
  await expect(page.locator("[data-request-id]")).toHaveCount(1);
  await expect(other.locator("[data-request-id]")).toHaveCount(1);
  await expect(other.locator("[data-request-id]")).toContainText("/keep");

  page.once("dialog", (dialog) => void dialog.accept());
  await page.getByRole("button", { name: "Clear" }).click();
  await expect(other.getByTestId("empty-state")).toBeVisible();
  await expect(other.getByTestId("request-count")).toHaveText("(0)");

  // The next capture takes the next place (3), not a cleared one: streams that sent
  // places 1 and 2 before the clear deliver it rather than take it for one they sent.
  await send({ path: "/after-clear" });
  for (const dashboard of [page, other]) {
    await expect(dashboard.locator("[data-request-id]")).toHaveCount(1);
    await expect(dashboard.locator("[data-request-id]")).toContainText("/after-clear");
    await expect(dashboard.getByTestId("request-count")).toHaveText("(1)");
  }
  await other.close();
});

test("captures pruned elsewhere leave the open dashboard, and the one shown says it no longer exists", async ({ page, request, bin, send }) => {
  const ids: string[] = [];
  for (let i = 1; i <= 11; i += 1) ids.push(await send({ path: `/n${i}` }));
  await page.goto(`/bins/${bin.id}?r=${ids[0]}`);
  await untilCaptureShown(page);
  const rows = page.locator("[data-request-id]");
  await expect(rows).toHaveCount(11);

  // Lowered through the API, as a script would: places 1 to 9 go, 10 and 11 stay (a
  // place is a number, so 10 comes after 9).
  expect((await request.patch(`/api/bins/${bin.id}`, { data: { maxCaptures: 2 } })).status()).toBe(200);
  await expect(page.getByRole("status").filter({ hasText: "This request no longer exists" })).toBeVisible();
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0)).toHaveAttribute("data-request-id", ids[10]!);
  await expect(rows.nth(1)).toHaveAttribute("data-request-id", ids[9]!);
  await expect(page.getByTestId("request-count")).toHaveText("(2)");
});

test("form bodies show as fields and binary bodies as a hex dump", async ({ page, bin, send }) => {
  await send({ path: "/form", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: "name=Ada&lang=en&name=Grace" });
  await send({ path: "/binary", headers: { "Content-Type": "application/octet-stream" }, body: Buffer.from([0x00, 0xff, 0x10, 0x41, 0x42]) });
  await page.goto(`/bins/${bin.id}`);

  await page.locator("[data-request-id]", { hasText: "/binary" }).click();
  await expect(page.getByTestId("body-hex")).toContainText("00 ff 10 41 42");
  await expect(page.getByTestId("body-hex")).toContainText("|...AB|");

  await page.locator("[data-request-id]", { hasText: "/form" }).click();
  const fields = page.getByTestId("body-pretty");
  await expect(fields.getByRole("row")).toHaveCount(3);
  await expect(fields.getByRole("row").nth(2)).toContainText("Grace");
});

test("the bin's own capture limit is edited from the kept label, and lowering it prunes the list at once", async ({ page, request }) => {
  const bin = await createBin(request);
  for (const body of ["first", "second", "third"]) expect((await request.post(bin.url, { data: body })).status()).toBe(200);
  await page.goto(`/bins/${bin.id}`);
  await expect(page.getByTestId("capture-limit")).toHaveText("3 / 1,000 kept");

  await page.getByRole("button", { name: "Edit how many requests this bin keeps" }).click();
  const form = page.getByRole("form", { name: "Requests kept" });
  await form.getByLabel("Keep").fill("2");
  // Deleting at once is asked first; declining keeps everything.
  page.once("dialog", (dialog) => void dialog.dismiss());
  await form.getByRole("button", { name: "Save" }).click();
  await expect(form.getByLabel("Keep")).toHaveValue("2");
  expect((await (await request.get(`/api/bins/${bin.id}`)).json()).requestCount).toBe(3);
  await expect(page.locator("[data-request-id]")).toHaveCount(3);
  const asked = new Promise<string>((resolve) =>
    page.once("dialog", (dialog) => {
      resolve(dialog.message());
      void dialog.accept();
    }),
  );
  await form.getByRole("button", { name: "Save" }).click();
  expect(await asked).toBe("Keep 2? The 1 oldest request is deleted now.");
  await expect(page.getByTestId("capture-limit")).toHaveText("2 / 2 kept");
  await expect(page.locator("[data-request-id]")).toHaveCount(2);

  await page.getByRole("button", { name: "Edit how many requests this bin keeps" }).click();
  await form.getByRole("button", { name: "Default" }).click();
  await expect(page.getByTestId("capture-limit")).toHaveText("2 / 1,000 kept");
  await request.delete(`/api/bins/${bin.id}`);
});

test.describe("in a time zone other than the server's", () => {
  test.use({ timezoneId: "Pacific/Chatham", locale: "en-GB" });

  test("a capture's time arrives in UTC and turns relative, with the reader's own time on hover, once the page runs", async ({ page, bin, send }) => {
    const id = await send();
    const [capture] = ((await (await page.request.get(`/api/bins/${bin.id}/requests`)).json()) as { requests: { id: string; receivedAt: number }[] }).requests;
    expect(capture!.id).toBe(id);
    const time = page.locator(`[data-request-id="${id}"] time`);

    const releaseScripts = await holdScripts(page);
    const navigation = page.goto(`/bins/${bin.id}`);
    await expect(time).toHaveText(`${new Date(capture!.receivedAt).toISOString().slice(11, 19)} UTC`);
    releaseScripts();
    await navigation;

    // Then it reads relative, the reader's own time on hover.
    const readersTime = await page.evaluate((epochMs) => new Date(epochMs).toLocaleString(), capture!.receivedAt);
    expect(readersTime).not.toContain("UTC");
    await expect(time).not.toContainText("UTC");
    await expect(time).toHaveAttribute("title", `${readersTime} (${new Date(capture!.receivedAt).toISOString()})`);
    // A capture arriving live reads relative from the start.
    const live = await send({ path: "/later" });
    await expect(page.locator(`[data-request-id="${live}"] time`)).toHaveText(/^(now|\d+ sec\.? ago)$/);
  });
});

test("a long list: the first screen of rows comes from the server, the rest of the page follows, and older ones load on demand", async ({
  page,
  bin,
  send,
}) => {
  const ids: string[] = [];
  for (let i = 1; i <= 60; i += 1) ids.push(await send({ path: `/n${i}` }));
  const rows = page.locator("[data-request-id]");

  const releaseScripts = await holdScripts(page);
  const navigation = page.goto(`/bins/${bin.id}`);
  await expect(rows).toHaveCount(25);
  await expect(rows.first()).toHaveAttribute("data-request-id", ids[59]!);
  releaseScripts();
  await navigation;

  await expect(rows).toHaveCount(50);
  await expect(rows.last()).toHaveAttribute("data-request-id", ids[10]!);
  // The next page starts below the place (seq) of the last row shown: the bin's 11th capture.
  const older = page.waitForRequest((request) => new URL(request.url()).pathname === `/api/bins/${bin.id}/requests`);
  await page.getByRole("button", { name: "Load older requests" }).click();
  expect(new URL((await older).url()).searchParams.get("cursor")).toBe("11");
  await expect(rows).toHaveCount(60);
  await expect(rows.last()).toHaveAttribute("data-request-id", ids[0]!);
  await expect(page.getByRole("button", { name: "Load older requests" })).toHaveCount(0);
});

test("a bin deleted elsewhere while its page is open says so in place of the list", async ({ page, request }) => {
  const bin = await createBin(request);
  await page.goto(`/bins/${bin.id}`);
  await expect(page.getByTestId("live-status")).toHaveText("Live");

  expect((await request.delete(`/api/bins/${bin.id}`)).status()).toBe(204);
  await expect(page.getByRole("alert").filter({ hasText: "This bin no longer exists" })).toBeVisible();
  await expect(page.getByTestId("live-status")).toHaveCount(0);
});

test("the capture on screen, deleted or cleared elsewhere, says it no longer exists", async ({ page, request, bin, send }) => {
  const firstId = await send({ path: "/first", body: "one" });
  const secondId = await send({ path: "/second", body: "two" });
  await page.goto(`/bins/${bin.id}?r=${secondId}`);
  await untilCaptureShown(page);
  const gone = page.getByRole("status").filter({ hasText: "This request no longer exists" });

  expect((await request.delete(`/api/bins/${bin.id}/requests/${secondId}`)).status()).toBe(204);
  await expect(gone).toBeVisible();
  await expect(page.locator("[data-request-id]")).toHaveCount(1);

  await page.locator(`[data-request-id="${firstId}"]`).click();
  await expect(page.getByTestId("body-raw")).toContainText("one");
  expect((await request.delete(`/api/bins/${bin.id}/requests`)).status()).toBe(204);
  await expect(gone).toBeVisible();
});

test("a deleted bin's page says what happened, leaves the recent bins and offers a new bin", async ({ page, request }) => {
  const bin = await createBin(request);
  await page.goto(`/bins/${bin.id}`);
  await expect(page.getByTestId("live-status")).toHaveText("Live");
  await page.goto("/");
  await expect(page.locator(`a[href="/bins/${bin.id}"]`)).toBeVisible();
  expect((await request.delete(`/api/bins/${bin.id}`)).status()).toBe(204);

  const response = await page.goto(`/bins/${bin.id}`);
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Nothing here" })).toBeVisible();
  await expect(page.getByText("that bin was deleted, removed after standing idle, or never existed")).toBeVisible();
  await page.getByRole("link", { name: "Your recent bins" }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.locator(`a[href="/bins/${bin.id}"]`)).toHaveCount(0);
  await page.goto(`/bins/${bin.id}`);
  await page.getByRole("button", { name: "New bin" }).click();
  await expect(page).toHaveURL(/\/bins\/[A-Za-z0-9_-]{22}$/);
  await expect(page.getByTestId("live-status")).toHaveText("Live");
});

test.describe("on a phone-sized screen", () => {
  test.use({ viewport: { width: 375, height: 740 } });

  test("tapping a capture brings its detail into view", async ({ page, bin, send }) => {
    for (const path of ["/a", "/b", "/c"]) await send({ path });
    await page.goto(`/bins/${bin.id}`);
    await untilHydrated(page);
    const detail = page.getByRole("region", { name: "Request detail" });
    await expect(detail).not.toBeInViewport();

    await page.locator("[data-request-id]").nth(1).click();
    await expect(page.getByTestId("detail-path")).toHaveText("/b");
    // Its top at the top of the screen, not merely a sliver of it showing below the list.
    await expect.poll(() => detail.evaluate((element) => Math.round(element.getBoundingClientRect().top))).toBeLessThanOrEqual(80);
    await expect(page.getByTestId("detail-path")).toBeInViewport();
  });
});

test("a delete or clear that cannot reach Hookyard says so, keeps the captures, and leaves the buttons usable", async ({ page, bin, send }) => {
  await send({ path: "/kept" });
  await page.goto(`/bins/${bin.id}`);
  await untilCaptureShown(page);
  // The network drops every DELETE from here on.
  await page.route("**/api/bins/**", (route) => (route.request().method() === "DELETE" ? route.abort("internetdisconnected") : route.continue()));

  const detail = page.getByRole("region", { name: "Request detail" });
  await detail.getByRole("button", { name: "Delete", exact: true }).click();
  await expect(detail.getByRole("alert")).toHaveText("Could not reach Hookyard; the request was not deleted.");

  page.once("dialog", (dialog) => void dialog.accept());
  await page.getByRole("button", { name: "Clear" }).click();
  await expect(page.getByText("Could not reach Hookyard; nothing was cleared.")).toBeVisible();
  await expect(page.getByRole("button", { name: "Clear" })).toBeEnabled();

  page.once("dialog", (dialog) => void dialog.accept());
  await page.getByRole("button", { name: "Delete bin" }).click();
  await expect(page.getByText("Could not reach Hookyard; the bin was not deleted.")).toBeVisible();
  await expect(page.getByRole("button", { name: "Delete bin" })).toBeEnabled();
  await expect(page.locator("[data-request-id]")).toHaveCount(1);
});
