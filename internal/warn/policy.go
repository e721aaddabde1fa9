package warn

import (
	"fmt"
	"strings"
	"time"

	"github.com/trilink/trilink/internal/nation"
)

// Policy is one nation's warning configuration. A nation alerts only its
// own regions, in its own view of its territory. [DefaultPolicy] gives the
// values below; every field may be changed before [NewEngine].
type Policy struct {
	// Nation is the issuing nation.
	Nation nation.Nation
	// Sender is the CAP sender (no spaces, commas, '<' or '&').
	Sender string
	// Location is the time zone of CAP times and of {time} in texts:
	// JST for Japan, KST for Korea, UTC for the US (whose theatre spans
	// five zones).
	Location *time.Location
	// CorridorKm is the half-width of the take-shelter corridor about the
	// predicted ground track (default 50 km: the track's cross-range
	// uncertainty in the first minutes plus debris of a break-up).
	// IrregularCorridorKm applies to flights flagged irregular
	// (default 100 km).
	CorridorKm, IrregularCorridorKm float64
	// ImpactThreshold is the probability of impact on a region (its land
	// or territorial sea) above which the region is told to take shelter
	// (default 0.01).
	ImpactThreshold float64
	// DropFactor is the hysteresis for lifting a call: a region stays
	// until it is farther than DropFactor × the corridor half-width from
	// the track and its probability of impact is below threshold ÷
	// DropFactor (default 1.2).
	DropFactor float64
	// OverflightCeilingKm, if positive, leaves out of the corridor the
	// parts of the path above it. J-Alert warns for any overflight of
	// Japan's territory whatever the altitude (2017: ~550 km over
	// Hokkaido; 2022: ~1,000 km over Aomori; 2024: a satellite launcher),
	// so the default is 0: no ceiling.
	OverflightCeilingKm float64
	// LeadTime, if positive, bounds how far ahead regions are alerted: a
	// region whose corridor entry (or the impact) is later than LeadTime
	// after the estimate waits for a later estimate. The default, 0, alerts
	// every region at once, as J-Alert does: even an ICBM's 30 minutes are
	// little enough to take shelter in.
	LeadTime time.Duration
	// PassMargin is how long after the predicted exit from a region's
	// corridor the region is reported as passed over (default 5 s).
	PassMargin time.Duration
	// LostHold is how long after the last predicted impact time a lost
	// track's calls are held before they are lifted (default 60 s).
	LostHold time.Duration
	// Expiry is how long after sending a message expires (CAP expires;
	// default 30 min).
	Expiry time.Duration
	// NoticeEEZ sends a landing report for a landing in the nation's own
	// EEZ even when no region was alerted (the J-Alert system does not
	// alert for EEZ-only impacts, but the government reports them);
	// default true.
	NoticeEEZ bool
	// Langs is the order of the languages in each message (default: the
	// nation's own language first, then ja, ko, en).
	Langs []Lang
	// Texts holds the wording in each language of Langs.
	Texts map[Lang]Templates
}

// DefaultPolicy returns the default policy of n.
func DefaultPolicy(n nation.Nation) Policy {
	p := Policy{
		Nation:              n,
		Sender:              "trilink-" + n.String() + "@example.invalid",
		CorridorKm:          50,
		IrregularCorridorKm: 100,
		ImpactThreshold:     0.01,
		DropFactor:          1.2,
		PassMargin:          5 * time.Second,
		LostHold:            60 * time.Second,
		Expiry:              30 * time.Minute,
		NoticeEEZ:           true,
		Texts:               DefaultTemplates(),
	}
	switch n {
	case nation.JP:
		p.Location = time.FixedZone("JST", 9*3600)
		p.Langs = []Lang{Ja, Ko, En}
	case nation.KR:
		p.Location = time.FixedZone("KST", 9*3600)
		p.Langs = []Lang{Ko, Ja, En}
	default:
		p.Location = time.UTC
		p.Langs = []Lang{En, Ja, Ko}
	}
	return p
}

// Validate reports a policy the engine cannot use.
func (p Policy) Validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("warn: policy for %s: %s", p.Nation, fmt.Sprintf(format, a...))
	}
	switch {
	case !p.Nation.Valid():
		return bad("unknown nation")
	case p.Sender == "" || strings.ContainsAny(p.Sender, " ,<&"):
		return bad("sender %q is empty or has a space, comma, '<' or '&'", p.Sender)
	case p.Location == nil:
		return bad("no time zone")
	case !(p.CorridorKm > 0 && p.CorridorKm <= 1000) || !(p.IrregularCorridorKm >= p.CorridorKm && p.IrregularCorridorKm <= 1000):
		return bad("corridor half-widths %v, %v km (want 0 < normal ≤ irregular ≤ 1000)", p.CorridorKm, p.IrregularCorridorKm)
	case !(p.ImpactThreshold > 0 && p.ImpactThreshold < 1):
		return bad("impact threshold %v outside (0, 1)", p.ImpactThreshold)
	case !(p.DropFactor >= 1 && p.DropFactor <= 3):
		return bad("drop factor %v outside [1, 3]", p.DropFactor)
	case !(p.OverflightCeilingKm >= 0):
		return bad("overflight ceiling %v km", p.OverflightCeilingKm)
	case p.LeadTime < 0 || p.PassMargin < 0 || p.LostHold < 0 || p.Expiry < time.Minute:
		return bad("lead time, pass margin, lost hold or expiry out of range")
	case len(p.Langs) == 0:
		return bad("no languages")
	}
	seen := map[Lang]bool{}
	for _, l := range p.Langs {
		if l.Tag() == "" || seen[l] {
			return bad("language %v unknown or repeated", l)
		}
		seen[l] = true
		t, ok := p.Texts[l]
		if !ok {
			return bad("no texts in %s", l)
		}
		if err := t.check(); err != nil {
			return bad("texts in %s: %v", l, err)
		}
	}
	return nil
}
