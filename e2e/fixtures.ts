import { test as base, expect, type APIRequestContext, type Page } from "@playwright/test";

type Bin = { id: string; url: string; token: string };

type SendOptions = { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer };

type Fixtures = {
  /** A fresh bin made through the API, deleted after the test. */
  bin: Bin;
  /** Sends a request to the bin with Playwright's HTTP client (not the browser). */
  send: (options?: SendOptions) => Promise<string>;
};

export async function createBin(request: APIRequestContext): Promise<Bin> {
  const response = await request.post("/api/bins");
  expect(response.status()).toBe(201);
  return (await response.json()) as Bin;
}

/**
 * Waits until the bin page is hydrated: server-rendered buttons do nothing before, and
 * the live status reads "Live" only once React runs the page's hook.
 */
export async function untilHydrated(page: Page): Promise<void> {
  await expect(page.getByTestId("live-status")).toHaveText("Live");
}

/**
 * Waits until the bin page is hydrated and the selected capture is shown whole: its
 * panels appear only once it has loaded, and a click aimed at them before that can
 * land on whatever was there (seen as a forward that was never sent).
 */
export async function untilCaptureShown(page: Page): Promise<void> {
  await untilHydrated(page);
  await expect(page.getByRole("region", { name: "Request detail" })).not.toContainText("Loading");
}

/**
 * Holds the page's scripts back until the returned function is called: what the
 * server rendered can be checked, or changed under it, before React takes over.
 */
export async function holdScripts(page: Page): Promise<() => void> {
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route("**/_next/static/**/*.js", async (route) => {
    await held;
    await route.continue();
  });
  return release;
}

export const test = base.extend<Fixtures>({
  // The browser context's own client: a bin made through it leaves its token in the
  // context's cookies, as one made with the New bin button does, so the pages open it.
  request: async ({ context }, use) => {
    await use(context.request);
  },
  bin: async ({ request }, use) => {
    const bin = await createBin(request);
    await use(bin);
    await request.delete(`/api/bins/${bin.id}`);
  },
  send: async ({ request, bin }, use) => {
    await use(async ({ method = "POST", path = "", headers = {}, body } = {}) => {
      const response = await request.fetch(`${bin.url}${path}`, { method, headers, data: body });
      expect(response.status()).toBe(200);
      return ((await response.json()) as { id: string }).id;
    });
  },
});

export { expect };
