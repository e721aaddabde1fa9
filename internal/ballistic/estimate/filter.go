package estimate

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"sync"
	"time"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/spatial/r3"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/trilink/trilink/internal/ballistic"
	"github.com/trilink/trilink/internal/geo"
	"github.com/trilink/trilink/internal/sensor"
)

// Errors of the filter.
var (
	// ErrBadMeasurement means a measurement cannot be used: no payload or
	// a covariance that is not positive definite.
	ErrBadMeasurement = errors.New("estimate: unusable measurement")
	// ErrOutOfOrder means a measurement is older than the filter's state;
	// the caller must re-run from an earlier copy (see fusion).
	ErrOutOfOrder = errors.New("estimate: measurement older than the estimate")
	// ErrTooFewPlots means an initiation had too few radar plots, or
	// plots at too few distinct times, to determine a state.
	ErrTooFewPlots = errors.New("estimate: too few plots to start a track")
	// ErrInconsistentPlots means the plots of an initiation do not fit one
	// flight (a batch fit beyond the 0.9999 χ² quantile): they come from
	// different objects, or one is a false alarm.
	ErrInconsistentPlots = errors.New("estimate: plots do not fit one flight")
	// ErrDiverged means the filter diverged and could not be restarted
	// from its recent plots; the track should be dropped.
	ErrDiverged = errors.New("estimate: filter diverged")
)

// Mode is the dynamic model a Filter is using. The zero value is
// ModeUnknown. Values are shared in snapshots: do not reorder.
type Mode uint8

const (
	// ModeUnknown is the zero value.
	ModeUnknown Mode = iota
	// ModeBoost is powered flight: gravity, rotation and nominal drag plus
	// an unknown acceleration (the thrust) estimated as a state that
	// wanders as white jerk.
	ModeBoost
	// ModeBallistic is free flight under the full force model with the
	// ballistic coefficient estimated as ln α.
	ModeBallistic
	// ModeManoeuvre is a flight that no ballistic arc explains (lift,
	// a pull-up, a glide): the free-acceleration model of the boost with
	// its own noise. A track that reaches it is irregular for good.
	ModeManoeuvre
)

var modeNames = [...]string{"unknown", "boost", "ballistic", "manoeuvre"}

// String returns "boost", "ballistic", "manoeuvre" or "unknown".
func (m Mode) String() string {
	if int(m) < len(modeNames) {
		return modeNames[m]
	}
	return "unknown"
}

// MarshalText encodes m as its String.
func (m Mode) MarshalText() ([]byte, error) {
	if int(m) >= len(modeNames) {
		return nil, fmt.Errorf("estimate: mode %d out of range", m)
	}
	return []byte(m.String()), nil
}

// Config tunes a Filter. The zero value gives the defaults, which the
// package's Monte Carlo tests were run with.
type Config struct {
	// Q is the white-acceleration process noise of the ballistic model
	// (model error) in vacuum, m²/s³, and QAir what is added in the air
	// (all of it below 60 km, none above 100 km). Zero means 1e-5 and
	// 1e-3, which the package's Monte Carlo tests find consistent: the
	// filter's force model is the simulator's, and ln α, a consider state
	// until re-entry, carries the drag's uncertainty.
	Q, QAir float64
	// QAlpha is the random walk of ln α per second. Zero means 1e-4.
	QAlpha float64
	// QJerk is the white jerk of the thrust in boost, m²/s⁵. Zero means 3.
	QJerk float64
	// QManoeuvre is the white jerk of the unmodelled acceleration in
	// manoeuvre mode, m²/s⁵. Zero means 100.
	QManoeuvre float64
	// TauBoost and TauManoeuvre are the correlation times of the Singer
	// process noise of the free-acceleration models (in a manoeuvre the
	// acceleration's mean decays with TauManoeuvre too; in boost it grows
	// as the rocket's). Zero means 60 s and 20 s.
	TauBoost, TauManoeuvre time.Duration
	// Beta0 is the prior median ballistic coefficient, kg/m², and
	// SigmaLnBeta the standard deviation of ln β (log-normal prior,
	// research/tracking.md §5.3: "median β ~ 4,000 kg/m², ±1 decade").
	// Zero means 4,000 kg/m² and 0.8, a decade at three sigma.
	Beta0, SigmaLnBeta float64
	// SigmaThrust is the prior standard deviation of each component of
	// the thrust acceleration at initiation, m/s². Zero means 60.
	SigmaThrust float64
}

func (c Config) withDefaults() Config {
	def := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.Q, 1e-5)
	def(&c.QAir, 1e-3)
	def(&c.QAlpha, 1e-4)
	def(&c.QJerk, 3)
	def(&c.QManoeuvre, 100)
	def(&c.Beta0, 4000)
	def(&c.SigmaLnBeta, 0.8)
	def(&c.SigmaThrust, 60)
	if c.TauBoost == 0 {
		c.TauBoost = 60 * time.Second
	}
	if c.TauManoeuvre == 0 {
		c.TauManoeuvre = 20 * time.Second
	}
	return c
}

