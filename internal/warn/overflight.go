package warn

import (
	"encoding/json"
	"math"
	"slices"
	"time"

	"github.com/trilink/trilink/internal/nation"
)

// Overflight is one pass of a path over a region's airspace: over its land
// or over the territorial sea attributed to it (the nation's territorial
// sea, in its own view, nearest to the region's land), from the time the
// ground track enters to the time it leaves, with the lowest height above
// the ellipsoid in between.
type Overflight struct {
	Nation        nation.Nation
	Region        *Region
	Enter, Exit   time.Time
	MinAltitudeKm float64
}

// overflightStep is the spacing of the ground-track samples of an
// overflight query, metres: about 1.5 s of a ballistic missile's track.
const overflightStep = 5e3

// Overflight returns the passes of path over the regions of every nation
// (each in its own view), in order of entry then atlas order. The ground
// track is sampled every 5 km, so a pass across a corner narrower than
// that may be missed. A path that leaves and re-enters a region's airspace
// gives one pass each time. This is the "overflight" list of `trilink
// analyze`.
func (a *Atlas) Overflight(path []PathPoint) []Overflight {
	if len(path) == 0 {
		return nil
	}
	tr := resample(path, path[0].T, overflightStep)
	var out []Overflight
	for _, n := range nation.Nations {
		var cur *Overflight
		for k, p := range tr.pts {
			r := a.ownRegionAt(n, p.y, p.x)
			if cur != nil && r == cur.Region {
				cur.Exit = tr.t[k]
				cur.MinAltitudeKm = math.Min(cur.MinAltitudeKm, tr.altK[k])
				continue
			}
			if cur != nil {
				out = append(out, *cur)
				cur = nil
			}
			if r != nil {
				cur = &Overflight{Nation: n, Region: r, Enter: tr.t[k], Exit: tr.t[k], MinAltitudeKm: tr.altK[k]}
			}
		}
		if cur != nil {
			out = append(out, *cur)
		}
	}
	slices.SortStableFunc(out, func(x, y Overflight) int {
		if c := x.Enter.Compare(y.Enter); c != 0 {
			return c
		}
		return x.Region.idx - y.Region.idx
	})
	return out
}

// Overflights is [Atlas.Overflight] in the [Default] atlas.
func Overflights(path []PathPoint) []Overflight { return Default().Overflight(path) }

// MarshalJSON writes the pass as `trilink analyze` reports it:
// {"nation":"jp","region":"Aomori","region_id":"JP-02","enter":…,"exit":…,
// "min_altitude_km":…}, times in RFC 3339.
func (o Overflight) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Nation        nation.Nation `json:"nation"`
		Region        string        `json:"region"`
		RegionID      string        `json:"region_id"`
		Enter         time.Time     `json:"enter"`
		Exit          time.Time     `json:"exit"`
		MinAltitudeKm float64       `json:"min_altitude_km"`
	}{o.Nation, o.Region.Name.En, o.Region.ID, o.Enter, o.Exit, math.Round(o.MinAltitudeKm*10) / 10})
}
