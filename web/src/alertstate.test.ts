import { describe, expect, it } from "vitest";
import type { Alert } from "./api";
import { activeRegions } from "./alertstate";

function alert(id: string, sent: string, kind: Alert["kind"], codes: string[], extra: Partial<Alert> = {}): Alert {
  return { id, origin: "jp", sent, msg_type: "Alert", status: "Actual", kind, event: "E1", regions: codes.map((code) => ({ code })), ...extra };
}

describe("activeRegions", () => {
  const tests: { name: string; alerts: Alert[]; want: Record<string, string> }[] = [
    { name: "none", alerts: [], want: {} },
    { name: "one", alerts: [alert("a", "2022-10-03T22:24:00Z", "take_shelter", ["JP-02", "JP-01"])], want: { "JP-01": "a", "JP-02": "a" } },
    {
      name: "update_replaces",
      alerts: [alert("a", "2022-10-03T22:24:00Z", "take_shelter", ["JP-02", "JP-01"]), alert("b", "2022-10-03T22:30:00Z", "passed_over", ["JP-02"])],
      want: { "JP-02": "b" },
    },
    {
      name: "all_clear_ends",
      alerts: [alert("a", "2022-10-03T22:24:00Z", "take_shelter", ["JP-02"]), alert("b", "2022-10-03T22:40:00Z", "all_clear", ["JP-02"])],
      want: {},
    },
    {
      name: "cancel_ends",
      alerts: [alert("a", "2022-10-03T22:24:00Z", "take_shelter", ["JP-02"]), alert("b", "2022-10-03T22:25:00Z", "take_shelter", ["JP-02"], { msg_type: "Cancel" })],
      want: {},
    },
    {
      name: "actual_outranks_drill",
      alerts: [alert("d", "2022-10-03T22:24:00Z", "take_shelter", ["JP-02"], { status: "Exercise", event: "X" }), alert("a", "2022-10-03T22:20:00Z", "passed_over", ["JP-02"])],
      want: { "JP-02": "a" },
    },
    {
      name: "events_independent",
      alerts: [alert("a", "2022-10-03T22:24:00Z", "take_shelter", ["JP-02"]), alert("b", "2022-10-03T22:40:00Z", "all_clear", ["JP-01"], { event: "E2" })],
      want: { "JP-02": "a" },
    },
  ];
  for (const tt of tests) {
    it(tt.name, () => {
      const got = Object.fromEntries([...activeRegions(tt.alerts)].map(([code, a]) => [code, a.id]));
      expect(got).toEqual(tt.want);
    });
  }
});
