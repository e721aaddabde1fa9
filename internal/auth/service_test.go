package auth_test

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/trilink/trilink/internal/auth"
	"github.com/trilink/trilink/internal/nation"
)

const goodPassword = "correct horse battery staple"

var (
	loopback = netip.MustParseAddr("127.0.0.1")
	remote   = netip.MustParseAddr("192.0.2.7")
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time                { return c.t }
func (c *clock) advance(d time.Duration)       { c.t = c.t.Add(d) }
func newClock() *clock                         { return &clock{t: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)} }
func (c *clock) cfg(u *auth.Users) auth.Config { return auth.Config{Users: u, Now: c.now} }

func newService(t testing.TB, cfg auth.Config) *auth.Service {
	t.Helper()
	if cfg.Users == nil {
		cfg.Users = auth.NewUsers()
	}
	s, err := auth.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []auth.User{
		{Name: "jp-ops", Nation: nation.JP, Role: auth.RoleWatch, Member: "jp-ops"},
		{Name: "jp-leader", Nation: nation.JP, Role: auth.RoleLeader, Member: "jp-leader"},
	} {
		if err := s.AddUser("test", u, goodPassword); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func TestLogin(t *testing.T) {
	tests := []struct {
		name, user, password string
		from                 netip.Addr
		loopbackOnly         bool
		want                 error
	}{
		{"good", "jp-ops", goodPassword, remote, false, nil},
		{"wrong password", "jp-ops", goodPassword + "x", remote, false, auth.ErrBadCredentials},
		{"unknown user", "kr-ops", goodPassword, remote, false, auth.ErrBadCredentials},
		{"empty password", "jp-ops", "", remote, false, auth.ErrBadCredentials},
		{"demo from loopback", "jp-ops", goodPassword, loopback, true, nil},
		{"demo from elsewhere", "jp-ops", goodPassword, remote, true, auth.ErrNotLoopback},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newService(t, auth.Config{LoopbackOnly: tt.loopbackOnly})
			token, sess, err := s.Login(tt.user, tt.password, tt.from)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Login: %v, want %v", err, tt.want)
			}
			if err != nil {
				if token != "" {
					t.Fatal("a token with an error")
				}
				return
			}
			if sess.User.Name != tt.user || sess.User.Nation != nation.JP || sess.Method != "password" {
				t.Fatalf("session %+v", sess)
			}
			got, err := s.Session(token)
			if err != nil || got.User.Name != tt.user {
				t.Fatalf("Session: %+v, %v", got, err)
			}
			if _, err := s.Session(token + "x"); !errors.Is(err, auth.ErrNoSession) {
				t.Fatalf("a wrong token: %v", err)
			}
			s.Logout(token)
			if _, err := s.Session(token); !errors.Is(err, auth.ErrNoSession) {
				t.Fatalf("after logout: %v", err)
			}
		})
	}
}

