package hotline

import (
	"crypto/ed25519"
	"fmt"
	"slices"
	"strings"

	"github.com/trilink/trilink/internal/nation"
)

// MemberID names a member (a person or an office): lower-case ASCII letters,
// digits, '-', '_' and '.', 1–64 bytes, starting with a letter or digit.
// Example: "jp-leader".
type MemberID string

// DeviceID names one device (terminal) of a member; same syntax as MemberID.
// Device ids are unique across the directory.
type DeviceID string

// RoomID names a room. It is a NATS subject token (shared.<n>.hotline.<room>),
// so its syntax is that of MemberID without '.'.
type RoomID string

// Role names a member's office, e.g. "leader", "foreign-minister",
// "watch-officer"; same syntax as RoomID. It is descriptive: access follows
// room membership, not roles.
type Role string

// The standing rooms (DESIGN §7).
const (
	RoomLeaders          RoomID = "leaders"
	RoomForeignMinisters RoomID = "foreign-ministers"
	RoomDefenceMinisters RoomID = "defence-ministers"
	RoomOps              RoomID = "ops" // the national operations centres; launch events post here
)

// StandingRooms lists the standing rooms' ids.
var StandingRooms = []RoomID{RoomLeaders, RoomForeignMinisters, RoomDefenceMinisters, RoomOps}

const maxIDLen = 64

func checkName(kind, s string, dots bool) error {
	if s == "" || len(s) > maxIDLen {
		return fmt.Errorf("%w: %s %q: want 1–%d bytes", ErrMalformed, kind, s, maxIDLen)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || i > 0 && (c == '-' || c == '_' || dots && c == '.')
		if !ok {
			return fmt.Errorf("%w: %s %q: want [a-z0-9][%s]*", ErrMalformed, kind, s, tailChars(dots))
		}
	}
	return nil
}

func tailChars(dots bool) string {
	if dots {
		return "a-z0-9._-"
	}
	return "a-z0-9_-"
}

// Valid reports whether id is well formed.
func (id MemberID) Valid() error { return checkName("member", string(id), true) }

// Valid reports whether id is well formed.
func (id DeviceID) Valid() error { return checkName("device", string(id), true) }

// Valid reports whether id is well formed.
func (id RoomID) Valid() error { return checkName("room", string(id), false) }

// Valid reports whether r is well formed.
func (r Role) Valid() error { return checkName("role", string(r), false) }

// RoomKind tells standing rooms from ad hoc ones.
//
// The values are persisted and shared: do not reorder.
type RoomKind int

const (
	RoomKindUnknown RoomKind = iota
	Standing                 // exists permanently (leaders, ministers, ops)
	AdHoc                    // opened for a purpose
)

var roomKindNames = [...]string{RoomKindUnknown: "unknown", Standing: "standing", AdHoc: "ad-hoc"}

// String returns "standing", "ad-hoc" or "unknown".
func (k RoomKind) String() string {
	if k == Standing || k == AdHoc {
		return roomKindNames[k]
	}
	return "unknown"
}

