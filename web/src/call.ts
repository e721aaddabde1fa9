// call.ts: the call bar of a hotline room: join (voice, or voice and
// video), mute, camera and leave; who is in the call and who is speaking;
// and the quality of this browser's connection to its nation's node.
//
// Media goes only to this nation's node (internal/call): the browser offers
// its microphone and camera plus receive slots, and the node forwards the
// other participants' streams into the slots — also those of the partner
// nations, which reach it over the node's trunks. Signalling is one HTTP
// offer/answer per join under /api/v1/rooms/{room}/call.

import { ApiError, postJSON, getJSON, type Nation } from "./api";
import { h, replace } from "./dom";
import { t } from "./i18n";

/** Receive slots offered per kind (the node allows up to 8). */
export const AUDIO_SLOTS = 6;
export const VIDEO_SLOTS = 4;

export interface CallParticipant {
  member: string;
  nation: Nation;
  name?: string;
  joined: string;
  speaking: boolean;
  muted: boolean;
  camera: boolean;
  connected: boolean;
}

export interface CallState {
  room: string;
  call: string;
  precedence?: string;
  started?: string;
  participants: CallParticipant[];
}

interface JoinAnswer {
  type: string;
  sdp: string;
  session: string;
  call: string;
  started: boolean;
}

/** Quality is what getStats says about this browser's connection. */
export interface Quality {
  rttMs: number | null;
  lossPct: number | null;
  jitterMs: number | null;
}

/** qualityLevel grades a connection: good, fair or poor (ITU-T G.114-ish thresholds). */
export function qualityLevel(q: Quality): "good" | "fair" | "poor" | "unknown" {
  if (q.rttMs === null && q.lossPct === null) return "unknown";
  const rtt = q.rttMs ?? 0;
  const loss = q.lossPct ?? 0;
  const jitter = q.jitterMs ?? 0;
  if (rtt > 400 || loss > 5 || jitter > 50) return "poor";
  if (rtt > 150 || loss > 1 || jitter > 20) return "fair";
  return "good";
}

/** isCallState checks a live "call" message's shape. */
export function isCallState(v: unknown): v is CallState {
  if (!v || typeof v !== "object") return false;
  const s = v as Partial<CallState>;
  return typeof s.room === "string" && typeof s.call === "string" && Array.isArray(s.participants);
}

/** waitGathering resolves when pc has gathered its ICE candidates, or after ms. */
function waitGathering(pc: RTCPeerConnection, ms: number): Promise<void> {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      pc.removeEventListener("icegatheringstatechange", check);
      clearTimeout(timer);
      resolve();
    };
    const check = () => {
      if (pc.iceGatheringState === "complete") done();
    };
    const timer = setTimeout(done, ms);
    pc.addEventListener("icegatheringstatechange", check);
  });
}

export class CallBar {
  readonly el: HTMLElement;
  private nation: Nation | null = null;
  private member = "";
  private room: string | null = null;
  private state: CallState | null = null;
  private pc: RTCPeerConnection | null = null;
  private session = "";
  private local: MediaStream | null = null;
  private mic: MediaStreamTrack | null = null;
  private cam: MediaStreamTrack | null = null;
  private videoTx: RTCRtpTransceiver | null = null;
  private muted = false;
  private busy = false;
  private error = "";
  private quality: Quality = { rttMs: null, lossPct: null, jitterMs: null };
  private lastLoss = { lost: 0, got: 0 };
  private statsTimer = 0;
  private pollTimer = 0;
  private gen = 0;

  private heading = h("h4", { id: "call-heading" });
  private status = h("p", { class: "call-status", id: "call-status", role: "status" });
  private precLabel = h("label", { for: "call-prec", id: "call-prec-label" });
  private precSel = h("select", { id: "call-prec", name: "call-precedence" });
  private joinBtn = h("button", { type: "button", id: "call-join" });
  private joinVideoBtn = h("button", { type: "button", id: "call-join-video" });
  private muteBtn = h("button", { type: "button", id: "call-mute", "aria-pressed": "false" });
  private camBtn = h("button", { type: "button", id: "call-camera", "aria-pressed": "false" });
  private leaveBtn = h("button", { type: "button", id: "call-leave", class: "danger" });
  private errorBox = h("p", { class: "hl-error", id: "call-error", role: "alert" });
  private people = h("ul", { class: "call-participants", id: "call-participants", "aria-labelledby": "call-heading" });
  private qualityBox = h("p", { class: "call-quality", id: "call-quality" });
  private media = h("div", { class: "call-media", id: "call-media" });

