package ballistic_test

import (
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/trilink/trilink/internal/ballistic"
	"github.com/trilink/trilink/internal/geo"
)

func TestClassText(t *testing.T) {
	for _, tt := range []struct {
		c    ballistic.Class
		text string
	}{
		{ballistic.ClassUnknown, "unknown"},
		{ballistic.SRBM, "SRBM"},
		{ballistic.MRBM, "MRBM"},
		{ballistic.IRBM, "IRBM"},
		{ballistic.ICBM, "ICBM"},
	} {
		t.Run(tt.text, func(t *testing.T) {
			b, err := tt.c.MarshalText()
			if err != nil || string(b) != tt.text || tt.c.String() != tt.text {
				t.Errorf("MarshalText = %q, %v; String = %q; want %q", b, err, tt.c.String(), tt.text)
			}
			var got ballistic.Class
			for _, in := range []string{tt.text, string(b)} {
				if err := got.UnmarshalText([]byte(in)); err != nil || got != tt.c {
					t.Errorf("UnmarshalText(%q) = %v, %v; want %v", in, got, err, tt.c)
				}
			}
		})
	}
	var c ballistic.Class
	if err := c.UnmarshalText([]byte("icbm")); err != nil || c != ballistic.ICBM {
		t.Errorf("lower case: %v, %v", c, err)
	}
	if err := c.UnmarshalText(nil); err != nil || c != ballistic.ClassUnknown {
		t.Errorf("empty: %v, %v", c, err)
	}
	if err := c.UnmarshalText([]byte("SLBM")); err == nil {
		t.Error("UnmarshalText(SLBM) succeeded")
	}
	if _, err := ballistic.Class(9).MarshalText(); err == nil {
		t.Error("MarshalText(Class(9)) succeeded")
	}
}

func TestProfileText(t *testing.T) {
	for _, tt := range []struct {
		p    ballistic.Profile
		text string
	}{
		{ballistic.ProfileUnknown, "unknown"},
		{ballistic.ProfileBallistic, "ballistic"},
		{ballistic.ProfileDepressed, "depressed"},
		{ballistic.ProfilePullUp, "pullup"},
	} {
		t.Run(tt.text, func(t *testing.T) {
			b, err := tt.p.MarshalText()
			if err != nil || string(b) != tt.text || tt.p.String() != tt.text {
				t.Errorf("MarshalText = %q, %v; want %q", b, err, tt.text)
			}
			var got ballistic.Profile
			if err := got.UnmarshalText(b); err != nil || got != tt.p {
				t.Errorf("UnmarshalText(%q) = %v, %v", b, got, err)
			}
		})
	}
	var p ballistic.Profile
	if err := p.UnmarshalText([]byte("Pull-Up")); err != nil || p != ballistic.ProfilePullUp {
		t.Errorf("Pull-Up: %v, %v", p, err)
	}
	if err := p.UnmarshalText([]byte("irregular")); err == nil {
		t.Error("UnmarshalText(irregular) succeeded")
	}
}

func TestClassOf(t *testing.T) {
	for _, tt := range []struct {
		km   float64
		want ballistic.Class
	}{
		{300, ballistic.SRBM}, {999, ballistic.SRBM}, {1000, ballistic.MRBM}, {2999, ballistic.MRBM},
		{3000, ballistic.IRBM}, {5499, ballistic.IRBM}, {5500, ballistic.ICBM}, {math.Inf(1), ballistic.ICBM},
	} {
		if got := ballistic.ClassOf(geo.Meters(tt.km * 1e3)); got != tt.want {
			t.Errorf("ClassOf(%v km) = %v, want %v", tt.km, got, tt.want)
		}
	}
}

// Each class's template reaches a little beyond its class's upper range
// bound at full burn, and not absurdly far; the ICBM's total burn is the
// 300–330 s of the Hwasong-15/17/18 public estimates.
func TestVehicleTemplates(t *testing.T) {
	for _, tt := range []struct {
		c            ballistic.Class
		minKm, maxKm float64
	}{
		{ballistic.SRBM, 1000, 1300},
		{ballistic.MRBM, 3000, 3900},
		{ballistic.IRBM, 5500, 7000},
		{ballistic.ICBM, 13000, 25000},
	} {
		t.Run(tt.c.String(), func(t *testing.T) {
			v := ballistic.VehicleFor(tt.c)
			if v.Class != tt.c {
				t.Errorf("class %v", v.Class)
			}
			var best float64
			for p := 15.0; p <= 60; p += 2.5 {
				l := ballistic.Launch{Site: sunan, Azimuth: 90, Vehicle: v, Pitch: geo.Degrees(p)}
				tr, err := l.Fly(ballistic.Options{Sample: -1})
				if err != nil {
					t.Fatal(err)
				}
				if tr.Impact != nil && tr.Burnout != nil {
					best = max(best, float64(tr.Range())/1e3)
				}
			}
			if best < tt.minKm || best > tt.maxKm {
				t.Errorf("maximum range %.0f km, want %.0f–%.0f km", best, tt.minKm, tt.maxKm)
			}
			t.Logf("ideal Δv %.0f m/s, burn %v, maximum range %.0f km", v.DeltaV(), v.BurnTime(), best)
		})
	}
	if b := ballistic.VehicleFor(ballistic.ICBM).BurnTime(); b < 300*time.Second || b > 330*time.Second {
		t.Errorf("ICBM burn time %v, want 300–330 s", b)
	}
	if v := ballistic.VehicleFor(ballistic.ClassUnknown); v.Class != ballistic.ICBM {
		t.Errorf("unknown class template is %v, want ICBM", v.Class)
	}
}

