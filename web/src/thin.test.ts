import { describe, expect, it } from "vitest";
import { thin } from "./geomath";

describe("thin", () => {
  const tests: { name: string; n: number; max: number; wantMax: number }[] = [
    { name: "short_untouched", n: 10, max: 300, wantMax: 10 },
    { name: "exact", n: 300, max: 300, wantMax: 300 },
    { name: "long", n: 2000, max: 300, wantMax: 300 },
    { name: "very_long", n: 100000, max: 300, wantMax: 300 },
  ];
  for (const tt of tests) {
    it(tt.name, () => {
      const pts = Array.from({ length: tt.n }, (_, i) => i);
      const got = thin(pts, tt.max);
      expect(got.length).toBeLessThanOrEqual(tt.wantMax);
      expect(got[0]).toBe(0);
      expect(got[got.length - 1]).toBe(tt.n - 1);
    });
  }
  it("stable_as_track_grows", () => {
    const a = thin(Array.from({ length: 1000 }, (_, i) => i), 300);
    const b = thin(Array.from({ length: 1001 }, (_, i) => i), 300);
    // All but the last kept point stay the same.
    expect(b.slice(0, a.length - 1)).toEqual(a.slice(0, a.length - 1));
  });
});
