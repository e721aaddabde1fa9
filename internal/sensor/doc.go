// Package sensor defines trilink's sensor measurements — the plots that
// every nation releases on shared.<n>.meas.<sensor> — and the models that
// simulate them: radars and a space-based infrared layer, at the publicly
// known approximate sites of the Japan/ROK/US network.
//
// It is pure computation (stdlib, gonum and trilink's geo and nation): no
// NATS, HTTP or SQL, and it knows nothing of the trajectories it observes.
//
// # Measurements
//
// A [Measurement] is stamped with its sensor id, owning nation, UTC time and
// a per-sensor sequence number, and carries one payload:
//
//   - [Radar]: slant range, azimuth, elevation and optionally range rate
//     from the antenna site, with the noise standard deviations and
//     correlations that form its covariance R, and the site itself, so a
//     receiver needs no sensor table (research/tracking.md §3.2, §5.4);
//   - [SpaceIR]: the line of sight from a satellite to a boosting missile's
//     plume, a unit vector in ECEF, with isotropic angular noise.
//
// [Measurement.R] and [Measurement.Residual] give the covariance and z − h(x)
// in SI units for a filter, so that the normalised innovation squared
// νᵀR⁻¹ν of the true state is χ² with [Measurement.Dim] degrees of freedom.
// The simulator's truth rides along in [SimTruth] for scoring only.
//
// The JSON encoding (encoding/json of a Measurement) is the wire format,
// with snake_case names that carry units (range_m, az_deg). [Decode] is
// the strict parser for outside input; testdata/measurements holds an
// example of each kind.
//
// # Sensor models
//
// A [Sensor] observes a [Truth] state with [Sensor.Observe]: it detects the
// target if it is in coverage — within range, in the field of regard, above
// the radar horizon (the 4/3-Earth refraction model on the locally
// osculating sphere of the ellipsoid, see [LineOfSight]; tracking.md §3.8),
// or, for space IR, boosting and in line of sight — and the detection draw
// succeeds, and then draws noise from exactly the covariance the
// measurement declares. [DefaultNetwork] is the built-in network.
package sensor