func TestFlyBoost(t *testing.T) {
	for _, tt := range []struct {
		class ballistic.Class
		cut   float64
		azTol float64 // Earth rotation bends long flights off the launch azimuth
	}{
		{ballistic.ICBM, 1, 25},
		{ballistic.ICBM, 0.6, 5},
		{ballistic.MRBM, 1, 4},
		{ballistic.MRBM, 0.5, 2},
	} {
		cut := tt.cut
		t.Run(fmt.Sprintf("%v/cutoff%.1f", tt.class, cut), func(t *testing.T) {
			v := ballistic.VehicleFor(tt.class)
			l := ballistic.Launch{Site: sunan, Azimuth: 80, Vehicle: v, Pitch: 40, Cutoff: cut}
			tr, err := l.Fly(ballistic.Options{})
			if err != nil {
				t.Fatal(err)
			}
			last := v.Stages[len(v.Stages)-1]
			want := v.BurnTime() - last.Burn + time.Duration(cut*float64(last.Burn))
			if tr.Burnout == nil || (tr.Burnout.T-want).Abs() > time.Microsecond {
				t.Fatalf("burnout %+v, want at %v", tr.Burnout, want)
			}
			// The thrust gives less than the ideal Δv (gravity and drag
			// losses) but most of it.
			speed := r3.Norm(tr.Burnout.V)
			// The last stage burns for cut·Burn of τ = Burn·R/(R−1).
			tau := last.Burn.Seconds() * last.MassRatio / (last.MassRatio - 1)
			ideal := v.DeltaV() - last.DeltaV() + last.Exhaust*math.Log(tau/(tau-cut*last.Burn.Seconds()))
			if !(speed < ideal && speed > 0.6*ideal) {
				t.Errorf("burnout speed %.0f m/s, want below the ideal %.0f and above 60 %% of it", speed, ideal)
			}
			// The vehicle stays in the launch plane: the impact lies close
			// to the launch azimuth, and the height rises all through boost.
			if az := tr.ImpactAzimuth(); math.Abs(float64(az-l.Azimuth)) > tt.azTol {
				t.Errorf("impact azimuth %.2f°, launch azimuth %.2f°", az, l.Azimuth)
			}
			prev := geo.Meters(-1)
			for _, s := range tr.Samples {
				if s.T > tr.Burnout.T {
					break
				}
				if h := s.Altitude(); h < prev {
					t.Fatalf("height falls during boost at %v", s.T)
				} else {
					prev = h
				}
			}
			if tr.Samples[0].T != 0 || tr.Start.State.V != (r3.Vec{}) {
				t.Errorf("flight does not start at rest at t=0: %+v", tr.Start)
			}
		})
	}
}

// A pitch program flattening to near-horizontal while the vehicle is still
// low and slow drives it into the ground during boost.
func TestFlyCrashDuringBoost(t *testing.T) {
	v := ballistic.VehicleFor(ballistic.IRBM)
	v.Stages[0].MassRatio = 2 // a weak stage
	l := ballistic.Launch{Site: sunan, Azimuth: 90, Vehicle: v, Pitch: 0.5}
	tr, err := l.Fly(ballistic.Options{Sample: -1})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Burnout != nil || tr.Impact == nil || tr.Impact.T >= v.BurnTime() {
		t.Errorf("burnout %v, impact %v: want an impact before the burn ends and no burnout", tr.Burnout, tr.Impact)
	}
}

func TestFlyRejectsBadLaunch(t *testing.T) {
	good := ballistic.Launch{Site: sunan, Azimuth: 90, Vehicle: ballistic.VehicleFor(ballistic.SRBM), Pitch: 40}
	if _, err := good.Fly(ballistic.Options{Sample: -1}); err != nil {
		t.Fatalf("good launch: %v", err)
	}
	for _, tt := range []struct {
		name string
		mod  func(*ballistic.Launch)
	}{
		{"noStages", func(l *ballistic.Launch) { l.Vehicle.Stages = nil }},
		{"zeroPitch", func(l *ballistic.Launch) { l.Pitch = 0 }},
		{"pitchOver90", func(l *ballistic.Launch) { l.Pitch = 91 }},
		{"cutoffOver1", func(l *ballistic.Launch) { l.Cutoff = 1.5 }},
		{"badSite", func(l *ballistic.Launch) { l.Site.Lat = 95 }},
		{"massRatio1", func(l *ballistic.Launch) {
			l.Vehicle.Stages = []ballistic.Stage{{Burn: time.Second, Exhaust: 1, MassRatio: 1}}
		}},
		{"noBeta", func(l *ballistic.Launch) { l.Vehicle.Beta = 0 }},
		{"riseTooLong", func(l *ballistic.Launch) { l.Vehicle.Rise = time.Hour }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l := good
			l.Vehicle.Stages = append([]ballistic.Stage(nil), good.Vehicle.Stages...)
			tt.mod(&l)
			_, err := l.Fly(ballistic.Options{Sample: -1})
			if err == nil {
				t.Fatal("Fly succeeded")
			}
			if tt.name != "badSite" && !errors.Is(err, ballistic.ErrInvalidState) {
				t.Errorf("error %v, want ErrInvalidState", err)
			}
		})
	}
	if _, err := good.Fly(ballistic.Options{Span: -time.Minute}); !errors.Is(err, ballistic.ErrInvalidState) {
		t.Errorf("negative span: %v", err)
	}
}
