package httpapi

import (
	"context"
	"crypto/tls"
	"embed"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/trilink/trilink/internal/auth"
	"github.com/trilink/trilink/internal/nation"
	"github.com/trilink/trilink/internal/share"
)

//go:embed static
var static embed.FS

// Options configure the handler.
type Options struct {
	// Status returns the state of every nation this process serves.
	Status func(ctx context.Context) []share.NodeStatus
	// Gatherer provides the /metrics families.
	Gatherer prometheus.Gatherer
	Version  string
	Logger   *slog.Logger
	// Nations this process serves (the demo: all three); the first is the
	// default of the ?nation= parameter.
	Nations []nation.Nation
	// Hub carries /api/v1/live; nil disables it.
	Hub *Hub
	// Events, Event and Alerts return nation n's picture as JSON values;
	// nil means no fusion runs here (the routes answer 404).
	Events   func(n nation.Nation) []any
	Event    func(n nation.Nation, id string) (any, bool)
	Alerts   func(n nation.Nation) []any
	Snapshot func(n nation.Nation) any
	// CAPFeed and CAPDocument serve /cap/{nation}/alerts.atom and
	// /cap/{nation}/alerts/{id}.xml; nil answers 404.
	CAPFeed     func(n nation.Nation) ([]byte, bool)
	CAPDocument func(n nation.Nation, id string) ([]byte, bool)
	// Sensors lists the known sensors.
	Sensors func() any
	// Console is the built web console, served at /; nil redirects / to
	// the status page.
	Console fs.FS
	// Hotline serves /api/v1/rooms/… and /api/v1/hotline/…; nil answers 404.
	Hotline Hotline
	// Calls serves /api/v1/rooms/{room}/call…; nil answers 404.
	Calls Calls
	// Export renders event id of nation n's picture as format (kml, czml,
	// geojson) for /api/v1/events/{id}/export; it returns the bytes, the
	// media type and the file extension. nil answers 404.
	Export func(n nation.Nation, id, format string) (data []byte, mediaType, ext string, err error)
	// Measurements takes one measurement posted by a sensor over mutual
	// TLS (cs is the connection's state, body the JSON); nil answers 404.
	Measurements func(ctx context.Context, cs *tls.ConnectionState, body []byte) (any, error)
	// Auth signs users in; every route but the public ones needs a
	// session. nil: only the public routes answer, the rest say 401.
	Auth *auth.Service
	// Registerer receives the handler's own metrics (refused requests);
	// nil registers nothing.
	Registerer prometheus.Registerer
	// MetricsToken, when set, is the bearer token /metrics asks of
	// scrapers; empty leaves /metrics public.
	MetricsToken string
}

// New returns the node's HTTP handler.
func New(o Options) http.Handler {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	s := &server{o: o, rejected: rejectedVec()}
	if o.Registerer != nil {
		if err := o.Registerer.Register(s.rejected); err != nil {
			o.Logger.Warn("httpapi: metrics", "err", err)
		}
	}
	mux := http.NewServeMux()
	s.handle(mux, "GET /healthz", Public, s.healthz)
	s.handle(mux, "GET /readyz", Public, s.readyz)
	// /metrics holds counts, never contents or names, and a scraper has
	// no session: it is public unless the node has a scrape token.
	metricsAccess := Public
	if o.MetricsToken != "" {
		metricsAccess = ScrapeToken
	}
	s.handle(mux, "GET /metrics", metricsAccess, promhttp.HandlerFor(o.Gatherer, promhttp.HandlerOpts{ErrorLog: slogPrinter{o.Logger}}).ServeHTTP)
	s.handle(mux, "GET /api/v1/status", SignedIn, s.status)
	s.handle(mux, "GET /api/v1/live", SignedIn, s.live)
	s.handle(mux, "GET /api/v1/events", SignedIn, s.events)
	s.handle(mux, "GET /api/v1/events/{id}", SignedIn, s.event)
	s.handle(mux, "GET /api/v1/events/{id}/export", SignedIn, s.export)
	s.handle(mux, "GET /api/v1/alerts", SignedIn, s.alerts)
	s.handle(mux, "GET /api/v1/sensors", SignedIn, s.sensors)
	// Public warnings are public: the CAP feeds need no sign-in.
	s.handle(mux, "GET /cap/{nation}/alerts.atom", Public, s.capFeed)
	s.handle(mux, "GET /cap/{nation}/alerts/{file}", Public, s.capDocument)
	s.handle(mux, "POST /api/v1/measurements", SensorCert, s.measurements)
	s.authRoutes(mux)
	s.hotlineRoutes(mux)
	s.callRoutes(mux)
	s.handle(mux, "/api/", Public, func(w http.ResponseWriter, r *http.Request) {
		s.reject(w, r, http.StatusNotFound, "no_route", "no such API route: "+r.Method+" "+r.URL.Path)
	})
	sub, _ := fs.Sub(static, "static")
	files := http.FileServerFS(sub)
	s.handle(mux, "GET /status/", Public, http.StripPrefix("/status", files).ServeHTTP)
	if o.Console != nil {
		s.handle(mux, "/", Public, consoleHandler(o.Console).ServeHTTP)
	} else {
		s.handle(mux, "GET /{$}", Public, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/status/", http.StatusFound)
		})
	}
	// Cross-site request forgery: the session cookie is SameSite=Strict,
	// POST bodies must be application/json, and this check refuses any
	// unsafe request a browser marks as cross-origin (Sec-Fetch-Site,
	// else Origin against Host).
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.reject(w, r, http.StatusForbidden, "cross_origin", "cross-origin request refused (CSRF protection)")
	}))
	return &handler{Handler: securityHeaders(cop.Handler(s.withSession(mux))), s: s}
}

