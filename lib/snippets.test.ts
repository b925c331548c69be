import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTargetServer, type TargetServer } from "../e2e/support/target";
import { captureFixture, samples } from "./capture-samples";
import { toHarRequest } from "./har";
import { jsString, pyBytes, pyString, type SnippetTarget, toSnippet } from "./snippets";

const run = promisify(execFile);

// The snippets run for real against a listener on 127.0.0.1; no proxy from the
// environment may take their traffic anywhere else.
const childEnv: NodeJS.ProcessEnv = { NODE_ENV: "test", PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NO_PROXY: "*", no_proxy: "*" };

function has(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: "ignore", env: childEnv });
    return true;
  } catch {
    return false;
  }
}

const hasPythonRequests = has("python3", ["-c", "import requests"]);
const hasHttpie = has("http", ["--version"]);

type Sent = { method?: string; path?: string; headers?: [string, string][]; contentType?: string | null; body?: Uint8Array };

/** The HAR request of a capture sent to `baseUrl`. */
function harOf(
  baseUrl: string,
  { method = "POST", path = "/b/AbCdEfGhIjKlMnOpQrStUv/hook?attempt=1&tag=a&tag=b", headers, contentType = null, body = new Uint8Array() }: Sent,
) {
  const url = `${baseUrl}${path}`;
  const allHeaders: [string, string][] = [
    ["Host", new URL(baseUrl).host],
    ...(contentType === null ? [] : ([["Content-Type", contentType]] as [string, string][])),
    ["Content-Length", String(body.length)],
    ...(headers ?? []),
  ];
  return toHarRequest(captureFixture({ method, url, query: url.split("?")[1] ?? "", headers: allHeaders, contentType }), body);
}

/** Runs the snippet as its tool would (fetch in Node, requests in python3, HTTPie via a stand-in or the real one). */
async function runSnippet(target: SnippetTarget, code: string): Promise<void> {
  if (target === "fetch")
    await run(process.execPath, ["--input-type=module", "-e", `const response = await ${code};\nawait response.text();`], { env: childEnv });
  else if (target === "python-requests") await run("python3", ["-c", code], { env: childEnv });
  else await run("bash", ["-c", code], { env: childEnv });
}

describe("toSnippet", () => {
  it("writes the exact body text into each snippet, not a re-serialisation of it", () => {
    // Spacing a parser would drop, and `true` that the Python plugin would turn into True.
    const text = '{ "paid": true,\n  "amount": 4200, "note": null }';
    const request = harOf("http://127.0.0.1:3000", { contentType: "application/json", body: new TextEncoder().encode(text) });
    expect(toSnippet("fetch", request)).toContain(`body: ${jsString(text)}`);
    expect(toSnippet("python-requests", request)).toContain(`data=${pyString(text)}.encode()`);
    expect(toSnippet("httpie", request)).toContain(`--raw='${text}'`);
  });

  it("leaves out the headers the client computes, as the cURL command does", () => {
    const request = harOf("http://127.0.0.1:3000", {
      contentType: "text/plain",
      body: new TextEncoder().encode("hi"),
      headers: [
        ["Connection", "keep-alive"],
        ["X-Kept", "yes"],
      ],
    });
    for (const target of ["fetch", "httpie", "python-requests"] as const) {
      const code = toSnippet(target, request);
      expect(code, target).not.toMatch(/Host|Content-Length|Connection/);
      expect(code, target).toContain("X-Kept");
    }
  });

  it("says in the fetch snippet that a GET's body cannot go", () => {
    const code = toSnippet("fetch", harOf("http://127.0.0.1:3000", { method: "GET", body: new TextEncoder().encode("odd") }));
    expect(code).toContain("fetch cannot send a body with GET: the captured 3-byte body is left out.");
    expect(code).not.toContain("odd");
  });
});

describe("literals", () => {
  it("are what each language reads back as the same text or bytes", () => {
    const text = `it's "quoted" \\ $x \`y\` \n\r\t\u0000\u2028 é 🎉`;
    expect(JSON.parse(execFileSync(process.execPath, ["-e", `process.stdout.write(JSON.stringify(${jsString(text)}))`]).toString())).toBe(text);
    if (hasPythonRequests) {
      expect(execFileSync("python3", ["-c", `import sys; sys.stdout.buffer.write(${pyString(text)}.encode())`]).toString()).toBe(text);
      const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
      expect([...execFileSync("python3", ["-c", `import sys; sys.stdout.buffer.write(${pyBytes(bytes)})`])]).toEqual([...bytes]);
    }
  });
});

