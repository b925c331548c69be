import { describe, expect, it } from "vitest";
import { SseParser } from "./sse.mjs";

describe("SseParser", () => {
  it("parses events cut anywhere, skipping comments and retry", () => {
    const stream =
      'retry: 2000\nevent: ready\ndata: {}\n\n: ping\n\nevent: request\nid: 01ARZ3NDEKTSV4RRFFQ69G5FAV\ndata: {"id":"01ARZ3NDEKTSV4RRFFQ69G5FAV"}\n\n';
    for (let cut = 0; cut <= stream.length; cut++) {
      const parser = new SseParser();
      const events = [...parser.push(stream.slice(0, cut)), ...parser.push(stream.slice(cut))];
      expect(events).toEqual([
        { event: "ready", id: undefined, data: "{}" },
        { event: "request", id: "01ARZ3NDEKTSV4RRFFQ69G5FAV", data: '{"id":"01ARZ3NDEKTSV4RRFFQ69G5FAV"}' },
      ]);
    }
  });

  it("accepts CRLF and CR line ends, joins multi-line data and waits for the blank line", () => {
    const parser = new SseParser();
    expect(parser.push("event: a\r\ndata: 1\r\ndata: 2\r")).toEqual([]);
    expect(parser.push("\n\r\nevent: b\rdata\r\r")).toEqual([{ event: "a", id: undefined, data: "1\n2" }]);
    // The last "\r" could be half of "\r\n": the event is complete once the next byte shows it is not.
    expect(parser.push(":")).toEqual([{ event: "b", id: undefined, data: "" }]);
    expect(parser.push("data: unfinished\n")).toEqual([]);
  });
});
