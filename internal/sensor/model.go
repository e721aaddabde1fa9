package sensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/trilink/trilink/internal/geo"
	"github.com/trilink/trilink/internal/nation"
)

// Truth is the true state of one object at one instant, as the simulator's
// trajectory gives it.
type Truth struct {
	T        time.Time // the instant; it becomes the measurement time
	Pos      geo.ECEF  // position, m
	Vel      r3.Vec    // velocity in the Earth-fixed frame, m/s
	Boosting bool      // the motor is burning, so the plume is visible to space IR
	Object   string    // the object's id, copied into SimTruth
}

// Sensor is the model of one sensor: where it is, what it can see, and how
// well it measures. The zero value is not usable; fill in the fields (see
// [DefaultNetwork]) and check them with [Sensor.Validate].
//
// A Sensor numbers its measurements, so it must not be copied once in use
// (each copy would count on its own) and is not safe for concurrent use.
type Sensor struct {
	ID     string        // see ValidID; it names the subject shared.<nation>.meas.<id>
	Name   string        // human-readable description
	Nation nation.Nation // the owner
	Kind   Kind

	// Site is the radar antenna (for a ship, its position during the
	// scenario) or, for space IR, the satellite (a GEO satellite is at
	// Alt 35,786 km).
	Site geo.LLA

	// Radar field of regard: azimuths within ±AzWidth/2 of AzCenter
	// (degrees clockwise from north; AzWidth 0 or 360 means all round) and
	// apparent beam elevations in [ElMin, ElMax]. ElMin is the radar's
	// minimum elevation, so the horizon check sees only rays at or above it.
	AzCenter, AzWidth geo.Degrees
	ElMin, ElMax      geo.Degrees

	// MaxRange is the instrumented range: required for a radar; for space
	// IR, 0 means no limit.
	MaxRange geo.Meters
	// MinAlt is the lowest target altitude detected. For space IR it is the
	// altitude above which a plume clears the clouds and water vapour (e.g.
	// 10 km); for a radar it is usually 0.
	MinAlt geo.Meters
	// Refraction is the effective Earth radius factor k for the radar
	// horizon; 0 means StandardRefraction (4/3), 1 is geometric.
	Refraction float64

	// Rate is the update rate in Hz: how often the simulator should call
	// Observe. Observe itself does not enforce it.
	Rate float64

	// Pd is the single-scan probability of detecting a target in coverage.
	// For a radar with PdRange > 0, Pd holds at that range and the target
	// fluctuates as Swerling I with signal-to-noise ratio ∝ R⁻⁴, so
	// Pd(R) = Pfa^(1/(1+SNR(R))) (Swerling case 1, one pulse; Skolnik,
	// Introduction to Radar Systems, 3rd ed. 2001, ch. 2); Pfa defaults to 1e-6.
	Pd      float64
	PdRange geo.Meters
	Pfa     float64

	// Sigma holds the radar noise standard deviations, and Corr their
	// correlations; a radar with Sigma.RangeRate > 0 reports range rate.
	// If NoiseRefRange > 0 every σ grows as max(1, (R/NoiseRefRange)²),
	// since σ ∝ 1/√SNR ∝ R² (tracking.md §3.7). Each plot declares the
	// standard deviations that apply at its range.
	Sigma         RadarSigma
	Corr          RadarCorr
	NoiseRefRange geo.Meters
	// Bias is added to every radar plot: the true registration error, which
	// the plots do not reveal. BiasSigma, if not nil, is declared in each
	// plot as the standard deviation of such biases.
	Bias      RadarBias
	BiasSigma *RadarBias
	// FalseAlarms is the mean number of false radar plots per scan in the
	// field of regard, drawn by [Sensor.Clutter].
	FalseAlarms float64

	// SigmaLOS is the angular noise of a space IR line of sight, about each
	// of two axes.
	SigmaLOS geo.Radians

	seq     uint64 // the last sequence number issued
	checked bool   // Validate has passed once
}

// Period returns the interval between updates, 1/Rate.
func (s *Sensor) Period() time.Duration {
	return time.Duration(float64(time.Second) / s.Rate)
}

// Validate reports whether s is a complete sensor model, naming the first
// bad field.
func (s *Sensor) Validate() error {
	if err := s.validate(); err != nil {
		return fmt.Errorf("sensor %q: %w", s.ID, err)
	}
	return nil
}

