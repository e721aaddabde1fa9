// sse.ts: a Server-Sent Events parser (WHATWG HTML §9.2 "Server-sent
// events", the event stream format), fed with text chunks as they arrive.

export interface SSEMessage {
  /** The last event ID (the id: field of this or an earlier message). */
  id: string;
  /** The event type; "message" when the event: field was absent. */
  event: string;
  data: string;
}

/**
 * SSEParser turns an event stream, given in arbitrary chunks, into
 * messages. It keeps the last event ID across messages as the spec says,
 * ignores comments (": ping") and fields it does not know, and drops a
 * message whose data is empty.
 */
export class SSEParser {
  lastId = "";
  private buf = "";
  private event = "";
  private data: string[] = [];
  private sawCR = false;

  constructor(private readonly onMessage: (m: SSEMessage) => void) {}

  push(chunk: string): void {
    let s = chunk;
    // A CR at the end of the previous chunk may pair with an LF here.
    if (this.sawCR && s.startsWith("\n")) s = s.slice(1);
    this.sawCR = false;
    this.buf += s;
    for (;;) {
      const i = this.buf.search(/[\r\n]/);
      if (i < 0) break;
      const line = this.buf.slice(0, i);
      let skip = 1;
      if (this.buf[i] === "\r") {
        if (i + 1 < this.buf.length) {
          if (this.buf[i + 1] === "\n") skip = 2;
        } else {
          this.sawCR = true;
        }
      }
      this.buf = this.buf.slice(i + skip);
      this.line(line);
    }
  }

  private line(line: string): void {
    if (line === "") {
      this.dispatch();
      return;
    }
    if (line.startsWith(":")) return;
    const c = line.indexOf(":");
    const field = c < 0 ? line : line.slice(0, c);
    let value = c < 0 ? "" : line.slice(c + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    switch (field) {
      case "event":
        this.event = value;
        break;
      case "data":
        this.data.push(value);
        break;
      case "id":
        if (!value.includes("\0")) this.lastId = value;
        break;
      default: // retry: and unknown fields are ignored
    }
  }

  private dispatch(): void {
    const data = this.data.join("\n");
    const event = this.event || "message";
    this.data = [];
    this.event = "";
    if (data === "" ) return;
    this.onMessage({ id: this.lastId, event, data });
  }
}
