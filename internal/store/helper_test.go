package store_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/trilink/trilink/internal/store"
)

// newTestStore opens a new store in a temporary directory and closes it at
// the end of the test.
func newTestStore(tb testing.TB) *store.Store {
	tb.Helper()
	s, err := store.Open(filepath.Join(tb.TempDir(), "hotline.db"))
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// mustPut stores ms, failing the test unless each is added.
func mustPut(tb testing.TB, s *store.Store, ms ...store.Message) {
	tb.Helper()
	for _, m := range ms {
		added, err := s.Put(m)
		if err != nil || !added {
			tb.Fatalf("Put(%s) = %v, %v; want true, nil", m.ID, added, err)
		}
	}
}

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 123456789, time.UTC)

// msg returns a text message with id m<seq> in room, sent seq seconds
// after t0.
func msg(seq uint64, room, body string) store.Message {
	return store.Message{
		ID:           fmt.Sprintf("m%03d", seq),
		Seq:          seq,
		Room:         room,
		Sender:       "jp-pm",
		SenderNation: "jp",
		Device:       "jp-pm-1",
		Kind:         "text",
		Precedence:   "ROUTINE",
		Created:      t0.Add(time.Duration(seq) * time.Second),
		Received:     t0.Add(time.Duration(seq)*time.Second + 40*time.Millisecond),
		Body:         body,
	}
}

// msgIDs returns the ids of ms in order.
func msgIDs(ms []store.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}

// hitIDs returns the ids of hs in order.
func hitIDs(hs []store.Hit) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.ID
	}
	return out
}

// oracle is Search done the slow way: the ids of the messages in ms whose
// case-folded body or attachment names contain every white-space separated
// word of query, highest Seq first.
func oracle(ms []store.Message, query string) []string {
	lower := func(s string) string { return strings.Map(unicode.ToLower, s) }
	ws := strings.FieldsFunc(query, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || r == unicode.ReplacementChar
	})
	var found []store.Message
next:
	for _, m := range ms {
		var names []string
		for _, a := range m.Attachments {
			names = append(names, a.Name)
		}
		body, joined := lower(m.Body), lower(strings.Join(names, "\n"))
		for _, w := range ws {
			w = lower(w)
			if !strings.Contains(body, w) && !strings.Contains(joined, w) {
				continue next
			}
		}
		found = append(found, m)
	}
	slices.SortStableFunc(found, func(a, b store.Message) int {
		switch {
		case a.Seq > b.Seq:
			return -1
		case a.Seq < b.Seq:
			return 1
		}
		return 0
	})
	return msgIDs(found)
}
