import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { printfFormat, sampleCurl, shellQuote, toCurl } from "./curl";

/** What bash makes of a quoted word: the exact bytes it would pass to curl. */
function bashWord(quoted: string): Buffer {
  return execFileSync("bash", ["-c", `printf '%s' ${quoted}`]);
}

describe("shellQuote", () => {
  it("survives single quotes and shell metacharacters", () => {
    const text = `it's $HOME; \`rm -rf\` "x" \\ done`;
    expect(bashWord(shellQuote(new TextEncoder().encode(text))).toString()).toBe(text);
  });

  it("passes every non-NUL byte value through bash unchanged", () => {
    // Bash words cannot hold NUL; curl receives binary bodies through $'…' escapes.
    const all = Uint8Array.from({ length: 255 }, (_, i) => i + 1);
    expect([...bashWord(shellQuote(all))]).toEqual([...all]);
  });
});

describe("printfFormat", () => {
  it("makes bash's printf write every byte value, NUL, %, quotes and backslashes included", () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const written = execFileSync("bash", ["-c", `printf ${printfFormat(all)}`]);
    expect([...written]).toEqual([...all]);
  });
});

describe("toCurl", () => {
  const base = { method: "POST", url: "http://localhost:3000/b/abc/x?y=1", body: new TextEncoder().encode('{"a":1}') };

  it("keeps headers in order with duplicates, and drops the ones curl computes", () => {
    const command = toCurl({
      ...base,
      headers: [
        ["Host", "localhost:3000"],
        ["X-Dup", "1"],
        ["Content-Length", "7"],
        ["x-dup", "2"],
        ["Content-Type", "application/json"],
      ],
    });
    expect(command).toContain(`-H 'X-Dup: 1' -H 'x-dup: 2' -H 'Content-Type: application/json'`);
    expect(command).not.toMatch(/Host:|Content-Length/);
    expect(command).toContain(`--data-binary '{"a":1}'`);
    expect(command.startsWith("curl --path-as-is -X 'POST' 'http://localhost:3000/b/abc/x?y=1'")).toBe(true);
  });

  it("stops curl from adding headers the original did not have", () => {
    const command = toCurl({ ...base, headers: [] });
    expect(command).toContain(`-H 'User-Agent:' -H 'Accept:' -H 'Content-Type:' -H 'Expect:'`);
  });

  it("sends an empty header value with curl's semicolon syntax and HEAD with --head", () => {
    const command = toCurl({ method: "HEAD", url: "http://h/b/x", headers: [["X-Empty", ""]], body: new Uint8Array() });
    expect(command).toContain("--head");
    expect(command).toContain(`-H 'X-Empty;'`);
    expect(command).not.toContain("--data-binary");
  });
});

describe("toCurl with a body holding NUL bytes", () => {
  it("pipes the body in through printf", () => {
    const command = toCurl({ method: "PUT", url: "http://h/b/x", headers: [], body: new Uint8Array([0, 1, 0x41]) });
    expect(command).toMatch(/^printf -- '\\x00\\x01A' \| curl .* --data-binary @-$/);
  });

  it("writes a body that starts with dashes, as a multipart upload does", () => {
    const body = new Uint8Array([...new TextEncoder().encode("--boundary\r\n"), 0, 0xff]);
    const command = toCurl({ method: "POST", url: "http://h/b/x", headers: [], body });
    const printf = command.slice(0, command.indexOf(" | curl "));
    expect([...execFileSync("bash", ["-c", printf])]).toEqual([...body]);
  });
});

describe("sampleCurl", () => {
  it("posts JSON to the bin", () => {
    expect(sampleCurl("http://localhost:3000/b/abc")).toContain("'http://localhost:3000/b/abc/hello?source=curl'");
  });
});
