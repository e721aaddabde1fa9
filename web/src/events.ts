// events.ts: the events panel: a timeline of launches (launch to impact)
// and the list, updated in place so that keyboard focus survives live
// updates.

import type { MissileEvent } from "./api";
import { h, replace } from "./dom";
import { currentLang, dateTime, km, nationName, t, timeEl, utc, validTime } from "./i18n";
import type { Store } from "./store";

const SVG = "http://www.w3.org/2000/svg";

/** launchMs returns an event's launch time, or its first track time, in ms; NaN if neither. */
export function launchMs(e: MissileEvent): number {
  if (validTime(e.launch?.time)) return Date.parse(e.launch!.time!);
  const f = e.track?.[0]?.t;
  return validTime(f) ? Date.parse(f) : NaN;
}

/** sortEvents orders events newest launch first (unknown launch times last, by id). */
export function sortEvents(list: MissileEvent[]): MissileEvent[] {
  return [...list].sort((a, b) => {
    const la = launchMs(a);
    const lb = launchMs(b);
    if (Number.isNaN(la) && Number.isNaN(lb)) return a.id.localeCompare(b.id);
    if (Number.isNaN(la)) return 1;
    if (Number.isNaN(lb)) return -1;
    return lb - la || a.id.localeCompare(b.id);
  });
}

export function zoneText(e: MissileEvent): string {
  const z = e.impact?.zone;
  if (!z || !z.kind) return "—";
  if (!z.nation || z.nation === "none") return z.kind === "high_seas" ? t("zone_high_seas") : t("zone_outside");
  return t("zone_of", { nation: nationName(z.nation), kind: t(`zone_${z.kind}`) });
}

export class EventsPanel {
  readonly el: HTMLElement;
  private heading = h("h2", { id: "events-heading" });
  private count = h("span", { class: "count", id: "events-count" });
  private note = h("p", { class: "empty", id: "events-empty" });
  private timeline = document.createElementNS(SVG, "svg");
  private tbody = h("tbody");
  private thead = h("thead");
  private rows = new Map<string, HTMLTableRowElement>();
  private table: HTMLTableElement;
  private timelineKey = "";

  constructor(private readonly store: Store) {
    this.timeline.setAttribute("class", "timeline");
    this.timeline.setAttribute("role", "group");
    this.timeline.id = "timeline";
    this.table = h("table", { class: "events", id: "events-table", "aria-labelledby": "events-heading" }, this.thead, this.tbody);
    this.el = h(
      "section",
      { class: "panel events-panel", id: "events-panel", "aria-labelledby": "events-heading" },
      h("div", { class: "panel-head" }, this.heading, this.count),
      this.note,
      h("div", { class: "timeline-box" }, this.timeline),
      this.table,
    );
  }

  render(): void {
    this.heading.textContent = t("events_heading");
    const list = sortEvents([...this.store.events.values()]);
    this.count.textContent = list.length ? t("events_count", { n: list.length }) : "";
    if (this.store.eventsAvailable === false && !list.length) this.note.textContent = t("events_unavailable");
    else this.note.textContent = list.length ? "" : t("events_empty");
    this.note.hidden = list.length > 0;
    this.table.hidden = list.length === 0;
    replace(
      this.thead,
      h(
        "tr",
        null,
        ...(["col_event", "col_launch", "col_class", "col_state", "col_apogee", "col_range", "col_impact"] as const).map((k) =>
          h("th", { scope: "col" }, t(k)),
        ),
      ),
    );
    this.renderRows(list);
    this.renderTimeline(list);
  }

  private renderRows(list: MissileEvent[]): void {
    const seen = new Set<string>();
    let prev: HTMLTableRowElement | null = null;
    for (const e of list) {
      seen.add(e.id);
      let row = this.rows.get(e.id);
      if (!row) {
        row = h("tr", { "data-event": e.id });
        for (let i = 0; i < 7; i++) row.append(h("td"));
        const a = h("a", { href: `#/events/${encodeURIComponent(e.id)}` }, e.id);
        row.cells[0].append(a);
        this.rows.set(e.id, row);
      }
      const cells = row.cells;
      setTime(cells[1], e.launch?.time ?? e.track?.[0]?.t);
      setText(cells[2], e.class ?? "—", e.class ? t(`class_${e.class}`) : t("class_unknown"));
      setText(cells[3], t(e.state ? `state_${e.state}` : "state_unknown"));
      cells[3].className = `state ${e.state ?? "unknown"}`;
      setText(cells[4], km(e.apogee_km));
      cells[4].className = "num";
      setText(cells[5], km(e.range_km));
      cells[5].className = "num";
      setText(cells[6], zoneText(e));
      // Keep DOM order equal to list order, moving only what is out of place.
      const want: ChildNode | null = prev ? prev.nextSibling : this.tbody.firstChild;
      if (want !== row) this.tbody.insertBefore(row, want);
      prev = row;
    }
    for (const [id, row] of this.rows) {
      if (!seen.has(id)) {
        row.remove();
        this.rows.delete(id);
      }
    }
  }

