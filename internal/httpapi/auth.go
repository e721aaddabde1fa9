package httpapi

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trilink/trilink/internal/auth"
	"github.com/trilink/trilink/internal/nation"
)

// SessionCookie carries the session token. HttpOnly (scripts never see
// it), SameSite=Strict, Path=/, and Secure whenever the request came over
// TLS.
const SessionCookie = "trilink_session"

// Access says who may call a route.
type Access int

// The access levels of routes.
const (
	// Public: anyone, signed in or not (health, CAP feeds, the console's
	// files, the login itself).
	Public Access = iota
	// SignedIn: every role, for its own nation.
	SignedIn
	// HotlineUser: leaders, officials and watch officers, as their own
	// hotline member.
	HotlineUser
	// Admin: the nation's administrators.
	Admin
	// SensorCert: sensors, by their client certificate over mutual TLS;
	// no user session gives access.
	SensorCert
	// ScrapeToken: metrics scrapers, by the node's scrape token
	// ([Options].MetricsToken) as a bearer token; no user session gives
	// access.
	ScrapeToken
)

func (a Access) String() string {
	return [...]string{"public", "signed-in", "hotline", "admin", "sensor-certificate", "scrape-token"}[a]
}

// Allows reports whether role may call a route of access a.
func (a Access) Allows(r auth.Role) bool {
	switch a {
	case Public, SignedIn:
		return true
	case HotlineUser:
		return r == auth.RoleLeader || r == auth.RoleOfficial || r == auth.RoleWatch
	case Admin:
		return r == auth.RoleAdmin
	}
	return false
}

// Route is one registered route and who may call it.
type Route struct {
	Pattern string
	Access  Access
}

type ctxKey struct{}

// sessionFrom returns the request's session, if any.
func sessionFrom(ctx context.Context) (auth.Session, bool) {
	s, ok := ctx.Value(ctxKey{}).(auth.Session)
	return s, ok
}

// handle registers f under pattern behind the access check.
func (s *server) handle(mux *http.ServeMux, pattern string, a Access, f http.HandlerFunc) {
	s.routes = append(s.routes, Route{pattern, a})
	if a == Public || a == SensorCert {
		mux.HandleFunc(pattern, f)
		return
	}
	if a == ScrapeToken {
		want := []byte(s.o.MetricsToken)
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), want) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
				s.reject(w, r, http.StatusUnauthorized, "unauthenticated", "metrics need the node's scrape token as a bearer token")
				return
			}
			f(w, r)
		})
		return
	}
	mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		sess, ok := sessionFrom(r.Context())
		if !ok {
			s.reject(w, r, http.StatusUnauthorized, "unauthenticated", "not signed in, or the session expired: POST /api/v1/auth/login")
			return
		}
		if !a.Allows(sess.User.Role) {
			s.reject(w, r, http.StatusForbidden, "forbidden", "role "+string(sess.User.Role)+" may not "+r.Method+" "+r.URL.Path)
			return
		}
		f(w, r)
	})
}

// withSession puts the session named by the cookie, or by an
// "Authorization: Bearer" token for programs, into the request's context.
func (s *server) withSession(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.o.Auth != nil {
			if tok := sessionToken(r); tok != "" {
				if sess, err := s.o.Auth.Session(tok); err == nil {
					r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, sess))
				}
			}
		}
		h.ServeHTTP(w, r)
	})
}

func sessionToken(r *http.Request) string {
	if v, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		return strings.TrimSpace(v)
	}
	if c, err := r.Cookie(SessionCookie); err == nil {
		return c.Value
	}
	return ""
}

// reject answers an error and counts it by route and reason.
func (s *server) reject(w http.ResponseWriter, r *http.Request, code int, reason, msg string) {
	if s.rejected != nil {
		pattern := r.Pattern
		if pattern == "" {
			pattern = "unmatched"
		}
		s.rejected.WithLabelValues(pattern, reason).Inc()
	}
	writeError(w, code, msg)
}

