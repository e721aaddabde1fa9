// map.ts: the theatre map. Offline: the base map is GeoJSON from
// public/geo (Natural Earth land, GSI/KOSTAT/Census regions, Marine
// Regions EEZ), no tiles. Everything is drawn on Canvas, with the static
// base on its own canvas so that live updates (up to 50 tracks at 10 Hz)
// redraw only the dynamic layers, once per animation frame.

import L from "leaflet";
import "leaflet/dist/leaflet.css";
import type { MissileEvent, Nation, Sensor } from "./api";
import { activeRegions } from "./alertstate";
import { ellipse, sector, theatreLon, thin } from "./geomath";
import { currentLang, km, nationName, onLangChange, t } from "./i18n";
import { h } from "./dom";
import type { Changes, Store } from "./store";

export const NATION_COLOR: Record<Nation, string> = { jp: "#ff8a8a", kr: "#7cc0ff", us: "#c7a6ff" };
const LAND = { fillColor: "#1f2a36", fillOpacity: 1, color: "#3b4a5b", weight: 0.8 };
const REGION = { fill: false, color: "#4a5d72", weight: 0.6 };

interface EventLayers {
  group: L.LayerGroup;
  launch: L.CircleMarker;
  error: L.Circle;
  track: L.Polyline;
  path: L.Polyline;
  ellipse: L.Polygon;
  head: L.CircleMarker;
  tip: string;
  ellipseKey: string;
  pathKey: string;
  trackKey: string;
}

/** Most track points drawn per event: older history is thinned to this many. */
const MAX_TRACK_POINTS = 300;

type RegionProps = { code: string; nation: Nation; en?: string; ja?: string; ko?: string };

const lat0 = (p: { lat: number; lon: number }): L.LatLngTuple => [p.lat, theatreLon(p.lon)];

function valid<T extends { lat?: number; lon?: number }>(p: T | undefined): p is T & { lat: number; lon: number } {
  return !!p && Number.isFinite(p.lat) && Number.isFinite(p.lon) && !(p.lat === 0 && p.lon === 0);
}

export class TheatreMap {
  readonly map: L.Map;
  private base: L.Canvas;
  private dyn: L.Canvas;
  private sensorsR: L.Canvas;
  private alertedRenderer: L.Canvas;
  private regionsLayer: L.GeoJSON | null = null;
  private regionFeatures: GeoJSON.Feature[] = [];
  private eezLayer: L.GeoJSON | null = null;
  private alertedLayer = L.layerGroup();
  private sensorLayer = L.layerGroup();
  private coverageLayer = L.layerGroup();
  private eventsLayer = L.layerGroup();
  private layers = new Map<string, EventLayers>();
  private selected: string | null = null;
  /** The selected event has not been fitted yet (it had no geometry). */
  private pendingFit = false;
  private attribution = "";
  private toggles = new Map<string, HTMLInputElement>();
  private controlEl: HTMLElement | null = null;
  private zoom: L.Control.Zoom | null = null;

  constructor(
    el: HTMLElement,
    private readonly store: Store,
  ) {
    this.map = L.map(el, {
      center: [33, 142],
      zoom: 4,
      minZoom: 2,
      maxZoom: 10,
      zoomSnap: 0.5,
      preferCanvas: true,
      attributionControl: false,
      zoomControl: false,
      worldCopyJump: false,
      maxBounds: [
        [-40, 60],
        [80, 300],
      ],
    });
    L.control.attribution({ prefix: "Leaflet" }).addTo(this.map);
    this.map.createPane("base").style.zIndex = "200";
    this.map.createPane("alerted").style.zIndex = "300";
    this.map.createPane("sensors").style.zIndex = "420";
    this.map.createPane("dyn").style.zIndex = "450";
    this.base = L.canvas({ pane: "base", padding: 0.3 });
    this.sensorsR = L.canvas({ pane: "sensors", padding: 0.3 });
    this.dyn = L.canvas({ pane: "dyn", padding: 0.3 });
    this.alertedRenderer = L.canvas({ pane: "alerted", padding: 0.3 });
    this.alertedLayer.addTo(this.map);
    this.eventsLayer.addTo(this.map);
    this.sensorLayer.addTo(this.map);
    el.setAttribute("role", "region");
    this.addControl();
    this.relabel();
    onLangChange(() => this.relabel());
    store.subscribe((c) => this.update(c));
    void this.loadBase();
  }

