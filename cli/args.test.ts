import path from "node:path";
import { describe, expect, it } from "vitest";
import { defaultStateFile, parseBinUrl, parseCommand, parseTargetUrl, UsageError } from "./args.mjs";

const binId = "AbCdEfGhIjKlMnOpQrStUv";
const context = { env: { HOOKYARD_TOKEN: "hyk_token_from_the_environment_0000000000000" }, platform: "linux" as const, home: "/home/dev" };

describe("parseBinUrl", () => {
  it("takes the capture URL, with or without a sub-path, query or trailing slash", () => {
    expect(parseBinUrl(`https://hooks.example/b/${binId}`)).toEqual({ server: "https://hooks.example", binId });
    expect(parseBinUrl(`http://localhost:8080/b/${binId}/`)).toEqual({ server: "http://localhost:8080", binId });
    expect(parseBinUrl(`https://hooks.example/b/${binId}/stripe/events?x=1#top`)).toEqual({ server: "https://hooks.example", binId });
  });

  it("takes the dashboard URL, and keeps a path prefix in front of either", () => {
    expect(parseBinUrl(`https://hooks.example/bins/${binId}`)).toEqual({ server: "https://hooks.example", binId });
    expect(parseBinUrl(`https://example.com/tools/hookyard/b/${binId}`)).toEqual({ server: "https://example.com/tools/hookyard", binId });
  });

  it("refuses what is not a bin URL, saying why", () => {
    expect(() => parseBinUrl("hooks.example/b/x")).toThrow(/is not a URL/);
    expect(() => parseBinUrl(`ftp://hooks.example/b/${binId}`)).toThrow(/http:\/\/ or https:\/\//);
    expect(() => parseBinUrl("https://hooks.example/settings")).toThrow(/not a bin URL/);
    expect(() => parseBinUrl("https://hooks.example/b/short")).toThrow(/"short" is not a bin id/);
    expect(() => parseBinUrl("https://hooks.example/b/")).toThrow(UsageError);
  });
});

describe("parseTargetUrl", () => {
  it("accepts absolute http(s) URLs as given and refuses the rest", () => {
    expect(parseTargetUrl("http://localhost:3000/webhooks?k=1")).toBe("http://localhost:3000/webhooks?k=1");
    expect(() => parseTargetUrl("localhost:3000")).toThrow(/http:\/\/ or https:\/\//);
    expect(() => parseTargetUrl("/webhooks")).toThrow(/not a URL/);
  });
});

describe("parseCommand", () => {
  it("reads forward with its defaults", () => {
    const command = parseCommand(["forward", `https://hooks.example/b/${binId}`, "--to", "http://localhost:3000/webhooks"], context);
    expect(command).toEqual({
      kind: "forward",
      options: {
        server: "https://hooks.example",
        binId,
        target: "http://localhost:3000/webhooks",
        appendPath: true,
        fromStart: false,
        stateFile: defaultStateFile("https://hooks.example", binId, "http://localhost:3000/webhooks", context),
        timeoutMs: 30_000,
        token: "hyk_token_from_the_environment_0000000000000",
      },
    });
  });

  it("reads every option, short and long", () => {
    const command = parseCommand(
      [
        "forward",
        `http://h/bins/${binId}`,
        "-t",
        "http://127.0.0.1:9/x",
        "--no-path",
        "--from-start",
        "--state",
        "/tmp/s.json",
        "--timeout",
        "500",
        "--token",
        "hyk_given",
      ],
      context,
    );
    expect(command).toMatchObject({
      kind: "forward",
      options: { appendPath: false, fromStart: true, stateFile: "/tmp/s.json", timeoutMs: 500, target: "http://127.0.0.1:9/x", token: "hyk_given" },
    });
    expect(() => parseCommand(["forward", `http://h/bins/${binId}`, "-t", "http://127.0.0.1:9/x"], { ...context, env: {} })).toThrow(/No token given/);
    expect(parseCommand(["--help"])).toEqual({ kind: "help" });
    expect(parseCommand(["forward", "-h"])).toEqual({ kind: "help" });
    expect(parseCommand(["-v"])).toEqual({ kind: "version" });
  });

  it("explains each usage mistake", () => {
    const url = `https://hooks.example/b/${binId}`;
    expect(() => parseCommand([])).toThrow(/No command given/);
    expect(() => parseCommand(["relay", url])).toThrow(/Unknown command "relay"/);
    expect(() => parseCommand(["forward"])).toThrow(/No bin URL given/);
    expect(() => parseCommand(["forward", url])).toThrow(/No target given: add --to/);
    expect(() => parseCommand(["forward", url, url, "--to", "http://x"])).toThrow(/Unexpected argument/);
    expect(() => parseCommand(["forward", url, "--to"])).toThrow(UsageError);
    expect(() => parseCommand(["forward", url, "--to", "http://x", "--bogus"])).toThrow(/--bogus/);
    expect(() => parseCommand(["forward", url, "--to", "http://x", "--timeout", "soon"])).toThrow(/--timeout must be a whole number/);
    expect(() => parseCommand(["forward", "nope", "--to", "http://x"])).toThrow(UsageError);
  });
});

describe("defaultStateFile", () => {
  it("keys the file by server, bin and target under the platform's cache directory", () => {
    const a = defaultStateFile("https://h", binId, "http://localhost:3000/a", context);
    expect(path.dirname(a)).toBe("/home/dev/.cache/hookyard");
    expect(path.basename(a)).toMatch(new RegExp(`^relay-${binId}-[0-9a-f]{16}\\.json$`));
    expect(defaultStateFile("https://h", binId, "http://localhost:3000/a", context)).toBe(a);
    expect(defaultStateFile("https://h", binId, "http://localhost:3000/b", context)).not.toBe(a);
    expect(defaultStateFile("https://other", binId, "http://localhost:3000/a", context)).not.toBe(a);
    expect(defaultStateFile("https://h", binId, "t", { env: { XDG_CACHE_HOME: "/xdg" }, platform: "linux", home: "/home/dev" })).toMatch(/^\/xdg\/hookyard\//);
    expect(defaultStateFile("https://h", binId, "t", { env: {}, platform: "darwin", home: "/Users/dev" })).toMatch(
      /^\/Users\/dev\/Library\/Caches\/hookyard\//,
    );
  });
});
