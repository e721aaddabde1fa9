package auth

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
	"golang.org/x/time/rate"
)

// Errors of logins and sessions. Messages are safe to show to the caller:
// none says whether a user name exists.
var (
	ErrBadCredentials  = errors.New("auth: wrong name or password")
	ErrLocked          = errors.New("auth: too many failed logins for this name; locked for a while")
	ErrRateLimited     = errors.New("auth: too many login attempts from this address; slow down")
	ErrPasskeyRequired = errors.New("auth: this account has a passkey: sign in with it")
	ErrNotLoopback     = errors.New("auth: demo logins are accepted only from this machine (loopback)")
	ErrNoSession       = errors.New("auth: not signed in, or the session expired")
	ErrNoPasskeys      = errors.New("auth: passkeys are not configured on this node")
	ErrCeremony        = errors.New("auth: unknown or expired passkey ceremony; start again")
	ErrPasskey         = errors.New("auth: passkey not accepted")
)

// Config configures a Service. Zero durations and limits take the
// defaults in brackets.
type Config struct {
	Users *Users
	// RPID is the WebAuthn relying party id: the console's host name
	// (not an IP address; browsers refuse those). Empty disables passkeys.
	RPID      string
	RPOrigins []string // e.g. https://ops.jp.trilink.internal
	// SessionIdle ends a session not used for this long [30 min];
	// SessionMax ends any session this long after login [12 h].
	SessionIdle, SessionMax time.Duration
	// MaxFailures consecutive failed logins lock a name for Lockout
	// [5, 5 min].
	MaxFailures int
	Lockout     time.Duration
	// LoginRate and LoginBurst limit login attempts per client address
	// [1/s, burst 20].
	LoginRate  rate.Limit
	LoginBurst int
	// LoopbackOnly accepts logins only from loopback addresses: the demo,
	// whose credentials are printed at start.
	LoopbackOnly bool
	// Audit receives every security action; nil drops them.
	Audit func(Event)
	// OnDisable is told of a user just disabled, after their sessions
	// ended, so that what else they hold (calls) ends too.
	OnDisable func(User)
	Now       func() time.Time
}

// Event is one security action, for the audit log.
type Event struct {
	Time   time.Time `json:"time"`
	Action string    `json:"action"` // login, login-failed, logout, passkey-added, user-added, user-disabled, password-set, session-expired
	User   string    `json:"user"`
	Actor  string    `json:"actor,omitempty"` // who did it, when not the user
	Remote string    `json:"remote,omitempty"`
	Detail string    `json:"detail,omitempty"`
}

// Session is a signed-in user.
type Session struct {
	User    Public    `json:"user"`
	Method  string    `json:"method"` // password | passkey
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
}

type session struct {
	name     string
	method   string
	created  time.Time
	lastSeen time.Time
}

type failure struct {
	count int
	until time.Time
}

type ceremony struct {
	data    webauthn.SessionData
	user    string // registration: the user; login: empty
	expires time.Time
}

// Service signs users in and keeps their sessions.
type Service struct {
	cfg Config
	wa  *webauthn.WebAuthn

	mu         sync.Mutex
	sessions   map[[32]byte]*session // by SHA-256 of the token
	failures   map[string]*failure
	limiters   map[netip.Addr]*rate.Limiter
	ceremonies map[string]*ceremony
}

