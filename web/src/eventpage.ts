// eventpage.ts: one launch event: the figures a ministry release gives,
// how the estimates converged, and three plots (altitude against time,
// altitude against ground range, impact-ellipse size against time).

import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { MissileEvent, PathPoint } from "./api";
import { h, replace, type Child } from "./dom";
import { launchMs, zoneText } from "./events";
import { groundRanges } from "./geomath";
import { dateTime, km, latLon, nationName, num, seconds, t, timeEl, utc, validTime, type Key } from "./i18n";
import type { Store } from "./store";

/** Launches within this many minutes of each other count as one salvo. */
const SALVO_MIN = 10;

type Row = [Key, Child];

export class EventPage {
  readonly el: HTMLElement;
  private head = h("div", { class: "panel-head" });
  private figures = h("table", { class: "figures", id: "figures" });
  private conv = h("div", { class: "convergence", id: "convergence" });
  private plotsBox = h("div", { class: "plots", id: "plots" });
  private plots: uPlot[] = [];
  private plotKey = "";
  private lastPlot = 0;
  private plotTimer = 0;
  /** The node answered that it has no such event. */
  notFound = false;

  constructor(
    private readonly store: Store,
    readonly id: string,
  ) {
    this.el = h(
      "section",
      { class: "panel event-page", id: "event-page", "data-event": id, "aria-labelledby": "event-heading" },
      this.head,
      h("h3", { id: "figures-heading" }),
      this.figures,
      h("h3", { id: "plots-heading" }),
      this.plotsBox,
      h("h3", { id: "convergence-heading" }),
      this.conv,
    );
  }

  /** plotPoints returns, per plot, the number of x values it shows. */
  plotPoints(): number[] {
    return this.plots.map((p) => p.data[0]?.length ?? 0);
  }

  destroy(): void {
    clearTimeout(this.plotTimer);
    for (const p of this.plots) p.destroy();
    this.plots = [];
  }

  /** render redraws the page; relabel forces the plots to be rebuilt (language change). */
  render(relabel = false): void {
    const e = this.store.events.get(this.id);
    replace(
      this.head,
      h("a", { href: "#/", class: "back", id: "back" }, "← ", t("back_to_events")),
      h("h2", { id: "event-heading" }, t("event_heading", { id: this.id })),
      e ? h("span", { class: `badge state ${e.state ?? "unknown"}` }, t(e.state ? `state_${e.state}` : "state_unknown")) : null,
      e
        ? h(
            "span",
            { class: "exports", id: "event-exports" },
            t("export_label"),
            " ",
            ...(["kml", "czml", "geojson"] as const).map((f) =>
              h(
                "a",
                { href: `/api/v1/events/${encodeURIComponent(this.id)}/export?format=${f}&nation=${this.store.nation}`, download: "", class: "export", id: `export-${f}` },
                f.toUpperCase(),
              ),
            ),
          )
        : null,
    );
    this.el.querySelector("#figures-heading")!.textContent = t("figures_heading");
    this.el.querySelector("#plots-heading")!.textContent = t("plots_heading");
    this.el.querySelector("#convergence-heading")!.textContent = t("convergence_heading");
    if (!e) {
      const msg = this.store.eventsAvailable === false ? t("events_unavailable") : this.notFound ? t("event_not_found", { id: this.id }) : t("loading");
      replace(this.figures, h("tbody", null, h("tr", null, h("td", { id: "event-missing" }, msg))));
      return;
    }
    this.renderFigures(e);
    this.renderConvergence(e);
    if (relabel) this.plotKey = "";
    this.schedulePlots(e);
  }

