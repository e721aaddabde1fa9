package store_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/trilink/trilink/internal/store"
)

// FuzzSearch feeds arbitrary query text to Search over the test corpus. It
// must not panic, must fail only with ErrEmptyQuery or ErrQueryTooLong, and
// must find exactly the messages that contain every word (the oracle), with
// snippets that are UTF-8 and mark only matched text.
func FuzzSearch(f *testing.F) {
	for _, q := range []string{
		"弾道ミサイル", "発射", "경보", "탄도미사일", "missile", "MISSILE launch", "un", "ÉCOLE", "éC",
		"発射 missile", "launch-report", "航跡", "100%", "_", `"`, `*`, `NEAR(`, `'; DROP TABLE messages; --`,
		`"unbalanced`, `fbody:missile`, `{fbody}: x`, "missile\x00launch", "\xff", "", "\u3000", "a b c",
	} {
		f.Add(q)
	}
	s, ms := newCorpusStore(f)
	f.Fuzz(func(t *testing.T, q string) {
		hits, err := s.Search(q, 0)
		if err != nil {
			if !errors.Is(err, store.ErrEmptyQuery) && !errors.Is(err, store.ErrQueryTooLong) {
				t.Fatalf("Search(%q): %v", q, err)
			}
			return
		}
		if got, want := hitIDs(hits), oracle(ms, q); !slices.Equal(got, want) {
			t.Fatalf("Search(%q) = %v, want %v", q, got, want)
		}
		for _, h := range hits {
			if !utf8.ValidString(h.Snippet) || !strings.Contains(h.Snippet, "[") {
				t.Fatalf("Search(%q): snippet %q of %s is not UTF-8 or marks nothing", q, h.Snippet, h.ID)
			}
		}
	})
}
