// Package hotlinetest builds a three-nation hotline directory with
// deterministic device keys, for tests of the hotline and of what carries it.
package hotlinetest

import (
	"crypto/sha256"
	"testing"

	"github.com/trilink/trilink/internal/hotline"
	"github.com/trilink/trilink/internal/nation"
)

// World is a Directory and the private keys of every device in it.
//
// Each nation n has these members (ids "<n>-<suffix>"), each with one device
// "<member>-1" unless noted:
//
//	leader     alternates nsa, ops          room leaders
//	nsa        alternates ops
//	fm         alternates fm-deputy         room foreign-ministers
//	fm-deputy
//	dm         alternates dm-deputy         room defence-ministers
//	dm-deputy
//	ops        two devices (-1, -2)         room ops
//
// Keys are derived from SHA-256("hotlinetest " + device id), so they are the
// same in every run. Never use them outside tests.
type World struct {
	Dir  *hotline.Directory
	keys map[hotline.MemberID][]*hotline.DeviceKeys
}

// ID returns the member id "<n>-<suffix>", e.g. ID(nation.JP, "leader").
func ID(n nation.Nation, suffix string) hotline.MemberID {
	return hotline.MemberID(n.String() + "-" + suffix)
}

// NewWorld builds the World described on the type.
func NewWorld(tb testing.TB) *World {
	tb.Helper()
	w := &World{keys: map[hotline.MemberID][]*hotline.DeviceKeys{}}
	type spec struct {
		suffix  string
		role    hotline.Role
		alts    []string
		devices int
	}
	specs := []spec{
		{"leader", "leader", []string{"nsa", "ops"}, 1},
		{"nsa", "national-security-adviser", []string{"ops"}, 1},
		{"fm", "foreign-minister", []string{"fm-deputy"}, 1},
		{"fm-deputy", "deputy-foreign-minister", nil, 1},
		{"dm", "defence-minister", []string{"dm-deputy"}, 1},
		{"dm-deputy", "deputy-defence-minister", nil, 1},
		{"ops", "watch-officer", nil, 2},
	}
	var members []hotline.Member
	for _, n := range nation.Nations {
		for _, s := range specs {
			m := hotline.Member{ID: ID(n, s.suffix), Nation: n, Role: s.role, Name: n.Upper() + " " + string(s.role)}
			for _, a := range s.alts {
				m.Alternates = append(m.Alternates, ID(n, a))
			}
			for i := 1; i <= s.devices; i++ {
				dev := hotline.DeviceID(string(m.ID) + "-" + string(rune('0'+i)))
				seed := sha256.Sum256([]byte("hotlinetest " + dev))
				k, err := hotline.DeriveDeviceKeys(dev, seed[:])
				if err != nil {
					tb.Fatalf("hotlinetest: %v", err)
				}
				w.keys[m.ID] = append(w.keys[m.ID], k)
				m.Devices = append(m.Devices, k.Public())
			}
			members = append(members, m)
		}
	}
	room := func(id hotline.RoomID, title, suffix string) hotline.Room {
		r := hotline.Room{ID: id, Kind: hotline.Standing, Title: title}
		for _, n := range nation.Nations {
			r.Members = append(r.Members, ID(n, suffix))
		}
		return r
	}
	dir, err := hotline.NewDirectory(members, []hotline.Room{
		room(hotline.RoomLeaders, "Leaders", "leader"),
		room(hotline.RoomForeignMinisters, "Foreign ministers", "fm"),
		room(hotline.RoomDefenceMinisters, "Defence ministers", "dm"),
		room(hotline.RoomOps, "Operations centres", "ops"),
	})
	if err != nil {
		tb.Fatalf("hotlinetest: %v", err)
	}
	w.Dir = dir
	return w
}

// Keys returns the keys of member m's first device; it fails the test if m
// is not in the World.
func (w *World) Keys(tb testing.TB, m hotline.MemberID) *hotline.DeviceKeys {
	tb.Helper()
	ks := w.keys[m]
	if len(ks) == 0 {
		tb.Fatalf("hotlinetest: no member %q", m)
	}
	return ks[0]
}

// AllKeys returns the keys of every device of member m, in device order.
func (w *World) AllKeys(m hotline.MemberID) []*hotline.DeviceKeys { return w.keys[m] }
