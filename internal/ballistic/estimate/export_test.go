package estimate

// For the black-box tests: the integration settings of impact prediction.
var (
	SpreadOptions = &spreadOptions
	IPPOptions    = ippOptions
)
