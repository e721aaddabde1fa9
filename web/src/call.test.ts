import { describe, expect, it } from "vitest";
import { isCallState, qualityLevel } from "./call";

describe("qualityLevel", () => {
  const cases: [string, Parameters<typeof qualityLevel>[0], string][] = [
    ["nothing measured", { rttMs: null, lossPct: null, jitterMs: null }, "unknown"],
    ["loopback", { rttMs: 1, lossPct: 0, jitterMs: 2 }, "good"],
    ["long round trip", { rttMs: 200, lossPct: 0, jitterMs: 2 }, "fair"],
    ["some loss", { rttMs: 20, lossPct: 2, jitterMs: 2 }, "fair"],
    ["heavy loss", { rttMs: 20, lossPct: 8, jitterMs: 2 }, "poor"],
    ["jitter", { rttMs: 20, lossPct: 0, jitterMs: 60 }, "poor"],
  ];
  for (const [name, q, want] of cases) {
    it(name, () => expect(qualityLevel(q)).toBe(want));
  }
});

describe("isCallState", () => {
  it("accepts a state", () => expect(isCallState({ room: "ops", call: "", participants: [] })).toBe(true));
  it("refuses other shapes", () => {
    expect(isCallState(null)).toBe(false);
    expect(isCallState({ room: "ops" })).toBe(false);
    expect(isCallState({ room: 1, call: "", participants: [] })).toBe(false);
  });
});
