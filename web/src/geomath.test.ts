import { describe, expect, it } from "vitest";
import { destination, distanceKm, ellipse, sector, theatreLon } from "./geomath";

describe("geomath", () => {
  const dist: { name: string; a: [number, number]; b: [number, number]; want: number; tol: number }[] = [
    // One degree of latitude on the mean sphere: 2πR/360.
    { name: "one_degree_lat", a: [0, 0], b: [1, 0], want: 111.195, tol: 0.01 },
    { name: "antimeridian", a: [0, 179.5], b: [0, -179.5], want: 111.195, tol: 0.01 },
    // Pyongyang to Tokyo, about 1,290 km.
    { name: "pyongyang_tokyo", a: [39.03, 125.75], b: [35.68, 139.77], want: 1290, tol: 15 },
  ];
  for (const tt of dist) {
    it("distance_" + tt.name, () => {
      expect(Math.abs(distanceKm(tt.a[0], tt.a[1], tt.b[0], tt.b[1]) - tt.want)).toBeLessThan(tt.tol);
    });
  }

  it("destination_round_trip", () => {
    for (const brg of [0, 45, 90, 200, 315]) {
      const [la, lo] = destination(40, 127, brg, 1500);
      expect(Math.abs(distanceKm(40, 127, la, lo) - 1500)).toBeLessThan(1e-6);
    }
  });

  it("theatre_lon", () => {
    expect(theatreLon(-170)).toBe(190);
    expect(theatreLon(140)).toBe(140);
  });

  it("ellipse_axes", () => {
    const pts = ellipse(30, 140, 100, 20, 90, 4);
    // Point 0 is along the bearing (east) at the semi-major axis.
    expect(Math.abs(distanceKm(30, 140, pts[0][0], pts[0][1]) - 100)).toBeLessThan(1e-6);
    expect(pts[0][1]).toBeGreaterThan(140);
    expect(Math.abs(distanceKm(30, 140, pts[1][0], pts[1][1]) - 20)).toBeLessThan(1e-6);
  });

  it("sector_wedge_and_circle", () => {
    expect(sector(40, 140, 1000, 270, 120).length).toBe(1 + 25);
    expect(sector(40, 140, 1000, 0, 0).length).toBe(72);
  });
});