func (c Config) lnAlpha0() float64 { return -math.Log(c.Beta0) }

// Detector constants.
const (
	// winLen is the length of the innovation window that detects
	// persistent large innovations.
	winLen = 8
	// recentLen is how many recent plots a filter keeps to restart from.
	recentLen = 48
	// reboostWindow is how long after burnout a failing ballistic model
	// means the motor is still (or again) burning rather than a manoeuvre.
	reboostWindow = 90 * time.Second
	// maxReboosts bounds the boost↔ballistic switches of one track.
	maxReboosts = 6
	// quietThrust is the thrust estimate, m/s², below which a burnout is
	// tested.
	quietThrust = 8.0
	// cusumScale and cusumLimit set the persistent-innovation detector:
	// the alternative is innovations cusumScale times the predicted
	// covariance, and the alarm is at a log-likelihood ratio of cusumLimit.
	cusumScale = 4.0
	cusumLimit = 16.0
	// sprtAccept and sprtReject are the burnout test's thresholds on the
	// log-likelihood ratio: odds of 1000:1 for free flight, 100:1 for
	// thrust.
	sprtAccept = 6.9
	sprtReject = 4.6
	// boostCoast is the longest prediction in boost mode; a longer gap
	// switches the track to free flight first.
	boostCoast = 30 * time.Second
	// reentryHeight: ln α is a consider state (not estimated) until the
	// free flight first descends through this height. On the way up, drag
	// right after burnout is confounded with the burnout's transient, and
	// the body that re-enters may not be the one that flew on from
	// burnout (a separated re-entry vehicle).
	reentryHeight = 100e3
	// shadowSpan is how long the boost model runs on after a burnout, in
	// case the thrust resumes.
	shadowSpan = 30 * time.Second
	// burnoutSpread is the uncertainty of the burnout time that a
	// burnout candidate starts with: about the interval between plots.
	burnoutSpread = 150 * time.Millisecond
)

// Point is one entry of a Filter's thinned history: the filtered position
// and velocity (ECEF) with the position covariance, at most one per second.
type Point struct {
	T    time.Time
	Mode Mode
	R, V r3.Vec
	// Prr is the position covariance, m².
	Prr [3][3]float64
}

// LLA returns the point's geodetic position.
func (p Point) LLA() geo.LLA { return geo.ECEFFromVec(p.R).LLA() }

// nisEntry is one update in the innovation window.
type nisEntry struct {
	t   time.Time
	nis float64
	dof int
}

// Filter estimates one object's flight from its measurements: a
// square-root cubature Kalman filter (see the package documentation) that
// switches between boost, ballistic and manoeuvre models, monitors its
// innovations, and restarts itself if it diverges.
//
// A Filter is not safe for concurrent use. Clone makes an independent copy.
type Filter struct {
	cfg Config
	c   core

	// The alternative model tested alongside: in boost a ballistic
	// candidate (burnout), after a burnout for shadowSpan the boost model
	// it replaced (the thrust may resume: staging, an early burnout).
	alt        core
	altOn      bool
	altStart   time.Time
	altNIS     float64
	altDof     int
	altN       int
	altLLR     float64   // log-likelihood ratio, alternative over current model
	lastThrust time.Time // last update with significant thrust
	peakThrust float64   // largest well-determined thrust estimate of this boost, m/s²
	peakAt     time.Time // and when
	quietSince time.Time // no burnout candidate before this
	burnout    time.Time // zero until detected
	reboosts   int

	irregular    bool
	irregularWhy string
	// reentered is set when the free flight first descends through
	// reentryHeight; from then on ln α is estimated.
	reentered bool

	win  [winLen]nisEntry
	winN int // entries in use
	winI int // next slot
	// cusum is Page's cumulative sum of the log-likelihood ratio of the
	// innovations under S·λ against S (λ = cusumScale): it rises with
	// persistent large innovations (a manoeuvre, thrust in ballistic mode).
	cusum float64

	// Consistency: running sums of NIS and its degrees of freedom since the
	// last mode change.
	nisSum float64
	nisDof int
	nisN   int

	recent  [recentLen]sensor.Measurement
	recentN int
	recentI int

	hist    []Point
	notes   []string
	resets  int
	updates int
	start   time.Time // initiation time
	first   time.Time // earliest plot
	last    time.Time // latest update
	maxAlt  float64
	dead    bool
}

