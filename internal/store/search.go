package store

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

var (
	// ErrEmptyQuery means a search query has no words.
	ErrEmptyQuery = errors.New("store: empty search query")
	// ErrQueryTooLong means a search query is over [MaxQueryBytes] or has
	// more than [MaxQueryWords] words.
	ErrQueryTooLong = errors.New("store: search query too long")
)

const (
	// MaxQueryBytes is the longest search query, in bytes.
	MaxQueryBytes = 1024
	// MaxQueryWords is the most words a search query may have.
	MaxQueryWords = 16
	// minTrigram is the shortest word, in characters, that the trigram index
	// can find; shorter words are matched by a scan.
	minTrigram = 3
)

// Hit is a message found by [Store.Search].
type Hit struct {
	Message // without attachment data
	// Snippet is a one-line excerpt of the body (or of the attachment names
	// if no word is in the body) with each match in square brackets, e.g.
	// "…北から[弾道ミサイル]が発射された…". Text cut off at either end is
	// replaced by "…".
	Snippet string
}

// fold maps s to the form both the short-word scan and the snippet compare:
// each character mapped to lower case (Unicode simple case mapping), the
// same rune count as s.
func fold(s string) string {
	return strings.Map(unicode.ToLower, s)
}

// words splits a query into distinct, case-folded words. Words are separated
// by Unicode white space (including the ideographic space U+3000), control
// characters and bytes that are not UTF-8.
func words(query string) ([]string, error) {
	if len(query) > MaxQueryBytes {
		return nil, fmt.Errorf("%w: %d bytes (limit %d)", ErrQueryTooLong, len(query), MaxQueryBytes)
	}
	var ws []string
	for w := range strings.FieldsFuncSeq(query, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || r == utf8.RuneError
	}) {
		w = fold(w)
		if !slices.Contains(ws, w) {
			ws = append(ws, w)
		}
	}
	if len(ws) == 0 {
		return nil, ErrEmptyQuery
	}
	if len(ws) > MaxQueryWords {
		return nil, fmt.Errorf("%w: %d words (limit %d)", ErrQueryTooLong, len(ws), MaxQueryWords)
	}
	return ws, nil
}

// ftsString quotes w as an FTS5 string (https://sqlite.org/fts5.html#fts5_strings):
// inside double quotes every character is literal and "" is one quote, so
// no word can be an FTS5 operator, column filter or prefix query.
func ftsString(w string) string {
	return `"` + strings.ReplaceAll(w, `"`, `""`) + `"`
}

// Search returns up to limit messages (limit ≤ 0: all) whose body or
// attachment names contain every word of query, newest (highest Seq) first.
// Words are separated by white space; each is matched as a substring, so
// Japanese needs no segmentation, and Latin letters match in any case.
// Words of three or more characters use the trigram index; shorter words are
// matched by scanning the candidates (or, when every word is short, every
// message). Query text is never interpreted as FTS5 syntax or SQL.
//
// Search fails with [ErrEmptyQuery] if query has no words and with
// [ErrQueryTooLong] if it is over [MaxQueryBytes] or [MaxQueryWords].
func (s *Store) Search(query string, limit int) ([]Hit, error) {
	ws, err := words(query)
	if err != nil {
		return nil, err
	}
	var long []string
	var where []string
	var args []any
	for _, w := range ws {
		if utf8.RuneCountInString(w) >= minTrigram {
			long = append(long, ftsString(w))
		} else {
			where = append(where, `(instr(m.fbody, ?) > 0 OR instr(m.fnames, ?) > 0)`)
			args = append(args, w, w)
		}
	}
	var q string
	if len(long) > 0 {
		// The words are ANDed; the match expression is a bound parameter.
		where = append([]string{`messages_fts MATCH ?`}, where...)
		args = append([]any{strings.Join(long, " AND ")}, args...)
		q = `SELECT ` + msgCols + ` FROM messages_fts JOIN messages m ON m.n = messages_fts.rowid WHERE `
	} else {
		q = `SELECT ` + msgCols + ` FROM messages m WHERE `
	}
	q += strings.Join(where, " AND ") + ` ORDER BY m.seq DESC, m.n DESC LIMIT ?`
	args = append(args, sqlLimit(limit))
	ms, err := s.list("search", q, args...)
	if err != nil {
		return nil, err
	}
	hits := make([]Hit, len(ms))
	for i, m := range ms {
		hits[i] = Hit{Message: m, Snippet: snippet(m, ws)}
	}
	return hits, nil
}

const (
	snippetBefore = 20 // characters of context before the first match
	snippetLen    = 96 // characters of text in a snippet, not counting marks
)

// snippet excerpts m's body around the first match of ws, or its attachment
// names if no word is in the body, marking every match with [ ].
func snippet(m Message, ws []string) string {
	text := []rune(m.Body)
	marks := matches(text, ws)
	if len(marks) == 0 {
		names := make([]string, len(m.Attachments))
		for i, a := range m.Attachments {
			names[i] = a.Name
		}
		text = []rune(strings.Join(names, " "))
		marks = matches(text, ws)
	}
	start := 0
	if len(marks) > 0 {
		start = max(0, marks[0][0]-snippetBefore)
		// Show a match that is too long for the window from its start.
		if marks[0][1]-start > snippetLen {
			start = marks[0][0]
		}
	}
	end := min(len(text), start+snippetLen)
	var b strings.Builder
	if start > 0 {
		b.WriteString("…")
	}
	open := false
	for i := start; i < end; i++ {
		for len(marks) > 0 && marks[0][1] <= i {
			marks = marks[1:]
		}
		if !open && len(marks) > 0 && marks[0][0] <= i {
			b.WriteByte('[')
			open = true
		}
		r := text[i]
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			r = ' '
		}
		b.WriteRune(r)
		if open && marks[0][1] == i+1 {
			b.WriteByte(']')
			open = false
		}
	}
	if open {
		b.WriteByte(']')
	}
	if end < len(text) {
		b.WriteString("…")
	}
	return b.String()
}

// matches returns the rune ranges [start, end) of text where a word of ws
// occurs (case-folded), sorted and with overlapping or touching ranges
// merged.
func matches(text []rune, ws []string) [][2]int {
	folded := make([]rune, len(text))
	for i, r := range text {
		folded[i] = unicode.ToLower(r)
	}
	var rs [][2]int
	for _, w := range ws {
		wr := []rune(w)
		for i := 0; i+len(wr) <= len(folded); i++ {
			if slices.Equal(folded[i:i+len(wr)], wr) {
				rs = append(rs, [2]int{i, i + len(wr)})
			}
		}
	}
	slices.SortFunc(rs, func(a, b [2]int) int { return a[0] - b[0] })
	var out [][2]int
	for _, r := range rs {
		if n := len(out); n > 0 && r[0] <= out[n-1][1] {
			out[n-1][1] = max(out[n-1][1], r[1])
			continue
		}
		out = append(out, r)
	}
	return out
}
