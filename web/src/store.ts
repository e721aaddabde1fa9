// store.ts: the console's state (what the selected nation's node has told
// it) and change notification, coalesced to one callback per animation
// frame so that a burst of live messages costs one render.

import type { Alert, MissileEvent, Nation, NationStatus, Sensor, Status } from "./api";

export type Conn = "connecting" | "live" | "polling" | "unreachable";

/** What changed since the last notification. */
export interface Changes {
  events: Set<string>;
  /** The whole event set was replaced (snapshot, nation switch). */
  eventsReset: boolean;
  alerts: boolean;
  status: boolean;
  sensors: boolean;
  conn: boolean;
}

function noChanges(): Changes {
  return { events: new Set(), eventsReset: false, alerts: false, status: false, sensors: false, conn: false };
}

export class Store {
  nation: Nation = "jp";
  events = new Map<string, MissileEvent>();
  alerts = new Map<string, Alert>();
  status: Status | null = null;
  sensors: Sensor[] = [];
  conn: Conn = "connecting";
  /** Time of the last answer from the node (ms since the epoch). */
  lastContact = 0;
  /** Why the node is unreachable or a route is missing, for the banner. */
  connDetail = "";
  /** Whether the node serves events (false after a 404). */
  eventsAvailable: boolean | null = null;
  alertsAvailable: boolean | null = null;
  /** Live messages received on the current nation's stream, for tests and diagnostics. */
  liveMessages = 0;
  liveResumes = 0;
  liveSnapshots = 0;

  private pending = noChanges();
  private scheduled = false;
  private listeners: ((c: Changes) => void)[] = [];

  subscribe(f: (c: Changes) => void): void {
    this.listeners.push(f);
  }

  private touch(f: (c: Changes) => void): void {
    f(this.pending);
    if (this.scheduled) return;
    this.scheduled = true;
    const run = () => {
      this.scheduled = false;
      const c = this.pending;
      this.pending = noChanges();
      for (const l of this.listeners) l(c);
    };
    // requestAnimationFrame does not run in a hidden tab; a timer does.
    if (typeof document !== "undefined" && document.visibilityState === "visible") requestAnimationFrame(run);
    else setTimeout(run, 100);
  }

  /** upsertEvent merges a (possibly partial) event: absent fields keep their old values. */
  upsertEvent(e: MissileEvent): void {
    if (!e || typeof e.id !== "string") return;
    const old = this.events.get(e.id);
    // An answer older than what we have (fewer measurements) is stale.
    if (old && e.measurements !== undefined && old.measurements !== undefined && e.measurements < old.measurements) return;
    this.events.set(e.id, old ? { ...old, ...e } : e);
    this.touch((c) => c.events.add(e.id));
  }

  setEvents(list: MissileEvent[]): void {
    this.events = new Map(list.filter((e) => e && typeof e.id === "string").map((e) => [e.id, e]));
    this.touch((c) => (c.eventsReset = true));
  }

  upsertAlert(a: Alert): void {
    if (!a || typeof a.id !== "string") return;
    this.alerts.set(a.id, a);
    this.touch((c) => (c.alerts = true));
  }

  setAlerts(list: Alert[]): void {
    this.alerts = new Map(list.filter((a) => a && typeof a.id === "string").map((a) => [a.id, a]));
    this.touch((c) => (c.alerts = true));
  }

  /** setStatus takes a full status, or a partial one whose nations replace the known ones. */
  setStatus(s: Partial<Status>): void {
    const byNation = new Map<string, NationStatus>();
    for (const n of this.status?.nations ?? []) byNation.set(n.nation, n);
    for (const n of s.nations ?? []) byNation.set(n.nation, n);
    this.status = {
      version: s.version ?? this.status?.version ?? "",
      time: s.time ?? this.status?.time ?? new Date().toISOString(),
      nations: [...byNation.values()],
    };
    this.touch((c) => (c.status = true));
  }

  setSensors(list: Sensor[]): void {
    this.sensors = list;
    this.touch((c) => (c.sensors = true));
  }

  setConn(conn: Conn, detail = ""): void {
    if (conn !== "unreachable") this.lastContact = Date.now();
    if (this.conn === conn && this.connDetail === detail) return;
    this.conn = conn;
    this.connDetail = detail;
    this.touch((c) => (c.conn = true));
  }

  /** contact records an answer from the node without changing the mode. */
  contact(): void {
    this.lastContact = Date.now();
  }

  /** reset forgets the picture (on a nation switch). */
  reset(n: Nation): void {
    this.nation = n;
    this.events = new Map();
    this.alerts = new Map();
    this.eventsAvailable = null;
    this.alertsAvailable = null;
    this.liveMessages = 0;
    this.liveResumes = 0;
    this.liveSnapshots = 0;
    this.touch((c) => {
      c.eventsReset = true;
      c.alerts = true;
      c.status = true;
    });
  }

  nationStatus(n: Nation = this.nation): NationStatus | undefined {
    return this.status?.nations.find((x) => x.nation === n);
  }
}
