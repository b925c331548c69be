/**
 * An incremental Server-Sent Events parser (the WHATWG event-stream format): feed it
 * text as it arrives, get whole events back. Comments (`: ping`) and `retry:` are
 * dropped; the relay only needs the event name, its id and its data.
 */

/** @typedef {{ event: string; id: string | undefined; data: string }} SseEvent */

export class SseParser {
  #buffer = "";
  #event = "";
  /** @type {string | undefined} */
  #id = undefined;
  /** @type {string[]} */
  #data = [];

  /**
   * @param {string} text the next piece of the stream, cut anywhere
   * @returns {SseEvent[]} the events this piece completed, in order
   */
  push(text) {
    this.#buffer += text;
    /** @type {SseEvent[]} */
    const events = [];
    for (;;) {
      const end = this.#buffer.search(/\r\n|\r|\n/);
      if (end === -1) break;
      // A lone "\r" at the very end may be the first half of "\r\n": wait for more.
      if (this.#buffer[end] === "\r" && end === this.#buffer.length - 1) break;
      const line = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + (this.#buffer.startsWith("\r\n", end) ? 2 : 1));
      const event = this.#line(line);
      if (event) events.push(event);
    }
    return events;
  }

  /**
   * @param {string} line
   * @returns {SseEvent | null}
   */
  #line(line) {
    if (line === "") {
      const dispatched = this.#data.length > 0 || this.#event !== "" ? { event: this.#event || "message", id: this.#id, data: this.#data.join("\n") } : null;
      this.#event = "";
      this.#id = undefined;
      this.#data = [];
      return dispatched;
    }
    if (line.startsWith(":")) return null;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") this.#event = value;
    else if (field === "data") this.#data.push(value);
    else if (field === "id" && !value.includes("\0")) this.#id = value;
    return null;
  }
}
