package sensor

import (
	"errors"
	"fmt"
	"math"
	"time"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/spatial/r3"

	"github.com/trilink/trilink/internal/geo"
	"github.com/trilink/trilink/internal/nation"
)

// Kind is the kind of a sensor and of its measurements. Its text form is
// "radar" or "space_ir".
//
// The values are persisted and shared: do not reorder.
type Kind int

const (
	KindUnknown Kind = iota
	KindRadar        // range, azimuth, elevation [, range rate] from a site
	KindSpaceIR      // line of sight from a satellite to a boosting missile's plume
)

var kindNames = [...]string{KindUnknown: "unknown", KindRadar: "radar", KindSpaceIR: "space_ir"}

// String returns "radar", "space_ir" or "unknown".
func (k Kind) String() string {
	if k.Valid() {
		return kindNames[k]
	}
	return "unknown"
}

// Valid reports whether k is KindRadar or KindSpaceIR.
func (k Kind) Valid() bool { return k == KindRadar || k == KindSpaceIR }

// MarshalText implements encoding.TextMarshaler; KindUnknown is an error.
func (k Kind) MarshalText() ([]byte, error) {
	if !k.Valid() {
		return nil, fmt.Errorf("sensor: cannot encode kind %d", int(k))
	}
	return []byte(kindNames[k]), nil
}

// UnmarshalText implements encoding.TextUnmarshaler for "radar" and "space_ir".
func (k *Kind) UnmarshalText(b []byte) error {
	v, err := parseKind(string(b))
	if err != nil {
		return err
	}
	*k = v
	return nil
}

func parseKind(s string) (Kind, error) {
	for _, k := range []Kind{KindRadar, KindSpaceIR} {
		if s == kindNames[k] {
			return k, nil
		}
	}
	return KindUnknown, fmt.Errorf("unknown kind %q (want radar or space_ir)", s)
}

// ErrInvalid is wrapped by every error from [Decode] and [Measurement.Validate]:
// the input is malformed or out of range, and retrying will not help.
var ErrInvalid = errors.New("sensor: invalid measurement")

// FieldError reports a bad field of a [Measurement]. Field is the JSON path
// of the field, such as "radar.az_deg".
type FieldError struct {
	Field string
	Msg   string
}

// Error returns "field: message", e.g. "radar.az_deg: 400 out of [0, 360)".
func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

// Unwrap returns [ErrInvalid].
func (e *FieldError) Unwrap() error { return ErrInvalid }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// Measurement is one detection report (a "plot") from one sensor: the wire
// format on shared.<n>.meas.<sensor> and in JSONL files. Exactly one of Radar
// and SpaceIR is set, matching Kind. A measurement carries everything a
// receiver needs to use it — the sensor's position and the noise covariance —
// so no sensor table is needed (tracking.md §5.4).
//
// A valid Measurement (see [Measurement.Validate]) encodes with
// encoding/json, and [Decode] decodes it back to an equal value.
type Measurement struct {
	Kind Kind `json:"kind"`
	// Sensor is the sensor id: 1–64 characters of a–z, 0–9, '-' and '_',
	// starting with a letter or digit, so it can be a NATS subject token.
	Sensor string        `json:"sensor"`
	Nation nation.Nation `json:"nation"` // the nation that owns the sensor
	// Time is the measurement time in UTC, to the nanosecond (RFC 3339 in JSON).
	Time time.Time `json:"time"`
	// Seq numbers the sensor's measurements 1, 2, …, so a receiver can see gaps.
	Seq     uint64   `json:"seq"`
	Radar   *Radar   `json:"radar,omitempty"`
	SpaceIR *SpaceIR `json:"space_ir,omitempty"`
	// SimTruth is the simulator's ground truth, for tests and scoring only.
	// Fusion must not read it; real sensors leave it nil.
	SimTruth *SimTruth `json:"sim_truth,omitempty"`
}

// SimTruth labels a simulated measurement with the truth behind it. It is for
// testing and scoring only, and is never an input to fusion.
type SimTruth struct {
	Object     string `json:"object,omitempty"`      // the simulated object's id; empty for a false alarm
	FalseAlarm bool   `json:"false_alarm,omitempty"` // true if no object caused this plot
}

