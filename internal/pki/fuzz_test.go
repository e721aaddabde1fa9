package pki_test

import (
	"strings"
	"testing"

	"github.com/trilink/trilink/internal/pki"
)

// FuzzParseSensorURI: any accepted ID re-forms exactly from its parts.
func FuzzParseSensorURI(f *testing.F) {
	for _, s := range []string{"spiffe://jp.trilink.internal/sensor/radar-1", "spiffe://kr.x/user/a", "urn:trilink:sensor:jp:r", "spiffe://us./sensor/_"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, id, err := pki.ParseSensorURI(s)
		if err != nil {
			return
		}
		if !n.Valid() || id == "" || !strings.HasPrefix(s, "spiffe://"+n.String()+".") || !strings.HasSuffix(s, "/sensor/"+id) {
			t.Fatalf("ParseSensorURI(%q) = %v %q", s, n, id)
		}
	})
}

// FuzzParseCertificates: arbitrary PEM never panics and never yields nil.
func FuzzParseCertificates(f *testing.F) {
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"))
	f.Add([]byte("hello"))
	f.Fuzz(func(t *testing.T, b []byte) {
		cs, err := pki.ParseCertificates(b)
		if err == nil && (len(cs) == 0 || cs[0] == nil) {
			t.Fatal("no error and no certificate")
		}
	})
}
