// api.ts: the node's JSON API (internal/httpapi) as TypeScript types, and
// fetch helpers that tell "node unreachable" apart from "route missing".

export type Nation = "jp" | "kr" | "us";
export const NATIONS: Nation[] = ["jp", "kr", "us"];

export type LinkState = "up" | "degraded" | "down" | "unknown";

export interface Link {
  partner: Nation;
  state: LinkState;
  since?: string;
  last_heartbeat?: string;
  behind?: number;
  kicks?: number;
}

export interface StreamStat {
  name: string;
  messages: number;
  bytes: number;
  last_seq: number;
  msgs_per_s: number;
}

export interface NationStatus {
  nation: Nation;
  ready: boolean;
  why?: string;
  links?: Link[];
  streams?: StreamStat[];
  /** The node's picture digest and its agreement with each partner; present when fusion runs. */
  picture?: PictureStatus;
  /** An older form of the digest, shown when picture is absent. */
  digest?: string;
}

export interface PictureStatus {
  evidence?: string;
  picture?: string;
  measurements?: number;
  /** state: "agree", "DISAGREE" (an alarm) or "pending" (not yet the same evidence). */
  partners?: { partner: Nation; state: string; compared?: string; measurements?: number }[];
}

export interface Status {
  version: string;
  time: string;
  nations: NationStatus[];
}

export type EventState = "detected" | "tracking" | "impact_predicted" | "impacted" | "lost" | "closed";
export type MissileClass = "SRBM" | "MRBM" | "IRBM" | "ICBM";
export type Trajectory = "minimum-energy" | "lofted" | "depressed" | "irregular";
export type ZoneKind = "land" | "territorial_sea" | "eez" | "high_seas";

export interface PathPoint {
  t: string;
  lat: number;
  lon: number;
  alt_km: number;
}

export interface HistoryPoint {
  t: string;
  impact_lat?: number;
  impact_lon?: number;
  major_km?: number;
  minor_km?: number;
  apogee_km?: number;
  range_km?: number;
}

export interface Overflight {
  nation: Nation;
  region: string;
  enter?: string;
  exit?: string;
  min_altitude_km?: number;
}

export interface MissileEvent {
  id: string;
  state?: EventState;
  class?: MissileClass;
  trajectory?: Trajectory;
  launch?: { time?: string; lat?: number; lon?: number; error_km?: number };
  apogee_km?: number;
  range_km?: number;
  flight_time_s?: number;
  impact?: {
    time?: string;
    lat?: number;
    lon?: number;
    ellipse95?: { major_km?: number; minor_km?: number; bearing_deg?: number };
    zone?: { nation?: Nation | "none"; kind?: ZoneKind };
  };
  overflight?: Overflight[];
  first_detection_s?: number;
  first_estimate_s?: number;
  path?: PathPoint[];
  track?: PathPoint[];
  history?: HistoryPoint[];
  nations?: Nation[];
  measurements?: number;
}

export interface Text3 {
  en?: string;
  ja?: string;
  ko?: string;
}

export type AlertKind = "take_shelter" | "passed_over" | "landed" | "all_clear";

export interface Alert {
  id: string;
  origin: Nation;
  sent: string;
  msg_type: "Alert" | "Update" | "Cancel";
  status: "Actual" | "Exercise";
  kind: AlertKind;
  event?: string;
  regions?: { code: string; name?: Text3 }[];
  headline?: Text3;
  cap_url?: string;
  acks?: { nation: Nation; at: string }[];
}

export interface Sensor {
  id: string;
  name?: string;
  nation: Nation;
  kind: "radar" | "space_ir";
  lat: number;
  lon: number;
  max_range_km?: number;
  az_center_deg?: number;
  az_width_deg?: number;
}

/** Snapshot is the first message of a live stream (and after a resume that is too old). */
export interface Snapshot {
  events?: MissileEvent[];
  alerts?: Alert[];
}

export type Precedence = "FLASH" | "IMMEDIATE" | "PRIORITY" | "ROUTINE";
export const PRECEDENCES: Precedence[] = ["FLASH", "IMMEDIATE", "PRIORITY", "ROUTINE"];
export type ReceiptState = "pending" | "delivered" | "read" | "acknowledged";

/** HotlineMember is one member of the hotline (GET /api/v1/hotline/members). */
export interface HotlineMember {
  id: string;
  nation: Nation;
  role: string;
  name: string;
  alternates?: string[];
}

/** HotlineRoom is a room the acting member takes part in (GET /api/v1/rooms?member=). */
export interface HotlineRoom {
  id: string;
  kind: string;
  title: string;
  /** role: "member", or "alternate" when the acting member stands in for one. */
  role: "member" | "alternate";
  members: HotlineMember[];
  messages: number;
  /** pending: messages awaiting the acting member's acknowledgement. */
  pending: number;
}

export interface HotlineReceipt {
  member: string;
  nation: string;
  addressee: boolean;
  state: ReceiptState;
  delivered?: string;
  read?: string;
  acknowledged?: string;
  /** acknowledged_by: the alternate who acknowledged for member, if not member. */
  acknowledged_by?: string;
  escalations: number;
}

