// Package estimate tracks one missile from its plots and turns the track
// into the figures a launch report gives: launch point and time, apogee,
// range, class, trajectory type, and the predicted impact with its 95 %
// ellipse (research/tracking.md §5; DESIGN.md §5).
//
// It is pure computation on trilink's ballistic, geo and sensor packages
// and gonum: no I/O, clocks or logging. A [Filter] is not safe for
// concurrent use ([Filter.Clone] copies one); the package's functions are.
//
// # Notation
//
// The filter uses the textbook letters: x the state, P its covariance
// (kept as a lower-triangular square root s, P = s·sᵀ), F the transition,
// Q the process noise, H the measurement model, R the measurement noise,
// S = H P Hᵀ + R the innovation covariance, ν = z − ẑ the innovation,
// K = P_xz S⁻¹ the gain. NIS is νᵀS⁻¹ν, NEES the same for the
// estimation error against a truth.
//
// # State and models
//
// The state is Earth-fixed (WGS-84 ECEF, SI units): x = [r, v, ln α] in
// free flight, α = 1/β the inverse ballistic coefficient in m²/kg, under
// ballistic's full force model (J2, Earth rotation, U.S. Standard
// Atmosphere 1976 drag); and x = [r, v, a] in the free-acceleration modes,
// a the unmodelled acceleration on top of gravity, rotation and nominal
// drag. [Mode] names the models:
//
//   - boost: a is the thrust, growing as the rocket burns its mass
//     (ȧ = a|a|/c with c = 3 km/s, so a = c/(τ − t)) and wandering as
//     white jerk (Config.QJerk);
//   - ballistic: free flight, with white acceleration noise for model
//     error (Config.Q in vacuum, Config.QAir more in the air) and a slow
//     random walk of ln α. Until the flight first descends through 100 km,
//     ln α is a Schmidt consider state: it is not estimated, but its
//     uncertainty flows into the position and velocity — drag right after
//     burnout is confounded with the burnout's transient, and a separated
//     re-entry vehicle is not the body that flew on from burnout;
//   - manoeuvre: a flight no ballistic arc explains (a KN-23-like
//     pull-up): a Singer acceleration (ȧ = −a/τ + w) with large noise.
//
// # Filter
//
// The filter is a square-root cubature Kalman filter (Arasaratnam and
// Haykin, "Cubature Kalman filters", IEEE TAC 54(6), 2009): 2n equally
// weighted points x ± √n·s eᵢ, no tuning and no negative weights
// (research/tracking.md §5.2). Prediction moves each point through the
// dynamics (Dormand–Prince steps of at most a second in free flight,
// Runge–Kutta 4 with the extra acceleration otherwise), x⁻ is their mean
// and s⁻ = tria([X, √Q]), tria being a Householder QR. An update evaluates
// each point's z − h(x) with the measurement's own geometry and R (radar
// range, azimuth, elevation and range rate; space-IR line of sight; the
// same function as sensor.Measurement.Residual), so measurements of every
// sensor are applied one by one in time order; s⁺ = tria([X − K Z, K √R])
// is the Joseph form. All arithmetic is on fixed-size arrays: an update
// allocates almost nothing and a Filter copies by value; where the Go
// compiler fuses no multiply-adds (amd64) the same inputs give
// bit-identical results, which the fusion layer's determinism needs.
//
// # Initiation
//
// [New] starts a track from a few plots by a batch Gauss–Newton fit of
// position, velocity and a constant thrust at the latest plot's time to
// all of them (Shapiro 1958; Kerr 2018: early-warning radars start tracks
// this way), from a polynomial fit of the plot positions and with weak
// priors; the filter starts from the fit and its covariance (HᵀR⁻¹H)⁻¹.
// Plots that do not fit one flight fail with [ErrInconsistentPlots].
//
// # Boost, burnout, manoeuvre, divergence
//
// Burnout is an explicit detector, Wald's sequential probability ratio
// test between the boost model and a ballistic candidate started from the
// boost estimate (with the impulse of an uncertain burnout time added);
// each plot adds ½[(νᵀS⁻¹ν + ln|S|)_boost − (νᵀS⁻¹ν + ln|S|)_ballistic] to the
// log-likelihood ratio, and the candidate takes over at odds of 1000:1 with
// consistent innovations. For 30 s after a burnout the boost model runs on
// as a shadow and takes back over if the thrust resumes (the coast between
// two stages). The burnout time is put at the candidate's start or the
// peak of the thrust estimate. Thrust jumps inflate the acceleration's
// covariance.
//
// In free flight, Page's CUSUM on the innovations' log-likelihood ratio
// against a fourfold covariance, and a χ² test on a window of eight
// updates, find persistent large innovations: soon after burnout and
// climbing, the thrust is back (a stage); otherwise the flight is not
// ballistic, the track switches to the manoeuvre model and is
// [Irregular] for good. A filter whose covariance loses definiteness,
// whose state leaves physical bounds or whose free-acceleration
// innovations grow fiftyfold restarts from its recent plots and notes it
// ([Filter.Notes]); if it cannot, it fails with [ErrDiverged].
//
// [Filter.Gate] gives the Mahalanobis distance of a plot for association,
// and tries the model the filter would fall back to (the candidate, a
// thrust jump, the onset of a manoeuvre) so that an object's own plots
// still gate at burnout, staging or a pull-up.
//
// # Figures
//
// [Filter.PredictImpact] propagates the mean and the 2n cubature points
// of the free flight to the ground with the full model, each with its own
// β, and gives the impact of the mean with the points' spread about it:
// the east–north covariance, the 95 % ellipse (√χ²₂(0.95) = 2.4477 standard
// deviations along its axes), the impact time and the sample points for
// probabilities per region (research/tracking.md §5.5). In free flight it
// takes about half a millisecond.
//
// [Filter.Assess] adds the launch — the filtered boost track and the free
// flight propagated back to the burnout height, matched by height to the
// ascending branch of the class's boost template (ballistic.Solve for the
// estimated range and apogee; a cached, binned flight), each giving a
// launch time and a point back along the flight azimuth, with a template
// error of 15 % of the distance back plus 0.5 km — the apogee (flown, or
// of the free flight before or ahead of the estimate), the range (Karney's
// geodesic from launch to impact), the flight time, the class from the
// equivalent minimum-energy range of the arc's burnout speed
// (ballistic.ArcFor and ballistic.EquivalentRange, so a lofted ICBM is an
// ICBM), and the trajectory type from the apogee over the minimum-energy
// apogee for the range ([IrregularRatio], [DepressedRatio], [LoftedRatio]).
//
// # Tuning and consistency
//
// The defaults of [Config] were set on Monte Carlo runs of the simulator
// with the default network: the time-averaged NEES of position and
// velocity in free flight lies inside its 95 % χ² interval for an SRBM,
// the 2016-08-03 MRBM and the 2022-10-04 IRBM (see TestNEES and
// fusion/fusionbench).
package estimate
