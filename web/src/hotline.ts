// hotline.ts: the hotline page (#/hotline, #/hotline/ROOM): the member
// the console acts as, that member's rooms with pending acknowledgements,
// a room's messages with precedence, receipts, deadline and escalation
// state, the acknowledgement button, compose with precedence and
// attachments, search of the member's local copy, and the link tests.
// It refetches on the live stream's "hotline" messages and polls every
// 5 s as a fallback while it is open.

import { signedInMember } from "./login";
import {
  ApiError,
  getJSON,
  PRECEDENCES,
  postJSON,
  type HotlineEscalation,
  type HotlineHit,
  type HotlineLinkTest,
  type HotlineLive,
  type HotlineMember,
  type HotlineMessage,
  type HotlineReceipt,
  type HotlineRoom,
  type HotlineSendRequest,
  type HotlineSent,
  type Nation,
  type Precedence,
  type ReceiptState,
} from "./api";
import { CallBar } from "./call";
import { h, replace } from "./dom";
import { currentLang, nationName, num, t, timeEl, utc, validTime, type Key } from "./i18n";
import type { Store } from "./store";

/** PROSIGNS are the precedence prosigns of ACP 121/ACP 131. */
export const PROSIGNS: Record<Precedence, string> = { FLASH: "Z", IMMEDIATE: "O", PRIORITY: "P", ROUTINE: "R" };

/**
 * MAX_ATTACHMENTS_SIZE is the node's limit on a message's attachments
 * together (names, media types and data, before base64:
 * hotline.MaxAttachmentsSize), MAX_ATTACHMENTS its limit on their number.
 */
export const MAX_ATTACHMENTS_SIZE = 4 << 20;
export const MAX_ATTACHMENTS = 8;

const POLL_MS = 5000;
const DEBOUNCE_MS = 250;
const LINK_TESTS_SHOWN = 5;
const MESSAGE_LIMIT = 200;

// ---- Pure helpers (unit-tested in hotline.test.ts) ----

export type HotlineRoute = { room: string | null };

/** parseHotlineRoute parses "#/hotline" and "#/hotline/ROOM"; null for any other hash. */
export function parseHotlineRoute(hash: string): HotlineRoute | null {
  if (hash === "#/hotline" || hash === "#/hotline/") return { room: null };
  const m = /^#\/hotline\/(.+)$/.exec(hash);
  if (!m) return null;
  try {
    return { room: decodeURIComponent(m[1]) };
  } catch {
    return { room: null };
  }
}

/** roomHref is the page of room. */
export function roomHref(room: string): string {
  return `#/hotline/${encodeURIComponent(room)}`;
}

/** queryWords splits a search query into the case-folded words the server matches (separated by white space). */
export function queryWords(q: string): string[] {
  return [...new Set(q.split(/\s+/u).filter(Boolean).map((w) => w.toLowerCase()))];
}

/**
 * snippetParts splits a search snippet into plain and marked parts: the
 * server puts each match in [ ]. Message text has brackets of its own
 * ("[LAUNCH] …" comes back as "[[LAUNCH]] …"), so a bracketed run counts
 * as a match only when it holds no "[" and, given the query's words,
 * contains one of them; any other bracket is text. An unclosed [ marks
 * to the end (the server closes a mark cut off by the snippet's end, but
 * be lenient).
 */
export function snippetParts(s: string, words: string[] = []): { text: string; mark: boolean }[] {
  const out: { text: string; mark: boolean }[] = [];
  const push = (text: string, mark: boolean) => {
    if (!text) return;
    const last = out[out.length - 1];
    if (last && last.mark === mark) last.text += text;
    else out.push({ text, mark });
  };
  const isMatch = (seg: string) => seg.length > 0 && !seg.includes("[") && (!words.length || words.some((w) => seg.toLowerCase().includes(w)));
  let i = 0;
  while (i < s.length) {
    const open = s.indexOf("[", i);
    if (open < 0) {
      push(s.slice(i), false);
      break;
    }
    push(s.slice(i, open), false);
    const close = s.indexOf("]", open + 1);
    const seg = close < 0 ? s.slice(open + 1) : s.slice(open + 1, close);
    if (isMatch(seg)) {
      push(seg, true);
      if (close < 0) break;
      i = close + 1;
    } else {
      push("[", false);
      i = open + 1;
    }
  }
  return out;
}

/** duration formats ms as m:ss, or h:mm:ss from an hour on (negative as its absolute value). */
export function duration(ms: number): string {
  const total = Math.floor(Math.abs(ms) / 1000);
  const hh = Math.floor(total / 3600);
  const mm = Math.floor((total % 3600) / 60);
  const ss = total % 60;
  const p2 = (v: number) => String(v).padStart(2, "0");
  return hh > 0 ? `${hh}:${p2(mm)}:${p2(ss)}` : `${mm}:${p2(ss)}`;
}

/** countdown tells how long until deadline (ms since the epoch) at now, or by how much it is overdue. */
export function countdown(deadline: number, now: number): { overdue: boolean; text: string } {
  const left = deadline - now;
  return { overdue: left < 0, text: duration(left < 0 ? -left : left + 999) };
}

/** sortMessages orders messages oldest first: by creation time, then by sequence. */
export function sortMessages(list: HotlineMessage[]): HotlineMessage[] {
  return [...list].sort((a, b) => {
    const d = Date.parse(a.created) - Date.parse(b.created);
    if (Number.isFinite(d) && d !== 0) return d;
    return (a.seq ?? 0) - (b.seq ?? 0);
  });
}

/**
 * receiptState is a receipt's state as shown: acknowledged once anyone's
 * acknowledgement stands for the member (acknowledged_by is set, the node's
 * test of done), even when that was an alternate's and the member's own
 * state is still "read".
 */
export function receiptState(r: HotlineReceipt): ReceiptState {
  if (r.acknowledged_by) return "acknowledged";
  return (["pending", "delivered", "read", "acknowledged"] as const).includes(r.state) ? r.state : "pending";
}

/** awaitingAck reports whether some addressee of m has not acknowledged it yet (nor an alternate for it). */
export function awaitingAck(m: HotlineMessage): boolean {
  return (m.receipts ?? []).some((r) => r.addressee && receiptState(r) !== "acknowledged");
}