  constructor() {
    this.el = h(
      "section",
      { class: "call-bar", id: "call-bar", "aria-labelledby": "call-heading" },
      this.heading,
      this.status,
      h("div", { class: "hl-row" }, this.precLabel, this.precSel, this.joinBtn, this.joinVideoBtn, this.muteBtn, this.camBtn, this.leaveBtn),
      this.errorBox,
      this.people,
      this.qualityBox,
      this.media,
    );
    this.joinBtn.addEventListener("click", () => void this.join(false));
    this.joinVideoBtn.addEventListener("click", () => void this.join(true));
    this.muteBtn.addEventListener("click", () => void this.toggleMute());
    this.camBtn.addEventListener("click", () => void this.toggleCamera());
    this.leaveBtn.addEventListener("click", () => void this.leave());
    window.addEventListener("pagehide", () => this.leaveOnUnload());
    this.labels();
  }

  /** labels redoes the texts (language change). */
  labels(): void {
    this.heading.textContent = t("call_heading");
    this.precLabel.textContent = t("call_precedence");
    const cur = this.precSel.value || "IMMEDIATE";
    replace(this.precSel, ...["FLASH", "IMMEDIATE", "PRIORITY", "ROUTINE"].map((p) => h("option", { value: p, selected: p === cur }, t(`prec_${p}` as "prec_FLASH"))));
    this.joinBtn.textContent = t("call_join");
    this.joinVideoBtn.textContent = t("call_join_video");
    this.leaveBtn.textContent = t("call_leave");
    this.draw();
  }

  /** setContext tells the bar which nation, member and room it serves. */
  setContext(nation: Nation, member: string, room: string | null): void {
    if (nation === this.nation && member === this.member && room === this.room) return;
    if (this.pc) void this.leave();
    this.nation = nation;
    this.member = member;
    this.room = room;
    this.state = null;
    this.error = "";
    this.gen++;
    this.el.hidden = !room || !member;
    clearInterval(this.pollTimer);
    this.pollTimer = 0;
    if (room && member) {
      void this.refresh();
      this.pollTimer = window.setInterval(() => void this.refresh(), 5000);
    }
    this.draw();
  }

  /** onLive takes a "call" message of the live stream. */
  onLive(v: unknown): void {
    if (!isCallState(v) || v.room !== this.room) return;
    this.state = v;
    this.draw();
  }

  private q(): string {
    return `member=${encodeURIComponent(this.member)}`;
  }

  private base(): string {
    return `/api/v1/rooms/${encodeURIComponent(this.room ?? "")}/call`;
  }

  private async refresh(): Promise<void> {
    if (!this.room || !this.member) return;
    const gen = this.gen;
    try {
      const s = await getJSON<CallState>(`${this.base()}?${this.q()}`);
      if (gen === this.gen) this.state = s;
    } catch (e) {
      if (gen === this.gen && e instanceof ApiError && e.status === 404) this.el.hidden = true;
    }
    this.draw();
  }

