package store_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/trilink/trilink/internal/store"
)

// corpus is a hotline history in the three languages, in Seq order.
func corpus() []store.Message {
	ms := []store.Message{
		msg(1, "leaders", "北朝鮮が弾道ミサイルを発射した模様。日本海に落下。"),
		msg(2, "leaders", "북한이 탄도미사일을 발사했습니다. 경보를 발령합니다."),
		msg(3, "ops", "DPRK ballistic missile launch detected at 0312Z; impact in the Sea of Japan."),
		msg(4, "ops", "Link test 14:00 — all three nations OK."),
		msg(5, "foreign-ministers", "UN Security Council consultations requested; 国連安保理の緊急会合を要請。"),
		msg(6, "defence-ministers", "École militaire briefing moved to 10:00."),
		msg(7, "ops", "2発目の発射を確認。 Second launch confirmed, missile track 2."),
		msg(8, "ops", `Quote "marks" and (parens) * stars; NEAR(a b) AND OR NOT -x +y ^z col:val '; DROP TABLE messages; --`),
		msg(9, "leaders", "경보 해제. All clear."),
		msg(10, "ops", "attached"),
		msg(11, "ops", "100% of 10_000 ok"),
	}
	ms[9].Attachments = []store.Attachment{
		{Name: "launch-report.pdf", Type: "application/pdf", Data: []byte("secret payload words: zebra giraffe")},
		{Name: "航跡図.png", Type: "image/png", Data: []byte("PNG")},
	}
	return ms
}

func newCorpusStore(tb testing.TB) (*store.Store, []store.Message) {
	tb.Helper()
	s := newTestStore(tb)
	ms := corpus()
	mustPut(tb, s, ms...)
	return s, ms
}

func TestSearch(t *testing.T) {
	s, ms := newCorpusStore(t)
	for _, tt := range []struct {
		name, query string
		want        []string
		snippet     string // a substring of the first hit's snippet
	}{
		{"JapaneseInSentence", "弾道ミサイル", []string{"m001"}, "[弾道ミサイル]"},
		{"JapaneseTwoChars", "発射", []string{"m007", "m001"}, "[発射]"},
		{"JapaneseOneChar", "落", []string{"m001"}, "[落]"},
		{"KoreanWord", "탄도미사일", []string{"m002"}, "[탄도미사일]"},
		{"KoreanTwoChars", "경보", []string{"m009", "m002"}, "[경보]"},
		{"EnglishWord", "missile", []string{"m007", "m003"}, "[missile]"},
		{"EnglishUpperCase", "MISSILE", []string{"m007", "m003"}, "[missile]"},
		{"EnglishMixedCase", "BaLLiStIc", []string{"m003"}, "[ballistic]"},
		{"EnglishSubstring", "allist", []string{"m003"}, "b[allist]ic"},
		{"LatinTwoCharsCaseInsensitive", "Ok", []string{"m011", "m004"}, "[ok]"},
		{"LatinTwoCharsInWords", "un", []string{"m010", "m007", "m005", "m003"}, "la[un]ch-report.pdf"},
		{"LatinAccentCase", "ÉCOLE", []string{"m006"}, "[École]"},
		{"LatinAccentTwoChars", "éC", []string{"m006"}, "[Éc]"},
		{"AllWordsMustMatch", "missile launch", []string{"m007", "m003"}, ""},
		{"AllWordsMustMatchNone", "missile 경보", nil, ""},
		{"MixedScripts", "発射 missile", []string{"m007"}, "[発射]"},
		{"ShortAndLong", "UN 国連安保理", []string{"m005"}, "[UN]"},
		{"OnlyShortWords", "2 発", []string{"m007"}, ""},
		{"IdeographicSpace", "発射　missile", []string{"m007"}, ""},
		{"RepeatedWord", "missile missile MISSILE", []string{"m007", "m003"}, ""},
		{"AttachmentName", "launch-report", []string{"m010"}, "[launch-report].pdf"},
		{"AttachmentNameJapanese", "航跡", []string{"m010"}, "[航跡]図.png"},
		{"AttachmentNameAndBody", "attached 航跡図", []string{"m010"}, "[attached]"},
		{"AttachmentDataNotSearched", "giraffe", nil, ""},
		{"PercentIsLiteral", "100%", []string{"m011"}, "[100%]"},
		{"UnderscoreIsLiteral", "0_0", []string{"m011"}, "1[0_0]00"},
		{"ShortPercent", "%", []string{"m011"}, "[%]"},
		{"NoMatch", "hypersonic", nil, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			hits, err := s.Search(tt.query, 0)
			if err != nil {
				t.Fatalf("Search(%q): %v", tt.query, err)
			}
			if got := hitIDs(hits); !slices.Equal(got, tt.want) {
				t.Errorf("Search(%q) = %v, want %v", tt.query, got, tt.want)
			}
			if o := oracle(ms, tt.query); !slices.Equal(o, tt.want) {
				t.Errorf("test oracle disagrees with the table: %v", o)
			}
			if tt.snippet != "" && len(hits) > 0 && !strings.Contains(hits[0].Snippet, tt.snippet) {
				t.Errorf("snippet %q does not contain %q", hits[0].Snippet, tt.snippet)
			}
			for _, h := range hits {
				for _, a := range h.Attachments {
					if a.Data != nil {
						t.Errorf("hit %s carries attachment data", h.ID)
					}
				}
			}
		})
	}
}