/** shouldMarkRead reports whether showing m should send a read receipt. */
export function shouldMarkRead(m: HotlineMessage): boolean {
  return !m.mine && m.my_state === "delivered";
}

/**
 * latestEscalations keeps, per addressee who missed the deadline, the
 * highest escalation step, ordered by member.
 */
export function latestEscalations(list: HotlineEscalation[]): HotlineEscalation[] {
  const by = new Map<string, HotlineEscalation>();
  for (const e of list ?? []) {
    const old = by.get(e.member);
    if (!old || e.step > old.step) by.set(e.member, e);
  }
  return [...by.values()].sort((a, b) => (a.member < b.member ? -1 : a.member > b.member ? 1 : 0));
}

/** receiptMark is the short mark of a receipt state: ✓ delivered, ✓✓ read, ACK acknowledged. */
export function receiptMark(s: ReceiptState): string {
  switch (s) {
    case "delivered":
      return "✓";
    case "read":
      return "✓✓";
    case "acknowledged":
      return "ACK";
    default:
      return "…";
  }
}

/** base64FromDataURL returns the base64 data of a "data:…;base64,…" URL (FileReader.readAsDataURL). */
export function base64FromDataURL(u: string): string {
  const i = u.indexOf(",");
  return i < 0 ? "" : u.slice(i + 1);
}

/** fileSize formats a size in bytes (B, KiB, MiB). */
export function fileSize(n: number): string {
  if (n < 1024) return `${num(n)} B`;
  if (n < 1 << 20) return `${num(n / 1024, 1)} KiB`;
  return `${num(n / (1 << 20), 1)} MiB`;
}

const utf8 = new TextEncoder();

/** attachmentsSize is what the node counts against MAX_ATTACHMENTS_SIZE: the bytes of every name, media type and data. */
export function attachmentsSize(files: { name: string; type: string; size: number }[]): number {
  return files.reduce((s, f) => s + f.size + utf8.encode(f.name).length + utf8.encode(f.type || "application/octet-stream").length, 0);
}

/** attachmentProblem tells why files cannot go in one message: "too_many", "too_large", or "" when they can. */
export function attachmentProblem(files: { name: string; type: string; size: number }[]): "" | "too_many" | "too_large" {
  if (files.length > MAX_ATTACHMENTS) return "too_many";
  if (attachmentsSize(files) > MAX_ATTACHMENTS_SIZE) return "too_large";
  return "";
}

/** isPrecedence reports whether s is one of the four precedences. */
export function isPrecedence(s: string): s is Precedence {
  return (PRECEDENCES as string[]).includes(s);
}

// ---- The page ----

function errText(e: unknown): string {
  if (e instanceof ApiError) return e.message || String(e.status);
  return e instanceof Error ? e.message : String(e);
}

const ROOM_KEYS: Record<string, Key> = {
  leaders: "room_leaders",
  "foreign-ministers": "room_foreign_ministers",
  "defence-ministers": "room_defence_ministers",
  ops: "room_ops",
};

interface PendingFile {
  file: File;
}

/** HotlinePanel is the hotline page; main.ts shows it on #/hotline. */
export class HotlinePanel {
  readonly el: HTMLElement;

  private nation: Nation | null = null;
  private members: HotlineMember[] = [];
  private member = "";
  private rooms: HotlineRoom[] | null = null;
  private room: string | null = null;
  private messages: HotlineMessage[] | null = null;
  private linkTests: HotlineLinkTest[] | null = null;
  private hits: HotlineHit[] | null = null;
  private hitWords: string[] = [];
  /** A message to focus once its room is shown (a search hit was followed). */
  private focusMsg = "";
  private unavailable = false;
  /** The signed-in user is no hotline member. */
  private noMember = false;
  private loadError = "";
  private roomError = "";
  private ackErrors = new Map<string, string>();
  private acking = new Set<string>();
  private readSent = new Set<string>();
  /** Messages already shown in the open room (new ones are announced). */
  private seen: Set<string> | null = null;
  private files: PendingFile[] = [];
  private sending = false;
  private confirmFlash = false;
  /** Bumped on every change of nation, member or room: older answers are dropped. */
  private gen = 0;
  private active = false;
  private refreshing = false;
  private refreshAgain = false;
  private pollTimer = 0;
  private debounceTimer = 0;
  private tickTimer = 0;
  private msgKeys: string[] = [];
  private msgEls = new Map<string, { key: string; el: HTMLElement }>();