// Site is a geodetic position on WGS 84 (EPSG:4979), as in [geo.LLA] but with
// units in its JSON names. It converts to and from geo.LLA: geo.LLA(s), Site(p).
// In a measurement the longitude must be in [−180, 180] and the height in
// [−1 km, 100 km].
type Site struct {
	Lat geo.Degrees `json:"lat_deg"`
	Lon geo.Degrees `json:"lon_deg"`
	Alt geo.Meters  `json:"alt_m"` // height above the ellipsoid
}

// Radar is a radar plot: slant range, azimuth and elevation of the target
// from the antenna site, and optionally the range rate, with their noise.
//
// Angles are geometric — in the local East-North-Up frame at Site, whose up
// is the ellipsoid normal, refraction already corrected — as [geo.AER] gives
// them: azimuth clockwise from true north, elevation above the local
// horizontal plane (tracking.md §3.2).
type Radar struct {
	Site  Site        `json:"site"`    // antenna position at Time
	Range geo.Meters  `json:"range_m"` // slant range, in (0, 1e8]
	Az    geo.Degrees `json:"az_deg"`  // in [0, 360)
	El    geo.Degrees `json:"el_deg"`  // in [−90, 90]
	// RangeRate is dρ/dt = (r−r₀)·v/ρ in m/s (positive when opening), or nil
	// if the radar does not report Doppler.
	RangeRate *float64 `json:"range_rate_mps,omitempty"`
	// Sigma holds the standard deviations of the noise, and Corr the
	// correlations between its components (nil: uncorrelated). Together they
	// are the measurement noise covariance R.
	Sigma RadarSigma `json:"sigma"`
	Corr  *RadarCorr `json:"corr,omitempty"`
	// BiasSigma is the standard deviation of the sensor's residual
	// registration bias (survey, alignment, timing), which is constant over
	// a pass and so not part of R: a fusion node may carry it as consider
	// states (tracking.md §5.4). nil if not declared.
	BiasSigma *RadarBias `json:"bias_sigma,omitempty"`
}

// RadarSigma holds the standard deviations of a radar plot's noise.
type RadarSigma struct {
	Range geo.Meters  `json:"range_m"`
	Az    geo.Degrees `json:"az_deg"`
	El    geo.Degrees `json:"el_deg"`
	// RangeRate is in m/s; it must be positive if the plot has a range rate,
	// and zero otherwise.
	RangeRate float64 `json:"range_rate_mps,omitempty"`
}

// RadarCorr holds the correlation coefficients between the components of a
// radar plot's noise, each in (−1, 1), zero if omitted. Those with the range
// rate must be zero when there is no range rate. The correlation matrix they
// form must be positive definite.
type RadarCorr struct {
	RangeAz        float64 `json:"range_az,omitempty"`
	RangeEl        float64 `json:"range_el,omitempty"`
	AzEl           float64 `json:"az_el,omitempty"`
	RangeRangeRate float64 `json:"range_range_rate,omitempty"` // range–Doppler coupling of a chirp
	AzRangeRate    float64 `json:"az_range_rate,omitempty"`
	ElRangeRate    float64 `json:"el_range_rate,omitempty"`
}

// RadarBias is a constant error of a radar in range, azimuth and elevation:
// an offset in a [Sensor], or a standard deviation in [Radar.BiasSigma].
type RadarBias struct {
	Range geo.Meters  `json:"range_m"`
	Az    geo.Degrees `json:"az_deg"`
	El    geo.Degrees `json:"el_deg"`
}

// SpaceIR is a line of sight from an infrared sensor on a satellite to a
// missile's plume, as a unit vector in ECEF, with isotropic angular noise.
type SpaceIR struct {
	// (Decode mirrors these fields in spaceIRWire.)

	// Sat is the satellite's ECEF position in metres at Time; its distance
	// from the Earth's centre must be in [A+100 km, 1e9 m].
	Sat [3]float64 `json:"sat_ecef_m"`
	// LOS is the unit vector from Sat towards the target, in ECEF; its norm
	// must be within 1e-6 of 1.
	LOS [3]float64 `json:"los_ecef"`
	// Sigma is the standard deviation of the angular error about each of
	// two axes normal to the line of sight, in (0, 0.1] rad.
	Sigma geo.Radians `json:"sigma_rad"`
}