// TestSearchHostile checks that query text is only ever literal text: FTS5
// operators, quotes and SQL find the messages that contain them and nothing
// else, and the store is intact afterwards.
func TestSearchHostile(t *testing.T) {
	s, ms := newCorpusStore(t)
	for _, q := range []string{
		`"`, `""`, `"""`, `"marks`, `marks"`, `"marks" and`, `*`, `stars*`, `sta*`, `NEAR(`, `NEAR(a b)`,
		`NEAR(missile launch, 2)`, `'; DROP TABLE messages; --`, `'`, `''`, `;`, `--`, `AND`, `OR`, `NOT`,
		`missile OR launch`, `missile NOT launch`, `missile AND`, `(parens)`, `(`, `)`, `-x`, `+y`, `^z`,
		`^missile`, `col:val`, `fbody:missile`, `fnames:launch`, `{fbody fnames}: missile`, `fbody : x`,
		`messages_fts`, `rank`, `\`, `%`, `_`, `%%`, `a%b`, `?`, `?1`, `:name`, `$x`, `@p`, `\x00`,
		"missile\x00launch", "\xff\xfe", "mis\xffsile", "missile\u200b", "\u3000", "\t\n\r",
	} {
		t.Run("", func(t *testing.T) {
			hits, err := s.Search(q, 0)
			if errors.Is(err, store.ErrEmptyQuery) {
				if o := oracle(ms, q); len(o) != len(ms) { // an empty oracle query matches all
					t.Errorf("Search(%q): empty query, but it has words", q)
				}
				return
			}
			if err != nil {
				t.Fatalf("Search(%q): %v", q, err)
			}
			if got, want := hitIDs(hits), oracle(ms, q); !slices.Equal(got, want) {
				t.Errorf("Search(%q) = %v, want %v", q, got, want)
			}
		})
	}
	if n, err := s.Count(); n != len(ms) || err != nil {
		t.Errorf("Count = %d, %v after hostile queries; want %d", n, err, len(ms))
	}
	if err := s.Check(); err != nil {
		t.Error(err)
	}
}

func TestSearchErrors(t *testing.T) {
	s, _ := newCorpusStore(t)
	for _, tt := range []struct {
		name, query string
		want        error
	}{
		{"Empty", "", store.ErrEmptyQuery},
		{"Spaces", "  \t\u3000 ", store.ErrEmptyQuery},
		{"Controls", "\x00\x01\n", store.ErrEmptyQuery},
		{"NotUTF8", "\xff\xfe", store.ErrEmptyQuery},
		{"TooLong", strings.Repeat("a", store.MaxQueryBytes+1), store.ErrQueryTooLong},
		{"TooManyWords", "a b c d e f g h i j k l m n o p q", store.ErrQueryTooLong},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := s.Search(tt.query, 10); !errors.Is(err, tt.want) {
				t.Errorf("Search = %v, want %v", err, tt.want)
			}
		})
	}
	// 16 distinct words, and repeats that count once, are within the limit.
	for _, q := range []string{"a b c d e f g h i j k l m n o p", strings.Repeat("w ", 100)} {
		if _, err := s.Search(q, 0); err != nil {
			t.Errorf("Search(%q): %v", q, err)
		}
	}
}

func TestSearchLimitAndOrder(t *testing.T) {
	s := newTestStore(t)
	for seq := range uint64(30) {
		body := "routine traffic"
		if seq%3 == 0 {
			body = "ミサイル alert number"
		}
		mustPut(t, s, msg(seq+1, "ops", body))
	}
	for _, q := range []string{"ミサイル", "alert", "ル"} {
		hits, err := s.Search(q, 4)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := hitIDs(hits), []string{"m028", "m025", "m022", "m019"}; !slices.Equal(got, want) {
			t.Errorf("Search(%q, 4) = %v, want %v (newest first)", q, got, want)
		}
		if all, _ := s.Search(q, 0); len(all) != 10 {
			t.Errorf("Search(%q, 0) found %d, want 10", q, len(all))
		}
	}
}

func TestSnippet(t *testing.T) {
	s := newTestStore(t)
	long := strings.Repeat("前置きの文章です。", 10) + "ここで弾道ミサイルが発射されました。" + strings.Repeat("後の文章。", 30)
	mustPut(t, s,
		msg(1, "ops", long),
		msg(2, "ops", "missile\nmissile\tMISSILE missiles"),
		msg(3, "ops", "abcabcabc"),
	)
	for _, tt := range []struct {
		name, query, want string
	}{
		{"Window", "発射", "…。前置きの文章です。ここで弾道ミサイルが[発射]されました。後の文章。後の文章。後の文章。後の文章。後の文章。後の文章。後の文章。後の文章。後の文章。後の文章。後の文章。後の文章。後の文章。後の文…"},
		{"EveryMatchOneLine", "missile", "[missile] [missile] [MISSILE] [missile]s"},
		{"OverlapsMerge", "abca bcab", "[abcabcab]c"},
		{"TwoWords", "弾道 発射", "…置きの文章です。前置きの文章です。ここで[弾道]ミサイルが[発射]されました。後の文章。後の文章。後の文章。後の文章。後の文章。後の文章。後の文章。後の文章。後の文章。後の文章。後の文章。後の文章。後…"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			hits, err := s.Search(tt.query, 1)
			if err != nil || len(hits) != 1 {
				t.Fatalf("Search(%q) = %d hits, %v", tt.query, len(hits), err)
			}
			if got := hits[0].Snippet; got != tt.want {
				t.Errorf("snippet\n got %q\nwant %q", got, tt.want)
			}
			if n := utf8.RuneCountInString(strings.NewReplacer("[", "", "]", "", "…", "").Replace(hits[0].Snippet)); n > 96 {
				t.Errorf("snippet has %d characters of text, want at most 96", n)
			}
		})
	}
}
