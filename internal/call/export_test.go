package call

// Exported for the black-box tests.
var (
	ParseTrunkMsg = parseTrunkMsg
	ParseRoster   = parseRoster
)

// DropRosters makes s lose its partners' rosters (on) as in a partition,
// or take them again (off).
func (s *SFU) DropRosters(on bool) { s.dropRosters.Store(on) }