// MarshalText implements encoding.TextMarshaler.
func (k RoomKind) MarshalText() ([]byte, error) {
	if k != Standing && k != AdHoc {
		return nil, fmt.Errorf("%w: room kind %d", ErrMalformed, int(k))
	}
	return []byte(k.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (k *RoomKind) UnmarshalText(b []byte) error {
	for _, v := range []RoomKind{Standing, AdHoc} {
		if string(b) == roomKindNames[v] {
			*k = v
			return nil
		}
	}
	return fmt.Errorf("%w: room kind %q (want standing or ad-hoc)", ErrMalformed, b)
}

// Device is the public half of one terminal's keys.
type Device struct {
	ID DeviceID
	// KEM is the device's HPKE public key: DHKEM(X25519, HKDF-SHA256),
	// serialized per RFC 9180 §7.1.1 (32 bytes).
	KEM []byte
	// Sign is the device's Ed25519 public key (RFC 8032), 32 bytes.
	Sign ed25519.PublicKey
}

// Member is a person or office that takes part in rooms.
type Member struct {
	ID     MemberID
	Nation nation.Nation
	Role   Role
	// Name is a display name; may be empty.
	Name string
	// Devices are the member's terminals; at least one. Messages are
	// encrypted to every one of them.
	Devices []Device
	// Alternates are the members who act when this one misses an
	// acknowledgement deadline, in escalation order (deputy first). They must
	// be of the same nation. Messages to this member are also encrypted to
	// them, so that escalation needs no re-encryption by the sender.
	Alternates []MemberID
}

// Room is a conversation among members.
type Room struct {
	ID    RoomID
	Kind  RoomKind
	Title string
	// Members are the room's principals: they may send, and each must
	// acknowledge. Sorted and unique once in a Directory.
	Members []MemberID
}

// Has reports whether m is one of r's members.
func (r Room) Has(m MemberID) bool {
	_, ok := slices.BinarySearch(r.Members, m)
	return ok
}

// Directory is the trusted roster: members, their devices' public keys, and
// rooms. Whoever builds it vouches for the keys (in trilink: each nation's PKI
// certifies its own members' devices).
//
// A Directory is immutable and safe for concurrent use. To change membership
// or keys, build a new one; to check an old message after such a change, use
// the Directory that was in force when it was sent.
type Directory struct {
	members map[MemberID]*Member
	devices map[DeviceID]*deviceEntry
	rooms   map[RoomID]*Room
}

type deviceEntry struct {
	dev   Device
	owner *Member
}

// NewDirectory checks and copies members and rooms into a Directory. It
// fails on a malformed or duplicate id, a bad key length, an unknown or
// foreign alternate, or a room with an unknown member.
func NewDirectory(members []Member, rooms []Room) (*Directory, error) {
	d := &Directory{members: map[MemberID]*Member{}, devices: map[DeviceID]*deviceEntry{}, rooms: map[RoomID]*Room{}}
	for _, m := range members {
		if err := m.ID.Valid(); err != nil {
			return nil, fmt.Errorf("directory: %w", err)
		}
		if d.members[m.ID] != nil {
			return nil, fmt.Errorf("directory: %w: duplicate member %q", ErrMalformed, m.ID)
		}
		if !m.Nation.Valid() {
			return nil, fmt.Errorf("directory: member %q: %w", m.ID, nation.ErrUnknownNation)
		}
		if err := m.Role.Valid(); err != nil {
			return nil, fmt.Errorf("directory: member %q: %w", m.ID, err)
		}
		if len(m.Devices) == 0 {
			return nil, fmt.Errorf("directory: %w: member %q has no device", ErrMalformed, m.ID)
		}
		c := m
		c.Devices = make([]Device, len(m.Devices))
		for i, dv := range m.Devices {
			if err := dv.ID.Valid(); err != nil {
				return nil, fmt.Errorf("directory: member %q: %w", m.ID, err)
			}
			if d.devices[dv.ID] != nil {
				return nil, fmt.Errorf("directory: %w: duplicate device %q", ErrMalformed, dv.ID)
			}
			if len(dv.KEM) != kemPublicKeySize || len(dv.Sign) != ed25519.PublicKeySize {
				return nil, fmt.Errorf("directory: %w: device %q: want %d-byte KEM and %d-byte signing keys, got %d and %d",
					ErrMalformed, dv.ID, kemPublicKeySize, ed25519.PublicKeySize, len(dv.KEM), len(dv.Sign))
			}
			if _, err := suiteKEM.NewPublicKey(dv.KEM); err != nil {
				return nil, fmt.Errorf("directory: %w: device %q: KEM key: %v", ErrMalformed, dv.ID, err)
			}
			c.Devices[i] = Device{ID: dv.ID, KEM: slices.Clone(dv.KEM), Sign: slices.Clone(dv.Sign)}
		}
		c.Alternates = slices.Clone(m.Alternates)
		d.members[m.ID] = &c
		for i := range c.Devices {
			d.devices[c.Devices[i].ID] = &deviceEntry{dev: c.Devices[i], owner: &c}
		}
	}
	for _, m := range d.members {
		seen := map[MemberID]bool{}
		for _, a := range m.Alternates {
			am := d.members[a]
			switch {
			case am == nil:
				return nil, fmt.Errorf("directory: member %q: alternate %q: %w", m.ID, a, ErrUnknownMember)
			case a == m.ID || seen[a]:
				return nil, fmt.Errorf("directory: %w: member %q: alternate %q repeated or self", ErrMalformed, m.ID, a)
			case am.Nation != m.Nation:
				return nil, fmt.Errorf("directory: %w: member %q (%s): alternate %q is of %s", ErrMalformed, m.ID, m.Nation, a, am.Nation)
			}
			seen[a] = true
		}
	}
	for _, r := range rooms {
		if err := d.addRoom(r); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func (d *Directory) addRoom(r Room) error {
	if err := r.ID.Valid(); err != nil {
		return fmt.Errorf("directory: %w", err)
	}
	if d.rooms[r.ID] != nil {
		return fmt.Errorf("directory: %w: duplicate room %q", ErrMalformed, r.ID)
	}
	if r.Kind != Standing && r.Kind != AdHoc {
		return fmt.Errorf("directory: %w: room %q: kind %d", ErrMalformed, r.ID, int(r.Kind))
	}
	if len(r.Members) == 0 {
		return fmt.Errorf("directory: %w: room %q has no member", ErrMalformed, r.ID)
	}
	c := r
	c.Members = slices.Clone(r.Members)
	slices.Sort(c.Members)
	for i, m := range c.Members {
		if d.members[m] == nil {
			return fmt.Errorf("directory: room %q: member %q: %w", r.ID, m, ErrUnknownMember)
		}
		if i > 0 && c.Members[i-1] == m {
			return fmt.Errorf("directory: %w: room %q: member %q repeated", ErrMalformed, r.ID, m)
		}
	}
	d.rooms[r.ID] = &c
	return nil
}

// WithRoom returns a new Directory that also holds r (typically an ad hoc
// room), or replaces the room with r's id.
func (d *Directory) WithRoom(r Room) (*Directory, error) {
	n := &Directory{members: d.members, devices: d.devices, rooms: make(map[RoomID]*Room, len(d.rooms)+1)}
	for id, v := range d.rooms {
		if id != r.ID {
			n.rooms[id] = v
		}
	}
	if err := n.addRoom(r); err != nil {
		return nil, err
	}
	return n, nil
}

// Member returns the member with id, and whether there is one.
func (d *Directory) Member(id MemberID) (Member, bool) {
	m := d.members[id]
	if m == nil {
		return Member{}, false
	}
	return cloneMember(m), true
}

// Device returns the device with id and its owner, and whether there is one.
func (d *Directory) Device(id DeviceID) (Device, MemberID, bool) {
	e := d.devices[id]
	if e == nil {
		return Device{}, "", false
	}
	return Device{ID: e.dev.ID, KEM: slices.Clone(e.dev.KEM), Sign: slices.Clone(e.dev.Sign)}, e.owner.ID, true
}

// Room returns the room with id, and whether there is one.
func (d *Directory) Room(id RoomID) (Room, bool) {
	r := d.rooms[id]
	if r == nil {
		return Room{}, false
	}
	c := *r
	c.Members = slices.Clone(r.Members)
	return c, true
}

// Rooms returns every room, sorted by id.
func (d *Directory) Rooms() []Room {
	out := make([]Room, 0, len(d.rooms))
	for id := range d.rooms {
		r, _ := d.Room(id)
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b Room) int { return strings.Compare(string(a.ID), string(b.ID)) })
	return out
}

// Members returns every member, sorted by id.
func (d *Directory) Members() []Member {
	out := make([]Member, 0, len(d.members))
	for _, m := range d.members {
		out = append(out, cloneMember(m))
	}
	slices.SortFunc(out, func(a, b Member) int { return strings.Compare(string(a.ID), string(b.ID)) })
	return out
}

func cloneMember(m *Member) Member {
	c := *m
	c.Devices = make([]Device, len(m.Devices))
	for i, dv := range m.Devices {
		c.Devices[i] = Device{ID: dv.ID, KEM: slices.Clone(dv.KEM), Sign: slices.Clone(dv.Sign)}
	}
	c.Alternates = slices.Clone(m.Alternates)
	return c
}

// readers returns the members entitled to read messages of room r: its
// members and their alternates, sorted.
func (d *Directory) readers(r *Room) []MemberID {
	set := map[MemberID]bool{}
	for _, m := range r.Members {
		set[m] = true
		for _, a := range d.members[m].Alternates {
			set[a] = true
		}
	}
	out := make([]MemberID, 0, len(set))
	for m := range set {
		out = append(out, m)
	}
	slices.Sort(out)
	return out
}

// isReader reports whether m is a member of r or an alternate of one.
func (d *Directory) isReader(r *Room, m MemberID) bool {
	if r.Has(m) {
		return true
	}
	for _, p := range r.Members {
		if slices.Contains(d.members[p].Alternates, m) {
			return true
		}
	}
	return false
}
