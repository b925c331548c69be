import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { MultipartPartDto } from "../../types.ts";
import { contentDisposition, partResponseHeaders, sanitizeFilename } from "./part-download.ts";

const png = readFileSync(new URL("./fixtures/pixel.png", import.meta.url));
const part = (overrides: Partial<MultipartPartDto>): MultipartPartDto => ({
  index: 0,
  headers: [],
  name: "file",
  filename: null,
  contentType: null,
  offset: 0,
  size: 0,
  ...overrides,
});

describe("sanitizeFilename", () => {
  it("keeps the last path segment and drops what a file name must not hold", () => {
    expect(sanitizeFilename("../../etc/passwd")).toBe("passwd");
    expect(sanitizeFilename("C:\\Users\\me\\report.pdf")).toBe("report.pdf");
    expect(sanitizeFilename('evil"; filename="x.html')).toBe("evil_; filename=_x.html");
    expect(sanitizeFilename("line\r\nSet-Cookie: a=b.txt")).toBe("lineSet-Cookie_ a=b.txt");
    expect(sanitizeFilename("invoice\u202eexe.pdf")).toBe("invoiceexe.pdf");
    expect(sanitizeFilename("..hidden")).toBe("hidden");
    expect(sanitizeFilename("café ☕.txt")).toBe("café ☕.txt");
    expect(sanitizeFilename("x".repeat(300))).toHaveLength(200);
    expect(sanitizeFilename("../")).toBeNull();
    expect(sanitizeFilename("  ")).toBeNull();
    expect(sanitizeFilename(null)).toBeNull();
  });
});

describe("contentDisposition", () => {
  it("gives ASCII names as they are, others with an RFC 5987 filename* and an ASCII stand-in", () => {
    expect(contentDisposition("attachment", "pixel.png")).toBe('attachment; filename="pixel.png"');
    expect(contentDisposition("attachment", "café ☕ (1).txt")).toBe(
      "attachment; filename=\"caf_ _ (1).txt\"; filename*=UTF-8''caf%C3%A9%20%E2%98%95%20%281%29.txt",
    );
  });
});

describe("partResponseHeaders", () => {
  it("previews an allow-listed image inline only when asked and when its bytes are that image", () => {
    const image = part({ filename: "pixel.png", contentType: "image/png" });
    expect(partResponseHeaders(image, png, "01REQ", true)).toEqual({
      "Content-Type": "image/png",
      "Content-Disposition": 'inline; filename="pixel.png"',
      "Content-Security-Policy": "sandbox; default-src 'none'",
      "X-Content-Type-Options": "nosniff",
      "Cache-Control": "no-store",
    });
    expect(partResponseHeaders(image, png, "01REQ", false)["Content-Disposition"]).toBe('attachment; filename="pixel.png"');
    // Declared a PNG, holding HTML: a download of unknown bytes.
    const liar = partResponseHeaders(image, Buffer.from("<script>alert(1)</script>"), "01REQ", true);
    expect(liar).toMatchObject({ "Content-Type": "application/octet-stream", "Content-Disposition": 'attachment; filename="pixel.png"' });
  });

  it("serves HTML, SVG and anything else as an octet-stream attachment, even when asked inline", () => {
    for (const contentType of ["text/html", "image/svg+xml", "application/pdf", null]) {
      const headers = partResponseHeaders(part({ filename: "x.html", contentType }), Buffer.from("<svg onload=alert(1)>"), "01REQ", true);
      expect(headers["Content-Type"]).toBe("application/octet-stream");
      expect(headers["Content-Disposition"]).toBe('attachment; filename="x.html"');
      expect(headers["Content-Security-Policy"]).toBe("sandbox; default-src 'none'");
    }
  });

  it("names a part without a usable file name after the capture and its place", () => {
    expect(partResponseHeaders(part({ index: 2, filename: "../" }), Buffer.from("v"), "01REQ", false)["Content-Disposition"]).toBe(
      'attachment; filename="01REQ-part-3.bin"',
    );
  });
});
