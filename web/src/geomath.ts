// geomath.ts: spherical geometry for display (coverage sectors, error
// circles, impact ellipses, ground range). A sphere of the WGS-84 mean
// radius is accurate to about 0.5 % here, which is below a pixel on the
// theatre map; the node's own figures use the ellipsoid.

/** Mean Earth radius, km (IUGG R1 = (2a + b) / 3 for WGS 84). */
export const R_KM = 6371.0088;

const rad = Math.PI / 180;

/**
 * theatreLon moves a longitude into the console's map frame: [0, 360) for
 * points west of Greenwich, so that the theatre from Korea to Hawaii and
 * Alaska is continuous across the antimeridian. The display geodata is
 * stored in the same frame (scripts/prepgeo.mjs).
 */
export function theatreLon(lon: number): number {
  return lon < 0 ? lon + 360 : lon;
}

/** destination returns the point at distance km along the bearing (degrees from north) from (lat, lon). */
export function destination(lat: number, lon: number, bearingDeg: number, km: number): [number, number] {
  const d = km / R_KM;
  const b = bearingDeg * rad;
  const p1 = lat * rad;
  const l1 = lon * rad;
  const sp2 = Math.sin(p1) * Math.cos(d) + Math.cos(p1) * Math.sin(d) * Math.cos(b);
  const p2 = Math.asin(Math.max(-1, Math.min(1, sp2)));
  const l2 = l1 + Math.atan2(Math.sin(b) * Math.sin(d) * Math.cos(p1), Math.cos(d) - Math.sin(p1) * sp2);
  return [p2 / rad, l2 / rad];
}

/** distanceKm is the great-circle (haversine) distance. */
export function distanceKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const dp = (lat2 - lat1) * rad;
  const dl = (lon2 - lon1) * rad;
  const a = Math.sin(dp / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dl / 2) ** 2;
  return 2 * R_KM * Math.asin(Math.min(1, Math.sqrt(a)));
}

/**
 * ellipse returns n points of an ellipse on the ground with semi-axes
 * aKm (along bearingDeg) and bKm, centred on (lat, lon), in the theatre
 * frame. The impact ellipse's major_km and minor_km are taken as
 * semi-axes.
 */
export function ellipse(lat: number, lon: number, aKm: number, bKm: number, bearingDeg: number, n = 48): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    const th = (2 * Math.PI * i) / n;
    const x = aKm * Math.cos(th); // along the major axis
    const y = bKm * Math.sin(th);
    const r = Math.hypot(x, y);
    const brg = bearingDeg + Math.atan2(y, x) / rad;
    const [pl, pn] = destination(lat, lon, brg, r);
    out.push([pl, theatreLon(pn)]);
  }
  return out;
}

/**
 * sector returns the outline of a sensor's coverage: a circle when
 * widthDeg is 0 or at least 360, else a wedge from the site.
 */
export function sector(lat: number, lon: number, rangeKm: number, centerDeg: number, widthDeg: number, step = 5): [number, number][] {
  const full = !(widthDeg > 0 && widthDeg < 360);
  const from = full ? 0 : centerDeg - widthDeg / 2;
  const to = full ? 360 : centerDeg + widthDeg / 2;
  const out: [number, number][] = full ? [] : [[lat, theatreLon(lon)]];
  const n = Math.max(2, Math.ceil((to - from) / step));
  for (let i = 0; i <= n; i++) {
    if (full && i === n) break;
    const [pl, pn] = destination(lat, lon, from + ((to - from) * i) / n, rangeKm);
    out.push([pl, theatreLon(pn)]);
  }
  return out;
}

/** groundRanges returns each point's great-circle distance from (lat0, lon0), km. */
export function groundRanges(lat0: number, lon0: number, pts: { lat: number; lon: number }[]): number[] {
  return pts.map((p) => distanceKm(lat0, lon0, p.lat, p.lon));
}

/**
 * thin returns at most max points of pts: every k-th (counted from the
 * first, so that the kept points do not shift as the track grows) and the
 * last.
 */
export function thin<T>(pts: T[], max: number): T[] {
  if (pts.length <= max) return pts;
  const k = 2 ** Math.ceil(Math.log2(pts.length / (max - 1)));
  const out: T[] = [];
  for (let i = 0; i < pts.length - 1; i += k) out.push(pts[i]);
  out.push(pts[pts.length - 1]);
  return out;
}