func (s *Sensor) validate() error {
	if !ValidID(s.ID) {
		return fmt.Errorf("ID: not a sensor id (1–64 of a-z, 0-9, '-', '_')")
	}
	if !s.Nation.Valid() {
		return fmt.Errorf("Nation: missing or unknown")
	}
	if err := s.Site.Valid(); err != nil {
		return fmt.Errorf("Site: %w", err)
	}
	if !finite(s.Rate) || s.Rate <= 0 || s.Rate > 1000 {
		return fmt.Errorf("Rate: %g Hz out of (0, 1000]", s.Rate)
	}
	if !(s.Pd > 0 && s.Pd <= 1) {
		return fmt.Errorf("Pd: %g out of (0, 1]", s.Pd)
	}
	if !finite(float64(s.PdRange)) || s.PdRange < 0 {
		return fmt.Errorf("PdRange: %g m negative or not finite", s.PdRange)
	}
	if s.PdRange > 0 {
		if s.Pd >= 1 {
			return fmt.Errorf("Pd: must be below 1 with a PdRange")
		}
		if pfa := s.pfa(); !(pfa > 0 && pfa < s.Pd) {
			return fmt.Errorf("Pfa: %g out of (0, Pd)", pfa)
		}
	}
	if !finite(float64(s.MinAlt)) {
		return fmt.Errorf("MinAlt: not finite")
	}
	if !finite(float64(s.MaxRange)) || s.MaxRange < 0 || s.MaxRange > maxRange {
		return fmt.Errorf("MaxRange: %g m out of [0, %g]", s.MaxRange, maxRange)
	}
	switch s.Kind {
	case KindRadar:
		return s.validateRadar()
	case KindSpaceIR:
		if r := s.Site.ECEF().Norm(); r < minSatRadius || r > maxSatRadius {
			return fmt.Errorf("Site: satellite %g m from the Earth's centre, out of [%g, %g]", r, minSatRadius, maxSatRadius)
		}
		if !(s.SigmaLOS > 0 && s.SigmaLOS <= maxSigmaIR) {
			return fmt.Errorf("SigmaLOS: %g rad out of (0, %g]", s.SigmaLOS, maxSigmaIR)
		}
		return nil
	default:
		return fmt.Errorf("Kind: missing or unknown")
	}
}

func (s *Sensor) validateRadar() error {
	if s.Site.Alt < minSiteAlt || s.Site.Alt > maxSiteAlt {
		return fmt.Errorf("Site: radar altitude %g m out of [%g, %g]", s.Site.Alt, minSiteAlt, maxSiteAlt)
	}
	if s.MaxRange <= 0 {
		return fmt.Errorf("MaxRange: missing")
	}
	if !finite(float64(s.AzCenter)) || !(s.AzWidth >= 0 && s.AzWidth <= 360) {
		return fmt.Errorf("AzWidth: %g out of [0, 360]", s.AzWidth)
	}
	if !(s.ElMin >= -90 && s.ElMin < s.ElMax && s.ElMax <= 90) {
		return fmt.Errorf("ElMin, ElMax: want −90 ≤ %g < %g ≤ 90", s.ElMin, s.ElMax)
	}
	if k := s.Refraction; !finite(k) || k < 0 || k > 10 {
		return fmt.Errorf("Refraction: %g out of [0, 10]", k)
	}
	if !finite(float64(s.NoiseRefRange)) || s.NoiseRefRange < 0 {
		return fmt.Errorf("NoiseRefRange: %g m negative or not finite", s.NoiseRefRange)
	}
	// The noise must also be valid at the longest range, where it is largest.
	sig := s.sigmaAt(s.MaxRange)
	c := s.Corr
	if err := validateNoise("", &sig, &c, s.Sigma.RangeRate > 0); err != nil {
		// Not wrapped: this is a bad sensor, not an invalid measurement.
		return fmt.Errorf("Sigma or Corr at MaxRange: %s", err.Error())
	}
	if b := s.Bias; !finite(float64(b.Range)) || !finite(float64(b.Az)) || !finite(float64(b.El)) {
		return fmt.Errorf("Bias: not finite")
	}
	if b := s.BiasSigma; b != nil && !(b.Range >= 0 && b.Range <= maxSigmaRange &&
		b.Az >= 0 && b.Az <= maxSigmaAngle && b.El >= 0 && b.El <= maxSigmaAngle) {
		return fmt.Errorf("BiasSigma: out of range")
	}
	if !(s.FalseAlarms >= 0 && s.FalseAlarms <= 1000) {
		return fmt.Errorf("FalseAlarms: %g out of [0, 1000]", s.FalseAlarms)
	}
	return nil
}