// New returns a service over cfg.Users.
func New(cfg Config) (*Service, error) {
	if cfg.Users == nil {
		return nil, errors.New("auth: no user store")
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.SessionIdle, 30*time.Minute)
	def(&cfg.SessionMax, 12*time.Hour)
	def(&cfg.Lockout, 5*time.Minute)
	if cfg.MaxFailures <= 0 {
		cfg.MaxFailures = 5
	}
	if cfg.LoginRate <= 0 {
		cfg.LoginRate = 1
	}
	if cfg.LoginBurst <= 0 {
		cfg.LoginBurst = 20
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Service{cfg: cfg, sessions: map[[32]byte]*session{}, failures: map[string]*failure{},
		limiters: map[netip.Addr]*rate.Limiter{}, ceremonies: map[string]*ceremony{}}
	if cfg.RPID != "" {
		wa, err := webauthn.New(&webauthn.Config{RPID: cfg.RPID, RPDisplayName: "trilink", RPOrigins: cfg.RPOrigins})
		if err != nil {
			return nil, fmt.Errorf("auth: webauthn: %w", err)
		}
		s.wa = wa
	}
	return s, nil
}

// Users returns the service's user store.
func (s *Service) Users() *Users { return s.cfg.Users }

// Passkeys reports whether passkeys are configured.
func (s *Service) Passkeys() bool { return s.wa != nil }

func (s *Service) audit(e Event) {
	if s.cfg.Audit != nil {
		e.Time = s.cfg.Now().UTC()
		s.cfg.Audit(e)
	}
}

// admit applies the per-address rate limit and the loopback rule.
func (s *Service) admit(remote netip.Addr) error {
	if s.cfg.LoopbackOnly && !remote.IsLoopback() {
		return ErrNotLoopback
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.limiters[remote]
	if l == nil {
		if len(s.limiters) > 10000 { // a spray of addresses: start over rather than grow
			clear(s.limiters)
		}
		l = rate.NewLimiter(s.cfg.LoginRate, s.cfg.LoginBurst)
		s.limiters[remote] = l
	}
	if !l.AllowN(s.cfg.Now(), 1) {
		return ErrRateLimited
	}
	return nil
}

// RetryAfter says how long a caller refused with ErrLocked or
// ErrRateLimited should wait.
func (s *Service) RetryAfter(name string) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f := s.failures[name]; f != nil && f.until.After(s.cfg.Now()) {
		return f.until.Sub(s.cfg.Now()).Round(time.Second)
	}
	return time.Duration(float64(time.Second) / float64(s.cfg.LoginRate))
}

// Login checks a name and password from remote and returns a new session
// token. Names that do not exist cost the same time and count towards
// lockout like names that do.
func (s *Service) Login(name, password string, remote netip.Addr) (string, Session, error) {
	if err := s.admit(remote); err != nil {
		s.audit(Event{Action: "login-failed", User: name, Remote: remote.String(), Detail: err.Error()})
		return "", Session{}, err
	}
	now := s.cfg.Now()
	s.mu.Lock()
	f := s.failures[name]
	locked := f != nil && f.until.After(now)
	s.mu.Unlock()
	if locked {
		s.audit(Event{Action: "login-failed", User: name, Remote: remote.String(), Detail: "locked"})
		return "", Session{}, ErrLocked
	}
	u, found := s.cfg.Users.Get(name)
	hash := u.Hash
	if !found || u.Disabled {
		hash = ""
	}
	if !verifyPassword(password, hash) {
		s.fail(name, now)
		s.audit(Event{Action: "login-failed", User: name, Remote: remote.String(), Detail: "wrong name or password"})
		return "", Session{}, ErrBadCredentials
	}
	if u.Role.NeedsPasskey() && len(u.Passkeys) > 0 {
		s.audit(Event{Action: "login-failed", User: name, Remote: remote.String(), Detail: "passkey required"})
		return "", Session{}, ErrPasskeyRequired
	}
	s.mu.Lock()
	delete(s.failures, name)
	s.mu.Unlock()
	return s.start(u, "password", remote)
}

func (s *Service) fail(name string, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.failures[name]
	if f == nil {
		if len(s.failures) > 10000 {
			for k, v := range s.failures {
				if v.until.Before(now) {
					delete(s.failures, k)
				}
			}
		}
		f = &failure{}
		s.failures[name] = f
	}
	f.count++
	if f.count >= s.cfg.MaxFailures {
		f.until = now.Add(s.cfg.Lockout)
		f.count = 0
	}
}

func (s *Service) start(u User, method string, remote netip.Addr) (string, Session, error) {
	raw := make([]byte, 32)
	_, _ = rand.Read(raw)
	token := base64.RawURLEncoding.EncodeToString(raw)
	now := s.cfg.Now()
	s.mu.Lock()
	if len(s.sessions) >= maxEntries {
		s.sweepLocked(now)
	}
	s.sessions[sha256.Sum256([]byte(token))] = &session{name: u.Name, method: method, created: now, lastSeen: now}
	s.mu.Unlock()
	s.audit(Event{Action: "login", User: u.Name, Remote: remote.String(), Detail: method})
	return token, s.view(u, method, now, now), nil
}

func (s *Service) view(u User, method string, created, lastSeen time.Time) Session {
	exp := lastSeen.Add(s.cfg.SessionIdle)
	if max := created.Add(s.cfg.SessionMax); max.Before(exp) {
		exp = max
	}
	return Session{User: u.Public(), Method: method, Created: created, Expires: exp}
}

// Session returns the session of token and marks it used. A session ends
// when idle or too old, and at once when its user is disabled or removed.
func (s *Service) Session(token string) (Session, error) {
	key := sha256.Sum256([]byte(token))
	now := s.cfg.Now()
	s.mu.Lock()
	ss := s.sessions[key]
	if ss != nil && (now.Sub(ss.lastSeen) > s.cfg.SessionIdle || now.Sub(ss.created) > s.cfg.SessionMax) {
		delete(s.sessions, key)
		ss = nil
	}
	if ss != nil {
		ss.lastSeen = now
	}
	s.mu.Unlock()
	if ss == nil {
		return Session{}, ErrNoSession
	}
	u, ok := s.cfg.Users.Get(ss.name)
	if !ok || u.Disabled {
		s.mu.Lock()
		delete(s.sessions, key)
		s.mu.Unlock()
		return Session{}, ErrNoSession
	}
	return s.view(u, ss.method, ss.created, now), nil
}

// Logout ends the session of token.
func (s *Service) Logout(token string) {
	key := sha256.Sum256([]byte(token))
	s.mu.Lock()
	ss := s.sessions[key]
	delete(s.sessions, key)
	s.mu.Unlock()
	if ss != nil {
		s.audit(Event{Action: "logout", User: ss.name})
	}
}

// Sessions counts the live sessions of user name.
func (s *Service) Sessions(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, ss := range s.sessions {
		if ss.name == name {
			n++
		}
	}
	return n
}

// AddUser creates a user on behalf of actor (an admin, or "cli").
func (s *Service) AddUser(actor string, u User, password string) error {
	if password != "" {
		if err := CheckPassword(password); err != nil {
			return err
		}
	}
	if err := s.cfg.Users.Add(u, password); err != nil {
		return err
	}
	s.audit(Event{Action: "user-added", User: u.Name, Actor: actor, Detail: fmt.Sprintf("%s %s %s", u.Nation, u.Role, u.Member)})
	return nil
}

// SetPassword replaces user name's password.
func (s *Service) SetPassword(actor, name, password string) error {
	h, err := HashPassword(password)
	if err != nil {
		return err
	}
	if err := s.cfg.Users.Update(name, func(u *User) error { u.Hash = h; return nil }); err != nil {
		return err
	}
	s.audit(Event{Action: "password-set", User: name, Actor: actor})
	return nil
}

// Disable cuts user name off: every session ends now and no login
// succeeds until enabled again.
func (s *Service) Disable(actor, name string, disabled bool) error {
	if err := s.cfg.Users.Update(name, func(u *User) error { u.Disabled = disabled; return nil }); err != nil {
		return err
	}
	if disabled {
		s.endSessions(name)
	}
	action := "user-enabled"
	if disabled {
		action = "user-disabled"
		if u, ok := s.cfg.Users.Get(name); ok && s.cfg.OnDisable != nil {
			s.cfg.OnDisable(u)
		}
	}
	s.audit(Event{Action: action, User: name, Actor: actor})
	return nil
}

// endSessions ends every session of user name.
func (s *Service) endSessions(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, ss := range s.sessions {
		if ss.name == name {
			delete(s.sessions, k)
		}
	}
}

// ReloadUsers takes in changes made to the users file by others (`trilink
// user` on a running node): users no longer let in — disabled or removed —
// lose their sessions at once, as with Disable. Call it periodically.
func (s *Service) ReloadUsers() error {
	cut, err := s.cfg.Users.Reload()
	for _, u := range cut {
		s.endSessions(u.Name)
		if s.cfg.OnDisable != nil {
			s.cfg.OnDisable(u)
		}
		s.audit(Event{Action: "user-disabled", User: u.Name, Actor: "users-file", Detail: "disabled or removed in the users file"})
	}
	return err
}

// Passkey ceremonies (W3C WebAuthn §7). Ceremony state stays on the
// server, named by a random id the client returns; it lives 5 minutes.
const ceremonyTTL = 5 * time.Minute

func (s *Service) keepCeremony(c *ceremony) (string, error) {
	raw := make([]byte, 18)
	_, _ = rand.Read(raw)
	id := base64.RawURLEncoding.EncodeToString(raw)
	now := s.cfg.Now()
	c.expires = now.Add(ceremonyTTL)
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, v := range s.ceremonies {
		if v.expires.Before(now) {
			delete(s.ceremonies, k)
		}
	}
	if len(s.ceremonies) >= maxEntries {
		return "", ErrRateLimited // a flood of unfinished ceremonies
	}
	s.ceremonies[id] = c
	return id, nil
}

// maxEntries bounds the sessions and open ceremonies a node keeps.
const maxEntries = 100000

// sweepLocked drops expired sessions; s.mu is held.
func (s *Service) sweepLocked(now time.Time) {
	for k, ss := range s.sessions {
		if now.Sub(ss.lastSeen) > s.cfg.SessionIdle || now.Sub(ss.created) > s.cfg.SessionMax {
			delete(s.sessions, k)
		}
	}
}

func (s *Service) takeCeremony(id string, user string) (*ceremony, error) {
	s.mu.Lock()
	c := s.ceremonies[id]
	delete(s.ceremonies, id)
	s.mu.Unlock()
	if c == nil || c.expires.Before(s.cfg.Now()) || c.user != user {
		return nil, ErrCeremony
	}
	return c, nil
}

// BeginRegistration starts adding a passkey to the signed-in user of
// token; the client passes the options to navigator.credentials.create.
func (s *Service) BeginRegistration(token string) (*protocol.CredentialCreation, string, error) {
	if s.wa == nil {
		return nil, "", ErrNoPasskeys
	}
	sess, err := s.Session(token)
	if err != nil {
		return nil, "", err
	}
	u, _ := s.cfg.Users.Get(sess.User.Name)
	opts, data, err := s.wa.BeginRegistration(&u,
		webauthn.WithResidentKeyRequirement(protocol.ResidentKeyRequirementRequired),
		webauthn.WithExclusions(webauthn.Credentials(u.Passkeys).CredentialDescriptors()))
	if err != nil {
		return nil, "", fmt.Errorf("auth: passkey registration: %w", err)
	}
	id, err := s.keepCeremony(&ceremony{data: *data, user: u.Name})
	return opts, id, err
}

// FinishRegistration checks the authenticator's answer in r's body and
// stores the new passkey.
func (s *Service) FinishRegistration(token, id string, r *http.Request) error {
	if s.wa == nil {
		return ErrNoPasskeys
	}
	sess, err := s.Session(token)
	if err != nil {
		return err
	}
	c, err := s.takeCeremony(id, sess.User.Name)
	if err != nil {
		return err
	}
	u, _ := s.cfg.Users.Get(sess.User.Name)
	cred, err := s.wa.FinishRegistration(&u, c.data, r)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrPasskey, protocolDetail(err))
	}
	if err := s.cfg.Users.Update(u.Name, func(u *User) error { u.Passkeys = append(u.Passkeys, *cred); return nil }); err != nil {
		return err
	}
	s.audit(Event{Action: "passkey-added", User: u.Name, Detail: base64.RawURLEncoding.EncodeToString(cred.ID)})
	return nil
}