/** HotlineEscalation is one missed acknowledgement deadline. */
export interface HotlineEscalation {
  message: string;
  kind: string;
  room: string;
  sender: string;
  precedence: string;
  member: string;
  nation: string;
  step: number;
  deadline: string;
  /** alternate is who is to act now; "" when no alternate is left. */
  alternate: string;
}

/** HotlineMessage is one message as the acting member's terminal holds it, decrypted. */
export interface HotlineMessage {
  id: string;
  seq: number;
  room: string;
  kind: "text" | "link-test" | "call";
  sender: string;
  sender_name: string;
  sender_nation: string;
  precedence: Precedence;
  created: string;
  deadline: string;
  body: string;
  attachments: { name: string; type: string; size: number }[];
  receipts: HotlineReceipt[];
  escalations: HotlineEscalation[];
  mine: boolean;
  needs_ack: boolean;
  my_state: ReceiptState;
}

/** HotlineSendRequest is the body of POST /api/v1/rooms/{room}/messages; data is base64. */
export interface HotlineSendRequest {
  precedence: Precedence;
  body: string;
  attachments?: { name: string; type: string; data: string }[];
}

export interface HotlineSent {
  id: string;
  room: string;
  precedence: Precedence;
  created: string;
  deadline: string;
}

/** HotlineHit is one search hit; snippet marks the match with [ ]. */
export interface HotlineHit {
  id: string;
  room: string;
  sender: string;
  precedence: Precedence;
  created: string;
  snippet: string;
}

export interface HotlineLinkTest {
  id: string;
  from: Nation;
  sent: string;
  state: "pending" | "ok" | "missed";
  results: { nation: Nation; ok: boolean; rtt_ms?: number }[];
}

/** HotlineLive is the data of a "hotline" live-stream message. */
export interface HotlineLive {
  seq?: number;
  kind: "message" | "receipt" | "escalation" | "link-test";
  room?: string;
  id?: string;
  [k: string]: unknown;
}

/** ApiError is an answer from the node that is not 2xx. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** Unreachable is a failure to reach the node at all (network error, timeout). */
export class Unreachable extends Error {
  constructor(message: string) {
    super(message);
    this.name = "Unreachable";
  }
}

/**
 * signedOut tells the console that the node no longer knows this browser's
 * session (it expired, or the user was disabled): main.ts listens and
 * shows the sign-in form.
 */
function signedOut(): void {
  window.dispatchEvent(new Event("trilink:signed-out"));
}

/**
 * getJSON fetches path from the node. It throws Unreachable when no answer
 * came (within timeoutMs) and ApiError for a non-2xx answer, with the
 * node's JSON error message when it gave one.
 */
export async function getJSON<T>(path: string, timeoutMs = 5000): Promise<T> {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), timeoutMs);
  let r: Response;
  try {
    r = await fetch(path, { cache: "no-store", signal: ctl.signal, headers: { Accept: "application/json" } });
  } catch (e) {
    throw new Unreachable(String(e));
  } finally {
    clearTimeout(timer);
  }
  if (r.status === 401) signedOut();
  if (!r.ok) {
    let msg = r.statusText;
    try {
      const body = (await r.json()) as { error?: string };
      if (body.error) msg = body.error;
    } catch {
      /* not JSON */
    }
    throw new ApiError(r.status, msg);
  }
  try {
    return (await r.json()) as T;
  } catch (e) {
    throw new Unreachable("bad JSON: " + String(e));
  }
}

/** getText fetches a text document (a CAP XML file). */
export async function getText(path: string, timeoutMs = 5000): Promise<string> {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), timeoutMs);
  try {
    const r = await fetch(path, { cache: "no-store", signal: ctl.signal });
    if (!r.ok) throw new ApiError(r.status, r.statusText);
    return await r.text();
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw new Unreachable(String(e));
  } finally {
    clearTimeout(timer);
  }
}

/**
 * postJSON posts body as JSON to path and decodes the answer. Like
 * getJSON, it throws Unreachable when no answer came and ApiError (with
 * the node's {"error": …} message) for a non-2xx answer.
 */
export async function postJSON<T>(path: string, body: unknown, timeoutMs = 15000): Promise<T> {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), timeoutMs);
  let r: Response;
  try {
    r = await fetch(path, {
      method: "POST",
      cache: "no-store",
      signal: ctl.signal,
      headers: { Accept: "application/json", "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
  } catch (e) {
    throw new Unreachable(String(e));
  } finally {
    clearTimeout(timer);
  }
  let data: unknown = null;
  try {
    data = await r.json();
  } catch {
    /* not JSON */
  }
  if (r.status === 401 && !path.startsWith("/api/v1/auth/")) signedOut();
  if (!r.ok) {
    const msg = data && typeof data === "object" && typeof (data as { error?: unknown }).error === "string" ? (data as { error: string }).error : r.statusText;
    throw new ApiError(r.status, msg || String(r.status));
  }
  return data as T;
}
