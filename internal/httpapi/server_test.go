package httpapi_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trilink/trilink/internal/httpapi"
	"github.com/trilink/trilink/internal/share"
)

func handler(st []share.NodeStatus) http.Handler {
	return httpapi.New(httpapi.Options{
		Status:   func(context.Context) []share.NodeStatus { return st },
		Gatherer: prometheus.NewRegistry(),
	})
}

func TestReadyz(t *testing.T) {
	for _, tt := range []struct {
		name string
		st   []share.NodeStatus
		code int
		body string
	}{
		{"all_ready", []share.NodeStatus{{Nation: share.JP, Ready: true}, {Nation: share.KR, Ready: true}}, 200, `"ready": true`},
		{"one_not_ready", []share.NodeStatus{{Nation: share.JP, Ready: true}, {Nation: share.KR, Why: "link to jp down"}}, 503, "link to jp down"},
		{"no_nations", nil, 503, `"ready": true`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			handler(tt.st).ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
			if rec.Code != tt.code || !strings.Contains(rec.Body.String(), tt.body) {
				t.Fatalf("got %d %s, want %d containing %q", rec.Code, rec.Body, tt.code, tt.body)
			}
		})
	}
}

func TestMethodsAndHeaders(t *testing.T) {
	h := handler(nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/healthz", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /healthz: %d, want 405", rec.Code)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/status/status.js", nil))
	if rec.Code != 200 || rec.Header().Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(rec.Header().Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Errorf("GET /status/status.js: %d, headers %v", rec.Code, rec.Header())
	}
}

func Example() {
	srv := httptest.NewServer(handler([]share.NodeStatus{{Nation: share.US, Ready: true}}))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/healthz")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	fmt.Print(resp.StatusCode, " ", string(b))
	// Output: 200 ok
}