// New starts a filter from a few plots of one object by a batch
// Gauss–Newton fit (research/tracking.md §5.3): the state at the latest
// plot's time in boost mode — position, velocity and a constant thrust —
// with the covariance of the fit. It needs radar plots at two or more
// distinct times (space-IR lines of sight may be among the plots; they
// are used in the fit). The filter then assumes nothing about the flight
// until its burnout detector finds free flight.
func New(plots []sensor.Measurement, cfg Config) (*Filter, error) {
	cfg = cfg.withDefaults()
	f := &Filter{cfg: cfg}
	if err := f.initiate(plots); err != nil {
		return nil, err
	}
	f.first = plots[0].Time
	for _, p := range plots {
		if p.Time.Before(f.first) {
			f.first = p.Time
		}
		f.remember(p)
	}
	f.record()
	return f, nil
}

// NewState starts a filter in ballistic mode from a known state at time
// t: position and velocity (ECEF, SI) with their covariance p, 6×6, or 7×7
// with ln α last (otherwise ln α takes cfg's prior). It is for hand-overs
// from another tracker, simulations and tests; the burnout is taken to be
// at t.
func NewState(t time.Time, s ballistic.State, p *mat.SymDense, cfg Config) (*Filter, error) {
	cfg = cfg.withDefaults()
	n := p.SymmetricDim()
	if n != 6 && n != 7 {
		return nil, fmt.Errorf("estimate: covariance of dimension %d, want 6 or 7", n)
	}
	var full sqm
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			full[i][j] = p.At(i, j)
		}
	}
	if n == 6 {
		full[iLnAlpha][iLnAlpha] = cfg.SigmaLnBeta * cfg.SigmaLnBeta
	}
	l, ok := cholesky(&full, 7)
	if !ok {
		return nil, fmt.Errorf("estimate: covariance not positive definite")
	}
	c := core{mode: ModeBallistic, n: 7, t: t, s: l, noise: noise{q: cfg.Q, qAir: cfg.QAir, qAlpha: cfg.QAlpha}}
	c.x[0], c.x[1], c.x[2] = s.R.X, s.R.Y, s.R.Z
	c.x[3], c.x[4], c.x[5] = s.V.X, s.V.Y, s.V.Z
	c.x[iLnAlpha] = cfg.lnAlpha0()
	if !c.healthy() {
		return nil, errors.New("estimate: state not finite")
	}
	f := &Filter{cfg: cfg, c: c, start: t, first: t, last: t, lastThrust: t, burnout: t, quietSince: t}
	f.record()
	return f, nil
}

// initiate fits a boost-mode state to plots.
func (f *Filter) initiate(plots []sensor.Measurement) error {
	if len(plots) == 0 {
		return ErrTooFewPlots
	}
	tRef := plots[0].Time
	for _, p := range plots {
		if p.Time.After(tRef) {
			tRef = p.Time
		}
	}
	fp, err := newFitProblem(ModeBoost, f.cfg.lnAlpha0(), plots, tRef)
	if err != nil {
		return err
	}
	r0, v0, a0, err := polyGuess(fp)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrTooFewPlots, err)
	}
	// The polynomial's acceleration includes gravity; the state's is the
	// thrust.
	g := gravityOnly.Accel(ballistic.State{R: r0, V: v0})
	a0 = r3.Sub(a0, g)
	var theta vec
	theta[0], theta[1], theta[2] = r0.X, r0.Y, r0.Z
	theta[3], theta[4], theta[5] = v0.X, v0.Y, v0.Z
	fp.prior = theta
	for j := 0; j < 3; j++ {
		fp.sigma[j] = 100e3
		fp.sigma[3+j] = 3e3
		fp.sigma[iAccel+j] = f.cfg.SigmaThrust
	}
	theta[iAccel], theta[iAccel+1], theta[iAccel+2] = a0.X, a0.Y, a0.Z
	x, s, chi2, dof, err := fp.solve(theta)
	if err != nil {
		return err
	}
	if dof > 0 && chi2 > chi2Quantile(dof, 1-1e-4) {
		return fmt.Errorf("%w: fit χ² %.1f over %d degrees of freedom", ErrInconsistentPlots, chi2, dof)
	}
	f.c = core{mode: ModeBoost, n: 9, t: tRef, x: x, s: s, lnAlpha: f.cfg.lnAlpha0(),
		noise: noise{q: f.cfg.Q, qJerk: f.cfg.QJerk, tau: f.cfg.TauBoost.Seconds()}}
	f.start = tRef
	f.last = tRef
	f.lastThrust = tRef
	f.quietSince = tRef.Add(3 * time.Second)
	f.altOn = false
	f.winN, f.winI, f.cusum = 0, 0, 0
	f.peakThrust, f.peakAt = 0, time.Time{}
	f.resetConsistency()
	return nil
}

// Clone returns an independent copy of f.
func (f *Filter) Clone() *Filter {
	g := *f
	g.hist = append([]Point(nil), f.hist...)
	g.notes = append([]string(nil), f.notes...)
	return &g
}