  // Elements kept across renders (so that focus and typed text stay).
  private heading = h("h2", { id: "hotline-heading" });
  private actingLabel = h("label", { for: "hl-member", id: "hl-member-label" });
  private memberSel = h("select", { id: "hl-member", name: "hl-member" });
  private actingNote = h("p", { class: "hl-note", id: "hl-acting-note" });
  private errorBox = h("p", { class: "hl-error", id: "hl-error", role: "alert" });
  private alarm = h("p", { class: "hl-alarm", id: "hl-linktest-alarm", role: "alert", hidden: true });
  private announcer = h("div", { class: "sr-only", id: "hl-announce", role: "status", "aria-live": "polite" });
  private roomsHeading = h("h3", { id: "hl-rooms-heading" });
  private roomsList = h("ul", { class: "hl-rooms", id: "hl-rooms", "aria-labelledby": "hl-rooms-heading" });
  private roomSection = h("section", { class: "hl-room", id: "hl-room", "aria-labelledby": "hl-room-heading" });
  private roomHeading = h("h3", { id: "hl-room-heading" });
  private roomMembers = h("p", { class: "hl-members", id: "hl-room-members" });
  private roomStatus = h("p", { class: "empty", id: "hl-room-status" });
  private msgBox = h("div", { class: "hl-messages", id: "hl-messages-box", tabindex: 0, role: "region", "aria-labelledby": "hl-room-heading" });
  private msgList = h("ol", { class: "hl-messages-list", id: "hl-messages" });
  private altNote = h("p", { class: "hl-note", id: "hl-alternate-note", hidden: true });
  private composeHeading = h("h3", { id: "hl-compose-heading" });
  private precLabel = h("label", { for: "hl-prec", id: "hl-prec-label" });
  private precSel = h("select", { id: "hl-prec", name: "precedence" });
  private bodyLabel = h("label", { for: "hl-body", id: "hl-body-label" });
  private bodyInput = h("textarea", { id: "hl-body", name: "body", rows: 3, maxlength: 20000 });
  private filesLabel = h("label", { for: "hl-files", id: "hl-files-label" });
  private filesInput = h("input", { id: "hl-files", name: "files", type: "file", multiple: true });
  private filesInfo = h("p", { class: "hl-note", id: "hl-files-info" });
  private sendBtn = h("button", { type: "submit", id: "hl-send" });
  private confirmBox = h("div", { class: "hl-confirm", id: "hl-flash-confirm", hidden: true });
  private confirmText = h("p", { id: "hl-flash-confirm-text" });
  private confirmYes = h("button", { type: "button", id: "hl-flash-yes", class: "danger" });
  private confirmNo = h("button", { type: "button", id: "hl-flash-no" });
  private composeError = h("p", { class: "hl-error", id: "hl-compose-error", role: "alert" });
  private composeStatus = h("p", { class: "hl-note", id: "hl-compose-status", role: "status" });
  private compose: HTMLFormElement;
  private searchHeading = h("h3", { id: "hl-search-heading" });
  private searchLabel = h("label", { for: "hl-q", id: "hl-q-label", class: "sr-only" });
  private searchInput = h("input", { id: "hl-q", name: "q", type: "search", autocomplete: "off" });
  private searchBtn = h("button", { type: "submit", id: "hl-search-go" });
  private searchErr = h("p", { class: "hl-error", id: "hl-search-error", role: "alert" });
  private searchResults = h("div", { id: "hl-results-box" });
  private linkHeading = h("h3", { id: "hl-linktests-heading" });
  private linkBox = h("div", { id: "hl-linktests-box" });
  private callBar = new CallBar();

  constructor(private readonly st: Store) {
    this.compose = h(
      "form",
      { class: "hl-compose", id: "hl-compose", "aria-labelledby": "hl-compose-heading", novalidate: true },
      this.composeHeading,
      h("div", { class: "hl-row" }, this.precLabel, this.precSel),
      h("div", { class: "hl-field" }, this.bodyLabel, this.bodyInput),
      h("div", { class: "hl-field" }, this.filesLabel, this.filesInput, this.filesInfo),
      this.confirmBox,
      h("div", { class: "hl-row" }, this.sendBtn, this.composeStatus),
      this.composeError,
    );
    replace(this.confirmBox, this.confirmText, h("div", { class: "hl-row" }, this.confirmYes, this.confirmNo));
    this.compose.addEventListener("submit", (ev) => {
      ev.preventDefault();
      void this.send(false);
    });
    this.confirmYes.addEventListener("click", () => void this.send(true));
    this.confirmNo.addEventListener("click", () => {
      this.confirmFlash = false;
      this.confirmBox.hidden = true;
      this.sendBtn.focus();
    });
    this.precSel.addEventListener("change", () => {
      this.precSel.dataset.prec = this.precSel.value;
      if (this.confirmFlash && this.precSel.value !== "FLASH") {
        this.confirmFlash = false;
        this.confirmBox.hidden = true;
      }
    });
    this.filesInput.addEventListener("change", () => {
      this.files = [...(this.filesInput.files ?? [])].map((file) => ({ file }));
      this.renderFiles();
    });
    const searchForm = h(
      "form",
      { class: "hl-search", id: "hl-search", role: "search", "aria-labelledby": "hl-search-heading" },
      this.searchLabel,
      this.searchInput,
      this.searchBtn,
    );
    searchForm.addEventListener("submit", (ev) => {
      ev.preventDefault();
      void this.search();
    });
    replace(this.roomSection, this.roomHeading, this.roomMembers, this.callBar.el, this.roomStatus, this.msgBox, this.altNote, this.compose);
    this.msgBox.appendChild(this.msgList);
    this.el = h(
      "section",
      { class: "panel hotline-panel", id: "hotline-panel", "aria-labelledby": "hotline-heading" },
      h("div", { class: "panel-head" }, this.heading),
      h("div", { class: "hl-acting" }, this.actingLabel, this.memberSel),
      this.actingNote,
      this.alarm,
      this.errorBox,
      this.announcer,
      h("nav", { class: "hl-rooms-nav", "aria-labelledby": "hl-rooms-heading" }, this.roomsHeading, this.roomsList),
      this.roomSection,
      h("section", { class: "hl-search-box", "aria-labelledby": "hl-search-heading" }, this.searchHeading, searchForm, this.searchErr, this.searchResults),
      h("section", { class: "hl-linktests", "aria-labelledby": "hl-linktests-heading" }, this.linkHeading, this.linkBox),
    );
    this.labels();
    document.addEventListener("visibilitychange", () => {
      if (this.active && document.visibilityState === "visible") this.schedule(0);
    });
  }

  /** show opens the page at room (null: the room list only) and starts its updates. */
  show(room: string | null): void {
    const wasActive = this.active;
    this.active = true;
    if (!this.pollTimer) this.pollTimer = window.setInterval(() => this.schedule(0), POLL_MS);
    if (!this.tickTimer) this.tickTimer = window.setInterval(() => this.tick(), 1000);
    if (room !== this.room) {
      this.room = room;
      this.gen++;
      this.messages = null;
      this.roomError = "";
      this.seen = null;
      this.confirmFlash = false;
      this.msgEls.clear();
      this.msgKeys = [];
      replace(this.msgList);
      this.render();
      if (this.nation === this.st.nation && this.member) this.schedule(0);
    } else if (!wasActive && this.nation === this.st.nation) this.schedule(0);
  }

  /** hide stops the page's updates (another page is shown). */
  hide(): void {
    this.active = false;
    clearInterval(this.pollTimer);
    clearInterval(this.tickTimer);
    clearTimeout(this.debounceTimer);
    this.pollTimer = this.tickTimer = this.debounceTimer = 0;
  }