  async join(video: boolean): Promise<void> {
    if (this.pc || this.busy || !this.room) return;
    this.busy = true;
    this.error = "";
    this.draw();
    const gen = this.gen;
    let pc: RTCPeerConnection | null = null;
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video });
      this.local = stream;
      this.mic = stream.getAudioTracks()[0] ?? null;
      this.cam = stream.getVideoTracks()[0] ?? null;
      this.muted = false;
      pc = new RTCPeerConnection({ iceServers: [] });
      this.pc = pc;
      if (this.mic) pc.addTransceiver(this.mic, { direction: "sendrecv", streams: [stream] });
      else pc.addTransceiver("audio", { direction: "sendrecv" });
      for (let i = 1; i < AUDIO_SLOTS; i++) pc.addTransceiver("audio", { direction: "recvonly" });
      this.videoTx = pc.addTransceiver(this.cam ?? "video", { direction: "sendrecv", streams: [stream] });
      for (let i = 1; i < VIDEO_SLOTS; i++) pc.addTransceiver("video", { direction: "recvonly" });
      pc.addEventListener("track", (ev) => this.attach(ev.track));
      pc.addEventListener("connectionstatechange", () => {
        if (pc && pc === this.pc && (pc.connectionState === "failed" || pc.connectionState === "closed")) {
          this.error = t("call_failed");
          void this.leave();
        }
        this.draw();
      });
      await pc.setLocalDescription(await pc.createOffer());
      await waitGathering(pc, 3000);
      const ans = await postJSON<JoinAnswer>(`${this.base()}?${this.q()}`, {
        type: "offer",
        sdp: pc.localDescription?.sdp ?? "",
        precedence: this.precSel.value.toLowerCase(),
        video,
      });
      if (gen !== this.gen || pc !== this.pc) throw new Error("cancelled");
      this.session = ans.session;
      await pc.setRemoteDescription({ type: "answer", sdp: ans.sdp });
      this.statsTimer = window.setInterval(() => void this.stats(), 1000);
      void this.refresh();
    } catch (e) {
      if (pc === this.pc) {
        this.error = e instanceof Error ? e.message : String(e);
        this.teardown();
      }
    } finally {
      this.busy = false;
      this.draw();
    }
  }

  private attach(track: MediaStreamTrack): void {
    const el =
      track.kind === "audio"
        ? h("audio", { autoplay: true, "data-kind": "audio" })
        : h("video", { autoplay: true, playsinline: true, muted: true, "data-kind": "video", class: "call-video" });
    el.srcObject = new MediaStream([track]);
    if (track.kind === "video") {
      // A receive slot carries video only while a participant's camera
      // is on and assigned to it: show it only while frames come.
      el.hidden = track.muted;
      track.addEventListener("unmute", () => (el.hidden = false));
      track.addEventListener("mute", () => (el.hidden = true));
    }
    this.media.appendChild(el);
    void el.play().catch(() => undefined);
  }

  async toggleMute(): Promise<void> {
    if (!this.pc || !this.mic) return;
    this.muted = !this.muted;
    this.mic.enabled = !this.muted;
    this.draw();
    await this.media_({ muted: this.muted });
  }

  async toggleCamera(): Promise<void> {
    if (!this.pc || !this.videoTx) return;
    try {
      if (this.cam) {
        this.cam.stop();
        this.cam = null;
        await this.videoTx.sender.replaceTrack(null);
        await this.media_({ camera: false });
      } else {
        const s = await navigator.mediaDevices.getUserMedia({ video: true });
        this.cam = s.getVideoTracks()[0] ?? null;
        await this.videoTx.sender.replaceTrack(this.cam);
        await this.media_({ camera: !!this.cam });
      }
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
    }
    this.draw();
  }

  private async media_(body: { muted?: boolean; camera?: boolean }): Promise<void> {
    if (!this.session) return;
    try {
      await postJSON(`${this.base()}/${encodeURIComponent(this.session)}/media?${this.q()}`, body);
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
    }
  }

  async leave(): Promise<void> {
    const session = this.session;
    const url = `${this.base()}/${encodeURIComponent(session)}?${this.q()}`;
    this.teardown();
    this.draw();
    if (!session) return;
    try {
      await fetch(url, { method: "DELETE", cache: "no-store" });
    } catch {
      /* the node reaps the session when the connection closes */
    }
    void this.refresh();
  }

  private leaveOnUnload(): void {
    if (!this.session) return;
    void fetch(`${this.base()}/${encodeURIComponent(this.session)}?${this.q()}`, { method: "DELETE", keepalive: true });
  }

  private teardown(): void {
    clearInterval(this.statsTimer);
    this.statsTimer = 0;
    const pc = this.pc;
    this.pc = null;
    this.session = "";
    this.videoTx = null;
    pc?.close();
    for (const tr of this.local?.getTracks() ?? []) tr.stop();
    this.cam?.stop();
    this.local = this.mic = this.cam = null;
    this.quality = { rttMs: null, lossPct: null, jitterMs: null };
    replace(this.media);
  }

  private async stats(): Promise<void> {
    const pc = this.pc;
    if (!pc) return;
    const rep = await pc.getStats();
    let rtt: number | null = null;
    let lost = 0;
    let got = 0;
    let jitter: number | null = null;
    rep.forEach((s: Record<string, unknown>) => {
      if (s.type === "candidate-pair" && s.nominated && typeof s.currentRoundTripTime === "number") rtt = s.currentRoundTripTime * 1000;
      if (s.type === "inbound-rtp" && s.kind === "audio") {
        lost += Number(s.packetsLost ?? 0);
        got += Number(s.packetsReceived ?? 0);
        if (typeof s.jitter === "number" && Number(s.packetsReceived ?? 0) > 0) jitter = Math.max(jitter ?? 0, s.jitter * 1000);
      }
    });
    const dl = lost - this.lastLoss.lost;
    const dg = got - this.lastLoss.got;
    this.lastLoss = { lost, got };
    this.quality = { rttMs: rtt, lossPct: dl + dg > 0 ? (100 * Math.max(0, dl)) / (dl + dg) : null, jitterMs: jitter };
    this.draw();
  }

  /** debug exposes the bar's state to tests. */
  debug(): { session: string; pc: RTCPeerConnection | null; state: CallState | null } {
    return { session: this.session, pc: this.pc, state: this.state };
  }

  private draw(): void {
    const inCall = !!this.pc;
    const s = this.state;
    const others = s?.participants ?? [];
    this.el.dataset.inCall = String(inCall);
    this.el.dataset.call = s?.call ?? "";
    let status: string;
    if (this.busy) status = t("call_joining");
    else if (inCall) status = t("call_in_call", { n: others.length });
    else if (s && s.call && others.length) status = t("call_on", { prec: (s.precedence ?? "").toUpperCase(), n: others.length });
    else status = t("call_none");
    if (this.status.textContent !== status) this.status.textContent = status;
    this.precLabel.hidden = this.precSel.hidden = inCall || !!(s && s.call && others.length);
    this.joinBtn.hidden = this.joinVideoBtn.hidden = inCall;
    this.joinBtn.disabled = this.joinVideoBtn.disabled = this.busy;
    this.muteBtn.hidden = this.camBtn.hidden = this.leaveBtn.hidden = !inCall;
    this.muteBtn.textContent = this.muted ? t("call_unmute") : t("call_mute");
    this.muteBtn.setAttribute("aria-pressed", String(this.muted));
    this.camBtn.textContent = this.cam ? t("call_camera_off") : t("call_camera_on");
    this.camBtn.setAttribute("aria-pressed", String(!!this.cam));
    this.errorBox.textContent = this.error ? t("call_error", { err: this.error }) : "";
    this.errorBox.hidden = !this.error;
    const key = JSON.stringify(others);
    if (this.people.dataset.key !== key) {
      this.people.dataset.key = key;
      replace(
        this.people,
        ...others.map((p) =>
          h(
            "li",
            {
              "data-member": p.member,
              "data-nation": p.nation,
              "data-speaking": String(p.speaking),
              "data-muted": String(p.muted),
              "data-camera": String(p.camera),
              class: p.speaking ? "speaking" : null,
            },
            h("span", { class: "call-dot", "aria-hidden": "true" }),
            `${p.name || p.member} (${p.nation.toUpperCase()})`,
            p.speaking ? h("span", { class: "call-flag" }, ` · ${t("call_speaking")}`) : null,
            p.muted ? h("span", { class: "call-flag" }, ` · ${t("call_muted")}`) : null,
            p.camera ? h("span", { class: "call-flag" }, ` · ${t("call_camera")}`) : null,
            p.connected ? null : h("span", { class: "call-flag" }, ` · ${t("call_connecting")}`),
          ),
        ),
      );
    }
    const q = this.quality;
    const lvl = qualityLevel(q);
    this.qualityBox.hidden = !inCall;
    this.qualityBox.dataset.level = lvl;
    this.qualityBox.textContent = inCall
      ? t("call_quality", {
          level: t(`call_q_${lvl}` as "call_q_good"),
          rtt: q.rttMs === null ? "—" : q.rttMs.toFixed(0),
          loss: q.lossPct === null ? "—" : q.lossPct.toFixed(1),
          jitter: q.jitterMs === null ? "—" : q.jitterMs.toFixed(0),
        })
      : "";
  }
}
