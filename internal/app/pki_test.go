package app_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trilink/trilink/internal/app"
)

func TestRunPKI(t *testing.T) {
	dir := t.TempDir()
	run := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := app.RunPKI(context.Background(), args, &out)
		return out.String(), err
	}
	// The steps run in order and share dir.
	for _, tt := range []struct {
		name      string
		args      []string
		wantOut   string
		wantUsage string // a *UsageError containing this
	}{
		{name: "init_all", args: []string{"init", "--dir", dir}, wantOut: "us: created"},
		{name: "init_again", args: []string{"init", "--dir", dir, "--nation", "jp"}, wantUsage: "already exists"},
		{name: "issue_server", args: []string{"issue", "--dir", dir, "--nation", "jp", "--kind", "server", "--name", "nats-1", "--dns", "nats-1.jp.trilink.internal", "--ip", "127.0.0.1"},
			wantOut: "subject CN=nats-1,O=trilink JP"},
		{name: "issue_leaf", args: []string{"issue", "--dir", dir, "--nation", "kr", "--kind", "leaf", "--name", "leaf", "--days", "20"}, wantOut: "dns     leaf.kr.trilink.internal"},
		{name: "issue_sensor", args: []string{"issue", "--dir", dir, "--nation", "us", "--kind", "sensor", "--name", "sbirs-1"}, wantOut: "uri     spiffe://us.trilink.internal/sensor/sbirs-1"},
		{name: "issue_again", args: []string{"issue", "--dir", dir, "--nation", "us", "--kind", "sensor", "--name", "sbirs-1"}, wantUsage: "--rotate"},
		{name: "rotate", args: []string{"issue", "--dir", dir, "--nation", "us", "--kind", "sensor", "--name", "sbirs-1", "--rotate"}, wantOut: "us sensor"},
		{name: "list", args: []string{"list", "--dir", dir}, wantOut: "EXPIRING"},
		{name: "verify", args: []string{"verify", "--dir", dir, filepath.Join(dir, "jp", "server", "nats-1.pem")}, wantOut: "ok: jp server certificate"},
		{name: "verify_file_first", args: []string{"verify", filepath.Join(dir, "us", "sensor", "sbirs-1.pem"), "--dir", dir}, wantOut: "ok: us sensor certificate"},
		{name: "deploy_without_leaf", args: []string{"deploy", "--dir", dir, "--nation", "jp", "--route", "nats-1", "--out", t.TempDir()}, wantUsage: "leaf.pem: issue it first"},
		{name: "issue_jp_leaf", args: []string{"issue", "--dir", dir, "--nation", "jp", "--kind", "leaf", "--name", "leaf", "--dns", "nats-1.jp.trilink.internal"}, wantOut: "CN=jp-leaf,O=trilink JP"},
		{name: "deploy", args: []string{"deploy", "--dir", dir, "--nation", "jp", "--route", "nats-1", "--out", t.TempDir()}, wantOut: "partners-ca.pem"},
		{name: "unknown_kind", args: []string{"issue", "--dir", dir, "--nation", "jp", "--kind", "drone", "--name", "x"}, wantUsage: "unknown kind"},
		{name: "bad_nation", args: []string{"issue", "--dir", dir, "--nation", "kp", "--kind", "sensor", "--name", "x"}, wantUsage: "unknown nation"},
		{name: "bad_dns", args: []string{"issue", "--dir", dir, "--nation", "jp", "--kind", "server", "--name", "x", "--dns", "a..b"}, wantUsage: "is not a DNS name"},
		{name: "foreign_dns", args: []string{"issue", "--dir", dir, "--nation", "jp", "--kind", "server", "--name", "x", "--dns", "x.us.trilink.internal"}, wantUsage: "outside jp's name constraints"},
		{name: "bad_ip", args: []string{"issue", "--dir", dir, "--nation", "jp", "--kind", "server", "--name", "x", "--ip", "1.2.3"}, wantUsage: "not an IP address"},
		{name: "bad_days", args: []string{"issue", "--dir", dir, "--nation", "jp", "--kind", "sensor", "--name", "x", "--days", "0"}, wantUsage: "--days 0"},
		{name: "no_dir", args: []string{"list"}, wantUsage: "--dir: required"},
		{name: "no_ca", args: []string{"issue", "--dir", t.TempDir(), "--nation", "jp", "--kind", "sensor", "--name", "x"}, wantUsage: "pki init"},
		{name: "unknown_subcommand", args: []string{"crl"}, wantUsage: `unknown subcommand "crl"`},
		{name: "revoke_unknown_serial", args: []string{"revoke", "--dir", dir, "--nation", "jp", "--serial", "abc"}, wantUsage: `issued no certificate with serial "abc"`},
		{name: "verify_no_file", args: []string{"verify", "--dir", dir}, wantUsage: "FILE"},
		{name: "unknown_flag", args: []string{"list", "--dri", dir}, wantUsage: "-dri"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, err := run(tt.args...)
			if tt.wantUsage != "" {
				var ue *app.UsageError
				if !errors.As(err, &ue) || !strings.Contains(err.Error(), tt.wantUsage) {
					t.Fatalf("got %v, want a usage error containing %q", err, tt.wantUsage)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out, tt.wantOut) {
				t.Errorf("output %q does not contain %q", out, tt.wantOut)
			}
		})
	}
}
