package nation_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/trilink/trilink/internal/nation"
)

func TestParseAndText(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want nation.Nation
		err  bool
	}{
		{"jp", nation.JP, false}, {"KR", nation.KR, false}, {"us", nation.US, false},
		{"kp", nation.NationUnknown, true}, {"", nation.NationUnknown, true}, {"j", nation.NationUnknown, true},
	} {
		got, err := nation.Parse(tt.in)
		if got != tt.want || (err != nil) != tt.err {
			t.Errorf("Parse(%q) = %v, %v; want %v, err=%v", tt.in, got, err, tt.want, tt.err)
		}
		if err != nil && !errors.Is(err, nation.ErrUnknownNation) {
			t.Errorf("Parse(%q) error %v does not wrap ErrUnknownNation", tt.in, err)
		}
	}
	b, err := json.Marshal(map[string]nation.Nation{"a": nation.KR})
	if err != nil || string(b) != `{"a":"kr"}` {
		t.Fatalf("marshal: %s %v", b, err)
	}
	var back map[string]nation.Nation
	if err := json.Unmarshal(b, &back); err != nil || back["a"] != nation.KR {
		t.Fatalf("unmarshal: %v %v", back, err)
	}
	if _, err := json.Marshal(nation.NationUnknown); err == nil {
		t.Error("marshalling the unknown nation succeeded")
	}
}

func TestPartners(t *testing.T) {
	if p := nation.KR.Partners(); len(p) != 2 || p[0] != nation.JP || p[1] != nation.US {
		t.Fatalf("KR.Partners() = %v", p)
	}
}

func ExampleNation_RelStream() {
	fmt.Println(nation.JP, nation.JP.RelStream(), nation.JP.SharedPrefix())
	// Output: jp JP_REL shared.jp.
}

func TestOfShared(t *testing.T) {
	for _, c := range []struct {
		subject string
		want    nation.Nation
		ok      bool
	}{
		{"shared.jp.meas.r1", nation.JP, true},
		{"shared.kr.audit.cosign.us", nation.KR, true},
		{"shared.us.", nation.US, true},
		{"shared.us", nation.NationUnknown, false},
		{"shared.xx.meas", nation.NationUnknown, false},
		{"jp.meas.r1", nation.NationUnknown, false},
		{"", nation.NationUnknown, false},
	} {
		got, ok := nation.OfShared(c.subject)
		if got != c.want || ok != c.ok {
			t.Errorf("OfShared(%q) = %v, %v; want %v, %v", c.subject, got, ok, c.want, c.ok)
		}
	}
}
