package ballistic_test

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/trilink/trilink/internal/ballistic"
	"github.com/trilink/trilink/internal/geo"
)

// aomori approximates Aomori prefecture by its bounding box (the
// prefecture spans about 40.2–41.55° N and 139.85–141.7° E on the
// Tsugaru and Shimokita peninsulas and south of them).
func aomori(p geo.LLA) bool {
	return p.Lat >= 40.2 && p.Lat <= 41.55 && p.Lon >= 139.85 && p.Lon <= 141.7
}

// checkFigures fails t unless the trajectory meets the spec's range within
// 1 %, apogee within 2 % and direction within 0.05°, measured afresh.
func checkFigures(t *testing.T, sp ballistic.Spec, l ballistic.Launch, tr *ballistic.Trajectory) {
	t.Helper()
	if tr.Impact == nil || tr.Burnout == nil {
		t.Fatalf("flight without burnout or impact: %+v", tr)
	}
	rng, az, _ := geo.Inverse(sp.Site, tr.Impact.LLA)
	if e := math.Abs(float64(rng/sp.Range) - 1); e > 0.01 {
		t.Errorf("range %.1f km, want %.0f km ± 1 %%", float64(rng)/1e3, float64(sp.Range)/1e3)
	}
	if e := math.Abs(float64(tr.MaxAltitude()/sp.Apogee) - 1); e > 0.02 {
		t.Errorf("apogee %.1f km, want %.0f km ± 2 %%", float64(tr.MaxAltitude())/1e3, float64(sp.Apogee)/1e3)
	}
	want := sp.Azimuth
	if sp.Aim != nil {
		_, want, _ = geo.Inverse(sp.Site, *sp.Aim)
	}
	if d := math.Abs(float64(geo.NormalizeLon(az - want))); d > 0.05 {
		t.Errorf("impact azimuth %.3f°, want %.3f°", az, want)
	}
	t.Logf("%v: azimuth %.2f°, pitch %.2f°, cutoff %.3f; burnout %v at %.0f km; flight %v",
		l.Vehicle.Class, l.Azimuth, l.Pitch, l.Cutoff, tr.Burnout.T, float64(tr.Burnout.LLA.Alt)/1e3, tr.FlightTime())
}

// The 2022-10-04 Hwasong-12-class IRBM from near Mupyong-ni flew about
// 4,600 km with an apogee of about 1,000 km over northern Japan (Aomori)
// for about 22 minutes (Japan Ministry of Defense press release,
// 2022-10-04; Aomori overflight reported about 7:28–7:29 JST after a
// 7:22 launch).
func TestSolve20221004IRBM(t *testing.T) {
	sp := ballistic.Spec{Site: mupyong, Azimuth: 85, Range: 4600e3, Apogee: 1000e3}
	l, tr, err := ballistic.Solve(sp)
	if err != nil {
		t.Fatal(err)
	}
	checkFigures(t, sp, l, tr)
	if l.Vehicle.Class != ballistic.IRBM {
		t.Errorf("class %v, want IRBM from the figures", l.Vehicle.Class)
	}
	if ft := tr.FlightTime().Minutes(); math.Abs(ft/22-1) > 0.08 {
		t.Errorf("flight time %.2f min, want 22 min ± 8 %%", ft)
	}
	var over []time.Duration
	for _, s := range tr.Samples {
		if aomori(s.LLA()) {
			over = append(over, s.T)
		}
	}
	if len(over) == 0 {
		t.Fatal("the ground track never crosses Aomori")
	}
	if over[0] < 6*time.Minute || over[0] > 7*time.Minute+30*time.Second {
		t.Errorf("over Aomori from %v to %v, want the crossing to start between 6 and 7.5 min and not before", over[0], over[len(over)-1])
	}
	t.Logf("over Aomori %v–%v", over[0], over[len(over)-1])
}

