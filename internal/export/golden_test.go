package export_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/trilink/trilink/internal/export"
	"github.com/trilink/trilink/internal/export/exporttest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

var t0 = time.Date(2022, 10, 3, 22, 22, 0, 0, time.UTC)

// TestGolden writes each format for the overflight (with areas) and for a
// flight across the antimeridian, checks the documents and compares them
// with testdata/*.golden.
func TestGolden(t *testing.T) {
	over := exporttest.Overflight(t0)
	date := exporttest.Dateline(t0)
	for _, tt := range []struct {
		name  string
		l     exporttest.Launch
		at    time.Duration
		areas bool
	}{
		{"overflight", over, 400 * time.Second, true},
		{"dateline", date, 600 * time.Second, false},
	} {
		ev := tt.l.At(t0.Add(tt.at))
		var areas []export.Area
		if tt.areas {
			areas = exporttest.Areas()
		}
		for _, f := range []export.Format{export.FormatKML, export.FormatCZML, export.FormatGeoJSON} {
			t.Run(tt.name+"_"+f.String(), func(t *testing.T) {
				var buf bytes.Buffer
				if err := export.Write(&buf, f, ev, areas); err != nil {
					t.Fatal(err)
				}
				switch f {
				case export.FormatKML:
					if err := export.CheckKML(buf.Bytes()); err != nil {
						t.Errorf("CheckKML: %v", err)
					}
				case export.FormatGeoJSON:
					if err := export.CheckGeoJSON(buf.Bytes()); err != nil {
						t.Errorf("CheckGeoJSON: %v", err)
					}
				case export.FormatCZML:
					if err := checkCZML(buf.Bytes()); err != nil {
						t.Errorf("checkCZML: %v", err)
					}
				}
				golden(t, filepath.Join("testdata", tt.name+f.Ext()+".golden"), buf.Bytes())
			})
		}
	}
}

// golden compares got with the file, or rewrites it under -update.
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
		t.Errorf("%s differs from the output (run with -update and review the diff):\n%s", path, firstDiff(got, want))
	}
}

func firstDiff(got, want []byte) string {
	gl, wl := bytes.Split(got, []byte("\n")), bytes.Split(want, []byte("\n"))
	for i := 0; i < len(gl) || i < len(wl); i++ {
		var g, w []byte
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if !bytes.Equal(g, w) {
			trim := func(b []byte) []byte {
				if len(b) > 300 {
					return b[:300]
				}
				return b
			}
			return "line " + strconv.Itoa(i+1) + ":\n got: " + string(trim(g)) + "\nwant: " + string(trim(w))
		}
	}
	return ""
}