  /** onLive takes a "hotline" message of the live stream of the viewed nation. */
  onLive(e: HotlineLive): void {
    if (!this.active || !e) return;
    this.schedule(DEBOUNCE_MS);
  }

  /** onCall takes a "call" message of the live stream of the viewed nation. */
  onCall(v: unknown): void {
    this.callBar.onLive(v);
  }

  /** callDebug exposes the call bar to tests. */
  callDebug(): ReturnType<CallBar["debug"]> {
    return this.callBar.debug();
  }

  /** render draws the page; relabel redoes the texts after a language change. */
  render(relabel = false): void {
    if (relabel) {
      this.labels();
      this.msgEls.clear();
      this.msgKeys = [];
    }
    if (this.nation !== this.st.nation) {
      void this.loadNation();
      return;
    }
    this.draw();
  }

  private draw(): void {
    const n = this.st.nation;
    this.el.dataset.nation = n;
    this.el.dataset.member = this.member;
    this.heading.textContent = t("hl_heading", { nation: nationName(n) });
    // A live region: set only when what it says changes.
    const err = this.noMember ? t("hl_no_member") : this.unavailable ? t("hl_unavailable") : this.loadError ? t("hl_load_error", { err: this.loadError }) : "";
    if (this.errorBox.textContent !== err) this.errorBox.textContent = err;
    this.errorBox.hidden = !err;
    this.renderMembers();
    this.renderRooms();
    this.renderRoom();
    this.callBar.setContext(n, this.member, this.rooms?.some((r) => r.id === this.room && r.role === "member") ? this.room : null);
    this.renderLinkTests();
    this.renderHits();
  }

  private labels(): void {
    this.actingLabel.textContent = t("hl_acting_as");
    this.actingNote.textContent = t("hl_acting_note");
    this.roomsHeading.textContent = t("hl_rooms");
    this.composeHeading.textContent = t("hl_compose");
    this.precLabel.textContent = t("hl_precedence");
    const prec = isPrecedence(this.precSel.value) ? this.precSel.value : "ROUTINE";
    replace(this.precSel, ...PRECEDENCES.map((p) => h("option", { value: p, selected: p === prec }, `${PROSIGNS[p]} · ${t(`prec_${p}`)}`)));
    this.precSel.dataset.prec = prec;
    this.bodyLabel.textContent = t("hl_body");
    this.filesLabel.textContent = t("hl_files");
    this.sendBtn.textContent = this.sending ? t("hl_sending") : t("hl_send");
    this.confirmText.textContent = t("hl_flash_confirm");
    this.confirmYes.textContent = t("hl_flash_yes");
    this.confirmNo.textContent = t("hl_cancel");
    this.searchHeading.textContent = t("hl_search");
    this.searchLabel.textContent = t("hl_search");
    this.searchBtn.textContent = t("hl_search_button");
    this.linkHeading.textContent = t("hl_linktests");
    this.callBar.labels();
    this.renderFiles();
  }

  // ---- Loading ----

  private async loadNation(): Promise<void> {
    const n = this.st.nation;
    this.nation = n;
    const gen = ++this.gen;
    this.members = [];
    this.member = "";
    this.rooms = null;
    this.messages = null;
    this.linkTests = null;
    this.hits = null;
    this.seen = null;
    this.unavailable = false;
    this.noMember = false;
    this.loadError = "";
    this.roomError = "";
    this.searchErr.textContent = "";
    this.msgEls.clear();
    this.msgKeys = [];
    replace(this.msgList);
    this.draw();
    // The page acts as the signed-in user's member; a user without one
    // (an observer, an administrator) has no hotline.
    this.member = signedInMember() ?? "";
    if (!this.member) {
      this.noMember = true;
      this.draw();
      return;
    }
    try {
      const ms = await getJSON<HotlineMember[]>(`/api/v1/hotline/members?nation=${n}`);
      if (gen !== this.gen) return;
      this.members = Array.isArray(ms) ? ms : [];
    } catch (e) {
      if (gen !== this.gen) return;
      if (e instanceof ApiError && e.status === 404) this.unavailable = true;
      else this.loadError = errText(e);
    }
    this.draw();
    if (!this.unavailable) this.schedule(0);
  }

  /** schedule refreshes the page after wait ms (coalescing requests made meanwhile). */
  private schedule(wait: number): void {
    if (!this.active) return;
    if (this.debounceTimer && wait > 0) return;
    clearTimeout(this.debounceTimer);
    this.debounceTimer = window.setTimeout(() => {
      this.debounceTimer = 0;
      void this.refresh();
    }, wait);
  }

  private async refresh(): Promise<void> {
    if (!this.active || this.unavailable || this.noMember || !this.member || this.nation !== this.st.nation) return;
    if (this.refreshing) {
      this.refreshAgain = true;
      return;
    }
    this.refreshing = true;
    try {
      await Promise.all([this.loadRooms(), this.loadMessages(), this.loadLinkTests()]);
    } finally {
      this.refreshing = false;
    }
    if (this.refreshAgain) {
      this.refreshAgain = false;
      void this.refresh();
    }
  }

  private q(): string {
    return `member=${encodeURIComponent(this.member)}`;
  }

  private async loadRooms(): Promise<void> {
    const gen = this.gen;
    try {
      const rs = await getJSON<HotlineRoom[]>(`/api/v1/rooms?${this.q()}`);
      if (gen !== this.gen) return;
      this.rooms = Array.isArray(rs) ? rs : [];
      this.loadError = "";
    } catch (e) {
      if (gen !== this.gen) return;
      if (e instanceof ApiError && e.status === 404 && !this.rooms) this.rooms = [];
      this.loadError = errText(e);
    }
    this.draw();
  }

  private async loadMessages(): Promise<void> {
    const room = this.room;
    if (!room) return;
    const gen = this.gen;
    try {
      const ms = await getJSON<HotlineMessage[]>(`/api/v1/rooms/${encodeURIComponent(room)}/messages?${this.q()}&limit=${MESSAGE_LIMIT}`);
      if (gen !== this.gen) return;
      this.messages = sortMessages(Array.isArray(ms) ? ms : []);
      this.roomError = "";
    } catch (e) {
      if (gen !== this.gen) return;
      this.roomError = errText(e);
    }
    this.announceNew();
    this.renderRoom();
    this.markRead();
    this.focusPending();
    // Not among the messages shown (older than the latest 200): give up.
    this.focusMsg = "";
  }

