package estimate

import (
	"math"
	"sort"
	"sync"
	"time"

	"github.com/trilink/trilink/internal/ballistic"
	"github.com/trilink/trilink/internal/geo"
)

// template is the ascending branch of a boost-template flight (ballistic.Solve
// for the class, range and apogee, or the class's vehicle at a 45° pitch if
// no solution exists): height and downrange distance against the time
// since launch, up to the apogee.
type template struct {
	tau, alt, down []float64
	burnoutAlt     float64
}

// templateKey bins the inputs of a template so that the cache returns the
// same template for the same key whatever was asked before: the template
// is computed from the bin's centre, never from the caller's exact values,
// which keeps estimates a pure function of the filter state.
type templateKey struct {
	class        ballistic.Class
	profile      ballistic.Profile
	rng, apo     int // logarithmic bins of 10 %
	lat, lon, az int // 1° and 10° bins
}

const (
	logBin   = 0.09531017980432493 // ln 1.1
	siteBin  = 1.0
	azBin    = 10.0
	cacheMax = 256
)

var (
	templateMu    sync.Mutex // guards templateCache
	templateCache = map[templateKey]*template{}
)

// templateFor returns the template for a flight, from the cache when
// possible; nil if no template can be flown.
func templateFor(class ballistic.Class, profile ballistic.Profile, rng, apogee geo.Meters, site geo.LLA, az geo.Degrees) *template {
	if class == ballistic.ClassUnknown {
		class = ballistic.ICBM
	}
	rng = geo.Meters(math.Max(float64(rng), 20e3))
	apogee = geo.Meters(math.Max(float64(apogee), 10e3))
	k := templateKey{
		class:   class,
		profile: profile,
		rng:     int(math.Round(math.Log(float64(rng)) / logBin)),
		apo:     int(math.Round(math.Log(float64(apogee)) / logBin)),
		lat:     int(math.Round(float64(site.Lat) / siteBin)),
		lon:     int(math.Round(float64(geo.NormalizeLon(site.Lon)) / siteBin)),
		az:      int(math.Round(float64(az)/azBin)) % int(360/azBin),
	}
	if k.az < 0 {
		k.az += int(360 / azBin)
	}
	templateMu.Lock()
	tp, ok := templateCache[k]
	templateMu.Unlock()
	if ok {
		return tp
	}
	tp = buildTemplate(k)
	templateMu.Lock()
	if len(templateCache) >= cacheMax {
		templateCache = map[templateKey]*template{}
	}
	templateCache[k] = tp
	templateMu.Unlock()
	return tp
}

func buildTemplate(k templateKey) *template {
	site := geo.LLA{Lat: geo.Degrees(float64(k.lat) * siteBin), Lon: geo.Degrees(float64(k.lon) * siteBin)}
	az := geo.Degrees(float64(k.az) * azBin)
	rng := geo.Meters(math.Exp(float64(k.rng) * logBin))
	apo := geo.Meters(math.Exp(float64(k.apo) * logBin))
	var tr *ballistic.Trajectory
	if _, t, err := ballistic.Solve(ballistic.Spec{Site: site, Azimuth: az, Range: rng, Apogee: apo, Class: k.class, Profile: k.profile}); err == nil {
		tr = t
	} else {
		pitch := geo.Degrees(45)
		if k.profile != ballistic.ProfileBallistic {
			pitch = 20
		}
		l := ballistic.Launch{Site: site, Azimuth: az, Vehicle: ballistic.VehicleFor(k.class), Pitch: pitch}
		t, err := l.Fly(ballistic.Options{Span: time.Hour})
		if err != nil {
			return nil
		}
		tr = t
	}
	if tr.Burnout == nil {
		return nil
	}
	tp := &template{burnoutAlt: float64(tr.Burnout.LLA.Alt)}
	top := tr.End.T
	if tr.Apogee != nil {
		top = tr.Apogee.T
	}
	last := -1.0
	for _, s := range tr.Samples {
		if s.T > top {
			break
		}
		p := s.State.LLA()
		if float64(p.Alt) <= last {
			continue // keep the height strictly increasing
		}
		last = float64(p.Alt)
		d, _, _ := geo.Inverse(site, geo.LLA{Lat: p.Lat, Lon: p.Lon})
		tp.tau = append(tp.tau, s.T.Seconds())
		tp.alt = append(tp.alt, float64(p.Alt))
		tp.down = append(tp.down, float64(d))
	}
	if len(tp.tau) < 2 {
		return nil
	}
	return tp
}

// at returns the time since launch and the downrange distance at which
// the template reaches height h on its way up, by linear interpolation;
// false above the template's apogee.
func (tp *template) at(h float64) (tau, down float64, ok bool) {
	n := len(tp.alt)
	if h > tp.alt[n-1] {
		return 0, 0, false
	}
	i := sort.SearchFloat64s(tp.alt, h)
	if i == 0 {
		return tp.tau[0], tp.down[0], true
	}
	f := (h - tp.alt[i-1]) / (tp.alt[i] - tp.alt[i-1])
	return tp.tau[i-1] + f*(tp.tau[i]-tp.tau[i-1]), tp.down[i-1] + f*(tp.down[i]-tp.down[i-1]), true
}

// climb returns the template's rate of climb at time tau, m/s.
func (tp *template) climb(tau float64) float64 {
	i := sort.SearchFloat64s(tp.tau, tau)
	if i <= 0 {
		i = 1
	}
	if i >= len(tp.tau) {
		i = len(tp.tau) - 1
	}
	return (tp.alt[i] - tp.alt[i-1]) / (tp.tau[i] - tp.tau[i-1])
}