// The 2022-11-18 lofted Hwasong-17 ICBM from Sunan reached about 6,000 km
// and flew about 1,000 km for about 69 minutes, falling about 200 km west
// of Oshima-Oshima, Hokkaido (Japan Ministry of Defense, 2022-11-18).
func TestSolve20221118ICBM(t *testing.T) {
	aim := geo.LLA{Lat: 41.3, Lon: 137.0} // about 200 km west of Oshima-Oshima
	sp := ballistic.Spec{Site: sunan, Aim: &aim, Range: 1000e3, Apogee: 6000e3}
	l, tr, err := ballistic.Solve(sp)
	if err != nil {
		t.Fatal(err)
	}
	checkFigures(t, sp, l, tr)
	if l.Vehicle.Class != ballistic.ICBM {
		t.Errorf("class %v, want ICBM from the figures", l.Vehicle.Class)
	}
	if ft := tr.FlightTime().Minutes(); math.Abs(ft/69-1) > 0.08 {
		t.Errorf("flight time %.2f min, want 69 min ± 8 %%", ft)
	}
}

// Other reported flights, with their public flight times as a looser
// check of the boost templates (JMoD and JCS press figures).
func TestSolveOtherReportedLaunches(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: several solves")
	}
	for _, tt := range []struct {
		name    string
		sp      ballistic.Spec
		class   ballistic.Class
		minutes float64
	}{
		{"2017-11-29_Hwasong15", ballistic.Spec{Site: sunan, Azimuth: 95, Range: 950e3, Apogee: 4475e3}, ballistic.ICBM, 53},
		{"2023-07-12_Hwasong18", ballistic.Spec{Site: sunan, Azimuth: 95, Range: 1000e3, Apogee: 6648e3}, ballistic.ICBM, 74},
		{"2017-09-15_Hwasong12", ballistic.Spec{Site: sunan, Azimuth: 80, Range: 3700e3, Apogee: 770e3}, ballistic.IRBM, 19},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l, tr, err := ballistic.Solve(tt.sp)
			if err != nil {
				t.Fatal(err)
			}
			checkFigures(t, tt.sp, l, tr)
			if l.Vehicle.Class != tt.class {
				t.Errorf("class %v, want %v", l.Vehicle.Class, tt.class)
			}
			if ft := tr.FlightTime().Minutes(); math.Abs(ft/tt.minutes-1) > 0.1 {
				t.Errorf("flight time %.2f min, want %.0f min ± 10 %%", ft, tt.minutes)
			}
		})
	}
}

func TestSolveRejectsImpossibleFigures(t *testing.T) {
	for _, tt := range []struct {
		name string
		sp   ballistic.Spec
		want error
	}{
		{"SRBMto5000km", ballistic.Spec{Site: mupyong, Azimuth: 85, Range: 5000e3, Apogee: 1000e3, Class: ballistic.SRBM}, ballistic.ErrUnreachable},
		{"SRBMto5000kmLowApogee", ballistic.Spec{Site: mupyong, Azimuth: 85, Range: 5000e3, Apogee: 1000e3, Class: ballistic.SRBM, Profile: ballistic.ProfileDepressed}, ballistic.ErrUnreachable},
		{"ballisticApogee50kmAt600km", ballistic.Spec{Site: sunan, Azimuth: 90, Range: 600e3, Apogee: 50e3}, ballistic.ErrNotBallistic},
		{"ICBMapogee15000km", ballistic.Spec{Site: sunan, Azimuth: 90, Range: 1000e3, Apogee: 15000e3, Class: ballistic.ICBM}, ballistic.ErrUnreachable},
		{"SRBMdepressedTooFlat", ballistic.Spec{Site: sunan, Azimuth: 90, Range: 600e3, Apogee: 50e3, Class: ballistic.SRBM, Profile: ballistic.ProfileDepressed}, ballistic.ErrUnreachable},
		{"zeroRange", ballistic.Spec{Site: sunan, Azimuth: 90, Apogee: 100e3}, ballistic.ErrInvalidState},
		{"aimAtSite", ballistic.Spec{Site: sunan, Aim: &sunan, Range: 1000e3, Apogee: 200e3}, ballistic.ErrInvalidState},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, tr, err := ballistic.Solve(tt.sp)
			if !errors.Is(err, tt.want) {
				t.Fatalf("error %v, want %v", err, tt.want)
			}
			if tr != nil {
				t.Error("a trajectory came back with the error")
			}
			t.Log(err)
		})
	}
}

