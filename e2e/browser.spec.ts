import { expect, test } from "@playwright/test";

// The browser every journey and the benchmark drive (scripts/chromium.mjs), checked
// on itself: its flags are what they claim to be.

test("our --disable-features keeps every feature Playwright turns off, and turns off the omnibox popup", async ({ page }) => {
  await page.goto("chrome://version");
  const commandLine = (await page.locator("#command_line").textContent()) ?? "";
  const lists = [...commandLine.matchAll(/--disable-features=(\S+)/g)].map((match) => (match[1] ?? "").split(","));
  expect(lists.length).toBeGreaterThan(0);
  // Chromium applies the last one only.
  const applied = new Set(lists.at(-1));
  for (const feature of lists.flat()) expect(applied, `${feature} is dropped`).toContain(feature);
  expect(applied).toContain("WebUIOmniboxPopup");
  expect(applied).toContain("WebUIOmniboxAimPopup");
});

test("a new window does not pre-render the address bar's popup", async ({ browser }) => {
  const context = await browser.newContext();
  await context.newPage();
  const session = await browser.newBrowserCDPSession();
  try {
    const { targetInfos } = (await session.send("Target.getTargets")) as { targetInfos: { url: string }[] };
    expect(targetInfos.map((target) => target.url).filter((url) => url.startsWith("chrome://omnibox"))).toEqual([]);
  } finally {
    await session.detach();
    await context.close();
  }
});
