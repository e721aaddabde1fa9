package share

import "github.com/trilink/trilink/internal/nation"

// Nation is nation.Nation, re-exported where the backbone's API uses it.
type Nation = nation.Nation

// The partners.
const (
	NationUnknown = nation.NationUnknown
	JP            = nation.JP
	KR            = nation.KR
	US            = nation.US
)

// Nations lists the partners in canonical order.
var Nations = nation.Nations

// ErrUnknownNation is nation.ErrUnknownNation.
var ErrUnknownNation = nation.ErrUnknownNation

// ParseNation is nation.Parse.
func ParseNation(s string) (Nation, error) { return nation.Parse(s) }

// originOf is nation.OfShared: the nation of a released subject.
func originOf(subject string) (Nation, bool) { return nation.OfShared(subject) }