func TestSolveChoosesClass(t *testing.T) {
	for _, tt := range []struct {
		rangeKm, apogeeKm float64
		want              ballistic.Class
	}{
		{600, 150, ballistic.SRBM},
		{1000, 230, ballistic.MRBM},
		{2500, 500, ballistic.MRBM},
	} {
		sp := ballistic.Spec{Site: sunan, Azimuth: 100, Range: geo.Meters(tt.rangeKm * 1e3), Apogee: geo.Meters(tt.apogeeKm * 1e3)}
		l, tr, err := ballistic.Solve(sp)
		if err != nil {
			t.Fatalf("%v/%v km: %v", tt.rangeKm, tt.apogeeKm, err)
		}
		checkFigures(t, sp, l, tr)
		if l.Vehicle.Class != tt.want {
			t.Errorf("%v/%v km: class %v, want %v", tt.rangeKm, tt.apogeeKm, l.Vehicle.Class, tt.want)
		}
	}
}

// A depressed flight flies below the minimum-energy trajectory, which the
// ballistic profile refuses.
func TestSolveDepressed(t *testing.T) {
	sp := ballistic.Spec{Site: sunan, Azimuth: 100, Range: 2000e3, Apogee: 200e3, Profile: ballistic.ProfileDepressed}
	l, tr, err := ballistic.Solve(sp)
	if err != nil {
		t.Fatal(err)
	}
	checkFigures(t, sp, l, tr)
	if minE := ballistic.MinimumEnergyArc(sp.Range).Apogee; tr.MaxAltitude() > minE/2 {
		t.Errorf("apogee %.0f km is not depressed below the minimum-energy %.0f km", tr.MaxAltitude()/1e3, minE/1e3)
	}
	sp.Profile = ballistic.ProfileBallistic
	if _, _, err := ballistic.Solve(sp); !errors.Is(err, ballistic.ErrNotBallistic) {
		t.Errorf("as ballistic: %v, want ErrNotBallistic", err)
	}
}

// A KN-23-like pull-up: apogee 50 km, 600 km. A ballistic continuation
// from the apogee falls far short, which is what makes the flight
// irregular for the estimator.
func TestSolvePullUp(t *testing.T) {
	sp := ballistic.Spec{Site: sunan, Azimuth: 100, Range: 600e3, Apogee: 50e3, Profile: ballistic.ProfilePullUp}
	l, tr, err := ballistic.Solve(sp)
	if err != nil {
		t.Fatal(err)
	}
	checkFigures(t, sp, l, tr)
	if l.Vehicle.Class != ballistic.SRBM || l.Profile != ballistic.ProfilePullUp {
		t.Errorf("class %v profile %v, want an SRBM pull-up", l.Vehicle.Class, l.Profile)
	}
	bal, err := ballistic.Propagate(ballistic.Full(l.Vehicle.Beta), tr.Apogee.State, tr.Apogee.T, ballistic.Options{Sample: -1})
	if err != nil {
		t.Fatal(err)
	}
	short, _, _ := geo.Inverse(bal.Impact.LLA, tr.Impact.LLA)
	if short < 100e3 {
		t.Errorf("a ballistic descent from the apogee lands only %.0f km short, want > 100 km", float64(short)/1e3)
	}
	// The pull-up levels the descent: after the apogee the height falls,
	// then holds (a glide) for a while before the final dive.
	var glide time.Duration
	for i := 1; i < len(tr.Samples); i++ {
		a, b := tr.Samples[i-1], tr.Samples[i]
		if a.T > tr.Apogee.T && b.Altitude() < 30e3 && math.Abs(b.HeightRate()) < 100 {
			glide += b.T - a.T
		}
	}
	if glide < time.Minute {
		t.Errorf("glide below 30 km with |ḣ| < 100 m/s lasts %v, want at least a minute", glide)
	}
	t.Logf("ballistic descent lands %.0f km short; glide %v", float64(short)/1e3, glide)
}
