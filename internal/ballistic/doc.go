// Package ballistic is trilink's missile flight physics: the force model
// in the Earth-fixed frame, the U.S. Standard Atmosphere 1976, an adaptive
// Dormand–Prince integrator with event location, boost templates by range
// class, and a solver that reconstructs a reported launch from its range
// and apogee (research/tracking.md §3, §5.6; DESIGN.md §5).
//
// It is pure computation: no I/O, logging or clocks. Every function is
// safe for concurrent use.
//
// # Frames and units
//
// A [State] is a position and velocity in WGS-84 ECEF (EPSG:4978), metres
// and m/s, the velocity measured in the rotating frame, which is also the
// velocity relative to the co-rotating air. Times on a trajectory are
// durations since its origin: liftoff for a flight, the given t0 for a
// free propagation. Angles are [geo.Degrees], heights are [geo.Meters]
// above the WGS-84 ellipsoid.
//
// # Force model
//
// [Model] selects the terms of
//
//	r̈ = g(r) − 2ω×ṙ − ω×(ω×r) − ½ ρ(h) |ṙ| ṙ / β (+ thrust, lift)
//
// with g central gravity plus the WGS-84 J2 term, ω = [geo.Omega] about
// Z, ρ from [Atmosphere] (the U.S. Standard Atmosphere 1976, NOAA-S/T
// 76-1562: its defining equations to 86 km, its tables to 1000 km, zero
// above) and β = m/(C_D·A) the ballistic coefficient in kg/m². [Full]
// turns everything on; the zero Model is the two-body problem.
//
// # Integration and events
//
// [Propagate] integrates with Dormand–Prince 5(4) (Dormand and Prince
// 1980) under error control with Hairer's dense output (Hairer, Nørsett
// and Wanner, Solving ODEs I, §II.4–II.6) and locates the apogee (the
// height rate changing sign) and the impact (the height above the
// ellipsoid reaching [Options.Ground]) by regula falsi on the dense
// output, then re-steps to the event, to well under a millisecond and a
// metre. [PropagateTo] and [Step] are the allocation-free forms a filter
// uses. [Kepler], [Inertial] and [EarthFixed] give the closed-form
// two-body solution the tests check the integrator against;
// [MinimumEnergyArc], [ArcFor] and [EquivalentRange] are the Keplerian
// closed forms of research/tracking.md §3.6.
//
// # Boost, profiles and the solver
//
// A [Vehicle] is a boost template (stages with burn time, exhaust
// velocity and mass ratio; a vertical rise and a pitch program) and
// [VehicleFor] gives one per [Class]. A [Launch] adds the site, azimuth,
// final pitch and last-stage cutoff, and [Launch.Fly] flies it with thrust
// as an extra force in the same integrator, so flight times include the
// boost. A [Profile] makes the flight ballistic, depressed, or a pull-up
// glide with aerodynamic lift in the descent (a KN-23-like flight that no
// ballistic arc explains).
//
// [Solve] turns a public report — site, direction, range, apogee — into a
// Launch: nested root finds on cutoff (for the apogee) and pitch (for the
// range) inside a secant iteration on the launch azimuth (for the
// direction, which Earth rotation bends). It says why when the figures
// cannot be flown: [ErrUnreachable] for a range or apogee beyond the
// class, [ErrNotBallistic] for an apogee too low for a ballistic flight.
package ballistic