describe("a snippet run for real sends the captured request again", () => {
  let target: TargetServer;
  beforeAll(async () => {
    target = await startTargetServer();
  });
  afterAll(() => target.close());

  const kinds = Object.entries(samples).map(([kind, sample]) => ({ kind, ...sample }));
  const tools: { target: SnippetTarget; available: boolean }[] = [
    { target: "fetch", available: true },
    { target: "python-requests", available: hasPythonRequests },
    // Without HTTPie installed, a stand-in `http` shows what the shell hands it (argv and stdin): see below.
    { target: "httpie", available: hasHttpie },
  ];

  for (const tool of tools) {
    for (const { kind, contentType, body } of kinds) {
      it.skipIf(!tool.available)(`${tool.target}: a ${kind} body arrives byte for byte, with its method, path and headers`, async () => {
        const request = harOf(target.baseUrl, {
          method: "PUT",
          contentType,
          body,
          headers: [
            ["X-Dup", "1"],
            ["X-Dup", "2"],
            ["X-Event", "invoice.paid"],
          ],
        });
        await runSnippet(tool.target, toSnippet(tool.target, request));
        const received = target.received.at(-1)!;
        expect(received.method).toBe("PUT");
        expect(received.url).toBe("/b/AbCdEfGhIjKlMnOpQrStUv/hook?attempt=1&tag=a&tag=b");
        expect(Buffer.compare(received.body, Buffer.from(body)), `${kind} body`).toBe(0);
        const header = (name: string) => received.headers.filter(([key]) => key.toLowerCase() === name.toLowerCase()).map(([, value]) => value);
        expect(header("Content-Type")).toEqual([contentType]);
        expect(header("X-Event")).toEqual(["invoice.paid"]);
        // fetch and requests send a name once: the repeated header arrives joined, which HTTP reads as the same.
        expect(header("X-Dup").join(", ")).toBe("1, 2");
      });
    }

    it.skipIf(!tool.available)(`${tool.target}: a body without a Content-Type gets none added`, async () => {
      await runSnippet(tool.target, toSnippet(tool.target, harOf(target.baseUrl, { body: samples.text.body })));
      const received = target.received.at(-1)!;
      expect(received.headers.filter(([name]) => name.toLowerCase() === "content-type")).toEqual([]);
      expect(Buffer.compare(received.body, Buffer.from(samples.text.body))).toBe(0);
    });

    it.skipIf(!tool.available)(`${tool.target}: a URL holding quotes and code stays a string`, async () => {
      // Were the URL pasted between quotes unescaped, the rest would run (and exit 3).
      const path = `/b/AbCdEfGhIjKlMnOpQrStUv/x');process.exit(3);('"+__import__('os')._exit(3)+"'$(exit 3)'?a=1`;
      await runSnippet(tool.target, toSnippet(tool.target, harOf(target.baseUrl, { method: "POST", path })));
      expect(target.received.at(-1)!.url).toContain("process.exit(3)");
    });
  }

  describe("HTTPie, through a stand-in `http` that prints what the shell gives it", () => {
    // What HTTPie would be handed: its arguments (NUL-separated) and, unless told to
    // ignore it, standard input. The real one is run above when it is installed.
    const standIn = `http() { printf '%s\\0' "$@"; case " $* " in *" --ignore-stdin "*) ;; *) cat ;; esac; }\n`;

    /** The arguments `http` is given, for commands that ignore standard input (a text body never holds NUL). */
    async function handed(code: string): Promise<string[]> {
      const { stdout } = await run("bash", ["-c", standIn + code], { env: childEnv });
      return stdout.split("\0").slice(0, -1);
    }

    it("passes a text body whole in --raw, headers in order with duplicates", async () => {
      const request = harOf("http://127.0.0.1:3000", {
        contentType: samples.text.contentType,
        body: samples.text.body,
        headers: [
          ["X-Dup", "1"],
          ["x-dup", "2"],
        ],
      });
      const args = await handed(toSnippet("httpie", request));
      expect(args.slice(0, 4)).toEqual(["--path-as-is", "--ignore-stdin", "POST", "http://127.0.0.1:3000/b/AbCdEfGhIjKlMnOpQrStUv/hook?attempt=1&tag=a&tag=b"]);
      expect(args.slice(4)).toEqual([`Content-Type:${samples.text.contentType}`, "X-Dup:1", "x-dup:2", `--raw=${new TextDecoder().decode(samples.text.body)}`]);
    });

    it("pipes a binary body in byte for byte, and unsets HTTPie's own Content-Type when there was none", async () => {
      const request = harOf("http://127.0.0.1:3000", { contentType: null, body: samples.binary.body });
      const code = toSnippet("httpie", request);
      const { stdout } = await run("bash", ["-c", standIn + code], { encoding: "buffer", env: childEnv });
      const words = ["--path-as-is", "POST", "http://127.0.0.1:3000/b/AbCdEfGhIjKlMnOpQrStUv/hook?attempt=1&tag=a&tag=b", "Content-Type:"];
      const argv = Buffer.from(words.map((word) => `${word}\0`).join(""));
      expect(Buffer.compare(stdout.subarray(0, argv.length), argv)).toBe(0);
      expect([...stdout.subarray(argv.length)]).toEqual([...samples.binary.body]);
    });

    it("quotes a unicode text body so the shell passes its UTF-8 bytes unchanged", async () => {
      const request = harOf("http://127.0.0.1:3000", { contentType: samples.unicode.contentType, body: samples.unicode.body });
      const args = await handed(toSnippet("httpie", request));
      expect(args.at(-1)).toBe(`--raw=${new TextDecoder().decode(samples.unicode.body)}`);
    });
  });
});