  private renderFigures(e: MissileEvent): void {
    const l = e.launch ?? {};
    const imp = e.impact ?? {};
    const el = imp.ellipse95;
    const t0 = launchMs(e);
    const salvo = Number.isNaN(t0) ? 1 : [...this.store.events.values()].filter((x) => Math.abs(launchMs(x) - t0) <= SALVO_MIN * 60_000).length;
    const fly = (e.overflight ?? []).map((o) =>
      h(
        "li",
        { title: validTime(o.enter) && validTime(o.exit) ? `${utc(o.enter)} – ${utc(o.exit)}` : null },
        t("overflight_row", {
          region: o.region,
          nation: nationName(o.nation),
          enter: dateTime(o.enter, false),
          exit: dateTime(o.exit, false),
          alt: km(o.min_altitude_km),
        }),
      ),
    );
    const rows: Row[] = [
      ["fig_launch_time", validTime(l.time) ? timeEl(l.time) : t("not_yet")],
      ["fig_launch_point", l.lat !== undefined ? `${latLon(l.lat, l.lon)} (${t("err_radius", { km: km(l.error_km, 1) })})` : t("not_yet")],
      ["fig_number", t("number_in_salvo", { n: num(salvo), min: SALVO_MIN })],
      ["fig_class", e.class ? t(`class_${e.class}`) : t("class_unknown")],
      ["fig_trajectory", e.trajectory ? t(`traj_${e.trajectory.replace("-", "_")}` as Key) : t("not_yet")],
      ["fig_apogee", e.apogee_km ? km(e.apogee_km) : t("not_yet")],
      ["fig_range", e.range_km ? km(e.range_km) : t("not_yet")],
      ["fig_flight_time", e.flight_time_s ? seconds(e.flight_time_s) : t("not_yet")],
      ["fig_impact_time", validTime(imp.time) ? timeEl(imp.time) : t("not_yet")],
      ["fig_impact_point", imp.lat !== undefined ? latLon(imp.lat, imp.lon) : t("not_yet")],
      ["fig_impact_zone", zoneText(e)],
      [
        "fig_ellipse",
        el && el.major_km ? t("ellipse_fmt", { major: km(el.major_km), minor: km(el.minor_km), bearing: num(el.bearing_deg ?? 0) }) : t("not_yet"),
      ],
      ["fig_overflight", fly.length ? h("ul", { class: "overflight" }, ...fly) : t("overflight_none")],
      ["fig_first_detection", e.first_detection_s !== undefined ? t("after_launch", { s: seconds(e.first_detection_s) }) : t("not_yet")],
      ["fig_first_estimate", e.first_estimate_s ? t("after_launch", { s: seconds(e.first_estimate_s) }) : t("not_yet")],
      ["fig_sources", (e.nations ?? []).map(nationName).join(", ") || "—"],
      ["fig_measurements", e.measurements !== undefined ? num(e.measurements) : "—"],
    ];
    replace(
      this.figures,
      h("tbody", null, ...rows.map(([k, v]) => h("tr", { "data-fig": k }, h("th", { scope: "row" }, t(k)), h("td", null, v)))),
    );
  }

  private renderConvergence(e: MissileEvent): void {
    const hist = e.history ?? [];
    if (!hist.length) {
      replace(this.conv, h("p", { class: "empty" }, t("convergence_empty")));
      return;
    }
    const t0 = launchMs(e);
    // At most 12 rows: the first, the last, and evenly spaced between.
    const idx = new Set<number>();
    const n = Math.min(12, hist.length);
    for (let i = 0; i < n; i++) idx.add(Math.round((i * (hist.length - 1)) / Math.max(1, n - 1)));
    const rows = [...idx].sort((a, b) => a - b).map((i) => hist[i]);
    replace(
      this.conv,
      h(
        "table",
        { class: "conv", id: "convergence-table" },
        h(
          "thead",
          null,
          h(
            "tr",
            null,
            h("th", { scope: "col" }, t("conv_time")),
            h("th", { scope: "col" }, t("fig_apogee")),
            h("th", { scope: "col" }, t("fig_range")),
            h("th", { scope: "col" }, t("fig_impact_point")),
            h("th", { scope: "col" }, t("fig_ellipse")),
          ),
        ),
        h(
          "tbody",
          null,
          ...rows.map((r) =>
            h(
              "tr",
              null,
              h("td", null, Number.isNaN(t0) || !validTime(r.t) ? timeEl(r.t, false) : seconds((Date.parse(r.t) - t0) / 1000)),
              h("td", { class: "num" }, km(r.apogee_km)),
              h("td", { class: "num" }, km(r.range_km)),
              h("td", null, r.impact_lat !== undefined ? latLon(r.impact_lat, r.impact_lon) : "—"),
              h("td", { class: "num" }, r.major_km ? `${km(r.major_km, 1)} × ${km(r.minor_km, 1)}` : "—"),
            ),
          ),
        ),
      ),
    );
  }

  /** schedulePlots redraws the plots at most once a second. */
  private schedulePlots(e: MissileEvent): void {
    const wait = 1000 - (Date.now() - this.lastPlot);
    if (this.plotKey && wait > 0) {
      clearTimeout(this.plotTimer);
      this.plotTimer = window.setTimeout(() => {
        const cur = this.store.events.get(this.id);
        if (cur) this.drawPlots(cur);
      }, wait);
      return;
    }
    this.drawPlots(e);
  }

