package app_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/trilink/trilink/internal/app"
	"github.com/trilink/trilink/internal/nation"
	"github.com/trilink/trilink/internal/pki"
	"github.com/trilink/trilink/internal/share/sharetest"
)

func measurement(sensorID string, n nation.Nation, seq int) string {
	return fmt.Sprintf(`{"kind":"radar","sensor":%q,"nation":%q,"time":%q,"seq":%d,
 "radar":{"site":{"lat_deg":37.5,"lon_deg":130,"alt_m":45},"range_m":500000,"az_deg":0,"el_deg":45,
 "sigma":{"range_m":30,"az_deg":0.086,"el_deg":0.086}}}`, sensorID, n, time.Now().UTC().Format(time.RFC3339Nano), seq)
}

// sensorClient is an HTTPS client presenting the certificate of sensor id
// of nation n, issued by the demo's PKI, and trusting the demo's JP root.
func sensorClient(t *testing.T, pkiDir string, n nation.Nation, id string) (*http.Client, *x509.Certificate) {
	t.Helper()
	a, err := pki.LoadNation(pkiDir, n)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile, err := a.IssueFile(pki.Request{Kind: pki.KindSensor, Name: id}, pki.IssueOptions{})
	if err != nil {
		t.Fatal(err)
	}
	kp, err := pki.KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(kp.Certificate[0])
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: demoTrust(t, pkiDir, kp)}}, leaf
}

func demoTrust(t *testing.T, pkiDir string, kp tls.Certificate) *tls.Config {
	t.Helper()
	root, err := os.ReadFile(pkiDir + "/jp/" + pki.RootCertFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(root)
	c := &tls.Config{RootCAs: pool, ServerName: "localhost"}
	if len(kp.Certificate) > 0 {
		c.Certificates = []tls.Certificate{kp}
	}
	return c
}

func postMeasurement(t *testing.T, c *http.Client, url, body string) (int, string) {
	t.Helper()
	resp, err := c.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestSensorIdentityAndRevocation: over the demo's HTTPS, a jp sensor
// certificate may publish that sensor's jp measurements and nothing else;
// a kr sensor cannot publish jp measurements; no certificate, no
// measurement; and a revoked certificate is cut off within seconds, on a
// connection already open and on new ones.
func TestSensorIdentityAndRevocation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d, err := app.NewDemo(ctx, app.DemoConfig{HTTP: "127.0.0.1:0", DataDir: t.TempDir(), Speed: 1, TLS: true}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = d.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; d.Close() })
	url := fmt.Sprintf("https://127.0.0.1:%d/api/v1/measurements", d.Addr().(*net.TCPAddr).Port)

	jp, jpCert := sensorClient(t, d.PKIDir, nation.JP, "fps5-sado")
	kr, _ := sensorClient(t, d.PKIDir, nation.KR, "greenpine-central")
	plain := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: demoTrust(t, d.PKIDir, tls.Certificate{})}}
	for _, tt := range []struct {
		name string
		c    *http.Client
		body string
		code int
		want string
	}{
		{"own sensor", jp, measurement("fps5-sado", nation.JP, 1), 202, `"stored": true`},
		{"the same again (a retry)", jp, "", 202, `"duplicate": true`},
		{"another jp sensor's id", jp, measurement("fps5-shimokoshiki", nation.JP, 1), 403, "may not publish measurements of sensor fps5-shimokoshiki"},
		{"kr sensor as jp", kr, measurement("fps5-sado", nation.JP, 2), 403, "sensor greenpine-central of kr may not publish"},
		{"kr sensor, own id, jp's nation", kr, measurement("greenpine-central", nation.JP, 2), 403, "may not publish"},
		{"kr sensor, its own", kr, measurement("greenpine-central", nation.KR, 1), 202, `"subject": "shared.kr.meas.greenpine-central"`},
		{"no certificate", plain, measurement("fps5-sado", nation.JP, 3), 401, "sensor certificate is required"},
		{"malformed", jp, `{"kind":"radar","sensor":"fps5-sado"`, 400, "malformed"},
		{"unknown field", jp, strings.Replace(measurement("fps5-sado", nation.JP, 4), `"seq"`, `"sequence"`, 1), 400, "sequence"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			body := tt.body
			if body == "" {
				body = lastBody
			}
			lastBody = body
			code, got := postMeasurement(t, tt.c, url, body)
			if code != tt.code || !strings.Contains(got, tt.want) {
				t.Fatalf("%d %s, want %d containing %q", code, got, tt.code, tt.want)
			}
		})
	}

	// Revoke the jp sensor: the open connection's next request and any new
	// handshake are refused within seconds.
	if code, got := postMeasurement(t, jp, url, measurement("fps5-sado", nation.JP, 5)); code != 202 {
		t.Fatalf("before revocation: %d %s", code, got)
	}
	revoked := time.Now()
	if _, err := pki.Revoke(d.PKIDir, nation.JP, fmt.Sprintf("%x", jpCert.SerialNumber), "test"); err != nil {
		t.Fatal(err)
	}
	sharetest.Eventually(t, 5*time.Second, "the revoked certificate refused", func() bool {
		code, _ := postMeasurement(t, jp, url, measurement("fps5-sado", nation.JP, 6))
		return code == http.StatusUnauthorized
	})
	t.Logf("revoked certificate refused %.1f s after revocation", time.Since(revoked).Seconds())
	jp.CloseIdleConnections()
	if code, got := postMeasurement(t, jp, url, measurement("fps5-sado", nation.JP, 7)); code != 0 || !strings.Contains(got, "tls") {
		t.Errorf("a new connection with the revoked certificate: %d %s, want a failed handshake", code, got)
	}
	// Other sensors go on.
	if code, got := postMeasurement(t, kr, url, measurement("greenpine-central", nation.KR, 2)); code != 202 {
		t.Errorf("kr after jp's revocation: %d %s", code, got)
	}
	_, metrics := getTLS(t, plain, strings.Replace(url, "/api/v1/measurements", "/metrics", 1))
	for _, want := range []string{`trilink_sensor_gate_rejected_total{reason="identity_mismatch"} 3`, `trilink_sensor_gate_rejected_total{reason="revoked"}`,
		`trilink_sensor_gate_accepted_total{nation="kr"} 2`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

var lastBody string

func getTLS(t *testing.T, c *http.Client, url string) (int, string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