// scopeNation checks that the signed-in user belongs to nation n: a user
// sees and acts for their own nation only.
func (s *server) scopeNation(w http.ResponseWriter, r *http.Request, n nation.Nation) bool {
	sess, ok := sessionFrom(r.Context())
	if !ok || sess.User.Nation == n {
		return true
	}
	s.reject(w, r, http.StatusForbidden, "foreign_nation", "nation: "+sess.User.Nation.String()+" users may not read or act for "+n.String())
	return false
}

// remoteAddr is the client's address (the direct peer: trilink does not
// sit behind proxies it would have to trust).
func remoteAddr(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.IPv6Unspecified()
	}
	return a.Unmap()
}

func (s *server) authRoutes(mux *http.ServeMux) {
	s.handle(mux, "POST /api/v1/auth/login", Public, s.withAuth(s.login))
	s.handle(mux, "POST /api/v1/auth/logout", Public, s.logout)
	s.handle(mux, "GET /api/v1/auth/session", SignedIn, s.session)
	s.handle(mux, "POST /api/v1/auth/passkey/register/begin", SignedIn, s.withAuth(s.passkeyRegisterBegin))
	s.handle(mux, "POST /api/v1/auth/passkey/register/finish", SignedIn, s.withAuth(s.passkeyRegisterFinish))
	s.handle(mux, "POST /api/v1/auth/passkey/login/begin", Public, s.withAuth(s.passkeyLoginBegin))
	s.handle(mux, "POST /api/v1/auth/passkey/login/finish", Public, s.withAuth(s.passkeyLoginFinish))
	s.handle(mux, "GET /api/v1/admin/users", Admin, s.withAuth(s.adminUsers))
	s.handle(mux, "POST /api/v1/admin/users", Admin, s.withAuth(s.adminAddUser))
	s.handle(mux, "POST /api/v1/admin/users/{name}/disable", Admin, s.withAuth(s.adminDisable(true)))
	s.handle(mux, "POST /api/v1/admin/users/{name}/enable", Admin, s.withAuth(s.adminDisable(false)))
	s.handle(mux, "POST /api/v1/admin/users/{name}/password", Admin, s.withAuth(s.adminPassword))
}

// withAuth wraps a route that needs the sign-in service; without one it
// answers 503.
func (s *server) withAuth(f func(http.ResponseWriter, *http.Request, *auth.Service)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.o.Auth == nil {
			s.reject(w, r, http.StatusServiceUnavailable, "no_auth", "sign-in is not configured on this node")
			return
		}
		f(w, r, s.o.Auth)
	}
}

// LoginRequest is the body of POST /api/v1/auth/login.
type LoginRequest struct {
	Name     string `json:"name"`
	Password string `json:"password"`
	// Bearer asks for the token in the answer, for programs that send it
	// as "Authorization: Bearer"; browsers use the cookie.
	Bearer bool `json:"bearer,omitempty"`
}

func (s *server) login(w http.ResponseWriter, r *http.Request, a *auth.Service) {
	var req LoginRequest
	if !s.decodeStrict(w, r, &req) {
		return
	}
	if req.Name == "" || req.Password == "" {
		s.reject(w, r, http.StatusBadRequest, "bad_request", "name and password: both required")
		return
	}
	token, sess, err := a.Login(req.Name, req.Password, remoteAddr(r))
	if err != nil {
		s.loginError(w, r, a, req.Name, err)
		return
	}
	s.startSession(w, r, token, sess, req.Bearer)
}