  private focusPending(): void {
    if (!this.focusMsg) return;
    const e = document.getElementById(`hl-msg-${this.focusMsg}`);
    if (!e) return;
    this.focusMsg = "";
    e.focus();
  }

  private async loadLinkTests(): Promise<void> {
    const n = this.nation;
    try {
      const lt = await getJSON<HotlineLinkTest[]>(`/api/v1/hotline/linktests?nation=${n}`);
      if (n !== this.nation) return;
      this.linkTests = Array.isArray(lt) ? lt : [];
    } catch {
      if (n !== this.nation) return;
      this.linkTests ??= [];
    }
    this.renderLinkTests();
  }

  // ---- Actions ----

  private path(id: string, what: string): string {
    return `/api/v1/rooms/${encodeURIComponent(this.room ?? "")}/messages/${encodeURIComponent(id)}/${what}?${this.q()}`;
  }

  /** markRead sends a read receipt for each shown message that is delivered to the member but not read. */
  private markRead(): void {
    if (!this.active || document.visibilityState === "hidden" || !this.messages) return;
    for (const m of this.messages) {
      const key = `${this.member}/${m.id}`;
      if (!shouldMarkRead(m) || this.readSent.has(key)) continue;
      this.readSent.add(key);
      postJSON(this.path(m.id, "read"), {}).catch(() => this.readSent.delete(key));
    }
  }

  private async ack(id: string): Promise<void> {
    if (this.acking.has(id)) return;
    const gen = this.gen;
    this.acking.add(id);
    this.ackErrors.delete(id);
    this.renderRoom();
    try {
      await postJSON(this.path(id, "ack"), {});
    } catch (e) {
      if (gen === this.gen) this.ackErrors.set(id, errText(e));
    }
    this.acking.delete(id);
    if (gen !== this.gen) return;
    this.renderRoom();
    this.schedule(0);
  }

  /** filesProblem returns the message for chosen files that cannot be sent, or "". */
  private filesProblem(): string {
    const fs = this.files.map((f) => f.file);
    switch (attachmentProblem(fs)) {
      case "too_many":
        return t("hl_files_too_many", { n: fs.length, max: MAX_ATTACHMENTS });
      case "too_large":
        return t("hl_files_too_large", { size: fileSize(attachmentsSize(fs)), limit: fileSize(MAX_ATTACHMENTS_SIZE) });
      default:
        return "";
    }
  }

  private renderFiles(): void {
    const n = this.files.length;
    const total = this.files.reduce((s, f) => s + f.file.size, 0);
    this.filesInfo.textContent = !n ? "" : n === 1 ? t("hl_files_chosen_one", { size: fileSize(total) }) : t("hl_files_chosen", { n, size: fileSize(total) });
    this.filesInfo.hidden = !n;
    const problem = this.filesProblem();
    if (problem) this.composeError.textContent = problem;
    else if (this.composeError.dataset.kind === "files") this.composeError.textContent = "";
    this.composeError.dataset.kind = problem ? "files" : "";
  }

  private async send(confirmed: boolean): Promise<void> {
    if (this.sending || !this.room) return;
    const prec: Precedence = isPrecedence(this.precSel.value) ? this.precSel.value : "ROUTINE";
    const body = this.bodyInput.value;
    this.composeError.textContent = "";
    this.composeError.dataset.kind = "";
    this.composeStatus.textContent = "";
    if (!body.trim() && !this.files.length) {
      this.composeError.textContent = t("hl_empty_body");
      this.bodyInput.focus();
      return;
    }
    const problem = this.filesProblem();
    if (problem) {
      this.composeError.textContent = problem;
      this.composeError.dataset.kind = "files";
      return;
    }
    if (prec === "FLASH" && !confirmed) {
      this.confirmFlash = true;
      this.confirmBox.hidden = false;
      this.confirmYes.focus();
      return;
    }
    this.confirmFlash = false;
    this.confirmBox.hidden = true;
    const room = this.room;
    const gen = this.gen;
    this.sending = true;
    this.sendBtn.disabled = true;
    this.sendBtn.textContent = t("hl_sending");
    try {
      const req: HotlineSendRequest = { precedence: prec, body };
      if (this.files.length) {
        req.attachments = [];
        for (const f of this.files) {
          req.attachments.push({ name: f.file.name, type: f.file.type || "application/octet-stream", data: await readBase64(f.file) });
        }
      }
      const r = await postJSON<HotlineSent>(`/api/v1/rooms/${encodeURIComponent(room)}/messages?${this.q()}`, req);
      if (gen === this.gen) {
        this.bodyInput.value = "";
        this.filesInput.value = "";
        this.files = [];
        this.renderFiles();
        this.precSel.value = "ROUTINE";
        this.precSel.dataset.prec = "ROUTINE";
        this.composeStatus.textContent = t("hl_sent", { prec: t(`prec_${isPrecedence(r?.precedence) ? r.precedence : prec}`) });
        this.bodyInput.focus();
      }
    } catch (e) {
      this.composeError.textContent = e instanceof FileError ? t("hl_file_error", { name: e.fileName }) : t("hl_send_error", { err: errText(e) });
    } finally {
      this.sending = false;
      this.sendBtn.disabled = false;
      this.sendBtn.textContent = t("hl_send");
    }
    this.schedule(0);
  }

  private async search(): Promise<void> {
    const q = this.searchInput.value.trim();
    this.searchErr.textContent = "";
    if (!q) {
      this.hits = null;
      this.renderHits();
      return;
    }
    const gen = this.gen;
    try {
      const hits = await getJSON<HotlineHit[]>(`/api/v1/hotline/search?${this.q()}&q=${encodeURIComponent(q)}`);
      if (gen !== this.gen) return;
      this.hits = Array.isArray(hits) ? hits : [];
      this.hitWords = queryWords(q);
    } catch (e) {
      if (gen !== this.gen) return;
      this.hits = null;
      this.searchErr.textContent = t("hl_search_error", { err: errText(e) });
    }
    this.renderHits();
  }

