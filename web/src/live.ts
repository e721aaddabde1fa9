// live.ts: keeps the store in step with the node: the live stream
// (/api/v1/live, Server-Sent Events over fetch so that a reconnect can
// always send Last-Event-ID), a status heartbeat that detects an
// unreachable node, and polling when the node has no live stream.

import {
  ApiError,
  getJSON,
  Unreachable,
  type Alert,
  type HotlineLive,
  type MissileEvent,
  type Nation,
  type Sensor,
  type Snapshot,
  type Status,
} from "./api";
import { SSEParser, type SSEMessage } from "./sse";
import type { Store } from "./store";

const HEARTBEAT_MS = 2000;
const POLL_MS = 2000;
const RECONNECT_MS = [500, 1000, 2000, 4000];
/** The node pings every 15 s; a silent stream for longer than this is dead. */
const SILENCE_MS = 40000;

export class Live {
  private stream: AbortController | null = null;
  private streamGen = 0;
  private lastId = new Map<Nation, string>();
  private failures = 0;
  private unreachable = false;
  private streamAvailable = true;
  private heartbeatTimer = 0;
  private pollTimer = 0;
  private reconnectTimer = 0;
  private silenceTimer = 0;
  /** onHotline receives the stream's "hotline" messages (the hotline page listens while open). */
  onHotline: ((e: HotlineLive) => void) | null = null;
  /** onCall receives the stream's "call" messages: a room's call state. */
  onCall: ((v: unknown) => void) | null = null;

  constructor(private readonly store: Store) {}

  /** start (re)connects for nation n, forgetting the previous nation's picture. */
  start(n: Nation): void {
    this.stopStream();
    clearTimeout(this.pollTimer);
    this.pollTimer = 0;
    this.store.reset(n);
    // The picture was just forgotten: ask for a snapshot, not a resume.
    this.lastId.delete(n);
    this.streamAvailable = true;
    this.failures = 0;
    this.store.setConn("connecting");
    void this.heartbeat();
    if (this.store.sensors.length === 0) void this.loadSensors();
    this.openStream();
  }

  /** dropStream closes the live stream as a network failure would; it reconnects by itself. */
  dropStream(): void {
    this.stopStream();
    this.scheduleReconnect();
  }

