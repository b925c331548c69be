import { describe, expect, it } from "vitest";
import { imagePreview, sniffImage } from "./image";

// A real 1×1 PNG, and the first bytes of real JPEG, GIF and WebP files.
const png = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==", "base64");
const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46]);
const gif = Buffer.from("GIF89a\x01\x00\x01\x00\x80\x00\x00", "latin1");
const webp = Buffer.from("RIFF\x24\x00\x00\x00WEBPVP8 ", "latin1");

describe("sniffImage", () => {
  it("names each raster format by its signature", () => {
    expect(sniffImage(png)).toBe("image/png");
    expect(sniffImage(jpeg)).toBe("image/jpeg");
    expect(sniffImage(gif)).toBe("image/gif");
    expect(sniffImage(Buffer.from("GIF87a...", "latin1"))).toBe("image/gif");
    expect(sniffImage(webp)).toBe("image/webp");
  });

  it("names nothing for other bytes, a truncated signature, or RIFF that is not WebP", () => {
    expect(sniffImage(png.subarray(0, 7))).toBeNull();
    expect(sniffImage(Buffer.from("RIFF\x24\x00\x00\x00WAVEfmt ", "latin1"))).toBeNull();
    expect(sniffImage(Buffer.from("<svg xmlns='http://www.w3.org/2000/svg'/>"))).toBeNull();
    expect(sniffImage(new Uint8Array())).toBeNull();
  });
});

describe("imagePreview", () => {
  it("previews an allow-listed type whose bytes agree, parameters and case aside", () => {
    expect(imagePreview(png, "image/png")).toEqual({ kind: "image", type: "image/png" });
    expect(imagePreview(jpeg, "IMAGE/JPEG; q=1")).toEqual({ kind: "image", type: "image/jpeg" });
    expect(imagePreview(webp, "image/webp")).toEqual({ kind: "image", type: "image/webp" });
  });

  it("refuses a declared image whose bytes are something else, saying what they are", () => {
    expect(imagePreview(Buffer.from("not a png at all"), "image/png")).toEqual({
      kind: "mismatch",
      type: "image/png",
      reason: "declared image/png, but the bytes are no image format Hookyard previews",
    });
    expect(imagePreview(gif, "image/png")).toMatchObject({ kind: "mismatch", reason: "declared image/png, but the bytes are a GIF image" });
  });

  it("never previews SVG, HTML, or bytes that are an image under another declared type", () => {
    expect(imagePreview(Buffer.from("<svg/>"), "image/svg+xml")).toEqual({ kind: "none" });
    expect(imagePreview(png, "text/html")).toEqual({ kind: "none" });
    expect(imagePreview(png, "application/octet-stream")).toEqual({ kind: "none" });
    expect(imagePreview(png, null)).toEqual({ kind: "none" });
  });
});
