package app

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/trilink/trilink/internal/geo"
	"github.com/trilink/trilink/internal/sensor"
)

func sampleMeasurement(t *testing.T) (sensor.Sensor, []byte, time.Time) {
	t.Helper()
	net := sensor.DefaultNetwork()
	var s *sensor.Sensor
	for i := range net {
		if net[i].Kind == sensor.KindRadar && net[i].Nation.String() == "kr" {
			s = &net[i]
			break
		}
	}
	now := time.Date(2022, 10, 3, 22, 23, 0, 0, time.UTC)
	// A target 300 km up, 400 km north of the radar.
	target, _ := geo.Direct(s.Site, 0, 400e3)
	target.Alt = 300e3
	m, ok := s.Observe(sensor.Truth{T: now, Pos: target.ECEF()}, rand.New(rand.NewPCG(1, 2)))
	if !ok {
		t.Skip("sample target not visible to the sensor")
	}
	b, err := json.Marshal(&m)
	if err != nil {
		t.Fatal(err)
	}
	return *s, b, now
}

func TestIngestRejectsWithReason(t *testing.T) {
	s, good, now := sampleMeasurement(t)
	in := NewIngest(sensor.DefaultNetwork())
	subj := "shared.kr.meas." + s.ID
	if _, err := in.Check(subj, good, now); err != nil {
		t.Fatalf("good measurement rejected: %v", err)
	}
	for _, tt := range []struct {
		name, subject string
		data          []byte
		now           time.Time
		reason        string
	}{
		{"malformed", subj, []byte(`{"kind":"radar"`), now, rejectDecode},
		{"negative_range", subj, []byte(strings.Replace(string(good), `"range_m":`, `"range_m":-`, 1)), now, rejectDecode},
		{"nan", subj, []byte(strings.Replace(string(good), `"range_m":`, `"range_m":NaN,"x":`, 1)), now, rejectDecode},
		{"other_nations_subject", "shared.jp.meas." + s.ID, good, now, rejectForeignNat},
		{"other_sensors_subject", "shared.kr.meas.greenpine-zzz", good, now, rejectSubject},
		{"not_a_meas_subject", "shared.kr.track.x", good, now, rejectSubject},
		{"future", subj, good, now.Add(-time.Hour), rejectFuture},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := in.Check(tt.subject, tt.data, tt.now)
			if !errors.Is(err, ErrRejected) || !strings.Contains(err.Error(), "("+tt.reason+")") {
				t.Fatalf("got %v, want a rejection for %s", err, tt.reason)
			}
		})
	}
	unknown := NewIngest(nil)
	unknown.Known = map[string]string{"other": "kr"}
	if _, err := unknown.Check(subj, good, now); err == nil || !strings.Contains(err.Error(), rejectUnknown) {
		t.Fatalf("unknown sensor: %v", err)
	}
	if got := in.Rejected(); got[rejectDecode] != 3 || got[rejectFuture] != 1 {
		t.Errorf("counts %v", got)
	}
}
