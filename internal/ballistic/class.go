package ballistic

import (
	"fmt"
	"strings"

	"github.com/trilink/trilink/internal/geo"
)

// Class is a missile's range class. The zero value is ClassUnknown. Values
// are persisted and shared: do not reorder.
type Class uint8

// Classes by maximum range, as research/tracking.md §5.6 uses them: SRBM
// below 1,000 km, MRBM 1,000–3,000 km, IRBM 3,000–5,500 km, ICBM beyond.
const (
	// ClassUnknown is the zero value: no class given.
	ClassUnknown Class = iota
	SRBM
	MRBM
	IRBM
	ICBM
)

var classNames = [...]string{"unknown", "SRBM", "MRBM", "IRBM", "ICBM"}

// String returns "SRBM", "MRBM", "IRBM", "ICBM" or "unknown".
func (c Class) String() string {
	if int(c) < len(classNames) {
		return classNames[c]
	}
	return fmt.Sprintf("Class(%d)", uint8(c))
}

// MarshalText encodes c as its String; it fails for values out of range.
func (c Class) MarshalText() ([]byte, error) {
	if int(c) >= len(classNames) {
		return nil, fmt.Errorf("ballistic: marshal class %d: out of range", uint8(c))
	}
	return []byte(classNames[c]), nil
}

// UnmarshalText decodes a class name, in any letter case; "" and "unknown"
// give ClassUnknown.
func (c *Class) UnmarshalText(b []byte) error {
	s := string(b)
	if s == "" {
		*c = ClassUnknown
		return nil
	}
	for i, n := range classNames {
		if strings.EqualFold(s, n) {
			*c = Class(i)
			return nil
		}
	}
	return fmt.Errorf("ballistic: unknown class %q (want SRBM, MRBM, IRBM or ICBM)", s)
}

// ClassOf returns the class of a missile whose maximum (minimum-energy)
// range is rng; use [EquivalentRange] to get that range from a lofted or
// depressed flight's burnout speed.
func ClassOf(rng geo.Meters) Class {
	switch {
	case rng < 1000e3:
		return SRBM
	case rng < 3000e3:
		return MRBM
	case rng < 5500e3:
		return IRBM
	}
	return ICBM
}