  private async loadBase(): Promise<void> {
    const get = async (name: string): Promise<GeoJSON.FeatureCollection | null> => {
      try {
        const r = await fetch(`geo/${name}.json`);
        return r.ok ? ((await r.json()) as GeoJSON.FeatureCollection) : null;
      } catch {
        return null;
      }
    };
    const [land, regions, eez] = await Promise.all([get("land"), get("regions"), get("eez")]);
    if (land) L.geoJSON(land, { renderer: this.base, interactive: false, style: () => LAND } as L.GeoJSONOptions).addTo(this.map);
    if (regions) {
      this.regionFeatures = regions.features;
      this.regionsLayer = L.geoJSON(regions, { renderer: this.base, interactive: false, style: () => REGION } as L.GeoJSONOptions);
      if (this.toggles.get("regions")?.checked) this.regionsLayer.addTo(this.map);
      this.renderAlerted();
    }
    if (eez) {
      this.eezLayer = L.geoJSON(eez, {
        renderer: this.base,
        interactive: false,
        style: (f) => ({ fill: false, color: NATION_COLOR[(f?.properties?.nation as Nation) ?? "jp"], weight: 1.2, opacity: 0.75, dashArray: "5 4" }),
      } as L.GeoJSONOptions);
      if (this.toggles.get("eez")?.checked) this.eezLayer.addTo(this.map);
    }
    // For the browser test's load figures (Performance API).
    performance.mark("trilink:base-map");
  }

  /** addControl puts the layer switches (labelled checkboxes) over the map. */
  private addControl(): void {
    const Ctl = L.Control.extend({
      onAdd: () => {
        const box = h("fieldset", { class: "layers", id: "map-layers" });
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        this.controlEl = box;
        return box;
      },
    });
    new Ctl({ position: "topright" }).addTo(this.map);
    const defs: [string, boolean, (on: boolean) => void][] = [
      ["events", true, (on) => this.show(this.eventsLayer, on)],
      ["alerted", true, (on) => this.show(this.alertedLayer, on)],
      ["regions", true, (on) => this.regionsLayer && this.show(this.regionsLayer, on)],
      ["eez", true, (on) => this.eezLayer && this.show(this.eezLayer, on)],
      ["sensors", true, (on) => this.show(this.sensorLayer, on)],
      ["coverage", false, (on) => this.show(this.coverageLayer, on)],
    ];
    const box = this.controlEl!;
    box.append(h("legend", { id: "map-layers-legend" }));
    for (const [name, on, f] of defs) {
      const input = h("input", { type: "checkbox", id: `layer-${name}`, name });
      input.checked = on;
      input.addEventListener("change", () => f(input.checked));
      this.toggles.set(name, input);
      box.append(h("div", { class: "toggle" }, input, h("label", { for: `layer-${name}`, id: `layer-${name}-label` })));
    }
  }

  private show(layer: L.Layer, on: boolean): void {
    if (on) layer.addTo(this.map);
    else layer.remove();
  }

  private relabel(): void {
    const c = this.map.getContainer();
    c.setAttribute("aria-label", t("map_label"));
    this.zoom?.remove();
    this.zoom = L.control.zoom({ position: "topleft", zoomInTitle: t("zoom_in"), zoomOutTitle: t("zoom_out") }).addTo(this.map);
    const legend = this.controlEl?.querySelector("legend");
    if (legend) legend.textContent = t("layers_label");
    const names: Record<string, Parameters<typeof t>[0]> = {
      events: "layer_events",
      alerted: "layer_alerted",
      regions: "layer_regions",
      eez: "layer_eez",
      sensors: "layer_sensors",
      coverage: "layer_coverage",
    };
    for (const [n, k] of Object.entries(names)) {
      const l = this.controlEl?.querySelector(`#layer-${n}-label`);
      if (l) l.textContent = t(k);
    }
    const a = this.map.attributionControl;
    if (this.attribution) a.removeAttribution(this.attribution);
    this.attribution =
      `${t("map_attribution")}: Natural Earth · 出典：地球地図日本（国土地理院）を加工して作成 · ` +
      `출처: 통계청 SGIS 센서스용 행정구역경계(2018), 공공누리 제1유형, 가공 · U.S. Census Bureau (2017) · ` +
      `Flanders Marine Institute (2018), Marine Regions EEZ v10, simplified`;
    a.addAttribution(this.attribution);
    this.renderSensors();
    this.renderAlerted();
    for (const id of this.layers.keys()) this.updateEvent(id);
  }

  private update(c: Changes): void {
    if (c.eventsReset) {
      this.eventsLayer.clearLayers();
      this.layers.clear();
      for (const id of this.store.events.keys()) this.updateEvent(id);
    } else {
      for (const id of c.events) this.updateEvent(id);
    }
    if (c.sensors) this.renderSensors();
    if (c.alerts) this.renderAlerted();
  }

