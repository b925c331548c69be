import type { CaptureForHar } from "./har.ts";

/** For tests: captures and bodies as real senders send them, shared by lib/har.test.ts and lib/snippets.test.ts. */

const encoder = new TextEncoder();

/** A capture as the API returns it, with overridable defaults. */
export function captureFixture(overrides: Partial<CaptureForHar> = {}): CaptureForHar {
  return {
    id: "01JRQZ8X4G7T2M5N9P3K6W1Y0A",
    binId: "AbCdEfGhIjKlMnOpQrStUv",
    seq: 7,
    method: "POST",
    url: "http://127.0.0.1:3000/b/AbCdEfGhIjKlMnOpQrStUv/stripe/webhook?attempt=1",
    query: "attempt=1",
    headers: [
      ["Host", "127.0.0.1:3000"],
      ["User-Agent", "Stripe/1.0"],
      ["Content-Type", "application/json; charset=utf-8"],
      ["Content-Length", "123"],
    ],
    contentType: "application/json; charset=utf-8",
    ip: "127.0.0.1",
    receivedAt: Date.UTC(2026, 10, 23, 17, 55, 36, 835),
    ...overrides,
  };
}

/** Real bodies as senders send them. */
export const samples = {
  json: { contentType: "application/json", body: encoder.encode('{"id":"evt_1","type":"invoice.paid","data":{"amount":4200,"paid":true,"note":null}}') },
  form: { contentType: "application/x-www-form-urlencoded", body: encoder.encode("name=J%C3%BCrgen+M&tags=a&tags=b&empty=") },
  text: { contentType: "text/plain; charset=utf-8", body: encoder.encode("line one\nline 'two' with \"quotes\" and \\backslash\\ and $HOME\n") },
  unicode: { contentType: "application/json", body: encoder.encode('{"greeting":"こんにちは","emoji":"🎉","sep":"\u2028"}') },
  // A PNG's signature and the start of its header chunk: NUL and high bytes.
  binary: {
    contentType: "image/png",
    body: Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x27, 0x22, 0x5c, 0xff]),
  },
};