// handler is the node's handler; it knows its routes.
type handler struct {
	http.Handler
	s *server
}

func (h *handler) routeList() []Route { return h.s.routes }

type server struct {
	o        Options
	routes   []Route
	rejected *prometheus.CounterVec
}

func (s *server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// readyz answers 200 only when every nation's streams exist and all its
// partner links are up; otherwise 503 with the reasons.
func (s *server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	type nationReady struct {
		Nation share.Nation `json:"nation"`
		Ready  bool         `json:"ready"`
		Why    string       `json:"why,omitempty"`
	}
	var out struct {
		Ready   bool          `json:"ready"`
		Nations []nationReady `json:"nations"`
	}
	out.Ready = true
	for _, st := range s.o.Status(ctx) {
		out.Nations = append(out.Nations, nationReady{st.Nation, st.Ready, st.Why})
		out.Ready = out.Ready && st.Ready
	}
	code := http.StatusOK
	if !out.Ready || len(out.Nations) == 0 {
		code = http.StatusServiceUnavailable
	}
	writeJSON(w, code, out)
}

func (s *server) status(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	writeJSON(w, http.StatusOK, map[string]any{"version": s.o.Version, "time": time.Now().UTC(), "nations": s.o.Status(ctx)})
}

// consoleHandler serves the built console. Hashed assets never change, so
// they may be cached for ever; index.html must be revalidated.
func consoleHandler(console fs.FS) http.Handler {
	files := http.FileServerFS(console)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			writeError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed")
			return
		}
		if strings.HasPrefix(r.URL.Path, "/assets/") {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "no-cache")
		}
		files.ServeHTTP(w, r)
	})
}

// writeError answers with a JSON error naming the problem.
func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}

// nationParam reads ?nation=, defaulting to the first nation served.
func (s *server) nationParam(w http.ResponseWriter, r *http.Request) (nation.Nation, bool) {
	v := r.URL.Query().Get("nation")
	if sess, ok := sessionFrom(r.Context()); ok && v == "" {
		v = sess.User.Nation.String()
	}
	if v == "" {
		if len(s.o.Nations) == 0 {
			writeError(w, http.StatusNotFound, "this node serves no nation")
			return nation.NationUnknown, false
		}
		return s.o.Nations[0], true
	}
	n, err := nation.Parse(v)
	if err != nil {
		writeError(w, http.StatusBadRequest, "nation: "+err.Error())
		return n, false
	}
	if !s.scopeNation(w, r, n) {
		return n, false
	}
	for _, m := range s.o.Nations {
		if m == n {
			return n, true
		}
	}
	writeError(w, http.StatusNotFound, "nation: "+n.String()+" is not served by this node")
	return n, false
}