func (s *server) loginError(w http.ResponseWriter, r *http.Request, a *auth.Service, name string, err error) {
	switch {
	case errors.Is(err, auth.ErrLocked), errors.Is(err, auth.ErrRateLimited):
		w.Header().Set("Retry-After", strconv.Itoa(int(max(time.Second, a.RetryAfter(name)).Seconds())))
		reason := "locked"
		if errors.Is(err, auth.ErrRateLimited) {
			reason = "rate_limited"
		}
		s.reject(w, r, http.StatusTooManyRequests, reason, err.Error())
	case errors.Is(err, auth.ErrPasskeyRequired), errors.Is(err, auth.ErrNotLoopback):
		s.reject(w, r, http.StatusForbidden, "login_refused", err.Error())
	case errors.Is(err, auth.ErrBadCredentials), errors.Is(err, auth.ErrPasskey), errors.Is(err, auth.ErrCeremony):
		s.reject(w, r, http.StatusUnauthorized, "bad_credentials", err.Error())
	case errors.Is(err, auth.ErrNoPasskeys):
		s.reject(w, r, http.StatusNotFound, "no_passkeys", err.Error())
	default:
		s.o.Logger.Error("login", "err", err)
		s.reject(w, r, http.StatusInternalServerError, "internal", "login failed on the server; see its log")
	}
}