  // ---- Drawing ----

  private roomTitle(r: { id: string; title?: string }): string {
    const k = ROOM_KEYS[r.id];
    return k ? t(k) : r.title || r.id;
  }

  private renderMembers(): void {
    const key = `${currentLang()}|${this.member}|${this.members.map((m) => m.id).join()}`;
    if (this.memberSel.dataset.key === key) return;
    this.memberSel.dataset.key = key;
    // Signed in, the user acts as their own member only.
    const own = signedInMember();
    let list = this.members.length ? this.members : this.member ? [{ id: this.member, name: this.member } as HotlineMember] : [];
    if (own) list = list.filter((m) => m.id === own);
    replace(this.memberSel, ...list.map((m) => h("option", { value: m.id, selected: m.id === this.member }, m.name && m.name !== m.id ? `${m.name} (${m.id})` : m.id)));
    this.memberSel.disabled = this.members.length === 0 || !!own;
  }

  private renderRooms(): void {
    const key = `${currentLang()}|${this.room}|${this.unavailable}|${JSON.stringify(this.rooms)}`;
    if (this.roomsList.dataset.key === key) return;
    this.roomsList.dataset.key = key;
    const focused = this.roomsList.contains(document.activeElement) ? document.activeElement?.id : undefined;
    if (!this.rooms) {
      replace(this.roomsList, h("li", { class: "empty" }, this.unavailable || this.noMember ? "—" : t("loading")));
      return;
    }
    if (!this.rooms.length) {
      replace(this.roomsList, h("li", { class: "empty", id: "hl-rooms-empty" }, t("hl_rooms_empty")));
      return;
    }
    replace(
      this.roomsList,
      ...this.rooms.map((r) => {
        const on = r.id === this.room;
        return h(
          "li",
          { "data-room": r.id, class: on ? "on" : null },
          h(
            "a",
            { href: roomHref(r.id), id: `hl-room-${r.id}`, "aria-current": on ? "page" : null },
            h("span", { class: "hl-room-title" }, this.roomTitle(r)),
            r.role === "alternate" ? h("span", { class: "hl-role" }, ` (${t("hl_as_alternate")})`) : null,
          ),
          h("span", { class: "count" }, r.messages === 1 ? t("hl_room_count_one") : t("hl_room_count", { n: r.messages ?? 0 })),
          r.pending > 0
            ? h("span", { class: "badge pending", "data-pending": r.pending, title: t("hl_room_pending", { n: r.pending }) }, String(r.pending), h("span", { class: "sr-only" }, ` ${t("hl_room_pending", { n: r.pending })}`))
            : null,
        );
      }),
    );
    if (focused) document.getElementById(focused)?.focus();
  }

  private names(): Map<string, string> {
    const m = new Map<string, string>();
    for (const x of this.members) m.set(x.id, x.name);
    const r = this.rooms?.find((x) => x.id === this.room);
    for (const x of r?.members ?? []) m.set(x.id, x.name);
    return m;
  }

  private renderRoom(): void {
    if (!this.room) {
      this.roomSection.hidden = false;
      this.roomHeading.textContent = t("hl_messages", { room: "—" });
      this.roomMembers.hidden = true;
      this.roomStatus.hidden = false;
      this.roomStatus.textContent = t("hl_pick_room");
      this.msgBox.hidden = true;
      this.compose.hidden = true;
      this.altNote.hidden = true;
      return;
    }
    const r = this.rooms?.find((x) => x.id === this.room);
    this.roomSection.dataset.room = this.room;
    this.roomHeading.textContent = t("hl_messages", { room: r ? this.roomTitle(r) : this.room });
    this.roomMembers.hidden = !r;
    if (r) replace(this.roomMembers, h("span", { class: "hl-label" }, t("hl_room_members"), ": "), r.members.map((m) => m.id).join(", "));
    let status = "";
    if (this.roomError) status = t("hl_load_error", { err: this.roomError });
    else if (this.rooms && !r) status = t("hl_no_room", { room: this.room });
    else if (!this.messages) status = t("loading");
    else if (!this.messages.length) status = t("hl_messages_empty");
    this.roomStatus.textContent = status;
    this.roomStatus.hidden = !status;
    this.roomStatus.className = this.roomError ? "hl-error" : "empty";
    // An alternate reads and acknowledges for the member it stands in for
    // but cannot post: the node seals messages from room members only.
    const alternate = r?.role === "alternate";
    this.compose.hidden = alternate;
    this.altNote.hidden = !alternate;
    this.altNote.textContent = alternate ? t("hl_alternate_no_send") : "";
    this.msgBox.hidden = !this.messages?.length;
    this.renderMessages();
  }

  private renderMessages(): void {
    const list = this.messages ?? [];
    const names = this.names();
    const lang = currentLang();
    const keys: string[] = [];
    const els: HTMLElement[] = [];
    let changed = list.length !== this.msgKeys.length;
    list.forEach((m, i) => {
      const key = `${lang}|${this.acking.has(m.id)}|${this.ackErrors.get(m.id) ?? ""}|${JSON.stringify(m)}`;
      keys.push(key);
      let e = this.msgEls.get(m.id);
      if (!e || e.key !== key) {
        e = { key, el: m.kind === "link-test" ? this.linkTestItem(m) : this.messageItem(m, names) };
        this.msgEls.set(m.id, e);
      }
      if (this.msgKeys[i] !== key) changed = true;
      els.push(e.el);
    });
    if (!changed) return;
    const ids = new Set(list.map((m) => m.id));
    for (const id of [...this.msgEls.keys()]) if (!ids.has(id)) this.msgEls.delete(id);
    const focused = this.msgList.contains(document.activeElement) ? document.activeElement?.id : undefined;
    const atBottom = this.msgBox.scrollHeight - this.msgBox.scrollTop - this.msgBox.clientHeight < 40;
    const grew = list.length > this.msgKeys.length;
    this.msgKeys = keys;
    replace(this.msgList, ...els);
    if (focused && !this.msgList.contains(document.activeElement)) {
      const again = document.getElementById(focused);
      // A pressed Acknowledge button is gone once acknowledged: focus its message.
      const msg = focused.startsWith("hl-ack-") ? document.getElementById(`hl-msg-${focused.slice(7)}`) : null;
      (again ?? msg)?.focus();
    }
    if (grew && atBottom) this.msgBox.scrollTop = this.msgBox.scrollHeight;
    this.tick();
  }

