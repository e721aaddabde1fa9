package app

import (
	"strings"
	"testing"

	"github.com/trilink/trilink/internal/share"
)

// TestNodeLeafLinksOverMTLS: with embedded.tls the node's generated server
// config accepts partners by certificate name (verify_and_map), solicits
// them with its certificate, and holds no leaf password. (jp solicits kr,
// kr solicits us: kr accepts jp by name and presents its own to us.)
func TestNodeLeafLinksOverMTLS(t *testing.T) {
	cfg, err := ParseNodeConfig([]byte(`nation: kr
http: 127.0.0.1:0
data_dir: ` + t.TempDir() + `
embedded:
  client_listen: 127.0.0.1:4222
  leaf_listen: 127.0.0.1:7422
  tls: {cert_file: /pki/leaf.pem, key_file: /pki/leaf-key.pem, ca_file: /pki/partners-ca.pem}
  partners:
    jp: {leaf_url: 'nats-leaf://jp.example:7422'}
    us: {leaf_url: 'nats-leaf://us.example:7422'}
`))
	if err != nil {
		t.Fatal(err)
	}
	fed, err := nodeFederation(share.KR, cfg)
	if err != nil {
		t.Fatal(err)
	}
	conf, err := fed.ServerConfig(share.KR, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"verify_and_map: true", `"leaf.jp.trilink.internal"`, "/pki/partners-ca.pem", "nats-leaf://us.example:7422"} {
		if !strings.Contains(conf, want) {
			t.Errorf("config lacks %s", want)
		}
	}
	if strings.Contains(conf, "_leaf") {
		t.Errorf("config has a password leaf user:\n%s", conf)
	}
}
