package web_test

import (
	"fmt"
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"github.com/trilink/trilink/web"
)

// TestDistComplete checks that the committed build is whole: index.html
// references only files that exist, and the geodata is there.
func TestDistComplete(t *testing.T) {
	index, err := fs.ReadFile(web.Dist, "index.html")
	if err != nil {
		t.Fatalf("read index.html: %v", err)
	}
	refs := regexp.MustCompile(`(?:src|href)="/(assets/[^"]+)"`).FindAllStringSubmatch(string(index), -1)
	if len(refs) < 2 {
		t.Fatalf("index.html references %d files, want at least a script and a stylesheet", len(refs))
	}
	for _, m := range refs {
		if _, err := fs.Stat(web.Dist, m[1]); err != nil {
			t.Errorf("index.html references %s: %v", m[1], err)
		}
	}
	if strings.Contains(string(index), "/src/main.ts") {
		t.Errorf("index.html is the unbuilt source; run `cd web && npm ci && npm run build`")
	}
	for _, tt := range []struct {
		name string
		min  int64
	}{
		{"geo/land.json", 10_000},
		{"geo/regions.json", 10_000},
		{"geo/eez.json", 5_000},
	} {
		t.Run(strings.ReplaceAll(tt.name, "/", "_"), func(t *testing.T) {
			st, err := fs.Stat(web.Dist, tt.name)
			if err != nil {
				t.Fatalf("stat: %v", err)
			}
			if st.Size() < tt.min {
				t.Errorf("%s is %d bytes, want at least %d", tt.name, st.Size(), tt.min)
			}
		})
	}
}

// TestDistNoExternalURLs checks that the built scripts and page load
// nothing from another origin: the console must work offline.
func TestDistNoExternalURLs(t *testing.T) {
	// Loads, not links: a link to a project's site is harmless offline.
	ext := regexp.MustCompile(`src\s*=\s*["']https?://|import\(\s*["']https?://|url\(\s*["']?https?://|fetch\(\s*["']https?://|<link[^>]+href="https?://`)
	err := fs.WalkDir(web.Dist, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".html") || strings.HasSuffix(p, ".js") || strings.HasSuffix(p, ".css")) {
			return err
		}
		b, err := fs.ReadFile(web.Dist, p)
		if err != nil {
			return err
		}
		if m := ext.Find(b); m != nil {
			t.Errorf("%s loads from another origin: %q", p, m)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func Example() {
	_, err := fs.Stat(web.Dist, "index.html")
	fmt.Println("index.html embedded:", err == nil)
	// Output: index.html embedded: true
}