  private messageItem(m: HotlineMessage, names: Map<string, string>): HTMLElement {
    const prec: Precedence = isPrecedence(m.precedence) ? m.precedence : "ROUTINE";
    const receipts = (m.receipts ?? []).filter((r) => r.addressee);
    const escs = latestEscalations(m.escalations ?? []);
    const waiting = awaitingAck(m) && validTime(m.deadline);
    const err = this.ackErrors.get(m.id);
    return h(
      "li",
      {
        class: `hl-msg prec-${prec}${m.mine ? " mine" : ""}${m.needs_ack ? " needs-ack" : ""}${m.kind === "call" ? " call-event" : ""}`,
        id: `hl-msg-${m.id}`,
        "data-msg": m.id,
        "data-kind": m.kind || null,
        "data-prec": prec,
        "data-sender": m.sender,
        tabindex: -1,
      },
      h(
        "div",
        { class: "hl-msg-head" },
        precBadge(prec),
        h("span", { class: "hl-sender", title: m.sender }, m.sender_name || m.sender),
        h("span", { class: `hl-nation nation-${m.sender_nation}` }, nationName(m.sender_nation)),
        m.mine ? h("span", { class: "hl-you" }, `(${t("hl_you")})`) : null,
        timeEl(m.created, !sameDay(m.created)),
      ),
      m.body ? h("p", { class: "hl-body" }, m.body) : null,
      m.attachments?.length
        ? h(
            "ul",
            { class: "hl-attachments", "aria-label": t("hl_attachments") },
            ...m.attachments.map((a, i) =>
              h(
                "li",
                null,
                h(
                  "a",
                  { href: this.path(m.id, `attachments/${i}`), download: a.name || `attachment-${i}`, "data-attachment": i, title: a.size > 0 ? t("hl_download", { name: a.name, size: fileSize(a.size) }) : null },
                  a.name || `#${i + 1}`,
                ),
                // The node gives no size for some messages (0): show none then.
                a.size > 0 ? ` (${fileSize(a.size)})` : null,
              ),
            ),
          )
        : null,
      receipts.length
        ? h(
            "ul",
            { class: "hl-receipts", "aria-label": t("hl_receipts") },
            ...receipts.map((r) => receiptChip(r, names)),
          )
        : null,
      waiting ? h("p", { class: "hl-deadline", "data-deadline": m.deadline }) : null,
      ...escs.map((e) =>
        h(
          "p",
          { class: "hl-escalation", "data-member": e.member, "data-step": e.step, "data-alternate": e.alternate || null },
          e.alternate ? t("hl_escalated", { member: e.member, alternate: e.alternate, step: e.step }) : t("hl_escalated_none", { member: e.member, step: e.step }),
        ),
      ),
      m.needs_ack
        ? h(
            "div",
            { class: "hl-row" },
            h(
              "button",
              {
                type: "button",
                class: "hl-ack",
                id: `hl-ack-${m.id}`,
                // Not disabled: a disabled button loses focus.
                "aria-disabled": this.acking.has(m.id) ? "true" : null,
                onclick: () => void this.ack(m.id),
              },
              this.acking.has(m.id) ? t("hl_acking") : t("hl_ack"),
            ),
          )
        : null,
      err ? h("p", { class: "hl-error", role: "alert" }, t("hl_ack_error", { err })) : null,
    );
  }

  private linkTestItem(m: HotlineMessage): HTMLElement {
    const rs = (m.receipts ?? []).filter((r) => r.addressee);
    const got = rs.filter((r) => receiptState(r) !== "pending").length;
    return h(
      "li",
      { class: "hl-msg linktest", id: `hl-msg-${m.id}`, "data-msg": m.id, "data-kind": "link-test", tabindex: -1 },
      h("span", { class: "prosign", "aria-hidden": "true" }, PROSIGNS[isPrecedence(m.precedence) ? m.precedence : "FLASH"]),
      " ",
      t("hl_link_test"),
      " · ",
      nationName(m.sender_nation),
      " · ",
      timeEl(m.created, !sameDay(m.created)),
      " · ",
      h("span", { title: rs.map((r) => t("rcpt_title", { member: r.member, state: t(`rcpt_${receiptState(r)}`) })).join(", ") || null }, `${got}/${rs.length} ${receiptMark("delivered")}`),
    );
  }

  private renderLinkTests(): void {
    const list = (this.linkTests ?? []).slice(0, LINK_TESTS_SHOWN);
    const done = (this.linkTests ?? []).find((x) => x.state !== "pending");
    if (done && done.state === "missed") {
      const nations = done.results.filter((r) => !r.ok).map((r) => nationName(r.nation)).join(", ") || "—";
      const txt = t("hl_linktest_alarm", { time: utc(done.sent), nations });
      if (this.alarm.textContent !== txt) this.alarm.textContent = txt;
      this.alarm.hidden = false;
    } else {
      this.alarm.hidden = true;
      this.alarm.textContent = "";
    }
    const key = `${currentLang()}|${JSON.stringify(list)}`;
    if (this.linkBox.dataset.key === key && this.linkTests !== null) return;
    this.linkBox.dataset.key = key;
    if (this.linkTests === null) {
      replace(this.linkBox, h("p", { class: "empty" }, t("loading")));
      return;
    }
    if (!list.length) {
      replace(this.linkBox, h("p", { class: "empty", id: "hl-linktests-empty" }, t("hl_linktests_empty")));
      return;
    }
    replace(
      this.linkBox,
      h(
        "table",
        { class: "hl-linktests-table", id: "hl-linktests" },
        h("thead", null, h("tr", null, h("th", { scope: "col" }, t("lt_sent")), h("th", { scope: "col" }, t("lt_from")), h("th", { scope: "col" }, t("lt_state")), h("th", { scope: "col" }, t("lt_partners")))),
        h(
          "tbody",
          null,
          ...list.map((lt) =>
            h(
              "tr",
              { class: `lt-${lt.state}`, "data-linktest": lt.id || null, "data-state": lt.state },
              h("td", null, timeEl(lt.sent, !sameDay(lt.sent))),
              h("td", null, nationName(lt.from)),
              h("td", { class: `lt-state ${lt.state}` }, t(`lt_${lt.state}`)),
              h(
                "td",
                null,
                (lt.results ?? [])
                  .map((r) => `${r.nation.toUpperCase()} ${r.ok ? (r.rtt_ms !== undefined ? t("unit_ms", { n: num(r.rtt_ms, 1) }) : receiptMark("delivered")) : t("lt_no_answer")}`)
                  .join(", ") || "—",
              ),
            ),
          ),
        ),
      ),
    );
  }

