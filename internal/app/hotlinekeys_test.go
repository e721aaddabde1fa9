package app

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trilink/trilink/internal/hotline"
	"github.com/trilink/trilink/internal/nation"
)

// A node holds its own nation's device keys and only the partners'
// public keys: it refuses to start without them, naming the file and the
// command that makes them, and keeps no private key of a partner.
func TestHotlineKeysPerNation(t *testing.T) {
	jpDir, krDir := t.TempDir(), t.TempDir()
	if err := HotlineKeygen(jpDir, "jp", io.Discard); err != nil {
		t.Fatal(err)
	}
	_, _, err := demoDirectory(jpDir, []nation.Nation{nation.JP})
	if err == nil || !strings.Contains(err.Error(), "kr-") || !strings.Contains(err.Error(), "trilink hotline keygen") {
		t.Fatalf("jp without kr's public keys: %v", err)
	}
	for _, n := range []string{"kr", "us"} {
		if err := HotlineKeygen(krDir, n, io.Discard); err != nil {
			t.Fatal(err)
		}
	}
	pubs, _ := filepath.Glob(filepath.Join(krDir, "*.pub"))
	for _, f := range pubs {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(jpDir, filepath.Base(f)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dir, keys, err := demoDirectory(jpDir, []nation.Nation{nation.JP})
	if err != nil {
		t.Fatal(err)
	}
	for id := range keys {
		if !strings.HasPrefix(string(id), "jp-") {
			t.Errorf("jp's node holds %s's private keys", id)
		}
	}
	if len(keys) != len(rosterDevices(nation.JP)) {
		t.Errorf("%d private keys, want jp's %d devices", len(keys), len(rosterDevices(nation.JP)))
	}
	m, ok := dir.Member("kr-leader")
	if !ok || len(m.Devices) != 1 {
		t.Fatalf("kr-leader in jp's roster: %+v %v", m, ok)
	}
	if _, _, err := demoDirectory(krDir, []nation.Nation{nation.KR, nation.US}); err == nil {
		t.Fatal("kr's directory without jp's public keys was accepted")
	}
	// The roster jp built has kr-leader's real public keys.
	b, _ := os.ReadFile(filepath.Join(krDir, "kr-leader-console.key"))
	k, err := hotline.UnmarshalDeviceKeys(b)
	if err != nil {
		t.Fatal(err)
	}
	if !k.Public().Sign.Equal(m.Devices[0].Sign) {
		t.Error("jp's roster has another key for kr-leader's console")
	}
}

func TestParseDevicePub(t *testing.T) {
	k, err := hotline.GenerateDeviceKeys("jp-ops-console")
	if err != nil {
		t.Fatal(err)
	}
	good, err := marshalDevice(k.Public())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parseDevice(good, "jp-ops-console"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ in, want string }{
		{string(good), `id "jp-ops-console", want "kr-ops-console"`},
		{`{"id":"kr-ops-console","kem":"AAAA","sign":"AAAA"}`, "kem: 3 bytes"},
		{`{"id":"kr-ops-console","kem":"` + strings.Repeat("A", 43) + `=","sign":"AAAA"}`, "sign: 3 bytes"},
		{`{"id":"kr-ops-console","extra":1}`, "unknown field"},
		{`[`, "unexpected EOF"},
	} {
		if _, err := parseDevice([]byte(c.in), "kr-ops-console"); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.in, err, c.want)
		}
	}
}

func FuzzParseDevicePub(f *testing.F) {
	f.Add([]byte(`{"id":"jp-ops-console","kem":"AAAA","sign":"AAAA"}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := parseDevice(b, "jp-ops-console")
		if err == nil && (len(d.KEM) != 32 || len(d.Sign) != 32 || d.ID != "jp-ops-console") {
			t.Fatalf("accepted %+v", d)
		}
	})
}
