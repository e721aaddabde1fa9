package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/nats-io/nats-server/v2/server"
)

func TestBadInputExitsTwoNamingTheProblem(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"no_command", nil, "usage: trilink"},
		{"unknown_command", []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"bad_flag", []string{"demo", "--nope"}, "flag provided but not defined: -nope"},
		{"zero_speed", []string{"demo", "--speed", "0", "--data", "/nonexistent-never-used"}, "--speed"},
		{"bad_http", []string{"demo", "--http", "nohostport"}, "--http"},
		{"stray_argument", []string{"demo", "extra"}, `unexpected argument "extra"`},
		{"node_without_nation", []string{"node"}, "--nation"},
		{"node_bad_nation_flag", []string{"node", "--nation", "kp", "--print-nats-config"}, "unknown nation"},
		{"node_without_config", []string{"node", "--nation", "jp"}, "--config"},
		{"node_config_missing", []string{"node", "--nation", "jp", "--config", "testdata/none.yaml"}, "none.yaml"},
		{"node_unknown_field", []string{"node", "--nation", "jp", "--config", "testdata/node-unknown-field.yaml"}, "replicaz"},
		{"node_bad_nation", []string{"node", "--nation", "jp", "--config", "testdata/node-bad-nation.yaml"}, "nation"},
		{"node_missing_partner", []string{"node", "--nation", "kr", "--config", "testdata/node-missing-partner.yaml"}, "embedded.partners.us: missing"},
		{"bench_unknown", []string{"bench", "nothing"}, `unknown benchmark "nothing"`},
		{"bench_unnamed", []string{"bench"}, "name one benchmark"},
		{"log_level", []string{"version", "--log-level", "loud"}, "--log-level"},
		{"pki_no_subcommand", []string{"pki"}, "name a subcommand"},
		{"audit_without_verify", []string{"audit"}, "trilink audit verify"},
		{"audit_no_logs", []string{"audit", "verify", "--data", "/nonexistent-trilink"}, "no audit keys"},
		{"sim_no_scenario", []string{"sim", "--out", "-"}, "--scenario"},
		{"sim_unknown_scenario", []string{"sim", "--scenario", "nope", "--out", "-"}, `"nope"`},
		{"sim_no_output", []string{"sim", "--scenario", "2022-10-04-irbm-overflight"}, "--out"},
		{"sim_bad_lat", []string{"sim", "--scenario", "testdata/scenario-bad-lat.yaml", "--out", "-"}, "testdata/scenario-bad-lat.yaml:5: launches[0].site.lat"},
		{"sim_low_apogee", []string{"sim", "--scenario", "testdata/scenario-low-apogee.yaml", "--out", "-"}, "testdata/scenario-low-apogee.yaml:8: launches[0].apogee_km"},
		{"sim_nats_without_nation", []string{"sim", "--scenario", "2022-10-04-irbm-overflight", "--nats", "nats://127.0.0.1:1"}, "--nation"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := run(tt.args, &out, &errb); code != 2 {
				t.Fatalf("exit %d, want 2 (stderr %q)", code, errb.String())
			}
			if !strings.Contains(errb.String(), tt.want) {
				t.Fatalf("stderr %q does not name %q", errb.String(), tt.want)
			}
		})
	}
}

func TestUnknownFieldErrorNamesLine(t *testing.T) {
	var out, errb bytes.Buffer
	run([]string{"node", "--nation", "jp", "--config", "testdata/node-unknown-field.yaml"}, &out, &errb)
	if !strings.Contains(errb.String(), "[5:") {
		t.Errorf("error does not give the line: %q", errb.String())
	}
}

func TestPrintNATSConfig(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"node", "--nation", "kr", "--print-nats-config"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	parts := strings.Split(out.String(), "# ===== ")
	if len(parts) != 4 {
		t.Fatalf("printed %d configs, want 3:\n%s", len(parts)-1, out.String())
	}
	for _, p := range parts[1:] {
		conf := p[strings.Index(p, "\n")+1:]
		if !strings.Contains(conf, "cluster {") || !strings.Contains(conf, "verify_and_map: true") {
			t.Errorf("config lacks the cluster or the mTLS leaf listener:\n%s", conf)
		}
		// It parses in nats-server (apart from the certificate files it names).
		o := &server.Options{}
		if err := o.ProcessConfigString(conf); err != nil && !strings.Contains(err.Error(), "pki") && !strings.Contains(err.Error(), "TRILINK_") {
			t.Errorf("config does not parse: %v", err)
		}
	}
}

func TestVersion(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"version"}, &out, &errb); code != 0 || !strings.HasPrefix(out.String(), "trilink ") {
		t.Fatalf("version: exit %d, %q", code, out.String())
	}
}

func TestSimSameSeedSameOutput(t *testing.T) {
	out := func(seed string) string {
		var o, e bytes.Buffer
		if code := run([]string{"sim", "--scenario", "2019-07-25-kn23-pullup", "--seed", seed, "--out", "-"}, &o, &e); code != 0 {
			t.Fatalf("exit %d: %s", code, e.String())
		}
		return o.String()
	}
	a, b, c := out("3"), out("3"), out("4")
	if a != b || a == c || strings.Count(a, "\n") < 10 {
		t.Fatalf("same seed equal: %v; other seed differs: %v; %d lines", a == b, a != c, strings.Count(a, "\n"))
	}
}

func TestScenariosLists(t *testing.T) {
	var o, e bytes.Buffer
	if code := run([]string{"scenarios"}, &o, &e); code != 0 || strings.Count(o.String(), "\n") < 13 {
		t.Fatalf("exit %d, %d lines", code, strings.Count(o.String(), "\n"))
	}
}
