package hotline_test

import (
	"fmt"
	"testing"

	"github.com/trilink/trilink/internal/hotline"
	"github.com/trilink/trilink/internal/hotline/hotlinetest"
	"github.com/trilink/trilink/internal/nation"
)

// bigRoom returns a directory with one ad hoc room of n single-device
// members, and the first member's keys.
func bigRoom(tb testing.TB, n int) (*hotline.Directory, []*hotline.DeviceKeys) {
	tb.Helper()
	var members []hotline.Member
	var keys []*hotline.DeviceKeys
	room := hotline.Room{ID: "big", Kind: hotline.AdHoc}
	for i := range n {
		id := hotline.MemberID(fmt.Sprintf("m%04d", i))
		k, err := hotline.GenerateDeviceKeys(hotline.DeviceID(id) + "-1")
		if err != nil {
			tb.Fatal(err)
		}
		keys = append(keys, k)
		members = append(members, hotline.Member{ID: id, Nation: nation.Nations[i%3], Role: "member", Devices: []hotline.Device{k.Public()}})
		room.Members = append(room.Members, id)
	}
	dir, err := hotline.NewDirectory(members, []hotline.Room{room})
	if err != nil {
		tb.Fatal(err)
	}
	return dir, keys
}

type benchCase struct {
	name string
	dir  *hotline.Directory
	from hotline.Identity
	to   hotline.Identity
	m    hotline.Message
}

func benchCases(b *testing.B) []benchCase {
	w := hotlinetest.NewWorld(b)
	text := hotline.Message{Room: hotline.RoomLeaders, Precedence: hotline.Flash, Body: make([]byte, 1000)}
	withAtt := text
	withAtt.Attachments = []hotline.Attachment{{Name: "map.png", MediaType: "image/png", Data: make([]byte, 1<<20)}}
	big, keys := bigRoom(b, 500)
	return []benchCase{
		{"devices=12/body=1KB", w.Dir, w.Keys(b, "jp-leader"), w.Keys(b, "us-leader"), text},
		{"devices=12/body=1KB+attachment=1MiB", w.Dir, w.Keys(b, "jp-leader"), w.Keys(b, "us-leader"), withAtt},
		{"devices=500/body=1KB", big, keys[0], keys[499], hotline.Message{Room: "big", Precedence: hotline.Flash, Body: make([]byte, 1000)}},
	}
}

func BenchmarkSeal(b *testing.B) {
	for _, c := range benchCases(b) {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := hotline.Seal(c.from, c.dir, c.m, t0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkOpen(b *testing.B) {
	for _, c := range benchCases(b) {
		env, err := hotline.Seal(c.from, c.dir, c.m, t0)
		if err != nil {
			b.Fatal(err)
		}
		wire, _ := env.Marshal()
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(wire)))
			for b.Loop() { // what a receiving terminal does: decode, verify, decrypt
				e, err := hotline.DecodeEnvelope(wire)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := hotline.Open(e, c.to, c.dir); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkVerify(b *testing.B) {
	for _, c := range benchCases(b) {
		env, err := hotline.Seal(c.from, c.dir, c.m, t0)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) { // what a relay does per message, after decoding
			b.ReportAllocs()
			for b.Loop() {
				if err := hotline.Verify(env, c.dir); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
