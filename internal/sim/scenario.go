package sim

import (
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/parser"

	"github.com/trilink/trilink/internal/ballistic"
	"github.com/trilink/trilink/internal/geo"
	"github.com/trilink/trilink/internal/strictyaml"
)

// Scenario is a simulated situation: launches and the sensors that watch
// them (DESIGN §4, "Scenario file").
type Scenario struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	// Sources cite the public reports the figures come from.
	Sources  []string     `yaml:"sources"`
	Launches []LaunchSpec `yaml:"launches"`
	Sensors  SensorChoice `yaml:"sensors"`
	Seed     uint64       `yaml:"seed"`
	// File is where the scenario was read from ("builtin:NAME" for the library).
	File string `yaml:"-"`
}

// LaunchSpec is one launch as a public report gives it.
type LaunchSpec struct {
	ID   string    `yaml:"id"`
	Time time.Time `yaml:"time"`
	Site Point     `yaml:"site"`
	// Aim is a point the flight heads for (its initial geodesic azimuth
	// from Site gives the direction); or AzimuthDeg gives it.
	Aim        *Point   `yaml:"aim"`
	AzimuthDeg *float64 `yaml:"azimuth_deg"`
	RangeKm    float64  `yaml:"range_km"`
	ApogeeKm   float64  `yaml:"apogee_km"`
	// Class, optional: SRBM, MRBM, IRBM or ICBM (default: from range and apogee).
	Class string `yaml:"class"`
	// Trajectory: ballistic (default), depressed or pullup. A flight whose
	// apogee is too low for a ballistic arc must say which.
	Trajectory string `yaml:"trajectory"`
	// Note explains where the figures come from.
	Note string `yaml:"note"`
}

// Point is a geodetic position in degrees; longitudes may run past 180 for
// aims across the antimeridian.
type Point struct {
	Lat float64 `yaml:"lat"`
	Lon float64 `yaml:"lon"`
}

// LLA returns the point on the ellipsoid.
func (p Point) LLA() geo.LLA { return geo.LLA{Lat: geo.Degrees(p.Lat), Lon: geo.Degrees(p.Lon)} }

// SensorChoice is "default" (the built-in network) or a list of sensor ids
// taken from it.
type SensorChoice struct {
	Default bool
	IDs     []string
	other   string // a string other than "default": rejected by check
}

// UnmarshalYAML accepts a string or a list of strings.
func (s *SensorChoice) UnmarshalYAML(b []byte) error {
	var one string
	if err := yaml.Unmarshal(b, &one); err == nil {
		*s = SensorChoice{Default: one == "default", other: one}
		return nil
	}
	var ids []string
	if err := yaml.Unmarshal(b, &ids); err != nil {
		return fmt.Errorf("sensors: want \"default\" or a list of sensor ids")
	}
	*s = SensorChoice{IDs: ids}
	return nil
}

// Error is a problem in a scenario file, located at a line and field.
type Error struct {
	File  string
	Line  int // 0 when unknown
	Field string
	Err   error
}

func (e *Error) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	if e.Field == "" {
		return fmt.Sprintf("%s: %v", loc, e.Err)
	}
	return fmt.Sprintf("%s: %s: %v", loc, e.Field, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// LoadFile reads and checks a scenario file.
func LoadFile(path string) (*Scenario, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{File: path, Err: err}
	}
	return Parse(path, b)
}

// Parse reads and checks a scenario. Unknown fields, values out of range and
// launches no flight of the declared kind can fly are errors naming the
// file, line and field.
func Parse(file string, b []byte) (*Scenario, error) {
	var sc Scenario
	if err := strictyaml.Unmarshal(b, &sc); err != nil {
		return nil, &Error{File: file, Line: strictyaml.LineOf(err), Err: err}
	}
	sc.File = file
	if err := sc.check(); err != nil {
		var e *Error
		if errors.As(err, &e) {
			e.File = file
			e.Line = lineOf(b, e.Field)
			return nil, e
		}
		return nil, &Error{File: file, Err: err}
	}
	return &sc, nil
}