// Time returns the time of the current estimate.
func (f *Filter) Time() time.Time { return f.c.t }

// Mode returns the model in use.
func (f *Filter) Mode() Mode { return f.c.mode }

// Burnout returns the estimated end of powered flight, and false while
// the filter has not found one.
func (f *Filter) Burnout() (time.Time, bool) { return f.burnout, !f.burnout.IsZero() }

// Irregular reports whether the flight was found not to be ballistic
// (persistent large innovations of the ballistic model), and why.
func (f *Filter) Irregular() (bool, string) { return f.irregular, f.irregularWhy }

// Notes returns what happened to the filter that a user should know
// (restarts after divergence, manoeuvres), oldest first.
func (f *Filter) Notes() []string { return append([]string(nil), f.notes...) }

// Resets returns how many times the filter restarted after divergence.
func (f *Filter) Resets() int { return f.resets }

// Updates returns the number of measurements the filter has used.
func (f *Filter) Updates() int { return f.updates }

// First returns the time of the earliest plot the filter was started from.
func (f *Filter) First() time.Time { return f.first }

// LastUpdate returns the time of the latest measurement used.
func (f *Filter) LastUpdate() time.Time { return f.last }

// History returns the filter's thinned history, oldest first.
func (f *Filter) History() []Point { return append([]Point(nil), f.hist...) }

// MaxAltitude returns the highest filtered altitude so far, m.
func (f *Filter) MaxAltitude() geo.Meters { return geo.Meters(f.maxAlt) }

// Mean returns the estimated position and velocity (ECEF, m and m/s).
func (f *Filter) Mean() (r, v r3.Vec) { return f.c.pos(), f.c.vel() }

// Beta returns the estimated ballistic coefficient β = 1/α in kg/m² (in
// the boost and manoeuvre modes, the nominal value their drag uses).
func (f *Filter) Beta() float64 {
	if f.c.mode == ModeBallistic {
		return math.Exp(-f.c.x[iLnAlpha])
	}
	return math.Exp(-f.c.lnAlpha)
}

// Thrust returns the estimated unmodelled acceleration (ECEF, m/s²) in the
// boost and manoeuvre modes, and zero in ballistic mode.
func (f *Filter) Thrust() r3.Vec {
	if f.c.mode == ModeBallistic {
		return r3.Vec{}
	}
	return r3.Vec{X: f.c.x[iAccel], Y: f.c.x[iAccel+1], Z: f.c.x[iAccel+2]}
}

// Cov returns the covariance of the state: rows and columns r (3), v (3)
// and then ln α (ballistic) or the acceleration (3, other modes), SI units.
func (f *Filter) Cov() *mat.SymDense {
	p := f.c.cov()
	n := f.c.n
	out := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			out.SetSym(i, j, p[i][j])
		}
	}
	return out
}

// Predicted returns the position and velocity predicted to t, not before
// the estimate, with their 6×6 covariance, without changing f.
func (f *Filter) Predicted(t time.Time) (r, v r3.Vec, p [6][6]float64, err error) {
	if t.Before(f.c.t) {
		return r, v, p, fmt.Errorf("%w: %v before %v", ErrOutOfOrder, t, f.c.t)
	}
	c := f.c
	if c.mode == ModeBoost && t.Sub(c.t) > boostCoast {
		c = c.convert(ModeBallistic, []float64{f.cfg.lnAlpha0()}, []float64{f.cfg.SigmaLnBeta}, noise{q: f.cfg.Q, qAir: f.cfg.QAir, qAlpha: f.cfg.QAlpha}, 0)
	}
	c.predict(t)
	full := c.cov()
	for i := 0; i < 6; i++ {
		for j := 0; j < 6; j++ {
			p[i][j] = full[i][j]
		}
	}
	return c.pos(), c.vel(), p, nil
}

// Consistency returns the average normalised innovation squared per
// degree of freedom since the last mode change, and the number of updates
// it averages. A consistent filter gives about 1.
func (f *Filter) Consistency() (nisPerDof float64, n int) {
	if f.nisDof == 0 {
		return 0, 0
	}
	return f.nisSum / float64(f.nisDof), f.nisN
}

func (f *Filter) resetConsistency() { f.nisSum, f.nisDof, f.nisN = 0, 0, 0 }

// Innovation describes one update.
type Innovation struct {
	// NIS is the normalised innovation squared νᵀS⁻¹ν, χ² with Dim degrees
	// of freedom for a consistent filter.
	NIS float64
	Dim int
	// Mode is the model after the update; Switched reports a change.
	Mode     Mode
	Switched bool
	// Reset reports that the filter diverged and restarted from its recent
	// plots.
	Reset bool
}

