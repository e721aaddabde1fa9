package auth

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/trilink/trilink/internal/nation"
)

// User is one person's account on a node.
type User struct {
	Name    string        `json:"name"` // login name, see ValidName
	Display string        `json:"display,omitempty"`
	Nation  nation.Nation `json:"nation"`
	Role    Role          `json:"role"`
	// Member is the hotline member the user acts as (e.g. "jp-ops"), or
	// empty for users outside the hotline.
	Member string `json:"member,omitempty"`
	// Hash is the argon2id PHC string of the password; empty means
	// passkey-only.
	Hash string `json:"password_hash,omitempty"`
	// Handle is the WebAuthn user handle: random, never shown.
	Handle   []byte                `json:"handle"`
	Passkeys []webauthn.Credential `json:"passkeys,omitempty"`
	Disabled bool                  `json:"disabled,omitempty"`
	Created  time.Time             `json:"created"`
}

// Public is what a user may learn about an account: never the hash, the
// handle or the keys.
type Public struct {
	Name     string        `json:"name"`
	Display  string        `json:"display,omitempty"`
	Nation   nation.Nation `json:"nation"`
	Role     Role          `json:"role"`
	Member   string        `json:"member,omitempty"`
	Passkeys int           `json:"passkeys"`
	Disabled bool          `json:"disabled,omitempty"`
	// NeedsPasskey: the role requires a passkey and none is enrolled yet.
	NeedsPasskey bool `json:"needs_passkey,omitempty"`
}

// Public returns the shareable part of u.
func (u *User) Public() Public {
	return Public{Name: u.Name, Display: u.Display, Nation: u.Nation, Role: u.Role, Member: u.Member,
		Passkeys: len(u.Passkeys), Disabled: u.Disabled, NeedsPasskey: u.Role.NeedsPasskey() && len(u.Passkeys) == 0}
}

// WebAuthnID implements webauthn.User.
func (u *User) WebAuthnID() []byte { return u.Handle }

// WebAuthnName implements webauthn.User.
func (u *User) WebAuthnName() string { return u.Name }

// WebAuthnDisplayName implements webauthn.User.
func (u *User) WebAuthnDisplayName() string {
	if u.Display != "" {
		return u.Display
	}
	return u.Name
}

// WebAuthnCredentials implements webauthn.User.
func (u *User) WebAuthnCredentials() []webauthn.Credential { return u.Passkeys }

