// bench.ts: a synthetic load for the browser benchmark (?bench=50&hz=10):
// n tracks, each updated hz times a second with a full event (growing
// track history, predicted path, shrinking ellipse), fed through the same
// store the live stream uses. Loaded only when asked for.

import type { Alert, HistoryPoint, MissileEvent, PathPoint } from "./api";
import { destination } from "./geomath";
import type { Store } from "./store";

interface Synth {
  id: string;
  lat: number;
  lon: number;
  az: number;
  rangeKm: number;
  apogeeKm: number;
  flightS: number;
  start: number;
}

/** start begins the load and returns a function that stops it. */
export function start(store: Store, n: number, hz: number): () => void {
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const now = Date.now();
  const synth: Synth[] = [];
  for (let i = 0; i < n; i++) {
    const rangeKm = 800 + rnd() * 4200;
    synth.push({
      id: `BENCH-${String(i + 1).padStart(2, "0")}`,
      lat: 38.5 + rnd() * 2.5,
      lon: 124.5 + rnd() * 4,
      az: 50 + rnd() * 80,
      rangeKm,
      apogeeKm: 100 + rangeKm * 0.25,
      flightS: 300 + rangeKm / 6,
      // Already 60–240 s into flight, so tracks have history from the start.
      start: now - (60 + rnd() * 180) * 1000,
    });
  }
  const point = (s: Synth, ts: number): PathPoint => {
    const f = Math.min(1, Math.max(0, (ts - s.start) / 1000 / s.flightS));
    const [lat, lon] = destination(s.lat, s.lon, s.az, s.rangeKm * f);
    return { t: new Date(ts).toISOString(), lat, lon, alt_km: 4 * s.apogeeKm * f * (1 - f) };
  };
  const tracks = new Map<string, PathPoint[]>();
  for (const s of synth) {
    const tr: PathPoint[] = [];
    for (let ts = s.start; ts <= now; ts += 1000 / hz) tr.push(point(s, ts));
    tracks.set(s.id, tr);
  }
  // Each track gets hz points a second of its time line, even when timers
  // run late on a loaded machine (then a tick adds several).
  let lastTs = now;
  const tick = () => {
    const ts = Date.now();
    const steps = Math.max(1, Math.round(((ts - lastTs) * hz) / 1000));
    lastTs += (steps * 1000) / hz;
    for (const s of synth) {
      const tr = tracks.get(s.id)!;
      for (let k = steps - 1; k >= 0; k--) tr.push(point(s, ts - (k * 1000) / hz));
      const end = s.start + s.flightS * 1000;
      const path: PathPoint[] = [];
      for (let k = 0; k <= 60; k++) path.push(point(s, ts + ((end - ts) * k) / 60));
      const [ilat, ilon] = destination(s.lat, s.lon, s.az, s.rangeKm);
      const age = (ts - s.start) / 1000;
      const major = (a: number) => 20 + 2000 / (1 + a / 10);
      const minor = (a: number) => 5 + 400 / (1 + a / 10);
      // An estimate every 5 s since launch, converging.
      const history: HistoryPoint[] = [];
      for (let a = 20; a <= age; a += 5) {
        history.push({
          t: new Date(s.start + a * 1000).toISOString(),
          impact_lat: ilat + (0.5 * 30) / (a + 10),
          impact_lon: ilon - (0.5 * 30) / (a + 10),
          major_km: major(a),
          minor_km: minor(a),
          apogee_km: s.apogeeKm * (1 - 3 / (a + 10)),
          range_km: s.rangeKm * (1 - 3 / (a + 10)),
        });
      }
      const e: MissileEvent = {
        id: s.id,
        state: ts < end ? "impact_predicted" : "impacted",
        class: s.rangeKm > 3000 ? "IRBM" : "MRBM",
        trajectory: "minimum-energy",
        launch: { time: new Date(s.start).toISOString(), lat: s.lat, lon: s.lon, error_km: 5 },
        apogee_km: s.apogeeKm,
        range_km: s.rangeKm,
        flight_time_s: s.flightS,
        impact: {
          time: new Date(end).toISOString(),
          lat: ilat,
          lon: ilon,
          ellipse95: { major_km: major(age), minor_km: minor(age), bearing_deg: s.az },
          zone: { nation: "none", kind: "high_seas" },
        },
        track: tr.slice(),
        path,
        history,
        overflight: [{ nation: "jp", region: "Aomori", enter: new Date(s.start + 240_000).toISOString(), exit: new Date(s.start + 300_000).toISOString(), min_altitude_km: 900 }],
        first_detection_s: 8,
        first_estimate_s: 40,
        nations: ["jp", "kr", "us"],
        measurements: tr.length,
      };
      store.upsertEvent(e);
    }
  };
  // Two alerts: one this nation sent (acknowledged by both partners) and
  // a partner's drill.
  const sent = new Date(now - 60_000).toISOString();
  const alerts: Alert[] = [
    {
      id: "BENCH-A1", origin: store.nation, sent, msg_type: "Alert", status: "Actual", kind: "take_shelter", event: "BENCH-01",
      regions: [
        { code: "JP-01", name: { en: "Hokkaido", ja: "北海道", ko: "홋카이도" } },
        { code: "JP-02", name: { en: "Aomori", ja: "青森県", ko: "아오모리현" } },
      ],
      headline: { en: "Missile launch: take shelter (synthetic)", ja: "ミサイル発射：避難してください（模擬）", ko: "미사일 발사: 대피하십시오(모의)" },
      cap_url: `/cap/${store.nation}/alerts/BENCH-A1.xml`,
      acks: store.nation === "jp" ? [{ nation: "kr", at: new Date(now - 58_000).toISOString() }, { nation: "us", at: new Date(now - 57_500).toISOString() }] : [],
    },
    {
      id: "BENCH-D1", origin: store.nation === "kr" ? "us" : "kr", sent, msg_type: "Alert", status: "Exercise", kind: "take_shelter", event: "BENCH-02",
      regions: [{ code: "KR-11", name: { en: "Seoul", ja: "ソウル", ko: "서울특별시" } }],
      headline: { en: "Drill: missile launch (synthetic)", ja: "訓練：ミサイル発射（模擬）", ko: "훈련: 미사일 발사(모의)" },
      cap_url: `/cap/kr/alerts/BENCH-D1.xml`,
      acks: [],
    },
  ];
  let n0 = 0;
  const timer = window.setInterval(() => {
    tick();
    if (n0++ % hz === 0) for (const a of alerts) if (!store.alerts.has(a.id)) store.upsertAlert(a);
  }, 1000 / hz);
  tick();
  for (const a of alerts) store.upsertAlert(a);
  return () => clearInterval(timer);
}
