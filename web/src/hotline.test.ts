import { describe, expect, it } from "vitest";
import type { HotlineEscalation, HotlineMessage, HotlineReceipt, ReceiptState } from "./api";
import {
  attachmentProblem,
  attachmentsSize,
  awaitingAck,
  base64FromDataURL,
  countdown,
  duration,
  isPrecedence,
  latestEscalations,
  parseHotlineRoute,
  queryWords,
  receiptMark,
  receiptState,
  roomHref,
  shouldMarkRead,
  snippetParts,
  sortMessages,
} from "./hotline";

function msg(id: string, created: string, seq: number, extra: Partial<HotlineMessage> = {}): HotlineMessage {
  return {
    id,
    seq,
    room: "ops",
    kind: "text",
    sender: "jp-ops",
    sender_name: "JP ops",
    sender_nation: "jp",
    precedence: "ROUTINE",
    created,
    deadline: created,
    body: "",
    attachments: [],
    receipts: [],
    escalations: [],
    mine: false,
    needs_ack: false,
    my_state: "delivered",
    ...extra,
  };
}

function esc(member: string, step: number, alternate: string): HotlineEscalation {
  return { message: "m", kind: "text", room: "ops", sender: "jp-ops", precedence: "FLASH", member, nation: "kr", step, deadline: "", alternate };
}

describe("parseHotlineRoute", () => {
  const tests: { name: string; hash: string; want: ReturnType<typeof parseHotlineRoute> }[] = [
    { name: "list", hash: "#/hotline", want: { room: null } },
    { name: "list_slash", hash: "#/hotline/", want: { room: null } },
    { name: "room", hash: "#/hotline/ops", want: { room: "ops" } },
    { name: "encoded", hash: "#/hotline/foreign-ministers%2Fx", want: { room: "foreign-ministers/x" } },
    { name: "bad_escape", hash: "#/hotline/%E0%A4%A", want: { room: null } },
    { name: "other", hash: "#/alerts", want: null },
    { name: "prefix_only", hash: "#/hotlines", want: null },
    { name: "empty", hash: "", want: null },
  ];
  for (const tt of tests) it(tt.name, () => expect(parseHotlineRoute(tt.hash)).toEqual(tt.want));
  it("round_trip", () => expect(parseHotlineRoute(roomHref("a b/c"))).toEqual({ room: "a b/c" }));
});

describe("snippetParts", () => {
  const tests: { name: string; in: string; words?: string[]; want: { text: string; mark: boolean }[] }[] = [
    { name: "empty", in: "", want: [] },
    { name: "plain", in: "no match", want: [{ text: "no match", mark: false }] },
    { name: "one", in: "…the [launch] at…", want: [{ text: "…the ", mark: false }, { text: "launch", mark: true }, { text: " at…", mark: false }] },
    { name: "two", in: "[a] and [b]", want: [{ text: "a", mark: true }, { text: " and ", mark: false }, { text: "b", mark: true }] },
    { name: "adjacent_merge", in: "[a][b]", want: [{ text: "ab", mark: true }] },
    { name: "unclosed", in: "x [y", want: [{ text: "x ", mark: false }, { text: "y", mark: true }] },
    { name: "stray_close", in: "a] b", want: [{ text: "a] b", mark: false }] },
    { name: "markup_stays_text", in: "[<b>x</b>]", want: [{ text: "<b>x</b>", mark: true }] },
    { name: "cjk", in: "北朝鮮が[弾道ミサイル]を発射", want: [{ text: "北朝鮮が", mark: false }, { text: "弾道ミサイル", mark: true }, { text: "を発射", mark: false }] },
    // Brackets of the message itself around a match.
    { name: "nested", in: "[[LAUNCH]] E-1", want: [{ text: "[", mark: false }, { text: "LAUNCH", mark: true }, { text: "] E-1", mark: false }] },
    {
      name: "text_brackets_not_a_match",
      in: "… [EXERCISE] Missile [launch]ed",
      words: ["launch"],
      want: [{ text: "… [EXERCISE] Missile ", mark: false }, { text: "launch", mark: true }, { text: "ed", mark: false }],
    },
    { name: "match_any_case", in: "[LAUNCH] and [Launch]", words: ["launch"], want: [{ text: "LAUNCH", mark: true }, { text: " and ", mark: false }, { text: "Launch", mark: true }] },
    {
      name: "match_inside_text_brackets",
      in: "[x [launch] y]",
      words: ["launch"],
      want: [{ text: "[x ", mark: false }, { text: "launch", mark: true }, { text: " y]", mark: false }],
    },
    { name: "merged_words", in: "[missilelaunch]", words: ["missile", "launch"], want: [{ text: "missilelaunch", mark: true }] },
  ];
  for (const tt of tests) it(tt.name, () => expect(snippetParts(tt.in, tt.words)).toEqual(tt.want));
  it("query_words", () => expect(queryWords("  Launch\u3000発射 launch ")).toEqual(["launch", "発射"]));
});

