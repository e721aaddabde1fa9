package sensor

import (
	"reflect"
	"testing"
)

// TestSpaceIRWireFields keeps Decode's mirror of SpaceIR in step with it.
func TestSpaceIRWireFields(t *testing.T) {
	tags := func(v any) []string {
		var out []string
		rt := reflect.TypeOf(v)
		for i := range rt.NumField() {
			out = append(out, rt.Field(i).Tag.Get("json"))
		}
		return out
	}
	if got, want := tags(spaceIRWire{}), tags(SpaceIR{}); !reflect.DeepEqual(got, want) {
		t.Errorf("spaceIRWire JSON fields %q, want SpaceIR's %q", got, want)
	}
}