// lineOf finds the line of a field given as a path like
// "launches[2].range_km"; 0 if it cannot.
func lineOf(b []byte, field string) int {
	if field == "" {
		return 0
	}
	f, err := parser.ParseBytes(b, 0)
	if err != nil {
		return 0
	}
	for p := field; p != ""; {
		path, err := yaml.PathString("$." + p)
		if err == nil {
			if n, err := path.FilterFile(f); err == nil && n != nil && n.GetToken() != nil {
				return n.GetToken().Position.Line
			}
		}
		// Fall back to the enclosing field (a missing field's parent).
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return 0
}

func fieldErr(field string, format string, a ...any) error {
	return &Error{Field: field, Err: fmt.Errorf(format, a...)}
}

// check validates values and feasibility.
func (sc *Scenario) check() error {
	if sc.Name == "" {
		return fieldErr("name", "empty")
	}
	if len(sc.Launches) == 0 {
		return fieldErr("launches", "no launches")
	}
	if !sc.Sensors.Default && sc.Sensors.other != "" {
		return fieldErr("sensors", "%q (want \"default\" or a list of sensor ids)", sc.Sensors.other)
	}
	if !sc.Sensors.Default && len(sc.Sensors.IDs) == 0 {
		return fieldErr("sensors", "missing (want \"default\" or a list of sensor ids)")
	}
	ids := map[string]bool{}
	for i := range sc.Launches {
		if err := sc.Launches[i].check(fmt.Sprintf("launches[%d]", i)); err != nil {
			return err
		}
		if ids[sc.Launches[i].ID] {
			return fieldErr(fmt.Sprintf("launches[%d].id", i), "%q used twice", sc.Launches[i].ID)
		}
		ids[sc.Launches[i].ID] = true
	}
	return nil
}

func (l *LaunchSpec) check(at string) error {
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	switch {
	case l.ID == "":
		return fieldErr(at+".id", "empty")
	case l.Time.IsZero():
		return fieldErr(at+".time", "missing (want RFC 3339, e.g. 2022-10-03T22:22:00Z)")
	case !finite(l.Site.Lat) || l.Site.Lat < -90 || l.Site.Lat > 90:
		return fieldErr(at+".site.lat", "%v out of range [-90, 90]", l.Site.Lat)
	case !finite(l.Site.Lon) || l.Site.Lon < -180 || l.Site.Lon > 360:
		return fieldErr(at+".site.lon", "%v out of range [-180, 360]", l.Site.Lon)
	case l.Aim == nil && l.AzimuthDeg == nil:
		return fieldErr(at+".aim", "give aim or azimuth_deg")
	case l.Aim != nil && l.AzimuthDeg != nil:
		return fieldErr(at+".azimuth_deg", "give aim or azimuth_deg, not both")
	case !finite(l.RangeKm) || l.RangeKm <= 0 || l.RangeKm > 20000:
		return fieldErr(at+".range_km", "%v out of range (0, 20000]", l.RangeKm)
	case !finite(l.ApogeeKm) || l.ApogeeKm <= 0 || l.ApogeeKm > 10000:
		return fieldErr(at+".apogee_km", "%v out of range (0, 10000]", l.ApogeeKm)
	}
	if l.Aim != nil {
		if !finite(l.Aim.Lat) || l.Aim.Lat < -90 || l.Aim.Lat > 90 {
			return fieldErr(at+".aim.lat", "%v out of range [-90, 90]", l.Aim.Lat)
		}
		if !finite(l.Aim.Lon) || l.Aim.Lon < -180 || l.Aim.Lon > 360 {
			return fieldErr(at+".aim.lon", "%v out of range [-180, 360]", l.Aim.Lon)
		}
	}
	if l.AzimuthDeg != nil && (!finite(*l.AzimuthDeg) || *l.AzimuthDeg < -360 || *l.AzimuthDeg > 360) {
		return fieldErr(at+".azimuth_deg", "%v out of range [-360, 360]", *l.AzimuthDeg)
	}
	if _, err := l.class(); err != nil {
		return fieldErr(at+".class", "%v", err)
	}
	if _, err := l.profile(); err != nil {
		return fieldErr(at+".trajectory", "%v", err)
	}
	return nil
}

func (l *LaunchSpec) class() (ballistic.Class, error) {
	var c ballistic.Class
	if l.Class == "" {
		return ballistic.ClassUnknown, nil
	}
	err := c.UnmarshalText([]byte(l.Class))
	return c, err
}

func (l *LaunchSpec) profile() (ballistic.Profile, error) {
	var p ballistic.Profile
	if l.Trajectory == "" {
		return ballistic.ProfileBallistic, nil
	}
	err := p.UnmarshalText([]byte(l.Trajectory))
	return p, err
}

// Spec returns the ballistic solver's input for the launch.
func (l *LaunchSpec) Spec() ballistic.Spec {
	c, _ := l.class()
	p, _ := l.profile()
	sp := ballistic.Spec{Site: l.Site.LLA(), Range: geo.Meters(l.RangeKm * 1000), Apogee: geo.Meters(l.ApogeeKm * 1000), Class: c, Profile: p}
	if l.Aim != nil {
		a := l.Aim.LLA()
		sp.Aim = &a
	} else {
		sp.Azimuth = geo.Degrees(*l.AzimuthDeg)
	}
	return sp
}
