// alertstate.ts: which regions are under an alert now.

import type { Alert } from "./api";

/**
 * activeRegions returns, per region code, the alert now in force there:
 * for each event the latest message counts, and an all-clear or a Cancel
 * ends it.
 */
export function activeRegions(alerts: Alert[]): Map<string, Alert> {
  const latest = new Map<string, Alert>();
  for (const a of alerts) {
    const key = `${a.origin}/${a.event ?? a.id}/${a.status}`;
    const old = latest.get(key);
    if (!old || Date.parse(a.sent) >= Date.parse(old.sent)) latest.set(key, a);
  }
  const out = new Map<string, Alert>();
  for (const a of latest.values()) {
    if (a.kind === "all_clear" || a.msg_type === "Cancel") continue;
    for (const r of a.regions ?? []) {
      const old = out.get(r.code);
      // take_shelter outranks the others; Actual outranks Exercise.
      const rank = (x: Alert) => (x.status === "Actual" ? 2 : 0) + (x.kind === "take_shelter" ? 1 : 0);
      if (!old || rank(a) > rank(old)) out.set(r.code, a);
    }
  }
  return out;
}

