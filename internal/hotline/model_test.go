package hotline_test

import (
	"bytes"
	"encoding"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/trilink/trilink/internal/hotline"
	"github.com/trilink/trilink/internal/hotline/hotlinetest"
	"github.com/trilink/trilink/internal/nation"
)

type textEnum interface {
	encoding.TextMarshaler
	String() string
}

func TestEnumText(t *testing.T) {
	for _, tt := range []struct {
		name  string
		v     textEnum
		text  string
		parse func([]byte) (textEnum, error)
	}{
		{"flash", hotline.Flash, "flash", func(b []byte) (textEnum, error) { var p hotline.Precedence; err := p.UnmarshalText(b); return p, err }},
		{"immediate", hotline.Immediate, "immediate", func(b []byte) (textEnum, error) { var p hotline.Precedence; err := p.UnmarshalText(b); return p, err }},
		{"priority", hotline.Priority, "priority", func(b []byte) (textEnum, error) { var p hotline.Precedence; err := p.UnmarshalText(b); return p, err }},
		{"routine", hotline.Routine, "routine", func(b []byte) (textEnum, error) { var p hotline.Precedence; err := p.UnmarshalText(b); return p, err }},
		{"text", hotline.KindText, "text", func(b []byte) (textEnum, error) { var k hotline.Kind; err := k.UnmarshalText(b); return k, err }},
		{"link_test", hotline.KindLinkTest, "link-test", func(b []byte) (textEnum, error) { var k hotline.Kind; err := k.UnmarshalText(b); return k, err }},
		{"delivered", hotline.Delivered, "delivered", func(b []byte) (textEnum, error) { var s hotline.ReceiptState; err := s.UnmarshalText(b); return s, err }},
		{"read", hotline.Read, "read", func(b []byte) (textEnum, error) { var s hotline.ReceiptState; err := s.UnmarshalText(b); return s, err }},
		{"acknowledged", hotline.Acknowledged, "acknowledged", func(b []byte) (textEnum, error) { var s hotline.ReceiptState; err := s.UnmarshalText(b); return s, err }},
		{"standing", hotline.Standing, "standing", func(b []byte) (textEnum, error) { var k hotline.RoomKind; err := k.UnmarshalText(b); return k, err }},
		{"ad_hoc", hotline.AdHoc, "ad-hoc", func(b []byte) (textEnum, error) { var k hotline.RoomKind; err := k.UnmarshalText(b); return k, err }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.v.MarshalText()
			if err != nil || string(b) != tt.text || tt.v.String() != tt.text {
				t.Fatalf("MarshalText = %q, %v; String = %q; want %q", b, err, tt.v.String(), tt.text)
			}
			back, err := tt.parse(b)
			if err != nil || back != tt.v {
				t.Errorf("UnmarshalText(%q) = %v, %v", b, back, err)
			}
			if _, err := tt.parse([]byte("bogus")); !errors.Is(err, hotline.ErrMalformed) {
				t.Errorf("UnmarshalText(bogus) = %v, want ErrMalformed", err)
			}
		})
	}
	for _, z := range []textEnum{hotline.PrecedenceUnknown, hotline.KindUnknown, hotline.ReceiptUnknown, hotline.RoomKindUnknown, hotline.Precedence(9)} {
		if _, err := z.MarshalText(); err == nil || z.String() != "unknown" {
			t.Errorf("%T(%v): MarshalText succeeded or String = %q", z, z, z.String())
		}
	}
	if p, err := hotline.ParsePrecedence("FLASH"); err != nil || p != hotline.Flash || p.Prosign() != "Z" || hotline.Routine.Prosign() != "R" {
		t.Errorf("ParsePrecedence(FLASH) = %v, %v; prosign %q", p, err, p.Prosign())
	}
}

func TestDeadlines(t *testing.T) {
	def := hotline.Deadlines{}
	for _, tt := range []struct {
		p    hotline.Precedence
		want time.Duration
	}{{hotline.Flash, time.Minute}, {hotline.Immediate, 5 * time.Minute}, {hotline.Priority, 30 * time.Minute}, {hotline.Routine, 4 * time.Hour}} {
		if got := def.For(tt.p); got != tt.want {
			t.Errorf("default For(%s) = %v, want %v", tt.p, got, tt.want)
		}
	}
	if got := (hotline.Deadlines{Flash: 30 * time.Second}).For(hotline.Flash); got != 30*time.Second {
		t.Errorf("configured FLASH deadline = %v", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("For(unknown) did not panic")
		}
	}()
	def.For(hotline.PrecedenceUnknown)
}