  private stopStream(): void {
    this.streamGen++;
    this.stream?.abort();
    this.stream = null;
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.silenceTimer);
  }

  private async heartbeat(): Promise<void> {
    clearTimeout(this.heartbeatTimer);
    try {
      const s = await getJSON<Status>("/api/v1/status", 4000);
      this.store.setStatus(s);
      this.store.contact();
      if (this.unreachable) {
        this.unreachable = false;
        this.recovered();
      }
    } catch (e) {
      if (e instanceof Unreachable) this.lost(e.message);
      else if (e instanceof ApiError) {
        // The node answers but without status: still reachable.
        this.store.contact();
      }
    }
    this.heartbeatTimer = window.setTimeout(() => void this.heartbeat(), HEARTBEAT_MS);
  }

  private lost(why: string): void {
    if (!this.unreachable) {
      this.unreachable = true;
      this.stopStream();
    }
    this.store.setConn("unreachable", why);
  }

  private recovered(): void {
    if (this.store.sensors.length === 0) void this.loadSensors();
    if (this.streamAvailable) {
      this.store.setConn("connecting");
      this.openStream();
    } else {
      this.store.setConn("polling");
      void this.poll();
    }
  }

  private async loadSensors(): Promise<void> {
    try {
      const r = await getJSON<{ sensors: Sensor[] }>("/api/v1/sensors");
      this.store.setSensors(Array.isArray(r.sensors) ? r.sensors : []);
    } catch {
      /* no sensor list on this node, or unreachable: the heartbeat tells */
    }
  }

  private openStream(): void {
    this.stopStream();
    if (this.unreachable) return;
    const gen = this.streamGen;
    const n = this.store.nation;
    const ctl = new AbortController();
    this.stream = ctl;
    const headers: Record<string, string> = { Accept: "text/event-stream" };
    const last = this.lastId.get(n);
    if (last) headers["Last-Event-ID"] = last;
    void (async () => {
      let r: Response;
      try {
        r = await fetch(`/api/v1/live?nation=${n}`, { headers, cache: "no-store", signal: ctl.signal });
      } catch {
        if (gen === this.streamGen) this.scheduleReconnect();
        return;
      }
      if (gen !== this.streamGen) return;
      if (r.status === 404 || r.status === 501) {
        // No live stream on this node (yet): poll instead.
        this.streamAvailable = false;
        this.store.setConn("polling");
        void this.poll();
        return;
      }
      if (r.status === 401) {
        // The session ended (expired, signed out, user disabled).
        window.dispatchEvent(new Event("trilink:signed-out"));
        return;
      }
      if (!r.ok || !r.body) {
        this.scheduleReconnect();
        return;
      }
      if (last) this.store.liveResumes++;
      this.failures = 0;
      this.store.setConn("live");
      this.armSilence(gen);
      const parser = new SSEParser((m) => this.onMessage(n, m));
      if (last) parser.lastId = last;
      const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done || gen !== this.streamGen) break;
          this.armSilence(gen);
          parser.push(value);
        }
      } catch {
        /* aborted or the connection broke */
      }
      if (gen === this.streamGen) this.scheduleReconnect();
    })();
  }

  private armSilence(gen: number): void {
    clearTimeout(this.silenceTimer);
    this.silenceTimer = window.setTimeout(() => {
      if (gen === this.streamGen) this.dropStream();
    }, SILENCE_MS);
  }

  private scheduleReconnect(): void {
    if (this.unreachable) return;
    this.store.setConn("connecting");
    const d = RECONNECT_MS[Math.min(this.failures, RECONNECT_MS.length - 1)];
    this.failures++;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = window.setTimeout(() => this.openStream(), d);
  }

  private onMessage(n: Nation, m: SSEMessage): void {
    if (n !== this.store.nation) return;
    if (m.id) this.lastId.set(n, m.id);
    this.store.contact();
    let data: unknown;
    try {
      data = JSON.parse(m.data);
    } catch {
      return;
    }
    this.store.liveMessages++;
    switch (m.event) {
      case "status":
        this.store.setStatus(data as Partial<Status>);
        break;
      case "event":
        this.store.upsertEvent(data as MissileEvent);
        break;
      case "alert":
        this.store.upsertAlert(data as Alert);
        break;
      case "hotline":
        if (data && typeof data === "object") this.onHotline?.(data as HotlineLive);
        break;
      case "call":
        this.onCall?.(data);
        break;
      case "snapshot": {
        this.store.liveSnapshots++;
        const s = data as Snapshot;
        if (Array.isArray(s.events)) {
          this.store.eventsAvailable = true;
          this.store.setEvents(s.events);
        } else void this.fetchEvents();
        if (Array.isArray(s.alerts)) {
          this.store.alertsAvailable = true;
          this.store.setAlerts(s.alerts);
        } else void this.fetchAlerts();
        break;
      }
      default:
    }
  }

  /** poll fetches events and alerts while the node has no live stream. */
  private async poll(): Promise<void> {
    clearTimeout(this.pollTimer);
    if (this.unreachable || this.streamAvailable) return;
    await Promise.all([this.fetchEvents(), this.fetchAlerts()]);
    this.pollTimer = window.setTimeout(() => void this.poll(), POLL_MS);
  }

  private async fetchEvents(): Promise<void> {
    const n = this.store.nation;
    try {
      const r = await getJSON<{ events: MissileEvent[] }>(`/api/v1/events?nation=${n}`);
      if (n !== this.store.nation) return;
      this.store.eventsAvailable = true;
      for (const e of r.events ?? []) this.store.upsertEvent(e);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) {
        this.store.eventsAvailable = false;
        this.store.setEvents([]);
      }
    }
  }

  private async fetchAlerts(): Promise<void> {
    const n = this.store.nation;
    try {
      const r = await getJSON<{ alerts: Alert[] }>(`/api/v1/alerts?nation=${n}`);
      if (n !== this.store.nation) return;
      this.store.alertsAvailable = true;
      for (const a of r.alerts ?? []) this.store.upsertAlert(a);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) {
        this.store.alertsAvailable = false;
        this.store.setAlerts([]);
      }
    }
  }

  /** fetchEvent loads one event in full (for its page). */
  async fetchEvent(id: string): Promise<MissileEvent | null> {
    const n = this.store.nation;
    try {
      const e = await getJSON<MissileEvent>(`/api/v1/events/${encodeURIComponent(id)}?nation=${n}`);
      if (n === this.store.nation) this.store.upsertEvent(e);
      return e;
    } catch {
      return null;
    }
  }
}
