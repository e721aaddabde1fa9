import { describe, expect, it } from "vitest";
import { DICTS, LANGS, pickLang, t } from "./i18n";

describe("i18n", () => {
  it("every_language_has_every_key_with_the_same_placeholders", () => {
    const keys = Object.keys(DICTS.en) as (keyof typeof DICTS.en)[];
    for (const l of LANGS) {
      expect(Object.keys(DICTS[l]).sort()).toEqual([...keys].sort());
      for (const k of keys) {
        const ph = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
        expect(ph(DICTS[l][k]), `${l}.${k}`).toEqual(ph(DICTS.en[k]));
        expect(DICTS[l][k].length, `${l}.${k}`).toBeGreaterThan(0);
      }
    }
  });

  it("translations_differ_from_english", () => {
    // Strings that are the same in every language (codes, formats).
    const same = new Set(["footer_version", "unit_km", "err_radius", "event_tip", "latlon", "region_tip"]);
    for (const l of ["ja", "ko"] as const) {
      for (const k of Object.keys(DICTS.en) as (keyof typeof DICTS.en)[]) {
        if (same.has(k)) continue;
        expect(DICTS[l][k], `${l}.${k}`).not.toBe(DICTS.en[k]);
      }
    }
  });

  const picks: { name: string; prefs: string[]; want: string }[] = [
    { name: "japanese", prefs: ["ja-JP", "en"], want: "ja" },
    { name: "korean", prefs: ["ko"], want: "ko" },
    { name: "french_then_korean", prefs: ["fr-FR", "ko-KR"], want: "ko" },
    { name: "none", prefs: ["de"], want: "en" },
    { name: "empty", prefs: [], want: "en" },
  ];
  for (const tt of picks) {
    it("pick_" + tt.name, () => expect(pickLang(tt.prefs)).toBe(tt.want));
  }

  it("placeholders", () => {
    expect(t("event_heading", { id: "E1" }, "en")).toBe("Launch event E1");
    expect(t("event_heading", { id: "E1" }, "ja")).toBe("発射事象 E1");
  });
});