  /** alertedCount returns how many regions are shaded as alerted. */
  alertedCount(): number {
    return this.alertedLayer.getLayers().length;
  }

  /** drawn returns the ids of the events that have something on the map. */
  drawn(): string[] {
    return [...this.layers].filter(([, l]) => l.group.getLayers().length > 0).map(([id]) => id);
  }

  /** select highlights one event and fits the map to it; null clears. */
  select(id: string | null, fit = true): void {
    const prev = this.selected;
    this.selected = id;
    this.pendingFit = false;
    if (prev) this.updateEvent(prev);
    if (!id) return;
    this.pendingFit = fit;
    this.fitted = false;
    this.updateEvent(id);
  }

  /**
   * fit shows the whole of event id's geometry. It returns true once the
   * geometry includes the predicted path or the impact ellipse; before
   * that (launch point and early track only) it fits what there is and
   * returns false, to be called again.
   */
  private fit(id: string): boolean {
    const l = this.layers.get(id);
    if (!l) return false;
    const b = L.latLngBounds([]);
    for (const x of [l.track, l.path, l.ellipse]) if (l.group.hasLayer(x)) b.extend(x.getBounds());
    if (l.group.hasLayer(l.launch)) b.extend(l.launch.getLatLng());
    if (!b.isValid()) return false;
    const complete = l.group.hasLayer(l.path) || l.group.hasLayer(l.ellipse);
    const cur = this.map.getBounds();
    if (!this.fitted || !cur.contains(b) || complete) this.map.fitBounds(b.pad(0.2), { maxZoom: complete ? 7 : 5 });
    this.fitted = true;
    return complete;
  }

  private fitted = false;

  private updateEvent(id: string): void {
    const e = this.store.events.get(id);
    let l = this.layers.get(id);
    if (!e) {
      if (l) {
        this.eventsLayer.removeLayer(l.group);
        this.layers.delete(id);
      }
      return;
    }
    if (!l) {
      l = this.createEvent();
      this.layers.set(id, l);
      l.group.addTo(this.eventsLayer);
    }
    this.drawEvent(e, l);
    if (this.pendingFit && id === this.selected && this.fit(id)) this.pendingFit = false;
  }

  private createEvent(): EventLayers {
    const r = this.dyn;
    const o = { renderer: r, interactive: false };
    const l: EventLayers = {
      group: L.layerGroup(),
      error: L.circle([0, 0], { ...o, radius: 1, color: "#ffd166", weight: 1, fillOpacity: 0.08, dashArray: "3 3" }),
      launch: L.circleMarker([0, 0], { renderer: r, radius: 5, color: "#ffd166", weight: 2, fillColor: "#ffd166", fillOpacity: 0.9 }),
      path: L.polyline([], { ...o, color: "#ffd166", weight: 1.5, dashArray: "6 6", opacity: 0.9 }),
      track: L.polyline([], { ...o, color: "#ff9f1c", weight: 2.5 }),
      ellipse: L.polygon([], { renderer: r, color: "#ff4d6d", weight: 2, fillColor: "#ff4d6d", fillOpacity: 0.18 }),
      head: L.circleMarker([0, 0], { renderer: r, radius: 5, color: "#ffffff", weight: 2, fillColor: "#ff9f1c", fillOpacity: 1 }),
      tip: "",
      ellipseKey: "",
      pathKey: "",
      trackKey: "",
    };
    return l;
  }

