import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { RelayOptions } from "./args.mjs";
import { backoffMs, printable, readState, RelayExit, writeState } from "./relay.mjs";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function options(stateFile: string): RelayOptions {
  return {
    server: "http://h",
    binId: "AbCdEfGhIjKlMnOpQrStUv",
    target: "http://t/",
    appendPath: true,
    fromStart: false,
    stateFile,
    timeoutMs: 1000,
    token: "hyk_test",
  };
}

function tempFile(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "hookyard-relay-"));
  dirs.push(dir);
  return path.join(dir, "nested", "state.json");
}

describe("relay state", () => {
  it("is absent at first, then holds the last delivered place (seq), creating its directory", () => {
    const file = tempFile();
    expect(readState(options(file))).toBeNull();
    writeState(options(file), "0");
    expect(readState(options(file))).toBe("0");
    writeState(options(file), "1207");
    expect(readState(options(file))).toBe("1207");
    expect(JSON.parse(readFileSync(file, "utf8"))).toMatchObject({ server: "http://h", binId: "AbCdEfGhIjKlMnOpQrStUv", lastId: "1207" });
  });

  it("takes a capture id, as relays saved before event ids were places", () => {
    const file = tempFile();
    writeState(options(file), "0");
    writeFileSync(file, JSON.stringify({ server: "http://h", binId: "AbCdEfGhIjKlMnOpQrStUv", target: "http://t/", lastId: "01ARZ3NDEKTSV4RRFFQ69G5FAV" }));
    expect(readState(options(file))).toBe("01ARZ3NDEKTSV4RRFFQ69G5FAV");
  });

  it("refuses a file that is not a state, or belongs to another bin", () => {
    const file = tempFile();
    writeState(options(file), "0");
    writeFileSync(file, "{not json");
    expect(() => readState(options(file))).toThrow(/is not a relay state/);
    writeFileSync(file, JSON.stringify({ server: "http://h", binId: "AbCdEfGhIjKlMnOpQrStUv", lastId: "../etc" }));
    expect(() => readState(options(file))).toThrow(RelayExit);
    // Neither a place nor a capture id.
    for (const lastId of ["-1", "1.5", "007", "1e3", "1234567890123456", "01arz3ndektsv4rrffq69g5fav", 12]) {
      writeFileSync(file, JSON.stringify({ server: "http://h", binId: "AbCdEfGhIjKlMnOpQrStUv", lastId }));
      expect(() => readState(options(file)), String(lastId)).toThrow(/is not a relay state/);
    }
    writeFileSync(file, JSON.stringify({ server: "http://h", binId: "ZZZZEfGhIjKlMnOpQrStUv", lastId: "0" }));
    expect(() => readState(options(file))).toThrow(/belongs to bin ZZZZEfGhIjKlMnOpQrStUv/);
  });
});

describe("backoffMs", () => {
  it("doubles from half a second up to 30 s, within the jitter", () => {
    expect(backoffMs(1)).toBeGreaterThanOrEqual(400);
    expect(backoffMs(1)).toBeLessThanOrEqual(600);
    expect(backoffMs(3)).toBeGreaterThanOrEqual(1600);
    expect(backoffMs(3)).toBeLessThanOrEqual(2400);
    expect(backoffMs(50)).toBeLessThanOrEqual(36_000);
    expect(backoffMs(50)).toBeGreaterThanOrEqual(24_000);
  });
});

describe("printable", () => {
  it("escapes control characters so captured text cannot drive the terminal", () => {
    expect(printable("/a\u001b[2Jb\r\n\u0085")).toBe("/a\\x1b[2Jb\\x0d\\x0a\\x85");
    expect(printable("/hooks/ü?x=1")).toBe("/hooks/ü?x=1");
  });
});
