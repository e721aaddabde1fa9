package app_test

import (
	"strings"
	"testing"

	"github.com/trilink/trilink/internal/app"
)

func TestParseNodeConfig(t *testing.T) {
	t.Setenv("TRILINK_TEST_PW", "secret")
	t.Setenv("TRILINK_TEST_METRICS", strings.Repeat("m", 32))
	for _, tt := range []struct {
		name, in, wantErr string
	}{
		{"external", "nation: jp\nhttp: 127.0.0.1:1\nnats: {url: nats://x:4222, user: jp_app, password_env: TRILINK_TEST_PW, replicas: 3}\n", ""},
		{"embedded", "nation: us\nhttp: 127.0.0.1:1\nembedded:\n  client_listen: 127.0.0.1:1\n  leaf_listen: 127.0.0.1:2\n  partners:\n    jp: {leaf_url: 'nats-leaf://h:1', password_env: TRILINK_TEST_PW}\n    kr: {leaf_url: 'nats-leaf://h:2', password_env: TRILINK_TEST_PW}\n", ""},
		{"unknown_field", "nation: jp\nhttp: 127.0.0.1:1\nnatz: {}\n", "natz"},
		{"clear_text_off_loopback", "nation: jp\nhttp: 192.0.2.1:443\nnats: {url: nats://x}\n", "security.tls: required"},
		{"leaf_tls_without_ca", "nation: us\nhttp: 127.0.0.1:1\nembedded:\n  client_listen: a:1\n  leaf_listen: a:2\n  tls: {cert_file: l.pem, key_file: k.pem}\n  partners:\n    jp: {leaf_url: 'nats-leaf://h:1'}\n    kr: {leaf_url: 'nats-leaf://h:2'}\n", "embedded.tls: cert_file, key_file and ca_file"},
		{"half_tls", "nation: jp\nhttp: 127.0.0.1:1\nsecurity: {tls: {cert_file: a.pem}}\nnats: {url: nats://x}\n", "cert_file and key_file"},
		{"passkeys_without_origin", "nation: jp\nhttp: 127.0.0.1:1\nsecurity: {rp_id: ops.jp.example}\nnats: {url: nats://x}\n", "security.rp_origins"},
		{"bad_replicas", "nation: jp\nhttp: 127.0.0.1:1\nnats: {url: nats://x, replicas: 2}\n", "nats.replicas"},
		{"unset_password", "nation: jp\nhttp: 127.0.0.1:1\nnats: {url: nats://x, password_env: TRILINK_UNSET_XYZ}\n", "TRILINK_UNSET_XYZ"},
		{"no_http", "nation: jp\n", "http"},
		{"self_partner", "nation: us\nhttp: 127.0.0.1:1\nembedded:\n  client_listen: a:1\n  leaf_listen: a:2\n  partners:\n    jp: {leaf_url: 'nats-leaf://h:1', password_env: TRILINK_TEST_PW}\n    kr: {leaf_url: 'nats-leaf://h:2', password_env: TRILINK_TEST_PW}\n    us: {leaf_url: 'nats-leaf://h:3', password_env: TRILINK_TEST_PW}\n", "embedded.partners.us"},
		{"bad_leaf_url", "nation: us\nhttp: 127.0.0.1:1\nembedded:\n  client_listen: a:1\n  leaf_listen: a:2\n  partners:\n    jp: {leaf_url: 'tcp://h:1', password_env: TRILINK_TEST_PW}\n    kr: {leaf_url: 'nats-leaf://h:2', password_env: TRILINK_TEST_PW}\n", "embedded.partners.jp.leaf_url"},
		{"not_yaml", "{{{", "["},
		{"exercise_node", "nation: jp\nhttp: 127.0.0.1:1\nalerts: exercise\nprobe: true\nexercise_clock: {scenario_start: '2022-10-03T22:22:00Z', wall_start: '2026-01-01T00:00:00Z', speed: 20}\nhotline: {keys_dir: /tmp/k}\nnats: {url: nats://x}\n", ""},
		{"bad_alerts", "nation: jp\nhttp: 127.0.0.1:1\nalerts: drill\nnats: {url: nats://x}\n", "alerts"},
		{"clock_needs_exercise", "nation: jp\nhttp: 127.0.0.1:1\nexercise_clock: {scenario_start: '2022-10-03T22:22:00Z', wall_start: '2026-01-01T00:00:00Z', speed: 20}\nnats: {url: nats://x}\n", "alerts: exercise"},
		{"bad_clock_speed", "nation: jp\nhttp: 127.0.0.1:1\nalerts: exercise\nexercise_clock: {scenario_start: '2022-10-03T22:22:00Z', wall_start: '2026-01-01T00:00:00Z', speed: -1}\nnats: {url: nats://x}\n", "exercise_clock.speed"},
		{"bad_clock_start", "nation: jp\nhttp: 127.0.0.1:1\nalerts: exercise\nexercise_clock: {scenario_start: yesterday, wall_start: '2026-01-01T00:00:00Z', speed: 1}\nnats: {url: nats://x}\n", "exercise_clock.scenario_start"},
		{"small_store", "nation: us\nhttp: 127.0.0.1:1\nembedded:\n  client_listen: a:1\n  leaf_listen: a:2\n  max_store: 1000\n  partners:\n    jp: {leaf_url: 'nats-leaf://h:1', password_env: TRILINK_TEST_PW}\n    kr: {leaf_url: 'nats-leaf://h:2', password_env: TRILINK_TEST_PW}\n", "embedded.max_store"},
		{"unset_app_password", "nation: us\nhttp: 127.0.0.1:1\nembedded:\n  client_listen: a:1\n  leaf_listen: a:2\n  app_password_env: TRILINK_UNSET_XYZ\n  partners:\n    jp: {leaf_url: 'nats-leaf://h:1', password_env: TRILINK_TEST_PW}\n    kr: {leaf_url: 'nats-leaf://h:2', password_env: TRILINK_TEST_PW}\n", "embedded.app_password_env"},
		{"metrics_token", "nation: jp\nhttp: 127.0.0.1:1\nsecurity: {metrics_token_env: TRILINK_TEST_METRICS}\nnats: {url: nats://x}\n", ""},
		{"metrics_token_short", "nation: jp\nhttp: 127.0.0.1:1\nsecurity: {metrics_token_env: TRILINK_TEST_PW}\nnats: {url: nats://x}\n", "security.metrics_token_env: $TRILINK_TEST_PW holds 6 characters"},
		{"calls", "nation: jp\nhttp: 127.0.0.1:1\ncalls: {ips: [10.1.0.5], udp_port: 7882, public_ips: [203.0.113.5]}\nnats: {url: nats://x}\n", ""},
		{"calls_bad_ip", "nation: jp\nhttp: 127.0.0.1:1\ncalls: {ips: [10.1.0.500]}\nnats: {url: nats://x}\n", `calls: ips: "10.1.0.500" is not a unicast IPv4 address`},
		{"calls_public_alone", "nation: jp\nhttp: 127.0.0.1:1\ncalls: {public_ips: [203.0.113.5]}\nnats: {url: nats://x}\n", "calls: public_ips: set ips too"},
		{"calls_bad_port", "nation: jp\nhttp: 127.0.0.1:1\ncalls: {udp_port: 99999}\nnats: {url: nats://x}\n", "calls: udp_port: 99999"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := app.ParseNodeConfig([]byte(tt.in))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got %v, want an error naming %q", err, tt.wantErr)
			}
		})
	}
}

func FuzzParseNodeConfig(f *testing.F) {
	f.Add([]byte("nation: jp\nhttp: 127.0.0.1:1\nnats: {url: nats://x:4222}\n"))
	f.Add([]byte("nation: kr\nembedded: {partners: {jp: {leaf_url: x}}}\n"))
	f.Add([]byte("- [a, b]\n"))
	f.Add([]byte("nation: jp\nhttp: 127.0.0.1:1\nalerts: exercise\nexercise_clock: {scenario_start: '2022-10-03T22:22:00Z', wall_start: '2026-01-01T00:00:00Z', speed: 20}\nnats: {url: nats://x}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := app.ParseNodeConfig(b)
		if err == nil && c == nil {
			t.Fatal("nil config without an error")
		}
	})
}