  private drawEvent(e: MissileEvent, l: EventLayers): void {
    const sel = this.selected === e.id;
    const g = l.group;
    const put = (layer: L.Layer, on: boolean) => {
      if (on && !g.hasLayer(layer)) g.addLayer(layer);
      else if (!on && g.hasLayer(layer)) g.removeLayer(layer);
    };
    const launch = e.launch;
    const hasLaunch = valid(launch);
    if (hasLaunch) {
      const ll = lat0(launch);
      l.launch.setLatLng(ll);
      l.error.setLatLng(ll);
      l.error.setRadius(Math.max(1, (launch.error_km ?? 0) * 1000));
    }
    put(l.launch, hasLaunch);
    put(l.error, hasLaunch && (launch.error_km ?? 0) > 0);

    const rawTrack = e.track ?? [];
    const last = rawTrack[rawTrack.length - 1];
    const trackKey = `${rawTrack.length}/${rawTrack[0]?.t}/${last?.t}/${sel}`;
    const track = trackKey === l.trackKey ? null : thin(rawTrack.filter(valid), MAX_TRACK_POINTS);
    if (track) {
      l.trackKey = trackKey;
      l.track.setLatLngs(track.map(lat0));
      l.track.setStyle({ weight: sel ? 4 : 2.5 });
      put(l.track, track.length > 1);
    }
    const head = last && valid(last) ? last : undefined;
    if (head) l.head.setLatLng(lat0(head));
    put(l.head, !!head && e.state !== "impacted" && e.state !== "closed" && e.state !== "lost");

    const rawPath = e.path ?? [];
    const pathKey = `${rawPath.length}/${rawPath[0]?.t}/${rawPath[0]?.lat}/${rawPath[rawPath.length - 1]?.lat}`;
    if (pathKey !== l.pathKey) {
      l.pathKey = pathKey;
      const path = rawPath.filter(valid);
      l.path.setLatLngs(path.map(lat0));
      put(l.path, path.length > 1);
    }

    const imp = e.impact;
    const el = imp?.ellipse95;
    const hasEllipse = valid(imp) && !!el && (el.major_km ?? 0) > 0;
    const ellipseKey = hasEllipse ? `${imp.lat}/${imp.lon}/${el.major_km}/${el.minor_km}/${el.bearing_deg}/${sel}` : "";
    if (hasEllipse && ellipseKey !== l.ellipseKey) {
      l.ellipse.setLatLngs(ellipse(imp.lat, imp.lon, el.major_km ?? 0, el.minor_km ?? el.major_km ?? 0, el.bearing_deg ?? 0));
      l.ellipse.setStyle({ weight: sel ? 3 : 2 });
    }
    l.ellipseKey = ellipseKey;
    put(l.ellipse, hasEllipse);

    const tip = t("event_tip", { id: e.id, class: e.class ?? "?", state: t(e.state ? `state_${e.state}` : "state_unknown") });
    if (tip !== l.tip) {
      l.tip = tip;
      l.head.bindTooltip(tip);
      l.launch.bindTooltip(t("launch_tip", { id: e.id, err: km(launch?.error_km) }));
      if (el) l.ellipse.bindTooltip(t("impact_tip", { id: e.id, major: km(el.major_km), minor: km(el.minor_km) }));
    }
  }

  private renderSensors(): void {
    this.sensorLayer.clearLayers();
    this.coverageLayer.clearLayers();
    for (const s of this.store.sensors) this.addSensor(s);
  }

  private addSensor(s: Sensor): void {
    if (!valid(s)) return;
    const color = NATION_COLOR[s.nation] ?? "#cccccc";
    const kind = t(s.kind === "space_ir" ? "sensor_space_ir" : "sensor_radar");
    const range = s.kind === "space_ir" || !s.max_range_km ? t("sensor_global") : km(s.max_range_km);
    L.circleMarker(lat0(s), { renderer: this.sensorsR, radius: s.kind === "space_ir" ? 6 : 4, color, weight: 2, fillColor: "#0b1420", fillOpacity: 1 })
      .bindTooltip(t("sensor_tip", { name: s.name || s.id, nation: nationName(s.nation), kind, range }))
      .addTo(this.sensorLayer);
    if (s.kind === "radar" && (s.max_range_km ?? 0) > 0) {
      L.polygon(sector(s.lat, s.lon, s.max_range_km!, s.az_center_deg ?? 0, s.az_width_deg ?? 0), {
        renderer: this.sensorsR,
        interactive: false,
        color,
        weight: 1,
        opacity: 0.6,
        fillOpacity: 0.05,
      }).addTo(this.coverageLayer);
    }
  }

  private renderAlerted(): void {
    this.alertedLayer.clearLayers();
    if (!this.regionFeatures.length) return;
    const active = activeRegions([...this.store.alerts.values()]);
    if (!active.size) return;
    for (const f of this.regionFeatures) {
      const p = f.properties as RegionProps;
      const a = active.get(p.code);
      if (!a) continue;
      const shelter = a.kind === "take_shelter";
      const drill = a.status === "Exercise";
      const name = (p as Record<string, string | undefined>)[currentLang()] ?? p.en ?? p.code;
      const tip = t("region_tip", { name, kind: `${t(`kind_${a.kind}`)}${drill ? " · " + t("alert_drill") : ""}` });
      L.geoJSON(f, {
        renderer: this.alertedRenderer,
        style: () => ({
          color: shelter ? "#ff4d6d" : "#ffb703",
          weight: 1.5,
          dashArray: drill ? "4 3" : undefined,
          fillColor: shelter ? "#ff4d6d" : "#ffb703",
          fillOpacity: drill ? 0.15 : 0.35,
        }),
      } as L.GeoJSONOptions)
        .bindTooltip(tip)
        .addTo(this.alertedLayer);
    }
  }
}
