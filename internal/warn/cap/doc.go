// Package cap writes and reads OASIS Common Alerting Protocol 1.2
// documents (CAP 1.2, OASIS Standard, 1 July 2010; ITU-T X.1303bis) for
// trilink's public warnings, and their Atom feeds.
//
// [Alert] and its parts model the schema's element tree in its order;
// [Encode] validates and marshals with encoding/xml, [Decode] parses and
// validates. Times are written in CAP's form, with an explicit offset, no
// fractional seconds and "-00:00" for UTC ([Time]); polygons and circles
// are "lat,lon" pairs ([Polygon], [Circle]); references are
// "sender,identifier,sent" triplets ([References]).
//
// # Validation
//
// The XSD (testdata/CAP-v1.2.xsd, checked by xmllint in the tests) lets
// many invalid alerts through, so [Validate] checks CAP's own rules in Go
// (restriction for Restricted scope, closed and simple polygons of at
// least four points, well-formed references not after the alert, …) and,
// for documents with the [Profile] code, trilink's profile
// (research/alerting-hotline.md §1.7): Actual and Exercise never mix, in
// status, note, identifier or references. [Encode] never returns a
// document that fails; the [*ValidationError] names every reason.
//
// # From decisions to documents
//
// [Compose] turns a warn.Decision into a [Message]: one info block per
// language (the issuing nation's first) for each group of regions sharing
// a state, with CAP codes from the profile (take shelter: Shelter,
// Immediate, Extreme for a predicted fall and Severe for an overflight;
// passed: Monitor and Avoid, Past; all-clear: AllClear), an area per region
// with its geocodes (ISO 3166-2 plus JIS X 0401, KOSTAT, or FIPS and SAME)
// and the threat's footprint polygons (the corridor's band over the
// region, or the 95 % impact ellipse), and trilink parameters (event,
// launch and impact times, impact point and ellipse, regions added,
// dropped and passed). A Message's type parameter is the decision's, so
// drills stay drills. [Feed] writes a nation's Atom feed
// (/cap/{nation}/alerts.atom) linking each document at [Message.Path].
package cap
