package cot_test

import (
	"bytes"
	"encoding/hex"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trilink/trilink/internal/cot"
	"github.com/trilink/trilink/internal/export/exporttest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// TestGolden renders the overflight of 4 October 2022 (as exporttest
// models it) 400 s after launch, with warning areas and an alert, and
// compares the CoT XML stream and the TAK protocol v1 frames with
// testdata/overflight.{xml,v1}.golden.
func TestGolden(t *testing.T) {
	launch := time.Date(2022, 10, 3, 22, 22, 0, 0, time.UTC)
	now := launch.Add(400 * time.Second)
	s := cot.NewServer(cot.Options{Now: func() time.Time { return now }, Opex: "e-TRILINK"})
	defer s.Close()
	p := picture([]exporttest.Launch{exporttest.Overflight(launch)}, now, true)
	s.Update(p)
	var xmlOut, v1Out bytes.Buffer
	for _, ev := range s.Snapshot() {
		x, err := cot.Encode(&ev)
		if err != nil {
			t.Fatal(err)
		}
		// Decoding gives the event back.
		back, err := cot.Decode(x)
		if err != nil || !eventsEqual(back, ev) {
			t.Errorf("%s: decode: %v", ev.UID, err)
		}
		if len(x) > 2048 && ev.Type != cot.TypeArea {
			t.Errorf("%s: %d bytes of XML, over TAK's 2 KiB", ev.UID, len(x))
		}
		xmlOut.Write(x)
		xmlOut.WriteByte('\n')
		f, err := cot.MarshalFrame(&ev)
		if err != nil {
			t.Fatal(err)
		}
		v1Out.WriteString(ev.UID + "\n" + hex.EncodeToString(f) + "\n")
	}
	if got := strings.Count(xmlOut.String(), "<event "); got != 4+4+1 {
		t.Errorf("%d events, want 9 (track, launch, impact, ellipse, 4 area polygons, 1 alert)", got)
	}
	golden(t, filepath.Join("testdata", "overflight.xml.golden"), xmlOut.Bytes())
	golden(t, filepath.Join("testdata", "overflight.v1.golden"), v1Out.Bytes())
}

func eventsEqual(a, b cot.Event) bool {
	x, _ := cot.Encode(&a)
	y, _ := cot.Encode(&b)
	return bytes.Equal(x, y)
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := range max(len(gl), len(wl)) {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Errorf("%s differs at line %d (run with -update and review the diff):\n got %.300s\nwant %.300s", path, i+1, g, w)
				return
			}
		}
	}
}