func (s *Sensor) mustValid() {
	if s.checked {
		return
	}
	if err := s.Validate(); err != nil {
		panic(err)
	}
	s.checked = true
}

func (s *Sensor) pfa() float64 {
	if s.Pfa == 0 {
		return 1e-6
	}
	return s.Pfa
}

func (s *Sensor) refraction() float64 {
	if s.Refraction == 0 {
		return StandardRefraction
	}
	return s.Refraction
}

// DetectionProbability returns the probability of detecting a target in
// coverage at slant range r on one scan: Pd, or with a PdRange the
// Swerling I law of a radar, Pd(r) = Pfa^(1/(1+SNR₀·(PdRange/r)⁴)), where
// SNR₀ = ln Pfa / ln Pd − 1 makes Pd(PdRange) = Pd.
func (s *Sensor) DetectionProbability(r geo.Meters) float64 {
	if s.PdRange <= 0 || s.Kind != KindRadar {
		return s.Pd
	}
	lpfa := math.Log(s.pfa())
	snr0 := lpfa/math.Log(s.Pd) - 1
	q := float64(s.PdRange / r)
	return math.Exp(lpfa / (1 + snr0*q*q*q*q))
}

// sigmaAt returns the radar noise standard deviations at slant range r.
func (s *Sensor) sigmaAt(r geo.Meters) RadarSigma {
	sig := s.Sigma
	if s.NoiseRefRange > 0 && r > s.NoiseRefRange {
		q := float64(r / s.NoiseRefRange)
		f := q * q
		sig.Range *= geo.Meters(f)
		sig.Az *= geo.Degrees(f)
		sig.El *= geo.Degrees(f)
		sig.RangeRate *= f
	}
	return sig
}

// inSector reports whether azimuth az is in the radar's azimuth sector.
func (s *Sensor) inSector(az geo.Degrees) bool {
	if s.AzWidth == 0 || s.AzWidth >= 360 {
		return true
	}
	d := math.Abs(math.Remainder(float64(az-s.AzCenter), 360))
	return d <= float64(s.AzWidth)/2
}

// radarGeometry is a target as seen from a radar site.
type radarGeometry struct {
	az, el geo.Degrees // geometric
	rho    geo.Meters
	rate   float64
}

// seeRadar returns the target's geometry and whether it is in coverage:
// within range, in the azimuth sector, above MinAlt, with the refracted
// ray clear of the Earth and at an apparent elevation in [ElMin, ElMax].
func (s *Sensor) seeRadar(t Truth) (radarGeometry, bool) {
	o := s.Site.ECEF()
	d := r3.Vec{X: t.Pos.X - o.X, Y: t.Pos.Y - o.Y, Z: t.Pos.Z - o.Z}
	enu := geo.ENUToECEFRotation(s.Site).ApplyT(d)
	var g radarGeometry
	g.az, g.el, g.rho = enuAER(enu)
	if !(g.rho > 0 && g.rho <= s.MaxRange) || !s.inSector(g.az) {
		return g, false
	}
	if s.MinAlt > 0 && t.Pos.LLA().Alt < s.MinAlt {
		return g, false
	}
	app, clear := lineOfSight(s.Site, enu, s.refraction())
	if !clear || app < s.ElMin || app > s.ElMax {
		return g, false
	}
	g.rate = r3.Dot(d, t.Vel) / float64(g.rho)
	return g, true
}

// seeIR reports whether a space IR sensor sees the target: boosting, at or
// above MinAlt, within MaxRange if set, and with a line of sight that
// clears the Earth's ellipsoid (geometric: there is no refraction in space).
func (s *Sensor) seeIR(t Truth, sat geo.ECEF) bool {
	if !t.Boosting || t.Pos.LLA().Alt < s.MinAlt {
		return false
	}
	if s.MaxRange > 0 && geo.Distance(sat, t.Pos) > s.MaxRange {
		return false
	}
	return !earthBlocks(sat, t.Pos)
}