describe("duration_and_countdown", () => {
  const durations: { ms: number; want: string }[] = [
    { ms: 0, want: "0:00" },
    { ms: 999, want: "0:00" },
    { ms: 59_000, want: "0:59" },
    { ms: 60_000, want: "1:00" },
    { ms: 4 * 3600_000 + 5 * 60_000 + 7_000, want: "4:05:07" },
    { ms: -61_000, want: "1:01" },
  ];
  for (const tt of durations) it(`duration_${tt.ms}`, () => expect(duration(tt.ms)).toBe(tt.want));

  const now = Date.parse("2026-01-01T00:00:00Z");
  const cds: { name: string; deadline: number; want: { overdue: boolean; text: string } }[] = [
    { name: "one_minute_left", deadline: now + 60_000, want: { overdue: false, text: "1:00" } },
    // A part second left rounds up: "0:00" is shown only once the deadline has passed.
    { name: "part_second", deadline: now + 300, want: { overdue: false, text: "0:01" } },
    { name: "at_deadline", deadline: now, want: { overdue: false, text: "0:00" } },
    { name: "overdue", deadline: now - 75_000, want: { overdue: true, text: "1:15" } },
  ];
  for (const tt of cds) it(`countdown_${tt.name}`, () => expect(countdown(tt.deadline, now)).toEqual(tt.want));
});

describe("messages", () => {
  it("sort_oldest_first_then_seq", () => {
    const got = sortMessages([
      msg("c", "2026-01-01T00:00:02Z", 3),
      msg("b", "2026-01-01T00:00:01Z", 5),
      msg("a", "2026-01-01T00:00:01Z", 2),
    ]).map((m) => m.id);
    expect(got).toEqual(["a", "b", "c"]);
  });

  const acks: { name: string; m: HotlineMessage; want: boolean }[] = [
    { name: "no_receipts", m: msg("a", "2026-01-01T00:00:00Z", 1), want: false },
    {
      name: "one_pending",
      m: msg("a", "2026-01-01T00:00:00Z", 1, {
        receipts: [
          { member: "kr-ops", nation: "kr", addressee: true, state: "acknowledged", escalations: 0 },
          { member: "us-ops", nation: "us", addressee: true, state: "read", escalations: 0 },
        ],
      }),
      want: true,
    },
    {
      name: "all_acknowledged_others_ignored",
      m: msg("a", "2026-01-01T00:00:00Z", 1, {
        receipts: [
          { member: "kr-ops", nation: "kr", addressee: true, state: "acknowledged", escalations: 0 },
          { member: "jp-ops-deputy", nation: "jp", addressee: false, state: "delivered", escalations: 0 },
        ],
      }),
      want: false,
    },
    {
      // An alternate's acknowledgement stands for the member, whose own state stays "read".
      name: "acknowledged_by_alternate",
      m: msg("a", "2026-01-01T00:00:00Z", 1, {
        receipts: [{ member: "kr-ops", nation: "kr", addressee: true, state: "read", acknowledged_by: "kr-ops-deputy", escalations: 1 }],
      }),
      want: false,
    },
  ];
  for (const tt of acks) it(`awaiting_${tt.name}`, () => expect(awaitingAck(tt.m)).toBe(tt.want));

  const states: { name: string; r: HotlineReceipt; want: string }[] = [
    { name: "delivered", r: { member: "kr-ops", nation: "kr", addressee: true, state: "delivered", escalations: 0 }, want: "delivered" },
    { name: "own_ack", r: { member: "kr-ops", nation: "kr", addressee: true, state: "acknowledged", acknowledged_by: "kr-ops", escalations: 0 }, want: "acknowledged" },
    { name: "alternate_ack", r: { member: "kr-ops", nation: "kr", addressee: true, state: "read", acknowledged_by: "kr-ops-deputy", escalations: 1 }, want: "acknowledged" },
    { name: "unknown_state", r: { member: "kr-ops", nation: "kr", addressee: true, state: "lost" as ReceiptState, escalations: 0 }, want: "pending" },
  ];
  for (const tt of states) it(`receipt_state_${tt.name}`, () => expect(receiptState(tt.r)).toBe(tt.want));

  const reads: { name: string; m: Partial<HotlineMessage>; want: boolean }[] = [
    { name: "delivered", m: {}, want: true },
    { name: "mine", m: { mine: true }, want: false },
    { name: "already_read", m: { my_state: "read" }, want: false },
    { name: "acknowledged", m: { my_state: "acknowledged" }, want: false },
    { name: "pending", m: { my_state: "pending" }, want: false },
  ];
  for (const tt of reads) it(`mark_read_${tt.name}`, () => expect(shouldMarkRead(msg("a", "2026-01-01T00:00:00Z", 1, tt.m))).toBe(tt.want));

  it("latest_escalation_per_member", () => {
    const got = latestEscalations([esc("us-ops", 1, "us-ops-deputy"), esc("kr-ops", 1, "kr-ops-deputy"), esc("kr-ops", 2, "")]);
    expect(got.map((e) => `${e.member}:${e.step}:${e.alternate}`)).toEqual(["kr-ops:2:", "us-ops:1:us-ops-deputy"]);
  });

  const marks = [
    { s: "pending", want: "…" },
    { s: "delivered", want: "✓" },
    { s: "read", want: "✓✓" },
    { s: "acknowledged", want: "ACK" },
  ] as const;
  for (const tt of marks) it(`receipt_mark_${tt.s}`, () => expect(receiptMark(tt.s)).toBe(tt.want));
});

