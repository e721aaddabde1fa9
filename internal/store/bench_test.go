package store_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/trilink/trilink/internal/store"
)

// Phrases of hotline traffic in the three languages; a rare one is added to
// one message in a thousand.
var (
	benchJa = []string{"北朝鮮が弾道ミサイルを発射した模様。", "日本海の排他的経済水域外に落下。", "引き続き情報収集に努める。",
		"官邸対策室を設置。", "航跡情報を共有する。", "被害の報告はない。", "次の定時連絡は一時間後。"}
	benchKo = []string{"북한이 탄도미사일을 발사했습니다.", "동해상으로 낙하한 것으로 추정됩니다.", "합참이 추가 정보를 분석 중입니다.",
		"경보를 발령합니다.", "한미일 정보를 공유합니다.", "피해 보고는 없습니다."}
	benchEn = []string{"Ballistic missile launch detected.", "Track shared with all three nations.", "Impact estimated outside the EEZ.",
		"No damage reported.", "Next scheduled link test in one hour.", "Request consultations at 0400Z."}
	benchRare = []string{"hypersonic glide vehicle", "極超音速滑空体", "극초음속 활공체"}
)

// benchMessage returns the i-th generated message: two to five phrases in
// one or more languages, every 20th with an attachment.
func benchMessage(r *rand.Rand, i int) store.Message {
	var b strings.Builder
	for range 2 + r.IntN(4) {
		var pool []string
		switch r.IntN(3) {
		case 0:
			pool = benchJa
		case 1:
			pool = benchKo
		default:
			pool = benchEn
		}
		b.WriteString(pool[r.IntN(len(pool))])
		b.WriteByte(' ')
	}
	if i%1000 == 500 {
		b.WriteString(benchRare[i/1000%len(benchRare)])
	}
	m := msg(uint64(i+1), []string{"leaders", "ops", "foreign-ministers", "defence-ministers"}[r.IntN(4)], b.String())
	m.ID = fmt.Sprintf("%032x", i)
	if i%20 == 0 {
		m.Attachments = []store.Attachment{{Name: fmt.Sprintf("track-%04d.kml", i), Type: "application/vnd.google-earth.kml+xml",
			Data: make([]byte, 2048)}}
	}
	return m
}

// newBenchStore returns a store holding n generated messages, and the
// generator to make more.
func newBenchStore(b *testing.B, n int) (*store.Store, *rand.Rand) {
	b.Helper()
	s := newTestStore(b)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range n {
		if _, err := s.Put(benchMessage(r, i)); err != nil {
			b.Fatal(err)
		}
	}
	return s, r
}

// BenchmarkPut stores new messages into a store that already holds 10,000.
func BenchmarkPut(b *testing.B) {
	const n = 10_000
	s, r := newBenchStore(b, n)
	b.ReportAllocs()
	i := n
	for b.Loop() {
		if _, err := s.Put(benchMessage(r, i)); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkSearch searches 10,000 messages for a page of 20 hits.
func BenchmarkSearch(b *testing.B) {
	s, _ := newBenchStore(b, 10_000)
	for _, bc := range []struct{ name, query string }{
		{"ja-common-6", "弾道ミサイル"},
		{"ja-2char", "発射"},
		{"ko-common-5", "탄도미사일"},
		{"ko-2char", "경보"},
		{"en-common", "missile"},
		{"en-two-words", "missile EEZ"},
		{"ja-en-mixed", "落下 impact"},
		{"rare-en", "hypersonic"},
		{"rare-ja-2char", "滑空"},
		{"attachment-name", "track-0040"},
		{"no-match", "nothing-like-this"},
		{"no-match-2char", "zz"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			var hits int
			for b.Loop() {
				hs, err := s.Search(bc.query, 20)
				if err != nil {
					b.Fatal(err)
				}
				hits = len(hs)
			}
			b.ReportMetric(float64(hits), "hits")
		})
	}
}
