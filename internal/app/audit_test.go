package app_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trilink/trilink/internal/app"
)

// The demo's alerts and acknowledgements land in each nation's audit log,
// cosigned by the partners; `trilink audit verify` passes, and a flipped
// byte is found and named.
func TestAuditVerifyDemoLogs(t *testing.T) {
	data := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	d, err := app.NewDemo(ctx, app.DemoConfig{HTTP: "127.0.0.1:0", DataDir: data, Speed: 50, Scenario: "2022-10-04-irbm-overflight"}, slog.New(slog.DiscardHandler))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = d.Run(ctx) }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var out bytes.Buffer
		_ = app.VerifyAudit(data, "", &out)
		if strings.Contains(out.String(), "trilink/jp/audit: ") && !strings.Contains(out.String(), "trilink/jp/audit: 0 entries") &&
			!strings.Contains(out.String(), "cosigned by all three up to 0") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no cosigned alert in the audit logs within 60 s:\n%s", out.String())
		}
		time.Sleep(500 * time.Millisecond)
	}
	cancel()
	<-done
	d.Close()
	var out bytes.Buffer
	if err := app.VerifyAudit(data, "", &out); err != nil {
		t.Fatalf("verify after a clean stop: %v\n%s", err, out.String())
	}
	t.Logf("%s", out.String())

	entries := filepath.Join(data, "demo", "audit", "jp", "entries")
	b, err := os.ReadFile(entries)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0x01
	if err := os.WriteFile(entries, b, 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	err = app.VerifyAudit(data, "", &out)
	if err == nil || !strings.Contains(out.String(), "TAMPERED") || !strings.Contains(out.String(), "entry") {
		t.Fatalf("a flipped byte went unnoticed: %v\n%s", err, out.String())
	}
	t.Logf("%s", out.String())
}
