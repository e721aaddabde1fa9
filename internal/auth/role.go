package auth

import (
	"fmt"
	"strings"
)

// Role is what a user does. The set is fixed (DESIGN.md §8).
type Role string

// The roles.
const (
	// RoleLeader: heads of state and government; hotline rooms they are
	// members of, and the picture.
	RoleLeader Role = "leader"
	// RoleOfficial: ministers, national security advisers and their
	// deputies; hotline and picture.
	RoleOfficial Role = "official"
	// RoleWatch: the operations centre's watch officers; picture, alerts,
	// hotline.
	RoleWatch Role = "watch_officer"
	// RoleObserver: read-only picture and alerts.
	RoleObserver Role = "observer"
	// RoleAdmin: users and the node's security settings; picture read-only.
	RoleAdmin Role = "admin"
)

// Roles lists every role, most senior first.
var Roles = []Role{RoleLeader, RoleOfficial, RoleWatch, RoleObserver, RoleAdmin}

// ParseRole parses a role name as written in Roles ("watch-officer" is
// accepted for "watch_officer").
func ParseRole(s string) (Role, error) {
	r := Role(strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), "-", "_"))
	for _, v := range Roles {
		if r == v {
			return r, nil
		}
	}
	return "", fmt.Errorf("auth: role %q: want one of leader, official, watch_officer, observer, admin", s)
}

// NeedsPasskey reports whether users of the role must sign in with a
// passkey once they have enrolled one: leaders and officials.
func (r Role) NeedsPasskey() bool { return r == RoleLeader || r == RoleOfficial }
