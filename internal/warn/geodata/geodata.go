// Package geodata holds the boundary files of trilink's warning regions and
// maritime zones, embedded in the binary so nothing is fetched at run time.
// ATTRIBUTION.md gives each file's source, licence and required credit;
// gen.go rebuilds the files from the project's shared copies.
//
// All files are GeoJSON (RFC 7946) FeatureCollections of MultiPolygons in
// WGS 84 longitude/latitude:
//
//   - regions_jp.geojson: Japan's 47 prefectures (GSI); properties id
//     (ISO 3166-2, "JP-02"), code (JIS X 0401, "02"), name_ja, name_ko,
//     name_en.
//   - regions_kr.geojson: the Republic of Korea's 17 first-level divisions
//     (KOSTAT 2018); id ("KR-47"), code (KOSTAT census code, "37"), names.
//   - regions_us.geojson: the US states, DC and territories (Census 2017); id
//     ("US-GU"), code (FIPS state code, "66"), names.
//   - land_other.geojson: other countries' land in the theatre (Natural
//     Earth); iso_a3, name.
//   - territorial_sea.geojson: land, internal waters and the 12-nm
//     territorial sea (OpenStreetMap); iso_a3 (USA includes Guam and the
//     Northern Mariana Islands).
//   - eez.geojson: exclusive economic zones, joint regimes and disputed
//     areas (Marine Regions v10, simplified); mrgid, geoname, pol_type,
//     iso_ter1..3, sovereign1..3.
package geodata

import "embed"

//go:generate go run gen.go -src ../../../../shared/geodata

// FS holds the GeoJSON files, ATTRIBUTION.md and exonyms.csv.
//
//go:embed *.geojson ATTRIBUTION.md exonyms.csv
var FS embed.FS