describe("compose_and_member", () => {
  const b64: { name: string; in: string; want: string }[] = [
    { name: "text", in: "data:text/plain;base64,aGVsbG8=", want: "aGVsbG8=" },
    { name: "empty_file", in: "data:application/octet-stream;base64,", want: "" },
    { name: "no_comma", in: "garbage", want: "" },
  ];
  for (const tt of b64) it(`base64_${tt.name}`, () => expect(base64FromDataURL(tt.in)).toBe(tt.want));

  const f = (name: string, size: number, type = "application/octet-stream") => ({ name, type, size });
  const files: { name: string; files: { name: string; type: string; size: number }[]; want: string; size?: number }[] = [
    { name: "none", files: [], want: "", size: 0 },
    // Names and media types count, as at the node: 5 + 10 + 1 bytes.
    { name: "one", files: [f("a.txt", 1, "text/plain")], want: "", size: 16 },
    { name: "utf8_name", files: [f("図.png", 0, "image/png")], want: "", size: 7 + 9 },
    { name: "untyped_counts_octet_stream", files: [f("x", 0, "")], want: "", size: 1 + 24 },
    { name: "exactly_the_limit", files: [f("a", (4 << 20) - 1 - 24)], want: "", size: 4 << 20 },
    { name: "one_byte_over", files: [f("a", (4 << 20) - 24)], want: "too_large" },
    { name: "many_small_over", files: [f("a", 3 << 20), f("b", 1 << 20)], want: "too_large" },
    { name: "eight", files: Array.from({ length: 8 }, (_, i) => f(`f${i}`, 1)), want: "" },
    { name: "nine", files: Array.from({ length: 9 }, (_, i) => f(`f${i}`, 1)), want: "too_many" },
  ];
  for (const tt of files) {
    it(`attachments_${tt.name}`, () => {
      expect(attachmentProblem(tt.files)).toBe(tt.want);
      if (tt.size !== undefined) expect(attachmentsSize(tt.files)).toBe(tt.size);
    });
  }

  it("precedences", () => {
    expect(["FLASH", "IMMEDIATE", "PRIORITY", "ROUTINE"].every(isPrecedence)).toBe(true);
    expect(isPrecedence("flash")).toBe(false);
    expect(isPrecedence("")).toBe(false);
  });
});