// BeginLogin starts a passkey sign-in without a name (discoverable
// credentials); the client passes the options to navigator.credentials.get.
func (s *Service) BeginLogin(remote netip.Addr) (*protocol.CredentialAssertion, string, error) {
	if s.wa == nil {
		return nil, "", ErrNoPasskeys
	}
	if err := s.admit(remote); err != nil {
		return nil, "", err
	}
	opts, data, err := s.wa.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationRequired))
	if err != nil {
		return nil, "", fmt.Errorf("auth: passkey login: %w", err)
	}
	id, err := s.keepCeremony(&ceremony{data: *data})
	return opts, id, err
}

// FinishLogin checks the assertion in r's body and returns a session.
func (s *Service) FinishLogin(id string, r *http.Request, remote netip.Addr) (string, Session, error) {
	if s.wa == nil {
		return "", Session{}, ErrNoPasskeys
	}
	c, err := s.takeCeremony(id, "")
	if err != nil {
		return "", Session{}, err
	}
	var found User
	wu, cred, err := s.wa.FinishPasskeyLogin(func(rawID, handle []byte) (webauthn.User, error) {
		u, ok := s.cfg.Users.ByHandle(handle)
		if !ok || u.Disabled {
			return nil, ErrPasskey
		}
		found = u
		return &found, nil
	}, c.data, r)
	if err != nil || wu == nil {
		s.audit(Event{Action: "login-failed", User: found.Name, Remote: remote.String(), Detail: "passkey: " + protocolDetail(err)})
		return "", Session{}, fmt.Errorf("%w: %v", ErrPasskey, protocolDetail(err))
	}
	// Keep the signature counter (§6.1.1) so a cloned authenticator shows.
	_ = s.cfg.Users.Update(found.Name, func(u *User) error {
		for i := range u.Passkeys {
			if bytes.Equal(u.Passkeys[i].ID, cred.ID) {
				u.Passkeys[i].Authenticator = cred.Authenticator
			}
		}
		return nil
	})
	if cred.Authenticator.CloneWarning {
		s.audit(Event{Action: "passkey-clone-warning", User: found.Name, Remote: remote.String()})
		return "", Session{}, fmt.Errorf("%w: signature counter went backwards (cloned authenticator?)", ErrPasskey)
	}
	return s.start(found, "passkey", remote)
}

// protocolDetail returns the useful part of a go-webauthn error.
func protocolDetail(err error) string {
	if err == nil {
		return "no user"
	}
	var pe *protocol.Error
	if errors.As(err, &pe) && pe.DevInfo != "" {
		return pe.Details + ": " + pe.DevInfo
	}
	return err.Error()
}