var validName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,63}$`)

// ValidName reports whether s may be a login name: 2–64 of a-z 0-9 . _ -,
// starting with a letter or digit.
func ValidName(s string) bool { return validName.MatchString(s) }

// Errors of the user store.
var (
	ErrNoUser     = errors.New("auth: no such user")
	ErrUserExists = errors.New("auth: user exists")
)

// Users is the set of accounts, kept in memory and, when it has a path,
// in a JSON file written atomically with mode 0600.
type Users struct {
	path string

	mu      sync.RWMutex
	users   map[string]*User
	stamp   fileStamp // of the file as last read or written
	pending []User    // cut off by a reload inside a change, for the next Reload
}

// fileStamp tells whether a file changed: its modification time and size.
type fileStamp struct {
	mod  time.Time
	size int64
}

func stampOf(path string) fileStamp {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}
	}
	return fileStamp{fi.ModTime(), fi.Size()}
}

// NewUsers returns an empty in-memory set (the demo's).
func NewUsers() *Users { return &Users{users: map[string]*User{}} }

// OpenUsers reads the file at path; a missing file is an empty set that
// will be created on the first change.
func OpenUsers(path string) (*Users, error) {
	u := &Users{path: path, users: map[string]*User{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return u, nil
	}
	if err != nil {
		return nil, fmt.Errorf("auth: users: %w", err)
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("auth: users: %s is readable by others (mode %v); chmod 600 it", path, fi.Mode().Perm())
	}
	if err := u.parse(b); err != nil {
		return nil, fmt.Errorf("auth: users: %s: %w", path, err)
	}
	u.stamp = stampOf(path)
	return u, nil
}

// Reload reads the file again if it changed since it was last read or
// written here (`trilink user` on a running node's file), and returns the
// users it no longer lets in (as they were): disabled, or gone. A file that
// does not parse or is readable by others is refused with an error
// naming why, and the users in memory stay as they were.
func (u *Users) Reload() (cutOff []User, err error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	cutOff, err = u.reloadLocked()
	cutOff = append(u.pending, cutOff...)
	u.pending = nil
	return cutOff, err
}

// reloadLocked is Reload under u.mu.
func (u *Users) reloadLocked() (cutOff []User, err error) {
	if u.path == "" {
		return nil, nil
	}
	st := stampOf(u.path)
	if st == u.stamp || st == (fileStamp{}) {
		return nil, nil
	}
	fi, err := os.Stat(u.path)
	if err == nil && fi.Mode().Perm()&0o077 != 0 {
		u.stamp = st // reported once, not every poll
		return nil, fmt.Errorf("auth: users: %s is readable by others (mode %v); chmod 600 it — not reloaded", u.path, fi.Mode().Perm())
	}
	b, err := os.ReadFile(u.path)
	if err != nil {
		return nil, fmt.Errorf("auth: users: %w", err)
	}
	fresh := &Users{users: map[string]*User{}}
	if err := fresh.parse(b); err != nil {
		u.stamp = st
		return nil, fmt.Errorf("auth: users: %s: %w — not reloaded", u.path, err)
	}
	for name, old := range u.users {
		if old.Disabled {
			continue
		}
		if nu, ok := fresh.users[name]; !ok || nu.Disabled {
			cutOff = append(cutOff, *old)
		}
	}
	u.users, u.stamp = fresh.users, st
	slices.SortFunc(cutOff, func(a, b User) int { return strings.Compare(a.Name, b.Name) })
	return cutOff, nil
}

// takeChangesLocked reads the file first if someone else changed it, so
// that a change made here does not overwrite theirs; whom it cuts off, the
// next Reload reports.
func (u *Users) takeChangesLocked() error {
	cut, err := u.reloadLocked()
	u.pending = append(u.pending, cut...)
	if err != nil {
		return fmt.Errorf("%w (the file changed on disk; fix it before changing users here)", err)
	}
	return nil
}

// parse reads a users file's contents into u.
func (u *Users) parse(b []byte) error {
	var list []*User
	if err := json.Unmarshal(b, &list); err != nil {
		return err
	}
	for i, x := range list {
		if x == nil {
			return fmt.Errorf("entry %d: null", i)
		}
		if err := x.check(); err != nil {
			return fmt.Errorf("entry %d: %w", i, err)
		}
		if _, dup := u.users[x.Name]; dup {
			return fmt.Errorf("%q twice", x.Name)
		}
		u.users[x.Name] = x
	}
	return nil
}

func (u *User) check() error {
	switch {
	case !ValidName(u.Name):
		return fmt.Errorf("name %q: want 2–64 of a-z 0-9 . _ -", u.Name)
	case !u.Nation.Valid():
		return fmt.Errorf("user %s: nation missing", u.Name)
	}
	r, err := ParseRole(string(u.Role))
	if err != nil {
		return fmt.Errorf("user %s: %w", u.Name, err)
	}
	u.Role = r // the canonical spelling
	return nil
}

// Add stores a new user with a fresh WebAuthn handle; password may be
// empty (passkey-only, or set later).
func (s *Users) Add(u User, password string) error {
	if err := u.check(); err != nil {
		return fmt.Errorf("auth: %w", err)
	}
	if password != "" {
		h, err := HashPassword(password)
		if err != nil {
			return err
		}
		u.Hash = h
	}
	return s.AddHashed(u)
}

// AddHashed stores a new user whose Hash is already set (or empty).
func (s *Users) AddHashed(u User) error {
	if err := u.check(); err != nil {
		return fmt.Errorf("auth: %w", err)
	}
	if len(u.Handle) == 0 {
		u.Handle = make([]byte, 32)
		_, _ = rand.Read(u.Handle)
	}
	if u.Created.IsZero() {
		u.Created = time.Now().UTC().Truncate(time.Second)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.takeChangesLocked(); err != nil {
		return err
	}
	if _, ok := s.users[u.Name]; ok {
		return fmt.Errorf("%w: %s", ErrUserExists, u.Name)
	}
	s.users[u.Name] = &u
	if err := s.saveLocked(); err != nil {
		delete(s.users, u.Name)
		return err
	}
	return nil
}

// Get returns a copy of user name.
func (s *Users) Get(name string) (User, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u, ok := s.users[name]
	if !ok {
		return User{}, false
	}
	return u.clone(), true
}

// ByHandle returns a copy of the user with WebAuthn handle h.
func (s *Users) ByHandle(h []byte) (User, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, u := range s.users {
		if string(u.Handle) == string(h) {
			return u.clone(), true
		}
	}
	return User{}, false
}

// List returns copies of every user, by name.
func (s *Users) List() []User {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]User, 0, len(s.users))
	for _, u := range s.users {
		out = append(out, u.clone())
	}
	slices.SortFunc(out, func(a, b User) int {
		if a.Name < b.Name {
			return -1
		}
		if a.Name > b.Name {
			return 1
		}
		return 0
	})
	return out
}

// Update changes user name with f and saves; f's change is dropped if
// saving fails.
func (s *Users) Update(name string, f func(*User) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.takeChangesLocked(); err != nil {
		return err
	}
	u, ok := s.users[name]
	if !ok {
		return fmt.Errorf("%w: %s", ErrNoUser, name)
	}
	c := u.clone()
	if err := f(&c); err != nil {
		return err
	}
	s.users[name] = &c
	if err := s.saveLocked(); err != nil {
		s.users[name] = u
		return err
	}
	return nil
}

func (u *User) clone() User {
	c := *u
	c.Handle = slices.Clone(u.Handle)
	c.Passkeys = slices.Clone(u.Passkeys)
	return c
}

// saveLocked writes the file atomically: temp file, fsync, rename.
func (s *Users) saveLocked() error {
	if s.path == "" {
		return nil
	}
	list := make([]*User, 0, len(s.users))
	for _, u := range s.users {
		list = append(list, u)
	}
	slices.SortFunc(list, func(a, b *User) int {
		if a.Name < b.Name {
			return -1
		}
		return 1
	})
	b, err := json.MarshalIndent(list, "", "  ")
	if err != nil {
		return fmt.Errorf("auth: users: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(s.path), 0o700); err != nil {
		return fmt.Errorf("auth: users: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(s.path), ".users-*")
	if err != nil {
		return fmt.Errorf("auth: users: %w", err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(b); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o600)
	}
	if err == nil {
		err = os.Rename(f.Name(), s.path)
	}
	if err != nil {
		return fmt.Errorf("auth: users: save %s: %w", s.path, err)
	}
	s.stamp = stampOf(s.path)
	return nil
}