  private renderTimeline(list: MissileEvent[]): void {
    const svg = this.timeline;
    // Rebuild only when what it shows changes (to the nearest 5 s).
    const key =
      currentLangKey() +
      list.map((e) => `${e.id}/${e.state}/${Math.round(launchMs(e) / 5000)}/${e.impact?.time}/${Math.round(Date.parse(e.track?.[e.track.length - 1]?.t ?? "") / 5000)}`).join();
    if (key === this.timelineKey) return;
    this.timelineKey = key;
    svg.replaceChildren();
    svg.setAttribute("aria-label", t("timeline_label"));
    const items = list
      .map((e) => {
        const l = launchMs(e);
        let end = validTime(e.impact?.time) ? Date.parse(e.impact!.time!) : NaN;
        const last = e.track?.[e.track.length - 1]?.t;
        if (Number.isNaN(end) && validTime(last)) end = Date.parse(last);
        return { e, l, end: Number.isNaN(end) ? l : Math.max(end, l) };
      })
      .filter((x) => !Number.isNaN(x.l))
      .reverse();
    svg.classList.toggle("empty", items.length === 0);
    if (!items.length) {
      svg.setAttribute("viewBox", "0 0 400 20");
      svg.append(svgEl("text", { x: 4, y: 14, class: "tl-empty" }, t("timeline_empty")));
      return;
    }
    const W = 400;
    const rowH = 14;
    const top = 16;
    const H = top + items.length * rowH + 4;
    svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
    let t0 = Math.min(...items.map((x) => x.l));
    let t1 = Math.max(...items.map((x) => x.end));
    if (t1 - t0 < 600_000) {
      const mid = (t0 + t1) / 2;
      t0 = mid - 300_000;
      t1 = mid + 300_000;
    }
    const pad = (t1 - t0) * 0.05;
    t0 -= pad;
    t1 += pad;
    const x = (ms: number) => 4 + ((ms - t0) / (t1 - t0)) * (W - 8);
    for (let i = 0; i <= 3; i++) {
      const ms = t0 + ((t1 - t0) * i) / 3;
      const iso = new Date(ms).toISOString();
      const tx = svgEl("text", { x: x(ms), y: 10, class: "tl-tick", "text-anchor": i === 0 ? "start" : i === 3 ? "end" : "middle" }, dateTime(iso, false));
      tx.append(svgEl("title", null, utc(iso)));
      svg.append(tx, svgEl("line", { x1: x(ms), x2: x(ms), y1: 12, y2: H, class: "tl-grid" }));
    }
    items.forEach((it, i) => {
      const y = top + i * rowH;
      const a = svgEl("a", { href: `#/events/${encodeURIComponent(it.e.id)}`, class: `tl-item ${it.e.state ?? ""}`, "data-event": it.e.id });
      const w = Math.max(3, x(it.end) - x(it.l));
      a.append(
        svgEl("rect", { x: x(it.l), y: y + 2, width: w, height: rowH - 5, rx: 2 }),
        svgEl("text", { x: Math.min(x(it.l) + w + 3, W - 60), y: y + rowH - 4, class: "tl-label" }, it.e.id),
        svgEl("title", null, `${it.e.id} · ${it.e.class ?? ""} · ${dateTime(new Date(it.l).toISOString())}`),
      );
      svg.append(a);
    });
  }
}

function currentLangKey(): string {
  return currentLang() + "|";
}

function svgEl(tag: string, attrs: Record<string, string | number> | null, text?: string): SVGElement {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs ?? {})) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

function setText(td: HTMLTableCellElement, s: string, title?: string): void {
  if (td.textContent !== s) td.textContent = s;
  if (title !== undefined && td.title !== title) td.title = title;
}

function setTime(td: HTMLTableCellElement, iso: string | undefined): void {
  const want = validTime(iso) ? utc(iso) : "";
  const cur = td.firstElementChild as HTMLTimeElement | null;
  if (cur && cur.title === want && cur.textContent === dateTime(iso)) return;
  td.replaceChildren(timeEl(iso));
}