// Covers reports whether the target is in s's coverage, so that Observe
// detects it with probability [Sensor.DetectionProbability]. For a radar:
// within MaxRange, in the azimuth sector, at or above MinAlt, with the
// refracted ray ([LineOfSight] with Refraction) clear of the Earth and at an
// apparent elevation in [ElMin, ElMax]. For space IR: the target is
// boosting, at or above MinAlt, within MaxRange if set, and in geometric
// line of sight of the satellite. It panics if s is not valid.
func (s *Sensor) Covers(t Truth) bool {
	s.mustValid()
	if !truthFinite(t) {
		return false
	}
	if s.Kind == KindRadar {
		_, ok := s.seeRadar(t)
		return ok
	}
	return s.seeIR(t, s.Site.ECEF())
}

func truthFinite(t Truth) bool {
	return finite(t.Pos.X) && finite(t.Pos.Y) && finite(t.Pos.Z) &&
		finite(t.Vel.X) && finite(t.Vel.Y) && finite(t.Vel.Z)
}

// Observe returns s's measurement of the target, and true, if the target is
// in coverage (see [Sensor.Covers]) and detected on this scan (with
// probability [Sensor.DetectionProbability]); otherwise it returns false.
//
// The noise is drawn from exactly the covariance the measurement declares
// (its R), plus the sensor's Bias for a radar. Radar angles are geometric
// (refraction corrected) and reduced to the ranges Validate requires; the
// rare draw beyond the zenith is reflected to the equivalent direction.
// The measurement time is t.T in UTC, which must be a real instant, and
// sequence numbers count 1, 2, … over s's measurements, false alarms
// included. The result depends only on s's history, t and the draws from
// rng, so a seeded rng reproduces it. Observe panics if s is not valid.
func (s *Sensor) Observe(t Truth, rng *rand.Rand) (Measurement, bool) {
	s.mustValid()
	if !truthFinite(t) {
		return Measurement{}, false
	}
	switch s.Kind {
	case KindRadar:
		g, ok := s.seeRadar(t)
		if !ok || rng.Float64() >= s.DetectionProbability(g.rho) {
			return Measurement{}, false
		}
		r, ok := s.radarPlot(g, rng)
		if !ok {
			return Measurement{}, false
		}
		m := s.stamp(t.T)
		m.Radar = r
		m.SimTruth = &SimTruth{Object: t.Object}
		return m, true
	default: // KindSpaceIR
		sat := s.Site.ECEF()
		if !s.seeIR(t, sat) || rng.Float64() >= s.DetectionProbability(geo.Distance(sat, t.Pos)) {
			return Measurement{}, false
		}
		v := r3.Unit(r3.Sub(t.Pos.Vec(), sat.Vec()))
		u := expMap(v, float64(s.SigmaLOS)*rng.NormFloat64(), float64(s.SigmaLOS)*rng.NormFloat64())
		m := s.stamp(t.T)
		m.SpaceIR = &SpaceIR{
			Sat:   [3]float64{sat.X, sat.Y, sat.Z},
			LOS:   [3]float64{u.X, u.Y, u.Z},
			Sigma: s.SigmaLOS,
		}
		m.SimTruth = &SimTruth{Object: t.Object}
		return m, true
	}
}

// stamp returns a measurement header with the next sequence number.
func (s *Sensor) stamp(t time.Time) Measurement {
	s.seq++
	return Measurement{Kind: s.Kind, Sensor: s.ID, Nation: s.Nation, Time: t.UTC(), Seq: s.seq}
}

// site returns the radar site in the wire form, longitude in (−180, 180].
func (s *Sensor) site() Site {
	p := s.Site
	p.Lon = geo.NormalizeLon(p.Lon)
	return Site(p)
}

