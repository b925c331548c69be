import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { earlyStreamScript, liveStreamPath, resumePoint, takeEarlyStream } from "./early-stream";

/** Just enough of EventSource to dispatch named events and record what the script did. */
class FakeEventSource extends EventTarget {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  static opened: FakeEventSource[] = [];
  readyState = FakeEventSource.CONNECTING;
  constructor(readonly url: string) {
    super();
    FakeEventSource.opened.push(this);
  }
  emit(type: string, data: string): void {
    this.dispatchEvent(new MessageEvent(type, { data }));
  }
  close(): void {
    this.readyState = FakeEventSource.CLOSED;
  }
}

type Globals = Record<string, unknown>;
const globals = globalThis as unknown as Globals;
const saved = { EventSource: globals.EventSource, window: globals.window };

/** Runs the inline script the way the browser would: as a classic script, globals only. */
function runInlineScript(path: string): FakeEventSource {
  new Function(earlyStreamScript(path))();
  const source = FakeEventSource.opened.at(-1);
  if (!source) throw new Error("the script opened no stream");
  return source;
}

beforeEach(() => {
  FakeEventSource.opened = [];
  globals.EventSource = FakeEventSource;
  globals.window = globalThis;
});

afterEach(() => {
  takeEarlyStream("");
  globals.EventSource = saved.EventSource;
  globals.window = saved.window;
});

describe("early live stream", () => {
  const path = liveStreamPath("aBcDeFgHiJkLmNoPqRsTuV", resumePoint(undefined));

  it("resumes after the newest rendered capture, or from the start of an empty bin", () => {
    expect(resumePoint({ seq: 41 })).toBe("41");
    expect(path).toBe("/api/bins/aBcDeFgHiJkLmNoPqRsTuV/stream?after=0");
  });

  it("opens the stream at once and hands it over with every event so far, in order, once", () => {
    const source = runInlineScript(path);
    expect(source.url).toBe(path);
    source.emit("ready", "{}");
    source.emit("request", '{"id":"1"}');
    source.emit("request-deleted", '{"id":"1"}');

    const early = takeEarlyStream(path);
    expect(early?.source).toBe(source);
    expect(early?.events).toEqual([
      { type: "ready", data: "{}" },
      { type: "request", data: '{"id":"1"}' },
      { type: "request-deleted", data: '{"id":"1"}' },
    ]);
    // Once handed over, the hook's own listeners take the events; the buffer stops.
    source.emit("request", '{"id":"2"}');
    expect(early?.events).toHaveLength(3);
    expect(takeEarlyStream(path)).toBeNull();
  });

  it("is not adopted for another path, nor once the server refused it; either way it is closed", () => {
    const other = runInlineScript(path);
    expect(takeEarlyStream(liveStreamPath("aBcDeFgHiJkLmNoPqRsTuV", "0190abcdefghijklmnopqrstuv"))).toBeNull();
    expect(other.readyState).toBe(FakeEventSource.CLOSED);

    const refused = runInlineScript(path);
    refused.close();
    expect(takeEarlyStream(path)).toBeNull();
  });

  it("cannot close its script element, whatever the path holds", () => {
    expect(earlyStreamScript("/api/bins/x/stream?after=</script><script>alert(1)//")).not.toContain("</script>");
  });
});
