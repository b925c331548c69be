import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import zlib from "node:zlib";
import type { Download, Page } from "@playwright/test";
import { formatBytes } from "../lib/body";
import { expect, test, untilCaptureShown } from "./fixtures";

const fixtures = new URL("../lib/server/decoding/fixtures/", import.meta.url);
const pixelPath = new URL("pixel.png", fixtures).pathname;
const pixel = readFileSync(pixelPath);

/** Sends with curl, a real HTTP client; answers the capture's id. */
function curl(args: string[]): string {
  const answer = execFileSync("curl", ["-sS", "--fail", ...args], { encoding: "utf8", timeout: 10_000 });
  return (JSON.parse(answer) as { id: string }).id;
}

async function downloadedBytes(download: Download): Promise<Buffer> {
  return readFileSync(await download.path());
}

async function openCapture(page: Page, binId: string, id: string): Promise<void> {
  await page.goto(`/bins/${binId}`);
  await page.locator(`[data-request-id="${id}"]`).click();
  await untilCaptureShown(page);
}

test("a multipart upload shows its parts, previews the image, downloads a part byte-exact and keeps an HTML part inert", async ({ page, bin }, testInfo) => {
  const htmlPath = testInfo.outputPath("evil.html");
  writeFileSync(htmlPath, '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">');
  const id = curl(["-F", "note=hello from curl", "-F", `pixel=@${pixelPath};type=image/png`, "-F", `page=@${htmlPath};type=text/html`, bin.url]);

  const dialogs: string[] = [];
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await openCapture(page, bin.id, id);
  await expect(page.getByRole("tab", { name: "Parts" })).toHaveAttribute("aria-selected", "true");
  const parts = page.getByTestId("multipart-part");
  await expect(parts).toHaveCount(3);

  const note = page.getByRole("listitem", { name: "Part 1: note" });
  await expect(note).toContainText("field note");
  await expect(note.locator("pre")).toHaveText("hello from curl");

  const image = page.getByRole("listitem", { name: "Part 2: pixel.png" });
  await expect(image).toContainText("image/png");
  await expect(image).toContainText(`${pixel.length} B`);
  const preview = image.getByRole("img", { name: "Preview of pixel.png" });
  await expect(preview).toBeVisible();
  await expect.poll(() => preview.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(2);
  const [imageDownload] = await Promise.all([page.waitForEvent("download"), image.getByRole("link", { name: "Download" }).click()]);
  expect(imageDownload.suggestedFilename()).toBe("pixel.png");
  expect((await downloadedBytes(imageDownload)).equals(pixel)).toBe(true);

  // The HTML part is text on the page and a download, never a document.
  const html = page.getByRole("listitem", { name: "Part 3: evil.html" });
  await expect(html.locator("pre")).toContainText("<script>window.__pwned=1</script>");
  await expect(html.locator("img")).toHaveCount(0);
  const pageUrl = page.url();
  const [htmlDownload] = await Promise.all([page.waitForEvent("download"), html.getByRole("link", { name: "Download" }).click()]);
  expect(htmlDownload.suggestedFilename()).toBe("evil.html");
  expect((await downloadedBytes(htmlDownload)).toString()).toBe(readFileSync(htmlPath, "utf8"));
  expect(page.url()).toBe(pageUrl);

  // Opened by hand, the part is still an attachment of unknown bytes, asked inline or not.
  const direct = await page.request.get(`/api/bins/${bin.id}/requests/${id}/parts/2?inline=1`);
  expect(direct.headers()["content-type"]).toBe("application/octet-stream");
  expect(direct.headers()["content-disposition"]).toMatch(/^attachment;/);
  expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
  expect(dialogs).toEqual([]);
});

test("a gzip JSON body is shown decoded with both sizes, while Raw and Download body keep the bytes as received", async ({ page, bin }, testInfo) => {
  const event = JSON.stringify({ type: "invoice.paid", marker: "decoded-view-marker", lines: Array.from({ length: 400 }, (_, i) => ({ i, status: "paid" })) });
  const gzipped = zlib.gzipSync(event);
  const bodyPath = testInfo.outputPath("event.json.gz");
  writeFileSync(bodyPath, gzipped);
  const id = curl(["-H", "Content-Type: application/json", "-H", "Content-Encoding: gzip", "--data-binary", `@${bodyPath}`, bin.url]);

  await openCapture(page, bin.id, id);
  await expect(page.getByTestId("encoding-note")).toContainText(`gzip: ${formatBytes(gzipped.length)} → ${formatBytes(event.length)}`);
  await expect(page.getByRole("tab", { name: "JSON" })).toHaveAttribute("aria-selected", "true");
  await expect(page.getByTestId("body-pretty")).toContainText("decoded-view-marker");

  await page.getByRole("tab", { name: "Decoded text" }).click();
  await expect(page.getByTestId("body-decoded")).toContainText('"marker":"decoded-view-marker"');
  await page.getByRole("tab", { name: "Raw" }).click();
  await expect(page.getByTestId("body-raw").locator("pre")).toHaveText("(binary: see the hex view)");
  await page.getByRole("tab", { name: "Hex" }).click();
  await expect(page.getByTestId("body-hex")).toContainText("1f 8b 08");

  const [received] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Download body" }).click()]);
  expect((await downloadedBytes(received)).equals(gzipped)).toBe(true);
  const [decoded] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Download decoded" }).click()]);
  expect(decoded.suggestedFilename()).toBe(`${id}.decoded.json`);
  expect((await downloadedBytes(decoded)).toString()).toBe(event);
});

test("a body that does not decode says why and is shown as received", async ({ page, bin, send }) => {
  const id = await send({ headers: { "Content-Type": "text/plain", "Content-Encoding": "gzip" }, body: "plain text that claims to be gzip" });
  await openCapture(page, bin.id, id);
  await expect(page.getByTestId("encoding-note")).toContainText("not decoded, not valid gzip: incorrect header check");
  await expect(page.getByTestId("body-raw").locator("pre")).toHaveText("plain text that claims to be gzip");
  await expect(page.getByRole("link", { name: "Download decoded" })).toHaveCount(0);
});