// Predict moves the estimate to time t. It fails with ErrOutOfOrder for a
// t before the estimate.
func (f *Filter) Predict(t time.Time) error {
	if t.Before(f.c.t) {
		return fmt.Errorf("%w: %v before %v", ErrOutOfOrder, t, f.c.t)
	}
	if f.c.mode == ModeBoost && t.Sub(f.c.t) > boostCoast {
		// No motor burns unobserved for that long: the track went out
		// of coverage near burnout. Continue in free flight.
		f.toBallistic(f.lastThrust)
		f.note(f.c.t, "burnout assumed: the track left coverage while boosting")
	}
	f.c.predict(t)
	if f.altOn {
		f.alt.predict(t)
	}
	return nil
}

// Gate predicts the estimate to m's time and returns the squared
// Mahalanobis distance d² = νᵀS⁻¹ν of m's innovation and its degrees of
// freedom, for association. It does not update the estimate. When the
// innovation is large (beyond the 0.9999 quantile) it also tries the
// hypothesis the update would fall back to — a jump of the thrust in
// boost, the onset of thrust or of a manoeuvre in free flight — and
// returns the smaller distance, so that an object's own plots still gate
// at burnout, staging or a pull-up.
func (f *Filter) Gate(m *sensor.Measurement) (d2 float64, dof int, err error) {
	o, err := newObs(m)
	if err != nil {
		return 0, 0, err
	}
	if m.Time.Before(f.c.t) {
		return 0, 0, fmt.Errorf("%w: %v before %v", ErrOutOfOrder, m.Time, f.c.t)
	}
	before := f.c
	if err := f.Predict(m.Time); err != nil {
		return 0, 0, err
	}
	var in innovation
	if !f.c.innovate(&o, &in) {
		return math.Inf(1), o.m, nil
	}
	if in.nis <= chi2Quantile(o.m, 1-1e-4) || before.mode == ModeUnknown {
		return in.nis, o.m, nil
	}
	if f.altOn {
		var ci innovation
		if f.alt.innovate(&o, &ci) && ci.nis < in.nis {
			in.nis = ci.nis
		}
	}
	alt := before
	switch before.mode {
	case ModeBallistic:
		alt = before.convert(ModeManoeuvre, []float64{0, 0, 0}, []float64{30, 30, 30},
			noise{q: f.cfg.Q, qJerk: f.cfg.QManoeuvre, tau: f.cfg.TauManoeuvre.Seconds()}, before.x[iLnAlpha])
	default:
		alt.inflate(thrustJump(&alt))
	}
	alt.predict(m.Time)
	var ai innovation
	if alt.innovate(&o, &ai) && ai.nis < in.nis {
		in.nis = ai.nis
	}
	return in.nis, o.m, nil
}

// thrustJump returns the variance added to the acceleration when the
// thrust may have jumped (to zero at burnout, to another stage's level at
// staging): its squared magnitude per axis plus (20 m/s²)².
func thrustJump(c *core) *vec {
	a2 := c.x[iAccel]*c.x[iAccel] + c.x[iAccel+1]*c.x[iAccel+1] + c.x[iAccel+2]*c.x[iAccel+2]
	v := a2 + 400
	var infl vec
	infl[iAccel], infl[iAccel+1], infl[iAccel+2] = v, v, v
	return &infl
}

// Update predicts the estimate to m's time and updates it with m, then
// runs the burnout, manoeuvre and divergence monitors, which may change the
// mode or restart the filter (reported in the result and in Notes).
func (f *Filter) Update(m *sensor.Measurement) (Innovation, error) {
	if f.dead {
		return Innovation{}, ErrDiverged
	}
	o, err := newObs(m)
	if err != nil {
		return Innovation{}, err
	}
	if err := f.Predict(m.Time); err != nil {
		return Innovation{}, err
	}
	f.remember(*m)
	var in innovation
	ok := f.c.innovate(&o, &in)
	if ok && f.c.mode != ModeBallistic && f.updates >= 3 && in.nis > chi2Quantile(o.m, 0.999) {
		// A jump of the thrust (staging, burnout, the start of a
		// manoeuvre): let the acceleration move.
		f.c.inflate(thrustJump(&f.c))
		ok = f.c.innovate(&o, &in)
	}
	res := Innovation{Dim: o.m}
	if !ok {
		return f.restart("innovation covariance not positive definite", m.Time)
	}
	res.NIS = in.nis
	if f.c.mode == ModeBallistic && !f.reentered {
		s := ballistic.State{R: f.c.pos(), V: f.c.vel()}
		f.reentered = s.HeightRate() < 0 && s.Altitude() < reentryHeight
	}
	f.c.update(&in, !f.reentered)
	f.updates++
	f.last = m.Time
	f.nisSum += in.nis
	f.nisDof += o.m
	f.nisN++
	f.push(nisEntry{t: m.Time, nis: in.nis, dof: o.m})
	f.cusum = math.Max(0, f.cusum+0.5*(1-1/cusumScale)*in.nis-0.5*float64(o.m)*math.Log(cusumScale))
	if f.altOn {
		var ci innovation
		if f.alt.innovate(&o, &ci) {
			f.alt.update(&ci, true)
			f.altNIS += ci.nis
			f.altDof += o.m
			f.altN++
			f.altLLR += 0.5 * ((in.nis + in.ldet) - (ci.nis + ci.ldet))
		} else {
			f.altOn = false
		}
	}
	if why := f.divergence(); why != "" {
		return f.restart(why, m.Time)
	}
	before := f.c.mode
	f.monitor(m.Time)
	res.Mode = f.c.mode
	res.Switched = f.c.mode != before
	f.record()
	return res, nil
}

