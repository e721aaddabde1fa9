package app

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/trilink/trilink/internal/sensor"
)

// Ingest reasons, as counted and logged. Do not rename: they are metric labels.
const (
	rejectDecode      = "malformed"
	rejectSubject     = "subject_mismatch"
	rejectFuture      = "future_time"
	rejectUnknown     = "unknown_sensor"
	rejectForeignNat  = "foreign_nation"
	maxFutureSkew     = 30 * time.Second
	ingestReasonCount = 5
)

// ErrRejected wraps every ingest rejection.
var ErrRejected = errors.New("measurement rejected")

// Ingest checks measurements arriving on shared.<n>.meas.<sensor> before
// they can reach fusion: they must decode strictly, be published under
// their own nation's and sensor's subject, come from a sensor the node
// knows for that nation, and not be dated in the future.
type Ingest struct {
	// Known maps sensor id to its owner; nil accepts any sensor id whose
	// nation matches the subject.
	Known map[string]string

	mu     sync.Mutex // guards counts
	counts map[string]uint64
}

// NewIngest returns an ingest that knows the given sensors.
func NewIngest(sensors []sensor.Sensor) *Ingest {
	in := &Ingest{Known: map[string]string{}, counts: map[string]uint64{}}
	for _, s := range sensors {
		in.Known[s.ID] = s.Nation.String()
	}
	return in
}

// Check decodes and checks one message; now is the receiver's clock.
func (in *Ingest) Check(subject string, data []byte, now time.Time) (sensor.Measurement, error) {
	m, err := sensor.Decode(data)
	if err != nil {
		return m, in.reject(rejectDecode, err)
	}
	parts := strings.Split(subject, ".")
	if len(parts) != 4 || parts[0] != "shared" || parts[2] != "meas" {
		return m, in.reject(rejectSubject, fmt.Errorf("subject %q is not shared.<nation>.meas.<sensor>", subject))
	}
	if parts[1] != m.Nation.String() {
		return m, in.reject(rejectForeignNat, fmt.Errorf("sensor %s of %s published under %s's subject", m.Sensor, m.Nation, parts[1]))
	}
	if parts[3] != m.Sensor {
		return m, in.reject(rejectSubject, fmt.Errorf("measurement of sensor %s on subject %s", m.Sensor, subject))
	}
	if in.Known != nil {
		owner, ok := in.Known[m.Sensor]
		if !ok {
			return m, in.reject(rejectUnknown, fmt.Errorf("unknown sensor %q", m.Sensor))
		}
		if owner != m.Nation.String() {
			return m, in.reject(rejectForeignNat, fmt.Errorf("sensor %s belongs to %s, not %s", m.Sensor, owner, m.Nation))
		}
	}
	if m.Time.After(now.Add(maxFutureSkew)) {
		return m, in.reject(rejectFuture, fmt.Errorf("measurement time %s is %v ahead of this node's clock", m.Time.Format(time.RFC3339Nano), m.Time.Sub(now).Round(time.Second)))
	}
	return m, nil
}

func (in *Ingest) reject(reason string, err error) error {
	in.mu.Lock()
	if in.counts == nil {
		in.counts = map[string]uint64{}
	}
	in.counts[reason]++
	in.mu.Unlock()
	return fmt.Errorf("%w (%s): %v", ErrRejected, reason, err)
}

// Rejected returns the rejection counts by reason.
func (in *Ingest) Rejected() map[string]uint64 {
	in.mu.Lock()
	defer in.mu.Unlock()
	out := make(map[string]uint64, ingestReasonCount)
	for k, v := range in.counts {
		out[k] = v
	}
	return out
}
