package pki_test

import (
	"crypto/x509"
	"fmt"
	"os"

	"github.com/trilink/trilink/internal/nation"
	"github.com/trilink/trilink/internal/pki"
)

// A nation creates its CAs once, then issues a sensor certificate; a node
// that receives it over mTLS learns which nation and sensor it speaks for.
func ExampleAuthority_Issue() {
	dir, _ := os.MkdirTemp("", "pki")
	defer os.RemoveAll(dir)
	if err := pki.Init(dir, nation.JP, pki.InitOptions{}); err != nil {
		fmt.Println(err)
		return
	}
	jp, err := pki.LoadNation(dir, nation.JP)
	if err != nil {
		fmt.Println(err)
		return
	}
	certPEM, _, err := jp.Issue(pki.Request{Kind: pki.KindSensor, Name: "radar-1"})
	if err != nil {
		fmt.Println(err)
		return
	}
	certs, _ := pki.ParseCertificates(certPEM)
	roots, _ := pki.LoadRoots(dir, nation.JP)
	n, chain, err := roots.Verify(certs[0], certs[1:], x509.ExtKeyUsageClientAuth, certs[0].NotBefore)
	fmt.Println(n, len(chain), err)
	n, id, _ := pki.SensorIdentity(certs[0])
	fmt.Println(certs[0].Subject, certs[0].URIs[0], n, id)
	// Output:
	// jp 3 <nil>
	// CN=radar-1,O=trilink JP spiffe://jp.trilink.internal/sensor/radar-1 jp radar-1
}