// push adds an update to the innovation window.
func (f *Filter) push(e nisEntry) {
	f.win[f.winI] = e
	f.winI = (f.winI + 1) % winLen
	if f.winN < winLen {
		f.winN++
	}
}

// window returns the sum of NIS and of degrees of freedom over the window,
// and its time span.
func (f *Filter) window() (nis float64, dof int, span time.Duration) {
	if f.winN == 0 {
		return 0, 0, 0
	}
	oldest := f.win[(f.winI-f.winN+winLen)%winLen].t
	newest := f.win[(f.winI-1+winLen)%winLen].t
	for k := 0; k < f.winN; k++ {
		e := f.win[(f.winI-1-k+winLen)%winLen]
		nis += e.nis
		dof += e.dof
	}
	return nis, dof, newest.Sub(oldest)
}

// monitor runs the burnout detector in boost mode and the manoeuvre and
// re-ignition detector in ballistic mode.
func (f *Filter) monitor(t time.Time) {
	switch f.c.mode {
	case ModeBoost:
		f.monitorBoost(t)
	case ModeBallistic:
		if f.altOn {
			// The boost model kept as a shadow after the burnout: back
			// to it if the thrust resumed (the same test, reversed), and
			// nothing else while it runs.
			switch {
			case f.altN >= 3 && f.altLLR >= sprtAccept:
				f.c = f.alt
				f.altOn = false
				f.peakThrust, f.peakAt = 0, time.Time{}
				f.burnout = time.Time{}
				f.lastThrust = t
				f.reboosts++
				f.quietSince = t.Add(shadowSpan / 3)
				f.winN, f.winI, f.cusum = 0, 0, 0
				f.resetConsistency()
			case t.Sub(f.altStart) > shadowSpan:
				f.altOn = false
			}
			return
		}
		nis, dof, span := f.window()
		if f.cusum <= cusumLimit && (f.winN < 6 || span < 4*time.Second || nis <= chi2Quantile(dof, 1-1e-5)) {
			return
		}
		h := ballistic.State{R: f.c.pos(), V: f.c.vel()}.HeightRate()
		if !f.irregular && f.reboosts < maxReboosts && t.Sub(f.burnout) < reboostWindow && h > 0 {
			// Thrust again: a stage that ignited after a coast, or a
			// burnout declared too early. Each time, the next burnout
			// needs a longer quiet spell.
			f.reboosts++
			f.toFreeAccel(ModeBoost, f.cfg.QJerk, f.cfg.TauBoost)
			f.burnout = time.Time{}
			f.lastThrust = t
			f.quietSince = t.Add(time.Duration(3*f.reboosts) * time.Second)
			return
		}
		f.irregular = true
		f.irregularWhy = fmt.Sprintf("persistent large innovations of the ballistic model (NIS %.0f over the last %d degrees of freedom)", nis, dof)
		f.note(t, "manoeuvre: the flight is not ballistic; tracking with a manoeuvre model")
		f.toFreeAccel(ModeManoeuvre, f.cfg.QManoeuvre, f.cfg.TauManoeuvre)
	}
}

