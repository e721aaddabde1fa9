package httpapi

import (
	"context"
	"embed"
	"encoding/json"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

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
}

// New returns the node's HTTP handler.
func New(o Options) http.Handler {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	s := &server{o: o}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(o.Gatherer, promhttp.HandlerOpts{ErrorLog: slogPrinter{o.Logger}}))
	mux.HandleFunc("GET /api/v1/status", s.status)
	sub, _ := fs.Sub(static, "static")
	files := http.FileServerFS(sub)
	mux.Handle("GET /status/", http.StripPrefix("/status", files))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/status/", http.StatusFound)
	})
	return securityHeaders(mux)
}

type server struct{ o Options }

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