  private drawPlots(e: MissileEvent): void {
    this.lastPlot = Date.now();
    const data = plotData(e);
    const width = Math.max(280, Math.floor(this.plotsBox.clientWidth || 400) - 4);
    if (this.plotKey !== `${width}` || this.plots.length !== 3) {
      for (const p of this.plots) p.destroy();
      this.plots = [];
      this.plotsBox.replaceChildren();
      this.plotKey = `${width}`;
      const specs: { id: string; title: Key; x: Key; y: Key; series: [Key, string][]; data: uPlot.AlignedData }[] = [
        { id: "plot-alt-time", title: "plot_alt_time", x: "axis_time", y: "axis_alt", series: [["series_track", "#ff9f1c"], ["series_predicted", "#ffd166"]], data: data.altTime },
        { id: "plot-alt-range", title: "plot_alt_range", x: "axis_range", y: "axis_alt", series: [["series_track", "#ff9f1c"], ["series_predicted", "#ffd166"]], data: data.altRange },
        { id: "plot-ellipse", title: "plot_ellipse", x: "axis_time", y: "axis_ellipse", series: [["series_major", "#ff4d6d"], ["series_minor", "#7cc0ff"]], data: data.ellipse },
      ];
      for (const s of specs) {
        const fig = h("figure", { class: "plot", id: s.id, "aria-label": t(s.title) }, h("figcaption", null, t(s.title)));
        this.plotsBox.append(fig);
        const axis = { stroke: "#c9d1d9", grid: { stroke: "#2b3440", width: 1 }, ticks: { stroke: "#2b3440", width: 1 } };
        const opts: uPlot.Options = {
          width,
          height: 180,
          scales: { x: { time: false } },
          axes: [
            { ...axis, label: t(s.x) },
            { ...axis, label: t(s.y), size: 56 },
          ],
          series: [
            { label: t(s.x) },
            ...s.series.map(([k, color], i) => ({
              label: t(k),
              stroke: color,
              width: 2,
              dash: i === 1 && s.id !== "plot-ellipse" ? [6, 4] : undefined,
              spanGaps: true,
              points: { show: false },
            })),
          ],
          legend: { show: true },
          cursor: { drag: { x: false, y: false } },
        };
        this.plots.push(new uPlot(opts, s.data, fig));
      }
    } else {
      this.plots[0].setData(data.altTime);
      this.plots[1].setData(data.altRange);
      this.plots[2].setData(data.ellipse);
    }
  }
}

interface PlotData {
  altTime: uPlot.AlignedData;
  altRange: uPlot.AlignedData;
  ellipse: uPlot.AlignedData;
}

/**
 * plotData builds the three plots' series: x in seconds after launch (or
 * after the first track point) and in km of ground range from the launch
 * point; tracked and predicted altitude joined on one x axis.
 */
export function plotData(e: MissileEvent): PlotData {
  let t0 = launchMs(e);
  const pts = (p: PathPoint[] | undefined) => (p ?? []).filter((x) => validTime(x.t) && Number.isFinite(x.alt_km));
  const track = pts(e.track);
  const path = pts(e.path);
  if (Number.isNaN(t0)) t0 = track.length ? Date.parse(track[0].t) : path.length ? Date.parse(path[0].t) : 0;
  const secs = (p: PathPoint[]) => p.map((x) => (Date.parse(x.t) - t0) / 1000);
  const alts = (p: PathPoint[]) => p.map((x) => x.alt_km);
  const altTime = join([
    [secs(track), alts(track)],
    [secs(path), alts(path)],
  ]);
  const lat = e.launch?.lat ?? track[0]?.lat ?? path[0]?.lat;
  const lon = e.launch?.lon ?? track[0]?.lon ?? path[0]?.lon;
  const rng = (p: PathPoint[]) => (lat === undefined || lon === undefined ? p.map(() => 0) : groundRanges(lat, lon, p));
  const altRange = join([
    [rng(track), alts(track)],
    [rng(path), alts(path)],
  ]);
  const hist = (e.history ?? []).filter((x) => validTime(x.t) && (x.major_km ?? 0) > 0);
  const hs = hist.map((x) => (Date.parse(x.t) - t0) / 1000);
  const ellipse = join([
    [hs, hist.map((x) => x.major_km!)],
    [hs, hist.map((x) => x.minor_km ?? null)],
  ]);
  return { altTime, altRange, ellipse };
}

/**
 * join merges series given as (x, y) pairs onto one sorted x axis, with
 * null where a series has no value at an x (uPlot's aligned data).
 */
export function join(series: [number[], (number | null)[]][]): uPlot.AlignedData {
  const xs = new Set<number>();
  for (const [x] of series) for (const v of x) if (Number.isFinite(v)) xs.add(v);
  const xa = [...xs].sort((a, b) => a - b);
  const pos = new Map(xa.map((v, i) => [v, i]));
  const ys = series.map(([x, y]) => {
    const out: (number | null)[] = new Array(xa.length).fill(null);
    x.forEach((v, i) => {
      const p = pos.get(v);
      if (p !== undefined) out[p] = y[i] ?? null;
    });
    return out;
  });
  return [xa, ...ys] as uPlot.AlignedData;
}