func (s *server) startSession(w http.ResponseWriter, r *http.Request, token string, sess auth.Session, bearer bool) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: token, Path: "/", HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	out := map[string]any{"session": sess}
	if bearer {
		out["token"] = token
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *server) logout(w http.ResponseWriter, r *http.Request) {
	if tok := sessionToken(r); tok != "" && s.o.Auth != nil {
		s.o.Auth.Logout(tok)
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	w.WriteHeader(http.StatusNoContent)
}

func (s *server) session(w http.ResponseWriter, r *http.Request) {
	sess, _ := sessionFrom(r.Context())
	writeJSON(w, http.StatusOK, map[string]any{"session": sess, "passkeys": s.o.Auth != nil && s.o.Auth.Passkeys()})
}

func (s *server) passkeyRegisterBegin(w http.ResponseWriter, r *http.Request, a *auth.Service) {
	opts, id, err := a.BeginRegistration(sessionToken(r))
	s.ceremony(w, r, a, opts, id, err)
}

// ceremony answers the start of a passkey ceremony: its id and the
// options for navigator.credentials.
func (s *server) ceremony(w http.ResponseWriter, r *http.Request, a *auth.Service, opts any, id string, err error) {
	if err != nil {
		s.loginError(w, r, a, "", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ceremony": id, "options": opts})
}

func (s *server) passkeyRegisterFinish(w http.ResponseWriter, r *http.Request, a *auth.Service) {
	r.Body = http.MaxBytesReader(w, r.Body, maxSmallBody*4)
	if err := a.FinishRegistration(sessionToken(r), r.URL.Query().Get("ceremony"), r); err != nil {
		s.loginError(w, r, a, "", err)
		return
	}
	sess, _ := a.Session(sessionToken(r))
	writeJSON(w, http.StatusOK, map[string]any{"session": sess})
}

func (s *server) passkeyLoginBegin(w http.ResponseWriter, r *http.Request, a *auth.Service) {
	opts, id, err := a.BeginLogin(remoteAddr(r))
	s.ceremony(w, r, a, opts, id, err)
}

func (s *server) passkeyLoginFinish(w http.ResponseWriter, r *http.Request, a *auth.Service) {
	r.Body = http.MaxBytesReader(w, r.Body, maxSmallBody*4)
	token, sess, err := a.FinishLogin(r.URL.Query().Get("ceremony"), r, remoteAddr(r))
	if err != nil {
		s.loginError(w, r, a, "", err)
		return
	}
	s.startSession(w, r, token, sess, false)
}

// NewUserRequest is the body of POST /api/v1/admin/users.
type NewUserRequest struct {
	Name     string `json:"name"`
	Display  string `json:"display,omitempty"`
	Role     string `json:"role"`
	Member   string `json:"member,omitempty"`
	Password string `json:"password"`
}

func (s *server) adminUsers(w http.ResponseWriter, r *http.Request, a *auth.Service) {
	me, _ := sessionFrom(r.Context())
	out := []auth.Public{}
	for _, u := range a.Users().List() {
		if u.Nation == me.User.Nation {
			out = append(out, u.Public())
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"users": out})
}

func (s *server) adminAddUser(w http.ResponseWriter, r *http.Request, a *auth.Service) {
	var req NewUserRequest
	if !s.decodeStrict(w, r, &req) {
		return
	}
	me, _ := sessionFrom(r.Context())
	role, err := auth.ParseRole(req.Role)
	if err != nil {
		s.reject(w, r, http.StatusBadRequest, "bad_request", "role: "+err.Error())
		return
	}
	// An admin creates users of their own nation only.
	u := auth.User{Name: req.Name, Display: req.Display, Nation: me.User.Nation, Role: role, Member: req.Member}
	if err := a.AddUser(me.User.Name, u, req.Password); err != nil {
		code := http.StatusBadRequest
		if errors.Is(err, auth.ErrUserExists) {
			code = http.StatusConflict
		}
		s.reject(w, r, code, "bad_request", err.Error())
		return
	}
	got, _ := a.Users().Get(req.Name)
	writeJSON(w, http.StatusCreated, got.Public())
}

// ownUser returns the user named in the path if it belongs to the admin's
// nation; another nation's users are "not found" to it.
func (s *server) ownUser(w http.ResponseWriter, r *http.Request, a *auth.Service) (auth.User, auth.Session, bool) {
	me, _ := sessionFrom(r.Context())
	u, ok := a.Users().Get(r.PathValue("name"))
	if !ok || u.Nation != me.User.Nation {
		s.reject(w, r, http.StatusNotFound, "no_user", "no user "+strconv.Quote(r.PathValue("name"))+" in "+me.User.Nation.String())
		return u, me, false
	}
	return u, me, true
}

func (s *server) adminDisable(disabled bool) func(http.ResponseWriter, *http.Request, *auth.Service) {
	return func(w http.ResponseWriter, r *http.Request, a *auth.Service) {
		u, me, ok := s.ownUser(w, r, a)
		if !ok {
			return
		}
		if u.Name == me.User.Name && disabled {
			s.reject(w, r, http.StatusBadRequest, "bad_request", "an administrator cannot disable their own account")
			return
		}
		if err := a.Disable(me.User.Name, u.Name, disabled); err != nil {
			s.reject(w, r, http.StatusInternalServerError, "internal", err.Error())
			return
		}
		got, _ := a.Users().Get(u.Name)
		writeJSON(w, http.StatusOK, got.Public())
	}
}

func (s *server) adminPassword(w http.ResponseWriter, r *http.Request, a *auth.Service) {
	u, me, ok := s.ownUser(w, r, a)
	if !ok {
		return
	}
	var req struct {
		Password string `json:"password"`
	}
	if !s.decodeStrict(w, r, &req) {
		return
	}
	if err := a.SetPassword(me.User.Name, u.Name, req.Password); err != nil {
		s.reject(w, r, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// decodeStrict reads a small JSON body into v, refusing unknown fields.
func (s *server) decodeStrict(w http.ResponseWriter, r *http.Request, v any) bool {
	b, ok := readBody(w, r, maxSmallBody)
	if !ok {
		s.count(r, "bad_request")
		return false
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		s.reject(w, r, http.StatusBadRequest, "bad_request", "body: "+err.Error())
		return false
	}
	return true
}

func (s *server) count(r *http.Request, reason string) {
	if s.rejected != nil {
		s.rejected.WithLabelValues(r.Pattern, reason).Inc()
	}
}

// rejectedVec counts refused requests by route pattern and reason.
func rejectedVec() *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Name: "trilink_http_rejected_total",
		Help: "HTTP requests refused, by route pattern and reason."}, []string{"route", "reason"})
}

// Routes lists every registered route with its access level, for the
// authorization matrix and the docs.
func Routes(h http.Handler) []Route {
	if rs, ok := h.(interface{ routeList() []Route }); ok {
		return slices.Clone(rs.routeList())
	}
	return nil
}
