package strictyaml_test

import (
	"fmt"
	"testing"

	"github.com/trilink/trilink/internal/strictyaml"
)

type doc struct {
	Name string `yaml:"name"`
	List []int  `yaml:"list"`
}

func TestUnmarshal(t *testing.T) {
	for _, tt := range []struct {
		name, in string
		line     int
		ok       bool
	}{
		{"good", "name: a\nlist: [1, 2]\n", 0, true},
		{"unknown_field", "name: a\nlizt: [1]\n", 2, false},
		{"duplicate_key", "name: a\nname: b\n", 2, false},
		{"tagged_scalar_for_list", "name: a\nlist: !000000\n0000: 00", 0, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var d doc
			err := strictyaml.Unmarshal([]byte(tt.in), &d)
			if (err == nil) != tt.ok {
				t.Fatalf("err = %v, want ok=%v", err, tt.ok)
			}
			if got := strictyaml.LineOf(err); got != tt.line {
				t.Errorf("line %d, want %d (%v)", got, tt.line, err)
			}
		})
	}
}

func FuzzUnmarshal(f *testing.F) {
	f.Add([]byte("name: a\nlist: [1, 2]\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var d doc
		_ = strictyaml.Unmarshal(b, &d)
	})
}

func ExampleUnmarshal() {
	var d doc
	err := strictyaml.Unmarshal([]byte("name: a\nnmae: b\n"), &d)
	fmt.Println(strictyaml.LineOf(err))
	// Output: 2
}
