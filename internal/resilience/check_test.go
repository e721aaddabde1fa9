package resilience_test

import (
	"strings"
	"testing"
	"time"

	"github.com/trilink/trilink/internal/resilience"
	"github.com/trilink/trilink/internal/sensor"
	"github.com/trilink/trilink/internal/share"
)

// healthy returns three states that satisfy every invariant.
func healthy() map[share.Nation]*resilience.State {
	out := map[share.Nation]*resilience.State{}
	for _, n := range share.Nations {
		s := &resilience.State{Nation: n, Rel: 5, Evidence: "ev", Measurements: 15,
			Picture:   map[share.Nation]uint64{share.JP: 5, share.KR: 5, share.US: 5},
			Agreement: map[share.Nation]string{}, Alerts: map[string]share.Nation{"JP.1": share.JP},
			Hotline: map[string]bool{"m1": true}}
		for _, p := range n.Partners() {
			s.Agreement[p] = "agree"
		}
		out[n] = s
	}
	return out
}

func TestCheck(t *testing.T) {
	for _, tt := range []struct {
		name   string
		mutate func(map[share.Nation]*resilience.State, *resilience.Expect)
		want   string // "" means no problem
	}{
		{"healthy", func(map[share.Nation]*resilience.State, *resilience.Expect) {}, ""},
		{"lost_in_picture", func(s map[share.Nation]*resilience.State, _ *resilience.Expect) { s[share.US].Picture[share.KR] = 4 },
			"us PICTURE holds 4 of kr's measurements"},
		{"duplicate_in_picture", func(s map[share.Nation]*resilience.State, _ *resilience.Expect) { s[share.JP].Picture[share.JP] = 6 },
			"jp PICTURE holds 6 of jp's measurements"},
		{"acked_not_stored", func(_ map[share.Nation]*resilience.State, e *resilience.Expect) {
			e.Acked = map[share.Nation]int64{share.KR: 6}
		},
			"kr REL holds 5 measurements, its sensors had 6 acknowledged"},
		{"other_evidence", func(s map[share.Nation]*resilience.State, _ *resilience.Expect) { s[share.KR].Evidence = "other" },
			"kr evidence"},
		{"disagree", func(s map[share.Nation]*resilience.State, _ *resilience.Expect) {
			s[share.US].Agreement[share.JP] = "DISAGREE"
		},
			`us says "DISAGREE" about jp's picture`},
		{"alert_missing", func(s map[share.Nation]*resilience.State, _ *resilience.Expect) { delete(s[share.KR].Alerts, "JP.1") },
			"kr does not list alerts JP.1"},
		{"alert_seen_earlier_lost", func(_ map[share.Nation]*resilience.State, e *resilience.Expect) { e.Alerts = []string{"KR.9"} },
			"jp does not list alerts KR.9"},
		{"alert_twice", func(s map[share.Nation]*resilience.State, _ *resilience.Expect) {
			s[share.JP].AlertDups = []string{"JP.1"}
		},
			"jp lists alerts more than once"},
		{"hotline_lost", func(_ map[share.Nation]*resilience.State, e *resilience.Expect) { e.Hotline = []string{"m1", "m2"} },
			"us-ops does not hold hotline messages m2"},
		{"hotline_twice", func(s map[share.Nation]*resilience.State, _ *resilience.Expect) {
			s[share.KR].HotlineDups = []string{"m1"}
		},
			"kr-ops holds hotline messages more than once"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, e := healthy(), resilience.Expect{}
			tt.mutate(s, &e)
			bad := resilience.Check(s, e)
			if tt.want == "" {
				if len(bad) > 0 {
					t.Fatalf("problems in a healthy federation: %v", bad)
				}
				return
			}
			if !strings.Contains(strings.Join(bad, "\n"), tt.want) {
				t.Fatalf("problems %q do not name %q", bad, tt.want)
			}
		})
	}
}

func TestRepeatAndFlood(t *testing.T) {
	t0 := time.Date(2022, 6, 5, 0, 8, 0, 0, time.UTC)
	ms := []sensor.Measurement{{Sensor: "a", Seq: 1, Time: t0}, {Sensor: "a", Seq: 2, Time: t0.Add(time.Second)}}
	for _, tt := range []struct {
		name      string
		got       []sensor.Measurement
		wantLen   int
		wantFirst time.Time
		wantLast  time.Time
	}{
		{"repeat_3", resilience.Repeat(ms, 3, time.Minute), 6, t0, t0.Add(2*61*time.Second + time.Second)},
		{"repeat_1", resilience.Repeat(ms, 1, time.Minute), 2, t0, t0.Add(time.Second)},
		{"flood_4", func() []sensor.Measurement { o, _ := resilience.Flood(ms, "a", 4); return o }(), 8, t0, t0.Add(time.Second + 750*time.Millisecond)},
		{"flood_other_sensor", func() []sensor.Measurement { o, _ := resilience.Flood(ms, "b", 4); return o }(), 2, t0, t0.Add(time.Second)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.got) != tt.wantLen {
				t.Fatalf("len %d, want %d", len(tt.got), tt.wantLen)
			}
			if !tt.got[0].Time.Equal(tt.wantFirst) || !tt.got[len(tt.got)-1].Time.Equal(tt.wantLast) {
				t.Fatalf("span %v – %v, want %v – %v", tt.got[0].Time, tt.got[len(tt.got)-1].Time, tt.wantFirst, tt.wantLast)
			}
			seen := map[[2]any]bool{}
			for _, m := range tt.got {
				k := [2]any{m.Seq, m.Time}
				if seen[k] {
					t.Fatalf("two measurements with seq %d at %v", m.Seq, m.Time)
				}
				seen[k] = true
			}
		})
	}
}
