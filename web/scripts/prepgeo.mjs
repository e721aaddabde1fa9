// prepgeo.mjs: cut the shared geodata down to what the console draws, with
// longitudes moved to [0, 360) so the theatre (Korea to Hawaii and Alaska)
// is one continuous map across the antimeridian. Run by geodata.sh; the
// output goes through mapshaper for simplification.
//
// usage: node prepgeo.mjs SRC_DIR OUT_DIR
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const [src, out] = process.argv.slice(2);
const read = (f) => JSON.parse(readFileSync(join(src, f), "utf8"));

// shift moves every longitude west of Greenwich by +360.
function shift(coords) {
  if (typeof coords[0] === "number") {
    return [coords[0] < 0 ? coords[0] + 360 : coords[0], coords[1]];
  }
  return coords.map(shift);
}
function fc(features) {
  return {
    type: "FeatureCollection",
    features: features.map((f) => ({ ...f, geometry: { ...f.geometry, coordinates: shift(f.geometry.coordinates) } })),
  };
}
const save = (name, v) => writeFileSync(join(out, name), JSON.stringify(v));

// Land: Natural Earth admin-0, 13 countries of the theatre.
save("land.json", fc(read("ne10m_countries_east_asia_pacific.geojson").features.map((f) => ({
  type: "Feature", properties: { iso: f.properties.iso_a3, name: f.properties.name }, geometry: f.geometry,
}))));

// Regions that can be alerted, with one property "code" matching the
// alert's region code (ISO 3166-2), and names per language where the
// source has them.
const usNames = {
  GU: { en: "Guam", ja: "グアム", ko: "괌" },
  MP: { en: "Northern Mariana Islands", ja: "北マリアナ諸島", ko: "북마리아나 제도" },
  HI: { en: "Hawaii", ja: "ハワイ", ko: "하와이" },
  AK: { en: "Alaska", ja: "アラスカ", ko: "알래스카" },
};
const regions = [];
for (const f of read("jp_prefectures.geojson").features) {
  const p = f.properties;
  regions.push({ type: "Feature", properties: { code: p.iso_3166_2, nation: "jp", en: p.name_en, ja: p.name_ja }, geometry: f.geometry });
}
for (const f of read("kr_provinces.geojson").features) {
  const p = f.properties;
  regions.push({ type: "Feature", properties: { code: p.iso_3166_2, nation: "kr", en: p.name_en_current, ko: p.name_ko_current }, geometry: f.geometry });
}
for (const f of read("us_states.geojson").features) {
  const p = f.properties;
  if (!usNames[p.usps]) continue;
  regions.push({ type: "Feature", properties: { code: "US-" + p.usps, nation: "us", ...usNames[p.usps] }, geometry: f.geometry });
}
save("regions.json", fc(regions));

// EEZ outlines of the three nations (Marine Regions v10, simplified).
const eezNation = {
  8487: "jp", 48955: "jp", 48954: "jp", 48950: "jp", 21796: "jp",
  8327: "kr",
  48957: "us", 48980: "us", 8453: "us", 8463: "us", 8319: "us", 8452: "us", 48978: "us",
};
save("eez.json", fc(read("eez_marineregions_v10_simplified_world.geojson").features
  .filter((f) => eezNation[f.properties.mrgid])
  .map((f) => ({
    type: "Feature",
    properties: { nation: eezNation[f.properties.mrgid], kind: f.properties.pol_type, name: f.properties.geoname },
    geometry: f.geometry,
  }))));