  private renderHits(): void {
    const key = `${currentLang()}|${this.hitWords.join(" ")}|${JSON.stringify(this.hits)}`;
    if (this.searchResults.dataset.key === key) return;
    this.searchResults.dataset.key = key;
    if (this.hits === null) {
      this.searchResults.replaceChildren();
      return;
    }
    if (!this.hits.length) {
      replace(this.searchResults, h("p", { class: "empty", id: "hl-results-none" }, t("hl_search_none")));
      return;
    }
    replace(
      this.searchResults,
      h(
        "ul",
        { class: "hl-results", id: "hl-results", "aria-labelledby": "hl-search-heading" },
        ...this.hits.map((hit) =>
          h(
            "li",
            { "data-msg": hit.id },
            precBadge(isPrecedence(hit.precedence) ? hit.precedence : "ROUTINE"),
            " ",
            h(
              "a",
              {
                href: roomHref(hit.room),
                "data-hit": hit.id,
                onclick: () => {
                  this.focusMsg = hit.id;
                  if (hit.room === this.room) this.focusPending();
                },
              },
              this.roomTitle({ id: hit.room }),
            ),
            " · ",
            h("span", { class: "hl-sender" }, hit.sender),
            " · ",
            timeEl(hit.created, !sameDay(hit.created)),
            h("p", { class: "hl-snippet" }, ...snippetParts(hit.snippet ?? "", this.hitWords).map((p) => (p.mark ? h("mark", null, p.text) : p.text))),
          ),
        ),
      ),
    );
  }

  /** announceNew tells a screen reader about messages that arrived in the open room since it was first shown. */
  private announceNew(): void {
    if (!this.messages) return;
    const first = this.seen === null;
    const seen = (this.seen ??= new Set());
    const fresh = this.messages.filter((m) => !seen.has(m.id));
    for (const m of fresh) seen.add(m.id);
    if (first) return;
    const news = fresh.filter((m) => !m.mine && m.kind !== "link-test");
    if (!news.length) return;
    const m = news[news.length - 1];
    const prec: Precedence = isPrecedence(m.precedence) ? m.precedence : "ROUTINE";
    this.announcer.textContent = news.length === 1 ? t("hl_new_message", { prec: t(`prec_${prec}`), sender: m.sender_name || m.sender }) : t("hl_new_messages", { n: news.length });
  }

  /** tick updates the deadline countdowns. */
  private tick(): void {
    const now = Date.now();
    for (const e of this.msgList.querySelectorAll<HTMLElement>("[data-deadline]")) {
      const c = countdown(Date.parse(e.dataset.deadline!), now);
      const txt = c.overdue ? t("hl_overdue", { t: c.text }) : t("hl_due_in", { t: c.text });
      if (e.textContent !== txt) e.textContent = txt;
      e.classList.toggle("overdue", c.overdue);
    }
  }

  /** debug is what the browser tests read (window.trilink.hotline()). */
  debug(): { nation: string | null; member: string; room: string | null; rooms: number; messages: number } {
    return { nation: this.nation, member: this.member, room: this.room, rooms: this.rooms?.length ?? -1, messages: this.messages?.length ?? -1 };
  }
}

function precBadge(p: Precedence): HTMLElement {
  return h(
    "span",
    { class: `badge prec ${p}`, "data-prec": p, title: t("prec_title", { code: p, prosign: PROSIGNS[p] }) },
    h("span", { class: "prosign", "aria-hidden": "true" }, PROSIGNS[p]),
    " ",
    t(`prec_${p}`),
  );
}

function receiptChip(r: HotlineReceipt, names: Map<string, string>): HTMLElement {
  const state = receiptState(r);
  const when = state === "acknowledged" ? r.acknowledged : state === "read" ? r.read : state === "delivered" ? r.delivered : undefined;
  const by = state === "acknowledged" && r.acknowledged_by && r.acknowledged_by !== r.member ? r.acknowledged_by : "";
  const name = names.get(r.member);
  const title = [t("rcpt_title", { member: name ? `${name} (${r.member})` : r.member, state: t(`rcpt_${state}`) }), validTime(when) ? utc(when) : "", by ? t("rcpt_by", { member: by }) : ""]
    .filter(Boolean)
    .join(" · ");
  return h(
    "li",
    {
      class: `chip rcpt ${state}${r.escalations > 0 && state !== "acknowledged" ? " escalated" : ""}`,
      "data-member": r.member,
      "data-state": state,
      "data-by": by || null,
      title,
    },
    r.member,
    " ",
    h("span", { class: "mark", "aria-hidden": "true" }, receiptMark(state)),
    h("span", { class: "sr-only" }, t(`rcpt_${state}`)),
    by ? h("span", { class: "by" }, ` ${t("rcpt_by", { member: by })}`) : null,
  );
}

function sameDay(iso: string): boolean {
  const d = new Date(iso);
  const n = new Date();
  return d.getFullYear() === n.getFullYear() && d.getMonth() === n.getMonth() && d.getDate() === n.getDate();
}

class FileError extends Error {
  constructor(readonly fileName: string) {
    super(`read ${fileName}`);
  }
}

/** readBase64 reads a file as base64 with FileReader. */
function readBase64(f: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(base64FromDataURL(String(r.result ?? "")));
    r.onerror = () => reject(new FileError(f.name));
    r.readAsDataURL(f);
  });
}
