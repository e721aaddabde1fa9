// Package geo is trilink's geodesy: the WGS-84 ellipsoid, geodetic and
// Earth-centred Earth-fixed (ECEF) positions, local East-North-Up (ENU) and
// azimuth-elevation-range (AER) frames, geodesics on the ellipsoid, and
// lon/lat polygons for warning regions.
//
// It is pure computation (stdlib and gonum's spatial/r3 only): no I/O, and
// every function is safe for concurrent use.
//
// # Ellipsoid and frames
//
// All positions refer to WGS 84 as defined in NIMA TR8350.2 (3rd ed., 2000),
// whose defining constants are [A], [F], [GM] and [Omega]. An [LLA] is a
// geodetic latitude, longitude and height above the ellipsoid (EPSG:4979); an
// [ECEF] is the matching Cartesian position in metres (EPSG:4978). The ECEF to
// geodetic conversion is the closed form of Vermeille (2002, J. Geodesy 76:451)
// in the robust arrangement of Karney's GeographicLib, accurate to well under a
// millimetre anywhere outside the Earth's central ~40 km.
//
// The local frame at an origin is ENU, and [AER] gives compass azimuth
// (degrees clockwise from north), elevation above the local horizontal plane
// (normal to the ellipsoid) and slant range.
//
// # Geodesics
//
// [Inverse], [Direct] and [Interpolate] solve the geodesic problems on the
// ellipsoid with the series of C. F. F. Karney, "Algorithms for geodesics",
// J. Geodesy 87:43–55 (2013), to order 6 in the third flattening, which is
// accurate to about 15 nm. They converge for every pair of points, nearly
// antipodal ones included.
//
// # Regions
//
// [MultiPolygon] holds warning regions in GeoJSON order (rings of [lon, lat]).
// [MultiPolygon.Contains] and [MultiPolygon.Distance] handle regions that
// cross the antimeridian.
package geo
