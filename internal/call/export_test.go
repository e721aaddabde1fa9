package call

// Exported for the black-box tests.
var (
	ParseTrunkMsg = parseTrunkMsg
	ParseRoster   = parseRoster
)