// radarPlot draws a noisy plot of a target with geometry g. It reports false
// if the noisy range is not positive.
func (s *Sensor) radarPlot(g radarGeometry, rng *rand.Rand) (*Radar, bool) {
	sig := s.sigmaAt(g.rho)
	hasRate := s.Sigma.RangeRate > 0
	n := 3
	if hasRate {
		n = 4
	}
	// e = D·L·w with w standard normal, D = diag(σ) and L·Lᵀ the
	// correlation matrix, so that cov(e) = D·L·Lᵀ·D = R.
	var w, e [4]float64
	for i := range n {
		w[i] = rng.NormFloat64()
	}
	var corr *RadarCorr
	if s.Corr != (RadarCorr{}) {
		c := s.Corr
		corr = &c
		var l [16]float64
		cholesky(l[:n*n], c.matrix(n), n)
		for i := range n {
			for k := 0; k <= i; k++ {
				e[i] += l[i*n+k] * w[k]
			}
		}
	} else {
		e = w
	}
	r := &Radar{Site: s.site(), Sigma: sig, Corr: corr}
	rng0 := g.rho + s.Bias.Range + geo.Meters(float64(sig.Range)*e[0])
	if !(rng0 > 0) {
		return nil, false
	}
	r.Range = rng0
	az := float64(g.az+s.Bias.Az) + float64(sig.Az)*e[1]
	el := float64(g.el+s.Bias.El) + float64(sig.El)*e[2]
	if el > 90 {
		el, az = 180-el, az+180
	} else if el < -90 {
		el, az = -180-el, az+180
	}
	az = math.Mod(az, 360)
	if az < 0 {
		az += 360
	}
	if az >= 360 {
		az = 0
	}
	r.Az, r.El = geo.Degrees(az), geo.Degrees(el)
	if hasRate {
		v := g.rate + sig.RangeRate*e[3]
		r.RangeRate = &v
	}
	if s.BiasSigma != nil {
		b := *s.BiasSigma
		r.BiasSigma = &b
	}
	return r, true
}

// expMap returns the unit vector at angle √(a²+b²) from the unit vector v
// towards a·t₁ + b·t₂, in v's tangent basis (see tangentBasis): the inverse
// of logMap. With a and b independent N(0, σ²), the angular error is
// exactly isotropic Gaussian in the tangent plane.
func expMap(v r3.Vec, a, b float64) r3.Vec {
	theta := math.Hypot(a, b)
	if theta == 0 {
		return v
	}
	t1, t2 := tangentBasis(v)
	d := r3.Scale(1/theta, r3.Add(r3.Scale(a, t1), r3.Scale(b, t2)))
	sn, cs := math.Sincos(theta)
	return r3.Unit(r3.Add(r3.Scale(cs, v), r3.Scale(sn, d)))
}

// Clutter returns the radar's false plots for one scan at time t: a Poisson
// number with mean FalseAlarms, spread uniformly over range (0, MaxRange],
// the azimuth sector and [ElMin, ElMax] (range rate uniform in ±8 km/s),
// each flagged SimTruth.FalseAlarm and declaring the noise at its range.
// It returns nil for space IR or when FalseAlarms is 0. It panics if s is
// not valid.
func (s *Sensor) Clutter(t time.Time, rng *rand.Rand) []Measurement {
	s.mustValid()
	if s.Kind != KindRadar || s.FalseAlarms == 0 {
		return nil
	}
	var out []Measurement
	for range poisson(s.FalseAlarms, rng) {
		rho := s.MaxRange * geo.Meters(1-rng.Float64()) // (0, MaxRange]
		width := s.AzWidth
		if width == 0 || width > 360 {
			width = 360
		}
		az := math.Mod(float64(s.AzCenter-width/2)+float64(width)*rng.Float64(), 360)
		if az < 0 {
			az += 360
		}
		if az >= 360 {
			az = 0
		}
		el := s.ElMin + (s.ElMax-s.ElMin)*geo.Degrees(rng.Float64())
		r := &Radar{Site: s.site(), Range: rho, Az: geo.Degrees(az), El: el, Sigma: s.sigmaAt(rho)}
		if s.Sigma.RangeRate > 0 {
			v := 16e3*rng.Float64() - 8e3
			r.RangeRate = &v
		}
		if s.Corr != (RadarCorr{}) {
			c := s.Corr
			r.Corr = &c
		}
		if s.BiasSigma != nil {
			b := *s.BiasSigma
			r.BiasSigma = &b
		}
		m := s.stamp(t)
		m.Radar = r
		m.SimTruth = &SimTruth{FalseAlarm: true}
		out = append(out, m)
	}
	return out
}

// poisson draws a Poisson variate with mean lambda (Knuth's product of
// uniforms, in chunks of 500 so that e^−λ does not underflow).
func poisson(lambda float64, rng *rand.Rand) int {
	n := 0
	for lambda > 0 {
		l := math.Min(lambda, 500)
		lambda -= l
		limit := math.Exp(-l)
		p := rng.Float64()
		for p > limit {
			n++
			p *= rng.Float64()
		}
	}
	return n
}