// SatPos returns the satellite position.
func (s *SpaceIR) SatPos() geo.ECEF { return geo.ECEF{X: s.Sat[0], Y: s.Sat[1], Z: s.Sat[2]} }

// Dir returns the line of sight as a vector (unit length if s is valid).
func (s *SpaceIR) Dir() r3.Vec { return r3.Vec{X: s.LOS[0], Y: s.LOS[1], Z: s.LOS[2]} }

// Limits that Validate enforces on outside input.
const (
	maxIDLen      = 64
	maxObjectLen  = 128
	maxRange      = 1e8 // m
	maxRangeRate  = 1e5 // m/s
	maxSigmaRange = 1e6 // m
	maxSigmaAngle = 45  // deg
	maxSigmaRate  = 1e4 // m/s
	maxSigmaIR    = 0.1 // rad
	minSiteAlt    = -1e3
	maxSiteAlt    = 1e5
	minSatRadius  = geo.A + 100e3
	maxSatRadius  = 1e9
	losTolerance  = 1e-6
	minPivot      = 1e-9 // smallest Cholesky pivot of a correlation matrix
	minYear       = 1970
	maxYear       = 9999
)

// ValidID reports whether id can name a sensor: 1–64 characters of a–z, 0–9,
// '-' and '_', starting with a letter or digit (a NATS subject token).
func ValidID(id string) bool {
	if len(id) == 0 || len(id) > maxIDLen || id[0] == '-' || id[0] == '_' {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// Validate reports whether m is a complete, physically meaningful
// measurement: every field in range, every number finite, and the noise
// covariance positive definite. The error is a [*FieldError] naming the
// first bad field by its JSON path; it wraps [ErrInvalid].
func (m Measurement) Validate() error {
	if !m.Kind.Valid() {
		return fieldErr("kind", "missing or unknown (want radar or space_ir)")
	}
	if !ValidID(m.Sensor) {
		return fieldErr("sensor", "%q is not a sensor id (1–64 of a-z, 0-9, '-', '_')", m.Sensor)
	}
	if !m.Nation.Valid() {
		return fieldErr("nation", "missing or unknown (want jp, kr or us)")
	}
	if m.Time.IsZero() {
		return fieldErr("time", "missing")
	}
	if _, off := m.Time.Zone(); off != 0 {
		return fieldErr("time", "%s is not UTC", m.Time.Format(time.RFC3339Nano))
	}
	if y := m.Time.Year(); y < minYear || y > maxYear {
		return fieldErr("time", "year %d out of [%d, %d]", y, minYear, maxYear)
	}
	if m.Seq == 0 {
		return fieldErr("seq", "missing or zero (sequence numbers start at 1)")
	}
	if m.SimTruth != nil && len(m.SimTruth.Object) > maxObjectLen {
		return fieldErr("sim_truth.object", "longer than %d bytes", maxObjectLen)
	}
	switch m.Kind {
	case KindRadar:
		if m.SpaceIR != nil {
			return fieldErr("space_ir", "present in a radar measurement")
		}
		if m.Radar == nil {
			return fieldErr("radar", "missing")
		}
		return m.Radar.validate("radar.")
	default: // KindSpaceIR
		if m.Radar != nil {
			return fieldErr("radar", "present in a space_ir measurement")
		}
		if m.SpaceIR == nil {
			return fieldErr("space_ir", "missing")
		}
		return m.SpaceIR.validate("space_ir.")
	}
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// inRange checks lo ≤ x ≤ hi with x finite.
func inRange(field string, x, lo, hi float64) error {
	if !finite(x) || x < lo || x > hi {
		return fieldErr(field, "%g out of [%g, %g]", x, lo, hi)
	}
	return nil
}

// positive checks 0 < x ≤ hi.
func positive(field string, x, hi float64) error {
	if !finite(x) || x <= 0 || x > hi {
		return fieldErr(field, "%g out of (0, %g]", x, hi)
	}
	return nil
}

func (s Site) validate(prefix string) error {
	if err := inRange(prefix+"lat_deg", float64(s.Lat), -90, 90); err != nil {
		return err
	}
	if err := inRange(prefix+"lon_deg", float64(s.Lon), -180, 180); err != nil {
		return err
	}
	return inRange(prefix+"alt_m", float64(s.Alt), minSiteAlt, maxSiteAlt)
}

func (r *Radar) validate(p string) error {
	if err := r.Site.validate(p + "site."); err != nil {
		return err
	}
	if err := positive(p+"range_m", float64(r.Range), maxRange); err != nil {
		return err
	}
	if az := float64(r.Az); !finite(az) || az < 0 || az >= 360 {
		return fieldErr(p+"az_deg", "%g out of [0, 360)", az)
	}
	if err := inRange(p+"el_deg", float64(r.El), -90, 90); err != nil {
		return err
	}
	if r.RangeRate != nil {
		if err := inRange(p+"range_rate_mps", *r.RangeRate, -maxRangeRate, maxRangeRate); err != nil {
			return err
		}
	}
	if err := validateNoise(p, &r.Sigma, r.Corr, r.RangeRate != nil); err != nil {
		return err
	}
	if b := r.BiasSigma; b != nil {
		if err := inRange(p+"bias_sigma.range_m", float64(b.Range), 0, maxSigmaRange); err != nil {
			return err
		}
		if err := inRange(p+"bias_sigma.az_deg", float64(b.Az), 0, maxSigmaAngle); err != nil {
			return err
		}
		if err := inRange(p+"bias_sigma.el_deg", float64(b.El), 0, maxSigmaAngle); err != nil {
			return err
		}
	}
	return nil
}

// validateNoise checks a radar's noise standard deviations and
// correlations (corr may be nil) for a plot with or without range rate.
func validateNoise(p string, sigma *RadarSigma, corr *RadarCorr, hasRate bool) error {
	if err := positive(p+"sigma.range_m", float64(sigma.Range), maxSigmaRange); err != nil {
		return err
	}
	if err := positive(p+"sigma.az_deg", float64(sigma.Az), maxSigmaAngle); err != nil {
		return err
	}
	if err := positive(p+"sigma.el_deg", float64(sigma.El), maxSigmaAngle); err != nil {
		return err
	}
	if hasRate {
		if err := positive(p+"sigma.range_rate_mps", sigma.RangeRate, maxSigmaRate); err != nil {
			return err
		}
	} else if sigma.RangeRate != 0 {
		return fieldErr(p+"sigma.range_rate_mps", "set without range_rate_mps")
	}
	if corr == nil {
		return nil
	}
	for _, f := range []struct {
		name string
		v    float64
		rate bool
	}{
		{"range_az", corr.RangeAz, false}, {"range_el", corr.RangeEl, false}, {"az_el", corr.AzEl, false},
		{"range_range_rate", corr.RangeRangeRate, true}, {"az_range_rate", corr.AzRangeRate, true},
		{"el_range_rate", corr.ElRangeRate, true},
	} {
		if !finite(f.v) || f.v <= -1 || f.v >= 1 {
			return fieldErr(p+"corr."+f.name, "%g out of (−1, 1)", f.v)
		}
		if f.rate && f.v != 0 && !hasRate {
			return fieldErr(p+"corr."+f.name, "set without range_rate_mps")
		}
	}
	n := 3
	if hasRate {
		n = 4
	}
	var l [16]float64
	if !cholesky(l[:n*n], corr.matrix(n), n) {
		return fieldErr(p+"corr", "correlation matrix not positive definite")
	}
	return nil
}

func (s *SpaceIR) validate(p string) error {
	for i, x := range s.Sat {
		if !finite(x) {
			return fieldErr(p+"sat_ecef_m", "component %d not finite", i)
		}
	}
	if r := math.Sqrt(s.Sat[0]*s.Sat[0] + s.Sat[1]*s.Sat[1] + s.Sat[2]*s.Sat[2]); r < minSatRadius || r > maxSatRadius {
		return fieldErr(p+"sat_ecef_m", "distance from the Earth's centre %g m out of [%g, %g]", r, minSatRadius, maxSatRadius)
	}
	for i, x := range s.LOS {
		if !finite(x) {
			return fieldErr(p+"los_ecef", "component %d not finite", i)
		}
	}
	if n := math.Sqrt(s.LOS[0]*s.LOS[0] + s.LOS[1]*s.LOS[1] + s.LOS[2]*s.LOS[2]); math.Abs(n-1) > losTolerance {
		return fieldErr(p+"los_ecef", "norm %g is not 1", n)
	}
	return positive(p+"sigma_rad", float64(s.Sigma), maxSigmaIR)
}

// matrix returns the n×n correlation matrix (n = 3 or 4), row-major, in the
// component order range, azimuth, elevation, range rate.
func (c *RadarCorr) matrix(n int) []float64 {
	m := []float64{
		1, c.RangeAz, c.RangeEl, c.RangeRangeRate,
		c.RangeAz, 1, c.AzEl, c.AzRangeRate,
		c.RangeEl, c.AzEl, 1, c.ElRangeRate,
		c.RangeRangeRate, c.AzRangeRate, c.ElRangeRate, 1,
	}
	if n == 3 {
		return []float64{m[0], m[1], m[2], m[4], m[5], m[6], m[8], m[9], m[10]}
	}
	return m
}

// cholesky factors the symmetric n×n matrix a (row-major) as L·Lᵀ into l
// (lower triangular, row-major) and reports whether a is positive definite
// with every pivot at least minPivot (a is a correlation matrix here).
func cholesky(l, a []float64, n int) bool {
	for j := range n {
		d := a[j*n+j]
		for k := range j {
			d -= l[j*n+k] * l[j*n+k]
		}
		if !(d >= minPivot) {
			return false
		}
		ljj := math.Sqrt(d)
		l[j*n+j] = ljj
		for i := j + 1; i < n; i++ {
			s := a[i*n+j]
			for k := range j {
				s -= l[i*n+k] * l[j*n+k]
			}
			l[i*n+j] = s / ljj
		}
	}
	return true
}

func (r *Radar) dim() int {
	if r.RangeRate != nil {
		return 4
	}
	return 3
}

// sigmaSI returns the standard deviations in SI units (m, rad, rad, m/s).
func (r *Radar) sigmaSI() [4]float64 {
	return [4]float64{
		float64(r.Sigma.Range),
		float64(r.Sigma.Az.Radians()),
		float64(r.Sigma.El.Radians()),
		r.Sigma.RangeRate,
	}
}

// Dim returns the dimension of m's measurement vector: 3 for a radar plot
// (range, azimuth, elevation), 4 with range rate, 2 for a space IR line of
// sight; 0 if m has no payload.
func (m Measurement) Dim() int {
	switch {
	case m.Kind == KindRadar && m.Radar != nil:
		return m.Radar.dim()
	case m.Kind == KindSpaceIR && m.SpaceIR != nil:
		return 2
	}
	return 0
}

// R returns the measurement noise covariance in SI units, matching
// [Measurement.Residual]: for a radar, the components are range (m), azimuth
// and elevation (rad) and range rate (m/s); for space IR, the two angles
// (rad) of the tangent plane at the measured line of sight. m must be valid;
// R panics if m has no payload.
func (m Measurement) R() *mat.SymDense {
	n := m.Dim()
	if n == 0 {
		panic("sensor: R of a measurement without payload")
	}
	r := mat.NewSymDense(n, nil)
	if m.Kind == KindSpaceIR {
		v := float64(m.SpaceIR.Sigma) * float64(m.SpaceIR.Sigma)
		r.SetSym(0, 0, v)
		r.SetSym(1, 1, v)
		return r
	}
	s := m.Radar.sigmaSI()
	c := (&RadarCorr{}).matrix(n)
	if m.Radar.Corr != nil {
		c = m.Radar.Corr.matrix(n)
	}
	for i := range n {
		for j := i; j < n; j++ {
			r.SetSym(i, j, c[i*n+j]*s[i]*s[j])
		}
	}
	return r
}

// Residual returns z − h(x): the measurement minus what a target at ECEF
// position pos (m) with ECEF velocity vel (m/s) would give without noise,
// in the units and order of [Measurement.R]. The azimuth difference is
// wrapped to [−π, π). For space IR, z is the origin of the tangent plane at
// the measured line of sight u and h(x) is the predicted line of sight
// mapped to it (the logarithm map: the angle from u, along its direction),
// with axes t₁ = ẑ×u/|ẑ×u| (east-like) and t₂ = u×t₁. vel is used only for
// the range rate. m must be valid; Residual panics if m has no payload.
func (m Measurement) Residual(pos geo.ECEF, vel r3.Vec) []float64 {
	switch {
	case m.Kind == KindRadar && m.Radar != nil:
		r := m.Radar
		site := geo.LLA(r.Site)
		az, el, rho, rate := radarAER(site, site.ECEF(), pos, vel)
		out := []float64{
			float64(r.Range - rho),
			wrapPi(float64((r.Az - az).Radians())),
			float64((r.El - el).Radians()),
		}
		if r.RangeRate != nil {
			out = append(out, *r.RangeRate-rate)
		}
		return out
	case m.Kind == KindSpaceIR && m.SpaceIR != nil:
		s := m.SpaceIR
		u := r3.Unit(s.Dir())
		v := r3.Sub(pos.Vec(), s.SatPos().Vec())
		a, b := logMap(u, v)
		return []float64{-a, -b}
	}
	panic("sensor: Residual of a measurement without payload")
}

// radarAER returns the geometric azimuth, elevation, slant range and range
// rate of a target at pos moving at vel, seen from a fixed site (origin at
// ECEF o).
func radarAER(site geo.LLA, o geo.ECEF, pos geo.ECEF, vel r3.Vec) (az, el geo.Degrees, rho geo.Meters, rate float64) {
	d := r3.Vec{X: pos.X - o.X, Y: pos.Y - o.Y, Z: pos.Z - o.Z}
	enu := geo.ENUToECEFRotation(site).ApplyT(d)
	az, el, rho = enuAER(enu)
	if rho > 0 {
		rate = r3.Dot(d, vel) / float64(rho)
	}
	return az, el, rho, rate
}

// enuAER is geo.AER's conversion of an ENU vector.
func enuAER(v r3.Vec) (az, el geo.Degrees, rho geo.Meters) {
	h := math.Hypot(v.X, v.Y)
	a := math.Atan2(v.X, v.Y) * 180 / math.Pi
	if a < 0 {
		a += 360
	}
	if a >= 360 {
		a = 0
	}
	return geo.Degrees(a), geo.Degrees(math.Atan2(v.Z, h) * 180 / math.Pi), geo.Meters(math.Hypot(h, v.Z))
}

// wrapPi reduces x (radians) to [−π, π).
func wrapPi(x float64) float64 {
	x = math.Mod(x+math.Pi, 2*math.Pi)
	if x < 0 {
		x += 2 * math.Pi
	}
	return x - math.Pi
}

// tangentBasis returns the axes t₁ = ẑ×u/|ẑ×u| and t₂ = u×t₁ of the plane
// normal to the unit vector u; for u along ẑ, t₁ = x̂×u/|x̂×u|.
func tangentBasis(u r3.Vec) (t1, t2 r3.Vec) {
	t1 = r3.Cross(r3.Vec{Z: 1}, u)
	if r3.Norm(t1) < 1e-9 {
		t1 = r3.Cross(r3.Vec{X: 1}, u)
	}
	t1 = r3.Unit(t1)
	return t1, r3.Cross(u, t1)
}

// logMap returns the coordinates, in the tangent basis at the unit vector u,
// of the direction of v: the angle θ from u to v times the unit vector of
// v's component normal to u.
func logMap(u, v r3.Vec) (a, b float64) {
	w := r3.Sub(v, r3.Scale(r3.Dot(u, v), u))
	wn := r3.Norm(w)
	if wn == 0 {
		return 0, 0
	}
	theta := math.Atan2(wn, r3.Dot(u, v))
	t1, t2 := tangentBasis(u)
	return theta * r3.Dot(t1, w) / wn, theta * r3.Dot(t2, w) / wn
}