// monitorBoost is the burnout detector: Wald's sequential probability
// ratio test between the boost model and a ballistic candidate started
// from the boost estimate after an update and updated with the same
// plots. Each plot adds ½[(ν'S⁻¹ν + ln|S|)_boost − (ν'S⁻¹ν + ln|S|)_ballistic]
// to the log-likelihood ratio; at sprtAccept (and with the candidate's own
// innovations consistent, χ² at 0.999) the candidate replaces the boost
// model; at −sprtReject, or when its own innovations are inconsistent (at
// 0.9999), it is dropped and another is started at the next update. The burnout is put at the accepted candidate's start, or at the
// last significant thrust estimate if that was earlier. The boost model
// then runs on as a shadow for shadowSpan (see monitor).
func (f *Filter) monitorBoost(t time.Time) {
	var paa sqm
	p := f.c.cov()
	var a vec
	for i := 0; i < 3; i++ {
		a[i] = f.c.x[iAccel+i]
		for j := 0; j < 3; j++ {
			paa[i][j] = p[iAccel+i][iAccel+j]
		}
	}
	am := math.Sqrt(a[0]*a[0] + a[1]*a[1] + a[2]*a[2])
	l, ok := cholesky(&paa, 3)
	stat := math.Inf(1)
	if ok {
		y := a
		forward(&l, &y, 3)
		stat = y[0]*y[0] + y[1]*y[1] + y[2]*y[2]
	}
	if stat > chi2Quantile(3, 0.999) && am > quietThrust {
		f.lastThrust = t
		// The thrust of a stage grows until it burns out, so the peak of
		// a well-determined estimate marks the burnout (the estimate lags
		// the drop by an update or two).
		if sa := math.Sqrt(math.Max(paa[0][0], math.Max(paa[1][1], paa[2][2]))); sa < 10 && am > f.peakThrust {
			f.peakThrust, f.peakAt = am, t
		}
	}
	if f.altOn {
		switch {
		case f.altLLR <= -sprtReject || (f.altN >= 2 && f.altNIS > chi2Quantile(f.altDof, 1-1e-4)):
			// Thrust goes on, or the candidate started from a biased
			// estimate (the boost model lagging a burnout): try afresh.
			f.altOn = false
		case f.altN >= 3 && f.altLLR >= sprtAccept && f.altNIS <= chi2Quantile(f.altDof, 0.999):
			start := f.altStart
			if f.lastThrust.Before(start) {
				start = f.lastThrust
			}
			if !f.peakAt.IsZero() && f.peakAt.Before(start) && start.Sub(f.peakAt) < 20*time.Second {
				start = f.peakAt
			}
			f.c, f.alt = f.alt, f.c
			f.altStart = t
			f.altNIS, f.altDof, f.altN, f.altLLR = 0, 0, 0, 0
			f.setBurnout(start)
			f.winN, f.winI, f.cusum = 0, 0, 0
			f.resetConsistency()
			return
		}
		if f.altOn {
			return
		}
	}
	if t.Before(f.quietSince) {
		return
	}
	f.alt = f.c.convert(ModeBallistic, []float64{f.cfg.lnAlpha0()}, []float64{f.cfg.SigmaLnBeta}, noise{q: f.cfg.Q, qAir: f.cfg.QAir, qAlpha: f.cfg.QAlpha}, 0)
	// The thrust may stop at any time until the next plot: the candidate
	// is unsure by the impulse of up to burnoutSpread of it, a velocity
	// spread |a|δ/√3 and a position spread |a|δ²/(2√5) along the thrust
	// (the moments of a uniform burnout time over [0, δ]).
	if am > 0 {
		d := burnoutSpread.Seconds()
		var u vec
		for i := 0; i < 3; i++ {
			u[i] = a[i] * d * d / (2 * math.Sqrt(5))
			u[3+i] = a[i] * d / math.Sqrt(3)
		}
		f.alt.inflateVec(&u)
	}
	f.altOn = true
	f.altStart = t
	f.altNIS, f.altDof, f.altN, f.altLLR = 0, 0, 0, 0
}

// EndBoost ends the boost at the current estimate's time, as when a
// track leaves coverage while boosting: the filter continues in free
// flight from its position and velocity, the burnout put at the last
// significant thrust estimate. It reports whether the filter was boosting.
func (f *Filter) EndBoost() bool {
	if f.c.mode != ModeBoost {
		return false
	}
	f.toBallistic(f.lastThrust)
	f.note(f.c.t, "burnout assumed: the track left coverage while boosting")
	return true
}

// setBurnout records the burnout time, unless one is already known (a
// restart keeps it), not before the track's start.
func (f *Filter) setBurnout(at time.Time) {
	if !f.burnout.IsZero() {
		return
	}
	f.burnout = at
	if f.burnout.Before(f.start) {
		f.burnout = f.start
	}
}

// toBallistic switches from boost to free flight, with ln α at its prior.
func (f *Filter) toBallistic(lastThrust time.Time) {
	f.c = f.c.convert(ModeBallistic, []float64{f.cfg.lnAlpha0()}, []float64{f.cfg.SigmaLnBeta}, noise{q: f.cfg.Q, qAir: f.cfg.QAir, qAlpha: f.cfg.QAlpha}, 0)
	f.altOn = false
	f.setBurnout(lastThrust)
	f.winN, f.winI, f.cusum = 0, 0, 0
	f.resetConsistency()
}

