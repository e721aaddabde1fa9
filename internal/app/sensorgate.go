package app

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trilink/trilink/internal/nation"
	"github.com/trilink/trilink/internal/pki"
	"github.com/trilink/trilink/internal/share"
)

// SensorGate takes measurements posted by sensors over mutual TLS
// (POST /api/v1/measurements): the client certificate must chain to the
// root of a nation this node serves, must not be revoked, and names the one
// sensor (spiffe://<n>.trilink.internal/sensor/<id>) whose measurements
// the connection may carry. Accepted measurements are released on
// shared.<n>.meas.<id> with the same message id a simulator would use, so
// a sensor's retry is stored once.
type SensorGate struct {
	Roots   pki.Roots
	Revoked *pki.Revocations
	Ingest  *Ingest
	Pubs    map[nation.Nation]*share.Publisher
	Now     func() time.Time

	once     sync.Once
	rejected *prometheus.CounterVec
	accepted *prometheus.CounterVec
}

// Gate rejection reasons (metric labels).
const (
	gateNoCert   = "no_certificate"
	gateBadCert  = "bad_certificate"
	gateRevoked  = "revoked"
	gateIdentity = "identity_mismatch"
	gateRejected = "rejected"
	gatePublish  = "publish_failed"
)

func (g *SensorGate) init() {
	g.once.Do(func() {
		g.rejected = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "trilink_sensor_gate_rejected_total",
			Help: "Measurements refused at the sensor gate (POST /api/v1/measurements), by reason."}, []string{"reason"})
		g.accepted = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "trilink_sensor_gate_accepted_total",
			Help: "Measurements accepted at the sensor gate, by nation."}, []string{"nation"})
		if g.Now == nil {
			g.Now = time.Now
		}
	})
}

// Collectors returns the gate's metrics.
func (g *SensorGate) Collectors() []prometheus.Collector {
	g.init()
	return []prometheus.Collector{g.rejected, g.accepted}
}

func (g *SensorGate) refuse(reason string, code int, format string, a ...any) error {
	g.rejected.WithLabelValues(reason).Inc()
	return &httpError{code, fmt.Errorf(format, a...)}
}

// Identity checks the peer certificate of a connection: it returns the
// sensor's nation and id.
func (g *SensorGate) Identity(cs *tls.ConnectionState) (nation.Nation, string, error) {
	g.init()
	if cs == nil || len(cs.PeerCertificates) == 0 {
		return 0, "", g.refuse(gateNoCert, http.StatusUnauthorized, "a sensor certificate is required: connect with TLS and the sensor's client certificate")
	}
	cert := cs.PeerCertificates[0]
	if _, _, err := g.Roots.Verify(cert, cs.PeerCertificates[1:], x509.ExtKeyUsageClientAuth, g.Now()); err != nil {
		return 0, "", g.refuse(gateBadCert, http.StatusUnauthorized, "certificate not accepted: %v", err)
	}
	if g.Revoked.Revoked(cert) {
		return 0, "", g.refuse(gateRevoked, http.StatusUnauthorized, "certificate %x is revoked", cert.SerialNumber)
	}
	n, id, err := pki.SensorIdentity(cert)
	if err != nil {
		return 0, "", g.refuse(gateBadCert, http.StatusForbidden, "not a sensor certificate: %v", err)
	}
	if g.Pubs[n] == nil {
		return 0, "", g.refuse(gateIdentity, http.StatusForbidden, "sensor %s of %s: this node does not serve %s", id, n, n)
	}
	return n, id, nil
}

// Accept takes one measurement (the JSON of sensor.Measurement) from the
// connection cs and releases it.
func (g *SensorGate) Accept(ctx context.Context, cs *tls.ConnectionState, body []byte) (any, error) {
	n, id, err := g.Identity(cs)
	if err != nil {
		return nil, err
	}
	subject := n.SharedPrefix() + "meas." + id
	m, err := g.Ingest.Check(subject, body, g.Now())
	if err != nil {
		// The certificate's sensor may publish only its own nation's and its
		// own id's measurements: a mismatch is refused as forbidden.
		code := http.StatusBadRequest
		if m.Sensor != "" && (m.Sensor != id || m.Nation != n) {
			code = http.StatusForbidden
			g.rejected.WithLabelValues(gateIdentity).Inc()
			return nil, &httpError{code, fmt.Errorf("sensor %s of %s may not publish measurements of sensor %s of %s", id, n, m.Sensor, m.Nation)}
		}
		g.rejected.WithLabelValues(gateRejected).Inc()
		return nil, &httpError{code, err}
	}
	ack, err := g.Pubs[n].Publish(ctx, share.Msg{Subject: subject, ID: id + ":" + strconv.FormatInt(m.Time.UnixNano(), 10), Data: body})
	if err != nil {
		g.rejected.WithLabelValues(gatePublish).Inc()
		code := http.StatusServiceUnavailable
		if errors.Is(err, context.Canceled) {
			code = http.StatusRequestTimeout
		}
		return nil, &httpError{code, fmt.Errorf("not stored: %v", err)}
	}
	g.accepted.WithLabelValues(n.String()).Inc()
	return map[string]any{"stored": true, "subject": subject, "seq": ack.Sequence, "duplicate": ack.Duplicate}, nil
}

// VerifyConnection is the TLS server's check of a client certificate,
// when one is given: a bad or revoked certificate ends the handshake.
func (g *SensorGate) VerifyConnection(cs tls.ConnectionState) error {
	if len(cs.PeerCertificates) == 0 {
		return nil // browsers: no certificate, sessions instead
	}
	if _, _, err := g.Roots.Verify(cs.PeerCertificates[0], cs.PeerCertificates[1:], x509.ExtKeyUsageClientAuth, time.Now()); err != nil {
		return err
	}
	if g.Revoked.Revoked(cs.PeerCertificates[0]) {
		return fmt.Errorf("certificate %x is revoked", cs.PeerCertificates[0].SerialNumber)
	}
	return nil
}