func TestLockout(t *testing.T) {
	c := newClock()
	cfg := c.cfg(nil)
	cfg.MaxFailures, cfg.Lockout = 3, time.Minute
	s := newService(t, cfg)
	for i := 0; i < 3; i++ {
		if _, _, err := s.Login("jp-ops", "not the password at all", remote); !errors.Is(err, auth.ErrBadCredentials) {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	// Locked: even the right password is refused, and says so.
	if _, _, err := s.Login("jp-ops", goodPassword, remote); !errors.Is(err, auth.ErrLocked) {
		t.Fatalf("while locked: %v", err)
	}
	if d := s.RetryAfter("jp-ops"); d <= 0 || d > time.Minute {
		t.Fatalf("RetryAfter %v", d)
	}
	// Another name is not locked.
	if _, _, err := s.Login("jp-leader", goodPassword, remote); err != nil {
		t.Fatalf("other user: %v", err)
	}
	c.advance(61 * time.Second)
	if _, _, err := s.Login("jp-ops", goodPassword, remote); err != nil {
		t.Fatalf("after the lockout: %v", err)
	}
}

func TestRateLimitPerAddress(t *testing.T) {
	c := newClock()
	cfg := c.cfg(nil)
	cfg.LoginRate, cfg.LoginBurst, cfg.MaxFailures = 0.5, 3, 100
	s := newService(t, cfg)
	for i := 0; i < 3; i++ {
		if _, _, err := s.Login("nobody", "x", remote); !errors.Is(err, auth.ErrBadCredentials) {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	if _, _, err := s.Login("jp-ops", goodPassword, remote); !errors.Is(err, auth.ErrRateLimited) {
		t.Fatalf("4th attempt: %v", err)
	}
	if _, _, err := s.Login("jp-ops", goodPassword, loopback); err != nil {
		t.Fatalf("another address: %v", err)
	}
	c.advance(2 * time.Second)
	if _, _, err := s.Login("jp-ops", goodPassword, remote); err != nil {
		t.Fatalf("after refill: %v", err)
	}
}

func TestSessionExpiry(t *testing.T) {
	c := newClock()
	cfg := c.cfg(nil)
	cfg.SessionIdle, cfg.SessionMax = 10*time.Minute, time.Hour
	s := newService(t, cfg)
	token, _, err := s.Login("jp-ops", goodPassword, remote)
	if err != nil {
		t.Fatal(err)
	}
	// Used every 9 minutes it lives until the absolute limit.
	for i := 0; i < 6; i++ {
		c.advance(9 * time.Minute)
		if _, err := s.Session(token); err != nil {
			t.Fatalf("after %d×9 min: %v", i+1, err)
		}
	}
	c.advance(9 * time.Minute) // 63 min after login
	if _, err := s.Session(token); !errors.Is(err, auth.ErrNoSession) {
		t.Fatalf("past SessionMax: %v", err)
	}
	token, _, _ = s.Login("jp-ops", goodPassword, remote)
	c.advance(11 * time.Minute)
	if _, err := s.Session(token); !errors.Is(err, auth.ErrNoSession) {
		t.Fatalf("idle past SessionIdle: %v", err)
	}
}

func TestDisableCutsOffAtOnce(t *testing.T) {
	var events []auth.Event
	s := newService(t, auth.Config{Audit: func(e auth.Event) { events = append(events, e) }})
	token, _, err := s.Login("jp-ops", goodPassword, remote)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Disable("jp-admin", "jp-ops", true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(token); !errors.Is(err, auth.ErrNoSession) {
		t.Fatalf("session of a disabled user: %v", err)
	}
	if n := s.Sessions("jp-ops"); n != 0 {
		t.Fatalf("%d sessions left", n)
	}
	if _, _, err := s.Login("jp-ops", goodPassword, remote); !errors.Is(err, auth.ErrBadCredentials) {
		t.Fatalf("login of a disabled user: %v", err)
	}
	want := []string{"user-added", "user-added", "login", "user-disabled", "login-failed"}
	if len(events) != len(want) {
		t.Fatalf("audit events %+v, want actions %v", events, want)
	}
	for i, e := range events {
		if e.Action != want[i] || e.Time.IsZero() {
			t.Fatalf("event %d: %+v, want %s", i, e, want[i])
		}
	}
	if events[3].Actor != "jp-admin" {
		t.Fatalf("disable's actor %q", events[3].Actor)
	}
}

func TestPasswordRules(t *testing.T) {
	s := newService(t, auth.Config{})
	for _, p := range []string{"short", "fourteen chars"} {
		if err := s.SetPassword("t", "jp-ops", p); err == nil {
			t.Fatalf("%q accepted", p)
		}
	}
	if err := s.SetPassword("t", "jp-ops", "パスワードは十五文字以上必要です"); err != nil {
		t.Fatalf("a Japanese passphrase: %v", err)
	}
	if err := s.AddUser("t", auth.User{Name: "Bad Name", Nation: nation.JP, Role: auth.RoleObserver}, goodPassword); err == nil {
		t.Fatal("a name with a space and capitals accepted")
	}
	if err := s.AddUser("t", auth.User{Name: "x1", Nation: nation.JP, Role: "king"}, goodPassword); err == nil {
		t.Fatal("an unknown role accepted")
	}
	if err := s.AddUser("t", auth.User{Name: "jp-ops", Nation: nation.JP, Role: auth.RoleObserver}, goodPassword); !errors.Is(err, auth.ErrUserExists) {
		t.Fatalf("a duplicate: %v", err)
	}
}

func TestPasskeyRequiredOnceEnrolled(t *testing.T) {
	users := auth.NewUsers()
	s := newService(t, auth.Config{Users: users})
	// Without a passkey a leader signs in with the password (to enrol one)
	// and is told to enrol.
	_, sess, err := s.Login("jp-leader", goodPassword, remote)
	if err != nil || !sess.User.NeedsPasskey {
		t.Fatalf("before enrolment: %+v, %v", sess, err)
	}
	if err := users.Update("jp-leader", func(u *auth.User) error {
		u.Passkeys = append(u.Passkeys, fakeCredential())
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Login("jp-leader", goodPassword, remote); !errors.Is(err, auth.ErrPasskeyRequired) {
		t.Fatalf("after enrolment: %v", err)
	}
	// A watch officer's password still works.
	if _, _, err := s.Login("jp-ops", goodPassword, remote); err != nil {
		t.Fatal(err)
	}
}

func TestUsersFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "users.json")
	u, err := auth.OpenUsers(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := u.Add(auth.User{Name: "kr-admin", Nation: nation.KR, Role: auth.RoleAdmin}, goodPassword); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", fi.Mode().Perm())
	}
	again, err := auth.OpenUsers(path)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := again.Get("kr-admin")
	if !ok || got.Nation != nation.KR || got.Role != auth.RoleAdmin || got.Hash == "" || len(got.Handle) != 32 {
		t.Fatalf("read back %+v", got)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := auth.OpenUsers(path); err == nil {
		t.Fatal("a world-readable users file accepted")
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	for _, body := range []string{`{`, `[{"name":"a b","nation":"jp","role":"admin"}]`, `[{"name":"ab","nation":"xx","role":"admin"}]`} {
		if err := os.WriteFile(bad, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := auth.OpenUsers(bad); err == nil {
			t.Fatalf("%s accepted", body)
		}
	}
}

// fileService is newService on a users file; the slice collects the users
// OnDisable is told of.
func fileService(t *testing.T) (*auth.Service, string, *[]auth.User) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "users.json")
	users, err := auth.OpenUsers(path)
	if err != nil {
		t.Fatal(err)
	}
	cut := &[]auth.User{}
	return newService(t, auth.Config{Users: users, OnDisable: func(u auth.User) { *cut = append(*cut, u) }}), path, cut
}

// Changes to the users file by another process (`trilink user` on a
// running node's file) are taken in by ReloadUsers: a disabled or removed
// user loses their sessions; a broken file is refused and changes nothing.
func TestReloadUsers(t *testing.T) {
	s, path, cutOff := fileService(t)
	cut := func() []auth.User { return *cutOff }
	if err := s.ReloadUsers(); err != nil || len(cut()) != 0 {
		t.Fatalf("reload of our own writes: %v, cut off %v", err, cut())
	}
	ops, _, err := s.Login("jp-ops", goodPassword, remote)
	if err != nil {
		t.Fatal(err)
	}
	leader, _, err := s.Login("jp-leader", goodPassword, remote)
	if err != nil {
		t.Fatal(err)
	}
	// Another process disables jp-ops.
	other, err := auth.OpenUsers(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Update("jp-ops", func(u *auth.User) error { u.Disabled = true; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := s.ReloadUsers(); err != nil {
		t.Fatal(err)
	}
	if len(cut()) != 1 || cut()[0].Name != "jp-ops" || cut()[0].Member != "jp-ops" {
		t.Fatalf("cut off %+v, want jp-ops with its member", cut())
	}
	if _, err := s.Session(ops); !errors.Is(err, auth.ErrNoSession) {
		t.Fatalf("jp-ops's session after the reload: %v", err)
	}
	if _, err := s.Session(leader); err != nil {
		t.Fatalf("jp-leader's session after the reload: %v", err)
	}
	// A broken file is refused; what is in memory stays.
	time.Sleep(10 * time.Millisecond) // a new modification time
	if err := os.WriteFile(path, []byte("[{\"name\": \"x\"}"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.ReloadUsers(); err == nil {
		t.Fatal("a broken users file was taken")
	}
	if _, err := s.Session(leader); err != nil {
		t.Fatalf("jp-leader's session after a broken file: %v", err)
	}
	// Removing a user cuts them off too.
	time.Sleep(10 * time.Millisecond)
	if err := os.WriteFile(path, []byte("[]"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.ReloadUsers(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(leader); !errors.Is(err, auth.ErrNoSession) {
		t.Fatalf("a removed user's session: %v", err)
	}
	if len(cut()) != 2 || cut()[1].Name != "jp-leader" {
		t.Fatalf("cut off %+v", cut())
	}
}

// A change made by the node does not overwrite a change another process
// made to the file a moment before: the node reads the file first.
func TestChangeKeepsTheirChange(t *testing.T) {
	s, path, cutOff := fileService(t)
	cut := func() []auth.User { return *cutOff }
	tok, _, err := s.Login("jp-ops", goodPassword, remote)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond)
	other, err := auth.OpenUsers(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Update("jp-ops", func(u *auth.User) error { u.Disabled = true; return nil }); err != nil {
		t.Fatal(err)
	}
	// The node changes another user before its next poll.
	if err := s.SetPassword("jp-admin", "jp-leader", goodPassword+" 2"); err != nil {
		t.Fatal(err)
	}
	again, err := auth.OpenUsers(path)
	if err != nil {
		t.Fatal(err)
	}
	if u, _ := again.Get("jp-ops"); !u.Disabled {
		t.Fatal("the node's change overwrote the disable made by another process")
	}
	if err := s.ReloadUsers(); err != nil {
		t.Fatal(err)
	}
	if len(cut()) != 1 || cut()[0].Name != "jp-ops" {
		t.Fatalf("cut off %+v, want jp-ops", cut())
	}
	if _, err := s.Session(tok); !errors.Is(err, auth.ErrNoSession) {
		t.Fatalf("jp-ops's session: %v", err)
	}
}
