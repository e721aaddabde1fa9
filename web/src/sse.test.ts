import { describe, expect, it } from "vitest";
import { SSEParser, type SSEMessage } from "./sse";

function parse(chunks: string[]): SSEMessage[] {
  const out: SSEMessage[] = [];
  const p = new SSEParser((m) => out.push(m));
  for (const c of chunks) p.push(c);
  return out;
}

describe("SSEParser", () => {
  const tests: { name: string; chunks: string[]; want: SSEMessage[] }[] = [
    { name: "one", chunks: ["id: 7\nevent: status\ndata: {}\n\n"], want: [{ id: "7", event: "status", data: "{}" }] },
    { name: "no_event_field", chunks: ["data: x\n\n"], want: [{ id: "", event: "message", data: "x" }] },
    {
      name: "split_everywhere",
      chunks: ["id: 1", "2\nev", "ent: alert\nda", "ta: a\ndata: b\n", "\n"],
      want: [{ id: "12", event: "alert", data: "a\nb" }],
    },
    { name: "comment_ping", chunks: [": ping\n\n", "id: 3\nevent: e\ndata: d\n\n"], want: [{ id: "3", event: "e", data: "d" }] },
    { name: "crlf", chunks: ["id: 4\r", "\nevent: e\r\ndata: d\r\n\r\n"], want: [{ id: "4", event: "e", data: "d" }] },
    { name: "cr_only", chunks: ["id: 5\revent: e\rdata: d\r\r"], want: [{ id: "5", event: "e", data: "d" }] },
    {
      name: "id_carries_over",
      chunks: ["id: 9\nevent: a\ndata: 1\n\nevent: b\ndata: 2\n\n"],
      want: [
        { id: "9", event: "a", data: "1" },
        { id: "9", event: "b", data: "2" },
      ],
    },
    { name: "empty_data_dropped", chunks: ["id: 1\nevent: a\n\n"], want: [] },
    { name: "incomplete_not_dispatched", chunks: ["id: 1\nevent: a\ndata: x\n"], want: [] },
    { name: "no_space_after_colon", chunks: ["data:x\n\n"], want: [{ id: "", event: "message", data: "x" }] },
  ];
  for (const tt of tests) {
    it(tt.name, () => {
      expect(parse(tt.chunks)).toEqual(tt.want);
    });
  }

  it("keeps lastId after an id-only message", () => {
    const p = new SSEParser(() => {});
    p.push("id: 42\n\n");
    expect(p.lastId).toBe("42");
  });
});