// toFreeAccel switches to a free-acceleration mode from the current
// position and velocity.
func (f *Filter) toFreeAccel(mode Mode, qj float64, tau time.Duration) {
	lnA := f.c.lnAlpha
	if f.c.mode == ModeBallistic {
		lnA = f.c.x[iLnAlpha]
	}
	sa := 30.0
	f.c = f.c.convert(mode, []float64{0, 0, 0}, []float64{sa, sa, sa}, noise{q: f.cfg.Q, qJerk: qj, tau: tau.Seconds()}, lnA)
	f.altOn = false
	f.peakThrust, f.peakAt = 0, time.Time{}
	f.winN, f.winI, f.cusum = 0, 0, 0
	f.resetConsistency()
}

// divergence returns why the estimate has diverged, or "".
func (f *Filter) divergence() string {
	if !f.c.healthy() {
		return "covariance lost positive definiteness"
	}
	r, v := f.c.pos(), f.c.vel()
	if rn := r3.Norm(r); rn < geo.B-50e3 || rn > geo.A+100000e3 {
		return fmt.Sprintf("position %.0f km from the Earth's centre", rn/1e3)
	}
	if vn := r3.Norm(v); vn > 15e3 {
		return fmt.Sprintf("speed %.1f km/s", vn/1e3)
	}
	nis, dof, _ := f.window()
	if f.c.mode != ModeBallistic && f.winN >= 5 && nis > 50*float64(dof) {
		return fmt.Sprintf("innovations %.0f times their expected size", nis/float64(dof))
	}
	return ""
}

// restart re-initiates the filter from its recent plots after a
// divergence, keeping its history, and notes it.
func (f *Filter) restart(why string, t time.Time) (Innovation, error) {
	f.resets++
	plots := f.recentPlots(t.Add(-20 * time.Second))
	old := *f
	// Fit the recent plots, dropping the oldest while they do not fit
	// one flight (the divergence may have begun with a stray plot).
	err := f.initiate(plots)
	for errors.Is(err, ErrInconsistentPlots) && len(plots) > 3 {
		plots = plots[1:]
		*f = old
		err = f.initiate(plots)
	}
	if err != nil {
		*f = old
		f.dead = true
		f.note(t, "filter diverged ("+why+") and could not restart")
		return Innovation{Reset: true}, fmt.Errorf("%w: %s", ErrDiverged, why)
	}
	f.burnout = old.burnout
	if f.irregular {
		f.c.mode = ModeManoeuvre
		f.c.noise.qJerk = f.cfg.QManoeuvre
		f.c.noise.tau = f.cfg.TauManoeuvre.Seconds()
	}
	f.note(t, "filter reset after divergence ("+why+")")
	f.record()
	return Innovation{Reset: true, Mode: f.c.mode, Switched: true}, nil
}

// note records a remark with its time.
func (f *Filter) note(t time.Time, s string) {
	f.notes = append(f.notes, t.UTC().Format("15:04:05Z")+" "+s)
}

// remember keeps m among the recent plots.
func (f *Filter) remember(m sensor.Measurement) {
	m.SimTruth = nil
	f.recent[f.recentI] = m
	f.recentI = (f.recentI + 1) % recentLen
	if f.recentN < recentLen {
		f.recentN++
	}
}

// recentPlots returns the remembered plots at or after since, in time
// order.
func (f *Filter) recentPlots(since time.Time) []sensor.Measurement {
	var out []sensor.Measurement
	for k := 0; k < f.recentN; k++ {
		m := f.recent[(f.recentI-f.recentN+k+recentLen)%recentLen]
		if !m.Time.Before(since) {
			out = append(out, m)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out
}

// record appends the current estimate to the history, at most once a
// second, and tracks the highest altitude.
func (f *Filter) record() {
	r, v := f.c.pos(), f.c.vel()
	if alt := float64(geo.ECEFFromVec(r).LLA().Alt); alt > f.maxAlt {
		f.maxAlt = alt
	}
	if n := len(f.hist); n > 0 && f.c.t.Sub(f.hist[n-1].T) < time.Second && f.hist[n-1].Mode == f.c.mode {
		return
	}
	p := f.c.cov()
	pt := Point{T: f.c.t, Mode: f.c.mode, R: r, V: v}
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			pt.Prr[i][j] = p[i][j]
		}
	}
	f.hist = append(f.hist, pt)
}

// chi2Quantile returns the p-quantile of the χ² distribution with k
// degrees of freedom, cached for the few p the filter uses.
func chi2Quantile(k int, p float64) float64 {
	key := chi2Key{k, p}
	chi2Mu.Lock()
	v, ok := chi2Cache[key]
	chi2Mu.Unlock()
	if ok {
		return v
	}
	v = distuv.ChiSquared{K: float64(k)}.Quantile(p)
	chi2Mu.Lock()
	chi2Cache[key] = v
	chi2Mu.Unlock()
	return v
}

type chi2Key struct {
	k int
	p float64
}

var (
	chi2Mu    sync.Mutex // guards chi2Cache
	chi2Cache = map[chi2Key]float64{}
)