func (s *server) events(w http.ResponseWriter, r *http.Request) {
	n, ok := s.nationParam(w, r)
	if !ok {
		return
	}
	if s.o.Events == nil {
		writeError(w, http.StatusNotFound, "no fusion runs on this node")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": orEmpty(s.o.Events(n))})
}

func (s *server) event(w http.ResponseWriter, r *http.Request) {
	n, ok := s.nationParam(w, r)
	if !ok {
		return
	}
	if s.o.Event == nil {
		writeError(w, http.StatusNotFound, "no fusion runs on this node")
		return
	}
	id := r.PathValue("id")
	ev, found := s.o.Event(n, id)
	if !found {
		writeError(w, http.StatusNotFound, "no event "+strconvQuote(id))
		return
	}
	writeJSON(w, http.StatusOK, ev)
}

func (s *server) export(w http.ResponseWriter, r *http.Request) {
	n, ok := s.nationParam(w, r)
	if !ok {
		return
	}
	if s.o.Export == nil {
		writeError(w, http.StatusNotFound, "no fusion runs on this node")
		return
	}
	id := r.PathValue("id")
	b, mt, ext, err := s.o.Export(n, id, r.URL.Query().Get("format"))
	if err != nil {
		writeHotlineError(w, err)
		return
	}
	w.Header().Set("Content-Type", mt)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": "trilink-" + id + "." + ext}))
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(b)
}

func (s *server) alerts(w http.ResponseWriter, r *http.Request) {
	n, ok := s.nationParam(w, r)
	if !ok {
		return
	}
	if s.o.Alerts == nil {
		writeError(w, http.StatusNotFound, "no warning runs on this node")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"alerts": orEmpty(s.o.Alerts(n))})
}

func (s *server) sensors(w http.ResponseWriter, r *http.Request) {
	if s.o.Sensors == nil {
		writeError(w, http.StatusNotFound, "no sensor list on this node")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"sensors": s.o.Sensors()})
}

func (s *server) capNation(w http.ResponseWriter, r *http.Request) (nation.Nation, bool) {
	n, err := nation.Parse(r.PathValue("nation"))
	if err != nil {
		writeError(w, http.StatusBadRequest, "nation: "+err.Error())
		return n, false
	}
	return n, true
}

func (s *server) capFeed(w http.ResponseWriter, r *http.Request) {
	n, ok := s.capNation(w, r)
	if !ok {
		return
	}
	if s.o.CAPFeed == nil {
		writeError(w, http.StatusNotFound, "no CAP feed on this node")
		return
	}
	b, found := s.o.CAPFeed(n)
	if !found {
		writeError(w, http.StatusNotFound, "no CAP feed for "+n.String()+" on this node")
		return
	}
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(b)
}

func (s *server) capDocument(w http.ResponseWriter, r *http.Request) {
	n, ok := s.capNation(w, r)
	if !ok {
		return
	}
	id, isXML := strings.CutSuffix(r.PathValue("file"), ".xml")
	if !isXML || id == "" {
		writeError(w, http.StatusNotFound, "want /cap/{nation}/alerts/{id}.xml")
		return
	}
	if s.o.CAPDocument == nil {
		writeError(w, http.StatusNotFound, "no CAP documents on this node")
		return
	}
	b, found := s.o.CAPDocument(n, id)
	if !found {
		writeError(w, http.StatusNotFound, "no CAP document "+strconvQuote(id)+" of "+n.String())
		return
	}
	w.Header().Set("Content-Type", "application/cap+xml; charset=utf-8")
	_, _ = w.Write(b)
}

func orEmpty(v []any) []any {
	if v == nil {
		return []any{}
	}
	return v
}

func strconvQuote(s string) string { return strconv.Quote(s) }

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// securityHeaders sets the headers every response carries. The pages load
// nothing from elsewhere: everything works offline.
func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("X-Frame-Options", "DENY")
		h.ServeHTTP(w, r)
	})
}

// slogPrinter adapts promhttp's error log to slog.
type slogPrinter struct{ l *slog.Logger }

func (p slogPrinter) Println(v ...any) { p.l.Warn("metrics", "err", v) }

// maxMeasurement bounds one posted measurement.
const maxMeasurement = 64 << 10

// measurements serves POST /api/v1/measurements: a sensor's client
// certificate is its identity; a user's session is not.
func (s *server) measurements(w http.ResponseWriter, r *http.Request) {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		if _, ok := sessionFrom(r.Context()); ok {
			s.reject(w, r, http.StatusForbidden, "forbidden", "measurements come from sensors, authenticated by their certificate; a user session cannot post them")
			return
		}
		s.reject(w, r, http.StatusUnauthorized, "no_certificate", "a sensor certificate is required: connect over TLS with the sensor's client certificate")
		return
	}
	if s.o.Measurements == nil {
		s.reject(w, r, http.StatusNotFound, "no_ingest", "no sensor ingest on this node")
		return
	}
	body, ok := readBody(w, r, maxMeasurement)
	if !ok {
		s.count(r, "bad_request")
		return
	}
	v, err := s.o.Measurements(r.Context(), r.TLS, body)
	if err != nil {
		code := http.StatusInternalServerError
		var se StatusError
		if errors.As(err, &se) {
			code = se.HTTPStatus()
		}
		s.reject(w, r, code, "measurement_refused", err.Error())
		return
	}
	writeJSON(w, http.StatusAccepted, v)
}