func TestMessageID(t *testing.T) {
	a, b := hotline.NewMessageID(), hotline.NewMessageID()
	if a == b || a.IsZero() {
		t.Fatalf("NewMessageID gave %s and %s", a, b)
	}
	back, err := hotline.ParseMessageID(a.String())
	if err != nil || back != a {
		t.Errorf("ParseMessageID(%s) = %s, %v", a, back, err)
	}
	for _, bad := range []string{"", "00", a.String() + "0", "ABCDEF0123456789ABCDEF0123456789"} {
		if _, err := hotline.ParseMessageID(bad); !errors.Is(err, hotline.ErrMalformed) {
			t.Errorf("ParseMessageID(%q) = %v", bad, err)
		}
	}
}

func TestNewDirectoryRejects(t *testing.T) {
	key := func(id hotline.DeviceID) hotline.Device {
		k, err := hotline.DeriveDeviceKeys(id, bytes.Repeat([]byte{byte(len(id))}, 32))
		if err != nil {
			t.Fatal(err)
		}
		return k.Public()
	}
	member := func(id hotline.MemberID, n nation.Nation, alts ...hotline.MemberID) hotline.Member {
		return hotline.Member{ID: id, Nation: n, Role: "leader", Devices: []hotline.Device{key(hotline.DeviceID(strings.ToLower(string(id))) + "-1")}, Alternates: alts}
	}
	a, b := member("a", nation.JP, "b"), member("b", nation.JP)
	room := hotline.Room{ID: "r", Kind: hotline.Standing, Members: []hotline.MemberID{"a", "b"}}
	if _, err := hotline.NewDirectory([]hotline.Member{a, b}, []hotline.Room{room}); err != nil {
		t.Fatalf("valid directory: %v", err)
	}
	shortKey := member("c", nation.JP)
	shortKey.Devices[0].KEM = shortKey.Devices[0].KEM[:31]
	for _, tt := range []struct {
		name    string
		members []hotline.Member
		rooms   []hotline.Room
		want    error
	}{
		{"duplicate_member", []hotline.Member{a, b, b}, nil, hotline.ErrMalformed},
		{"bad_member_id", []hotline.Member{member("A", nation.JP)}, nil, hotline.ErrMalformed},
		{"no_nation", []hotline.Member{member("c", nation.NationUnknown)}, nil, nation.ErrUnknownNation},
		{"no_device", []hotline.Member{{ID: "c", Nation: nation.JP, Role: "x"}}, nil, hotline.ErrMalformed},
		{"short_key", []hotline.Member{shortKey}, nil, hotline.ErrMalformed},
		{"duplicate_device", []hotline.Member{a, {ID: "c", Nation: nation.JP, Role: "x", Devices: a.Devices}}, nil, hotline.ErrMalformed},
		{"unknown_alternate", []hotline.Member{member("c", nation.JP, "zz")}, nil, hotline.ErrUnknownMember},
		{"foreign_alternate", []hotline.Member{b, member("c", nation.KR, "b")}, nil, hotline.ErrMalformed},
		{"self_alternate", []hotline.Member{member("c", nation.JP, "c")}, nil, hotline.ErrMalformed},
		{"room_unknown_member", []hotline.Member{a, b}, []hotline.Room{{ID: "r", Kind: hotline.AdHoc, Members: []hotline.MemberID{"a", "x"}}}, hotline.ErrUnknownMember},
		{"room_repeated_member", []hotline.Member{a, b}, []hotline.Room{{ID: "r", Kind: hotline.AdHoc, Members: []hotline.MemberID{"a", "a"}}}, hotline.ErrMalformed},
		{"room_empty", []hotline.Member{a, b}, []hotline.Room{{ID: "r", Kind: hotline.AdHoc}}, hotline.ErrMalformed},
		{"room_no_kind", []hotline.Member{a, b}, []hotline.Room{{ID: "r", Members: []hotline.MemberID{"a"}}}, hotline.ErrMalformed},
		{"room_dot", []hotline.Member{a, b}, []hotline.Room{{ID: "r.x", Kind: hotline.AdHoc, Members: []hotline.MemberID{"a"}}}, hotline.ErrMalformed},
		{"room_twice", []hotline.Member{a, b}, []hotline.Room{room, room}, hotline.ErrMalformed},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := hotline.NewDirectory(tt.members, tt.rooms); !errors.Is(err, tt.want) {
				t.Errorf("NewDirectory = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestDirectoryWithRoom(t *testing.T) {
	w := hotlinetest.NewWorld(t)
	adhoc := hotline.Room{ID: "korea-strait", Kind: hotline.AdHoc, Title: "Strait incident", Members: []hotline.MemberID{"us-dm", "jp-dm", "kr-dm"}}
	d2, err := w.Dir.WithRoom(adhoc)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := w.Dir.Room("korea-strait"); ok {
		t.Error("WithRoom changed the original directory")
	}
	r, ok := d2.Room("korea-strait")
	if !ok || r.Members[0] != "jp-dm" || !r.Has("us-dm") || r.Has("us-leader") {
		t.Errorf("ad hoc room = %+v", r)
	}
	if n := len(d2.Rooms()); n != 5 {
		t.Errorf("%d rooms, want 5", n)
	}
	env, err := hotline.Seal(w.Keys(t, "us-dm"), d2, hotline.Message{Room: "korea-strait", Precedence: hotline.Immediate, Body: []byte("x")}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if err := hotline.Verify(env, w.Dir); !errors.Is(err, hotline.ErrUnknownRoom) {
		t.Errorf("Verify against the old directory = %v, want ErrUnknownRoom", err)
	}
	if _, err := hotline.Open(env, w.Keys(t, "kr-dm-deputy"), d2); err != nil {
		t.Errorf("an alternate cannot open the ad hoc room's message: %v", err)
	}
}

func TestDeviceKeys(t *testing.T) {
	seed := bytes.Repeat([]byte{7}, 32)
	a, err := hotline.DeriveDeviceKeys("x-1", seed)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := hotline.DeriveDeviceKeys("x-1", seed)
	if !bytes.Equal(a.Public().KEM, b.Public().KEM) || !bytes.Equal(a.Public().Sign, b.Public().Sign) {
		t.Error("the same seed gave different keys")
	}
	if bytes.Equal(a.Public().KEM, a.Public().Sign) {
		t.Error("the KEM and signing keys are equal")
	}
	enc, err := a.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	back, err := hotline.UnmarshalDeviceKeys(enc)
	if err != nil || back.Device() != "x-1" || !bytes.Equal(back.Public().Sign, a.Public().Sign) {
		t.Errorf("UnmarshalDeviceKeys = %v, %v", back, err)
	}
	for _, bad := range [][]byte{nil, enc[:len(enc)-1], append(append([]byte{}, enc...), 0)} {
		if _, err := hotline.UnmarshalDeviceKeys(bad); !errors.Is(err, hotline.ErrMalformed) {
			t.Errorf("UnmarshalDeviceKeys(%d bytes) = %v", len(bad), err)
		}
	}
	if _, err := hotline.DeriveDeviceKeys("x-1", seed[:31]); !errors.Is(err, hotline.ErrMalformed) {
		t.Errorf("short seed: %v", err)
	}
}

func TestSeen(t *testing.T) {
	s := hotline.NewSeen(3)
	ids := make([]hotline.MessageID, 5)
	for i := range ids {
		ids[i] = hotline.NewMessageID()
	}
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Minute) }
	// Added out of creation order: 2, 0, 1.
	for _, i := range []int{2, 0, 1} {
		if err := s.Add(ids[i], at(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Add(ids[0], at(0)); !errors.Is(err, hotline.ErrReplay) {
		t.Errorf("re-adding id 0 = %v", err)
	}
	// A fourth id evicts the oldest (0) and raises the floor to its time.
	if err := s.Add(ids[3], at(3)); err != nil {
		t.Fatal(err)
	}
	if s.Len() != 3 || s.Contains(ids[0]) || !s.Contains(ids[1]) {
		t.Errorf("after eviction: len %d, has 0: %v, has 1: %v", s.Len(), s.Contains(ids[0]), s.Contains(ids[1]))
	}
	if err := s.Add(ids[0], at(0)); !errors.Is(err, hotline.ErrReplay) {
		t.Errorf("replaying the evicted id 0 = %v, want ErrReplay (below the floor)", err)
	}
	if err := s.Add(ids[4], at(4)); err != nil {
		t.Errorf("a new id: %v", err)
	}
	if s.Contains(ids[1]) {
		t.Error("id 1, now the oldest, was not evicted")
	}
	// Persistence keeps ids and floor.
	b, err := s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	r := hotline.NewSeen(1)
	if err := r.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if r.Len() != 3 || !r.Contains(ids[4]) {
		t.Errorf("restored set: len %d", r.Len())
	}
	if err := r.Add(ids[3], at(3)); !errors.Is(err, hotline.ErrReplay) {
		t.Errorf("restored set accepted a held id: %v", err)
	}
	if err := r.Add(hotline.NewMessageID(), at(0)); !errors.Is(err, hotline.ErrReplay) {
		t.Errorf("restored set lost its floor: %v", err)
	}
	if err := r.UnmarshalBinary(b[:len(b)-1]); !errors.Is(err, hotline.ErrMalformed) {
		t.Errorf("truncated encoding: %v", err)
	}
}
