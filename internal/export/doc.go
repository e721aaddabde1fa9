// Package export writes one launch event ([fusion.Event]) and the warning
// areas it caused for other tools: KML 2.2 for Google Earth, CZML for
// Cesium and GeoJSON for GIS.
//
// Every format shows the same things: the measured track and the predicted
// trajectory, the launch point, the predicted impact point, the 95 % impact
// ellipse (as a polygon of [EllipseVertices] vertices computed on the WGS-84
// ellipsoid with geo.Direct) and the alerted regions ([Area]), coloured by
// their warning state.
//
// # Formats
//
//   - [KML] follows OGC 07-147r2 (KML 2.2). Trajectories are LineStrings
//     with altitudeMode absolute; the heights written are trilink's heights
//     above the WGS-84 ellipsoid (KML's "absolute" is above sea level: the
//     difference, under 100 m, is invisible at missile scale). The launch
//     and impact points carry TimeStamps, the trajectories a TimeSpan.
//   - [CZML] is the Cesium Language (CZML guide, "Packet" and
//     "Position"): a document packet with a clock over the flight, then a
//     packet whose position is sampled (cartographicDegrees with an epoch)
//     from the measured track followed by the predicted path, with its
//     availability and a path trail; static packets for the points, the
//     ellipse and the areas.
//   - [GeoJSON] is an RFC 7946 FeatureCollection: the measured track and
//     the predicted path as LineStrings of [lon, lat, height] (height in
//     metres above the ellipsoid, §3.1.1), the points, and the ellipse and
//     the regions as Polygons or MultiPolygons whose exterior rings run
//     counterclockwise and holes clockwise (§3.1.6). Geometries that cross
//     the antimeridian are cut there (§3.1.9).
//
// [ParseFormat] turns "kml", "czml" or "geojson" into a [Format], and
// [Write] writes the chosen one.
//
// # Checks
//
// No copy of the OGC KML 2.2 XSD is available offline, so [CheckKML] is a
// structural check in Go: the element order of the OGC content model for
// every element this package writes, coordinates in range, closed rings,
// colours, altitude modes and resolvable style references. [CheckGeoJSON]
// checks the RFC 7946 rules: types, coordinate shapes and ranges, closed
// rings and right-hand winding, and no edge crossing the antimeridian.
// Both are used by this package's tests and are exported for the tests of
// packages that serve exports.
package export
