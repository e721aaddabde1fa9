package app_test

import (
	"testing"

	"github.com/trilink/trilink/internal/app"
	"github.com/trilink/trilink/internal/call"
)

// The call events' message texts: readable, and ending in the tag the
// console recognises.
func TestCallBody(t *testing.T) {
	cases := []struct {
		e    call.Event
		want string
	}{
		{call.Event{Kind: call.EventStart, Call: "c1", Precedence: "flash"},
			"☎ JP ops started a call in Operations centres (precedence FLASH). Join it from the call bar. [call start c1]"},
		{call.Event{Kind: call.EventJoin, Call: "c1"}, "☎ JP ops joined the call (voice). [call join c1]"},
		{call.Event{Kind: call.EventJoin, Call: "c1", Video: true}, "☎ JP ops joined the call (voice and video). [call join c1]"},
		{call.Event{Kind: call.EventLeave, Call: "c1", Reason: "ice-timeout"}, "☎ JP ops left the call (ice-timeout). [call leave c1]"},
		{call.Event{Kind: call.EventEnd, Call: "c1"}, "☎ The call has ended. [call end c1]"},
		{call.Event{Kind: call.EventJoin, Call: "c0", Reason: "merged", Merged: "c0"}, "☎ JP ops moved to the call started earlier by a partner (voice). [call join c0]"},
		{call.Event{Kind: call.EventEnd, Call: "c1", Reason: "merged", Merged: "c0"},
			"☎ This call was started at the same time as a partner's and is merged into it (call c0). [call end c1]"},
	}
	for _, c := range cases {
		if got := app.CallBody(c.e, "JP ops", "Operations centres"); got != c.want {
			t.Errorf("%s: %q, want %q", c.e.Kind, got, c.want)
		}
	}
}
