package store_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/trilink/trilink/internal/store"
)

func Example() {
	dir, err := os.MkdirTemp("", "terminal")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	s, err := store.Open(filepath.Join(dir, "hotline.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	// The terminal stores each message it decrypts, with the transcript
	// index it came with, then records how far it got.
	at := time.Date(2026, 3, 1, 3, 12, 0, 0, time.UTC)
	for _, m := range []store.Message{
		{ID: "a1", Seq: 101, Room: "ops", Sender: "jp-ops", SenderNation: "jp", Kind: "text", Precedence: "FLASH",
			Created: at, Received: at, Body: "北朝鮮が弾道ミサイルを発射。日本海に落下の見込み。"},
		{ID: "b2", Seq: 102, Room: "ops", Sender: "kr-ops", SenderNation: "kr", Kind: "text", Precedence: "FLASH",
			Created: at, Received: at, Body: "합참: 북한 탄도미사일 발사, 경보 발령."},
		{ID: "c3", Seq: 103, Room: "ops", Sender: "us-ops", SenderNation: "us", Kind: "text", Precedence: "IMMEDIATE",
			Created: at, Received: at, Body: "Confirm ballistic missile launch; track attached.",
			Attachments: []store.Attachment{{Name: "track-0312Z.kml", Type: "application/vnd.google-earth.kml+xml", Data: []byte("<kml/>")}}},
	} {
		if _, err := s.Put(m); err != nil {
			log.Fatal(err)
		}
	}
	if err := s.SetCursor(103); err != nil {
		log.Fatal(err)
	}

	for _, q := range []string{"発射", "경보", "MISSILE launch", "track-0312Z"} {
		hits, err := s.Search(q, 10)
		if err != nil {
			log.Fatal(err)
		}
		for _, h := range hits {
			fmt.Printf("%s: %s %s\n", q, h.ID, h.Snippet)
		}
	}
	latest, _ := s.Latest("ops", 2)
	for _, m := range latest {
		fmt.Println(m.Seq, m.SenderNation, m.Precedence, len(m.Attachments))
	}
	// Output:
	// 発射: a1 北朝鮮が弾道ミサイルを[発射]。日本海に落下の見込み。
	// 경보: b2 합참: 북한 탄도미사일 발사, [경보] 발령.
	// MISSILE launch: c3 Confirm ballistic [missile] [launch]; track attached.
	// track-0312Z: c3 [track-0312Z].kml
	// 102 kr FLASH 0
	// 103 us IMMEDIATE 1
}
