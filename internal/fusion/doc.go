// Package fusion turns every nation's measurements into one picture of
// launch events — the same picture in every nation for the same
// measurements (DESIGN.md §2, principles 1–2; research/tracking.md §5.3–5.4).
//
// It is pure computation on the estimate, sensor and geo packages: no
// NATS, HTTP or SQL, no clock. Time comes from the measurements and from
// the now given to [Engine.Advance]. An [Engine] is safe for concurrent
// use.
//
// # Order and determinism
//
// [Engine.Add] takes measurements in arrival order, rejects bad ones with
// a counted reason ([ErrInvalid], [ErrFuture], [ErrTooOld]) and ignores
// duplicates ([ErrDuplicate]); the simulator's truth, if any, is dropped
// on entry. [Engine.Advance] processes, in canonical order — time, then
// owning nation, sensor and sequence number — everything at least
// Config.ReorderWindow old. Every Config.CheckpointEvery of measurement
// time the engine keeps a copy of its state; a measurement older than
// what was already processed (a partition healing, a slow link) makes it
// go back to the last copy before it and process again, so the picture is
// exactly what in-order arrival would have given. Every time-driven step
// (a track lost, an event impacted or closed, a tentative track dropped)
// is a threshold on the picture's clock, evaluated at each measurement's
// time and at each Advance, so how often Advance is called does not
// matter either. Within the filters, fixed-size arithmetic without fused
// multiply-adds keeps results bit-identical on amd64.
//
// [Engine.Digest] hashes the set of processed measurements (an XOR of
// their SHA-256, independent of order) and the canonical encoding of the
// events; two nations with the same evidence and clock have the same
// picture digest, and a difference is an alarm.
//
// # Association and tracks
//
// Each sensor's plots of one instant (a scan) are assigned to the
// confirmed tracks by global nearest neighbour: the optimal assignment
// (Munkres' algorithm with potentials, in-house) on the squared
// Mahalanobis distances of the innovations, each plot allowed to stay
// unassigned at the χ² gate (Config.Gate, 1 − 10⁻⁹ by default). Radar
// plots left over join tentative tracks by a kinematic gate (speed up to
// 8 km/s, acceleration up to 150 m/s²) or start new ones; a tentative track
// with Config.ConfirmPlots plots spanning Config.ConfirmSpan (3 in 1 s) is
// confirmed by the batch fit of estimate.New, unless it duplicates an
// active track (position and velocity within χ²₆ at 0.9999); a tentative
// track without a plot for Config.TentativeTimeout is dropped. Lines of
// sight from space IR update confirmed tracks but do not start any. Two
// confirmed tracks that stay within χ²₆ of each other for three checks are
// merged, the younger into the older.
//
// # Events
//
// Each confirmed track is one [Event], named "E-" and a hash of its first
// measurement, so the same in every nation. Its [EventState] goes
//
//	detected → tracking → impact_predicted → impacted | lost → closed
//
// detected while boosting, tracking in free flight, impact_predicted once
// an impact is predicted (again at most every second, less often the
// longer the flight has to go), impacted Config.ImpactGrace after the
// predicted impact time without measurements since, lost after
// Config.LostAfter without measurements and no prediction (a track that
// left coverage while boosting is first continued in free flight), and
// closed Config.CloseAfter later. If the thrust resumes after a burnout
// was declared (staging), the prediction is withdrawn and the event is
// detected again. The [Estimate] carries the fields of DESIGN.md §4's
// analyze output; the event adds the predicted path, the cubature points'
// impacts, the fused track, the history of the estimate and notes.
package fusion
