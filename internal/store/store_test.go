package store_test

import (
	"bytes"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trilink/trilink/internal/store"
)

func TestOpenCreatesPrivateFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "terminal", "jp-pm-1")
	path := filepath.Join(dir, "hotline.db")
	s, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mustPut(t, s, msg(1, "leaders", "hello"))
	for _, tt := range []struct {
		path string
		want os.FileMode
	}{
		{dir, os.ModeDir | 0o700},
		{filepath.Dir(dir), os.ModeDir | 0o700},
		{path, 0o600},
		{path + "-wal", 0o600},
		{path + "-shm", 0o600},
	} {
		fi, err := os.Stat(tt.path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode(); got != tt.want {
			t.Errorf("mode of %s = %v, want %v", tt.path, got, tt.want)
		}
	}
}

func TestOpenPathSpecialCharacters(t *testing.T) {
	for _, name := range []string{"a b.db", "q?x=1.db", "hash#frag.db", "pct%20.db", "ホットライン.db", "file:x.db"} {
		t.Run(strings.NewReplacer(" ", "_", "?", "Q", "#", "H", "%", "P", ":", "C").Replace(name), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), name)
			s, err := store.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			mustPut(t, s, msg(1, "ops", "x"))
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
				t.Fatalf("store not written at %q: %v, %v", path, fi, err)
			}
			entries, _ := os.ReadDir(filepath.Dir(path))
			if len(entries) != 1 {
				t.Errorf("files beside the store: %v, want only %q", entries, name)
			}
		})
	}
}

// sqliteFile writes a SQLite database with the given statements at path.
func sqliteFile(t *testing.T, path string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func TestOpenRefuses(t *testing.T) {
	for _, tt := range []struct {
		name    string
		make    func(t *testing.T, path string)
		want    error
		wantMsg string
	}{
		{"Text", func(t *testing.T, path string) {
			os.WriteFile(path, []byte("this is a shopping list, not a database\n"), 0o600)
		}, store.ErrNotStore, "not an SQLite database"},
		{"Random", func(t *testing.T, path string) {
			b := make([]byte, 8192)
			for i := range b {
				b[i] = byte(i*7 + i/13)
			}
			os.WriteFile(path, b, 0o600)
		}, store.ErrNotStore, "not an SQLite database"},
		{"OtherSQLite", func(t *testing.T, path string) {
			sqliteFile(t, path, `CREATE TABLE notes (x TEXT)`, `INSERT INTO notes VALUES ('mine')`)
		}, store.ErrNotStore, "another program's SQLite database"},
		{"OtherApplication", func(t *testing.T, path string) {
			sqliteFile(t, path, `PRAGMA application_id = 42`)
		}, store.ErrNotStore, "application_id 0x2a"},
		{"Newer", func(t *testing.T, path string) {
			s, err := store.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			mustPut(t, s, msg(1, "ops", "from the future"))
			s.Close()
			sqliteFile(t, path, fmt.Sprintf(`PRAGMA user_version = %d`, store.SchemaVersion+1))
		}, store.ErrNewerVersion, fmt.Sprintf("schema version %d, this program knows up to %d", store.SchemaVersion+1, store.SchemaVersion)},
		{"Directory", func(t *testing.T, path string) {
			os.Mkdir(path, 0o700)
		}, store.ErrNotStore, "not a regular file"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "hotline.db")
			tt.make(t, path)
			before := readAll(t, path)
			s, err := store.Open(path)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded, want an error")
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("Open error = %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) || !strings.Contains(err.Error(), path) {
				t.Errorf("Open error = %q, want it to name %s and say %q", err, path, tt.wantMsg)
			}
			if after := readAll(t, path); !bytes.Equal(before, after) {
				t.Errorf("Open changed the refused file")
			}
		})
	}
}

// readAll returns the file at path, or nil for a directory.
func readAll(t *testing.T, path string) []byte {
	t.Helper()
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestOpenEmptyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hotline.db")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(path)
	if err != nil {
		t.Fatalf("Open of an empty file: %v", err)
	}
	defer s.Close()
	mustPut(t, s, msg(1, "ops", "first"))
}

func TestPutGet(t *testing.T) {
	s := newTestStore(t)
	full := msg(7, "leaders", "北朝鮮が弾道ミサイルを発射。")
	full.Attachments = []store.Attachment{{Name: "track.kml", Type: "application/vnd.google-earth.kml+xml", Data: []byte("<kml/>")}}
	for _, tt := range []struct {
		name string
		m    store.Message
	}{
		{"Full", full},
		{"ZeroTimes", store.Message{ID: "z", Seq: 1, Body: "no times"}},
		{"OnlyID", store.Message{ID: "only"}},
		{"Korean", msg(8, "ops", "미사일 경보 발령")},
		{"EmptyBodyWithAttachment", store.Message{ID: "att", Seq: 9, Attachments: []store.Attachment{{Name: "図.png", Type: "image/png", Data: []byte{0x89, 'P', 'N', 'G'}}}}},
		{"EmptyAttachmentData", store.Message{ID: "empty-data", Seq: 10, Attachments: []store.Attachment{{Name: "empty.txt", Type: "text/plain"}}}},
		{"MaxSeq", store.Message{ID: "max", Seq: math.MaxInt64, Body: "last"}},
		{"NonUTCTime", store.Message{ID: "tz", Seq: 11, Created: time.Date(2026, 3, 1, 18, 0, 0, 1, time.FixedZone("KST", 9*3600))}},
		{"Multiline", msg(12, "ops", "line one\nline two\r\n\tend")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			added, err := s.Put(tt.m)
			if err != nil || !added {
				t.Fatalf("Put = %v, %v; want true, nil", added, err)
			}
			got, ok, err := s.Get(tt.m.ID)
			if err != nil || !ok {
				t.Fatalf("Get = _, %v, %v; want true, nil", ok, err)
			}
			want := withSizes(tt.m, true)
			if !equalMessage(got, want) {
				t.Errorf("Get =\n%+v\nwant\n%+v", got, want)
			}
			if got.Created.Location() != time.UTC && !got.Created.IsZero() {
				t.Errorf("Created in %v, want UTC", got.Created.Location())
			}
		})
	}
	if _, ok, err := s.Get("nope"); ok || err != nil {
		t.Errorf("Get(nope) = _, %v, %v; want false, nil", ok, err)
	}
}

// withSizes returns m as the store gives it back: attachment sizes set, and
// data present (as a non-nil slice) or left out.
func withSizes(m store.Message, data bool) store.Message {
	m.Attachments = slices.Clone(m.Attachments)
	for i := range m.Attachments {
		a := &m.Attachments[i]
		a.Size = len(a.Data)
		switch {
		case !data:
			a.Data = nil
		case a.Data == nil:
			a.Data = []byte{}
		}
	}
	return m
}

// equalMessage compares messages, times by instant.
func equalMessage(a, b store.Message) bool {
	return a.ID == b.ID && a.Seq == b.Seq && a.Room == b.Room && a.Sender == b.Sender &&
		a.SenderNation == b.SenderNation && a.Device == b.Device && a.Kind == b.Kind &&
		a.Precedence == b.Precedence && a.Created.Equal(b.Created) && a.Received.Equal(b.Received) &&
		a.Body == b.Body && slices.EqualFunc(a.Attachments, b.Attachments, func(x, y store.Attachment) bool {
		return x.Name == y.Name && x.Type == y.Type && x.Size == y.Size &&
			(x.Data == nil) == (y.Data == nil) && bytes.Equal(x.Data, y.Data)
	})
}

func TestPutInvalid(t *testing.T) {
	s := newTestStore(t)
	for _, tt := range []struct {
		name string
		m    store.Message
	}{
		{"NoID", store.Message{Body: "x"}},
		{"LongID", store.Message{ID: strings.Repeat("x", 1025)}},
		{"BodyNotUTF8", store.Message{ID: "a", Body: "ok\xff\xfe"}},
		{"RoomNotUTF8", store.Message{ID: "b", Room: "\xc3"}},
		{"SeqTooLarge", store.Message{ID: "c", Seq: math.MaxInt64 + 1}},
		{"TimeTooLate", store.Message{ID: "d", Created: time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC)}},
		{"TimeTooEarly", store.Message{ID: "e", Received: time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC)}},
		{"AttachmentNameNotUTF8", store.Message{ID: "f", Attachments: []store.Attachment{{Name: "\xff.pdf"}}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			added, err := s.Put(tt.m)
			if !errors.Is(err, store.ErrInvalid) || added {
				t.Errorf("Put = %v, %v; want false, ErrInvalid", added, err)
			}
		})
	}
	if n, err := s.Count(); n != 0 || err != nil {
		t.Errorf("Count = %d, %v; want 0, nil", n, err)
	}
}

func TestPutIdempotent(t *testing.T) {
	s := newTestStore(t)
	first := msg(1, "ops", "original text")
	first.Attachments = []store.Attachment{{Name: "a.txt", Type: "text/plain", Data: []byte("A")}}
	mustPut(t, s, first)
	again := msg(1, "other-room", "changed text")
	again.Seq = 99
	for i, m := range []store.Message{first, again} {
		added, err := s.Put(m)
		if added || err != nil {
			t.Errorf("Put #%d of the same id = %v, %v; want false, nil", i+2, added, err)
		}
	}
	if n, _ := s.Count(); n != 1 {
		t.Errorf("Count = %d, want 1", n)
	}
	got, _, _ := s.Get(first.ID)
	if !equalMessage(got, withSizes(first, true)) {
		t.Errorf("Get after repeated Put = %+v, want the first message", got)
	}
	for _, q := range []string{"original", "changed"} {
		hits, err := s.Search(q, 0)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]int{"original": 1, "changed": 0}[q]
		if len(hits) != want {
			t.Errorf("Search(%q) found %d, want %d", q, len(hits), want)
		}
	}
	if err := s.Check(); err != nil {
		t.Error(err)
	}
}

// TestPutAtomic makes the last attachment insert of a Put fail (with a
// trigger added behind the store's back) and checks that nothing of the
// message remains.
func TestPutAtomic(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hotline.db")
	s, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mustPut(t, s, msg(1, "ops", "before"))
	sqliteFile(t, path, `CREATE TRIGGER boom BEFORE INSERT ON attachments WHEN NEW.name = 'boom.bin'
BEGIN SELECT RAISE(ABORT, 'injected failure'); END`)

	m := msg(2, "ops", "half-stored missile report")
	m.Attachments = []store.Attachment{{Name: "ok.pdf", Data: []byte("ok")}, {Name: "boom.bin", Data: []byte("x")}}
	added, err := s.Put(m)
	if err == nil || added || !strings.Contains(err.Error(), "injected failure") {
		t.Fatalf("Put = %v, %v; want false and the injected failure", added, err)
	}
	if _, ok, err := s.Get(m.ID); ok || err != nil {
		t.Errorf("Get after failed Put = _, %v, %v; want false, nil", ok, err)
	}
	if _, err := s.Attachment(m.ID, 0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Attachment after failed Put: %v, want ErrNotFound", err)
	}
	if hits, _ := s.Search("missile", 0); len(hits) != 0 {
		t.Errorf("Search found %v after failed Put", hitIDs(hits))
	}
	if n, _ := s.Count(); n != 1 {
		t.Errorf("Count = %d, want 1", n)
	}
	if err := s.Check(); err != nil {
		t.Error(err)
	}
	sqliteFile(t, path, `DROP TRIGGER boom`)
	mustPut(t, s, m)
}

func TestOrder(t *testing.T) {
	s := newTestStore(t)
	// Put out of order, in two rooms.
	var all []store.Message
	for _, seq := range []uint64{5, 1, 9, 3, 2, 8, 4, 7, 6, 10} {
		room := "leaders"
		if seq%2 == 0 {
			room = "ops"
		}
		m := msg(seq, room, fmt.Sprintf("message %d", seq))
		mustPut(t, s, m)
		all = append(all, m)
	}
	for _, tt := range []struct {
		name  string
		got   func() ([]store.Message, error)
		wantN []int
	}{
		{"AllRooms", func() ([]store.Message, error) { return s.Messages("", 0, 0) }, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}},
		{"AfterCursor", func() ([]store.Message, error) { return s.Messages("", 6, 0) }, []int{7, 8, 9, 10}},
		{"Limit", func() ([]store.Message, error) { return s.Messages("", 2, 3) }, []int{3, 4, 5}},
		{"Room", func() ([]store.Message, error) { return s.Messages("ops", 0, 0) }, []int{2, 4, 6, 8, 10}},
		{"RoomAfterLimit", func() ([]store.Message, error) { return s.Messages("leaders", 3, 2) }, []int{5, 7}},
		{"UnknownRoom", func() ([]store.Message, error) { return s.Messages("nowhere", 0, 0) }, nil},
		{"PastEnd", func() ([]store.Message, error) { return s.Messages("", 10, 5) }, nil},
		{"HugeCursor", func() ([]store.Message, error) { return s.Messages("", math.MaxUint64, 5) }, nil},
		{"Latest", func() ([]store.Message, error) { return s.Latest("", 3) }, []int{8, 9, 10}},
		{"LatestRoom", func() ([]store.Message, error) { return s.Latest("leaders", 2) }, []int{7, 9}},
		{"LatestAll", func() ([]store.Message, error) { return s.Latest("ops", 0) }, []int{2, 4, 6, 8, 10}},
		{"LatestMore", func() ([]store.Message, error) { return s.Latest("ops", 50) }, []int{2, 4, 6, 8, 10}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.got()
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, n := range tt.wantN {
				want = append(want, fmt.Sprintf("m%03d", n))
			}
			if !slices.Equal(msgIDs(got), want) {
				t.Errorf("got %v, want %v", msgIDs(got), want)
			}
			for _, m := range got {
				i := slices.IndexFunc(all, func(x store.Message) bool { return x.ID == m.ID })
				if !equalMessage(m, all[i]) {
					t.Errorf("got %+v, want %+v", m, all[i])
				}
			}
		})
	}
	// Paging with the last Seq as cursor visits every message once.
	var paged []string
	for after := uint64(0); ; {
		page, err := s.Messages("", after, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		paged = append(paged, msgIDs(page)...)
		after = page[len(page)-1].Seq
	}
	if len(paged) != 10 || !slices.IsSorted(paged) {
		t.Errorf("paged %v, want m001…m010", paged)
	}
}

func TestRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hotline.db")
	s, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := s.Cursor(); c != 0 || err != nil {
		t.Errorf("Cursor of a new store = %d, %v; want 0, nil", c, err)
	}
	m := msg(41, "leaders", "日米韓首脳 hotline test 경보")
	m.Attachments = []store.Attachment{{Name: "memo.pdf", Type: "application/pdf", Data: []byte("%PDF-1.7")}}
	mustPut(t, s, m, msg(42, "ops", "second"))
	if err := s.SetCursor(42); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if c, err := s.Cursor(); c != 42 || err != nil {
		t.Errorf("Cursor after reopen = %d, %v; want 42, nil", c, err)
	}
	if n, _ := s.Count(); n != 2 {
		t.Errorf("Count after reopen = %d, want 2", n)
	}
	got, ok, err := s.Get(m.ID)
	if !ok || err != nil || !equalMessage(got, withSizes(m, true)) {
		t.Errorf("Get after reopen = %+v, %v, %v", got, ok, err)
	}
	for _, q := range []string{"首脳", "경보", "HOTLINE", "memo.pdf"} {
		if hits, err := s.Search(q, 0); err != nil || !slices.Equal(hitIDs(hits), []string{m.ID}) {
			t.Errorf("Search(%q) after reopen = %v, %v; want [%s]", q, hitIDs(hits), err, m.ID)
		}
	}
	if added, err := s.Put(m); added || err != nil {
		t.Errorf("Put of a stored message after reopen = %v, %v; want false, nil", added, err)
	}
	if err := s.SetCursor(7); err != nil { // a resync may go back
		t.Fatal(err)
	}
	if c, _ := s.Cursor(); c != 7 {
		t.Errorf("Cursor = %d, want 7", c)
	}
	if err := s.SetCursor(math.MaxInt64 + 1); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("SetCursor(MaxInt64+1) = %v, want ErrInvalid", err)
	}
}

func TestAttachments(t *testing.T) {
	s := newTestStore(t)
	m := msg(3, "defence-ministers", "eight attachments")
	sizes := []int{0, 1, 100, 4096, 65536, 1 << 20, 7, 300000}
	for i, n := range sizes {
		data := make([]byte, n)
		for j := range data {
			data[j] = byte(j*31 + i)
		}
		m.Attachments = append(m.Attachments, store.Attachment{
			Name: fmt.Sprintf("添付-%d.bin", i), Type: "application/octet-stream", Data: data,
		})
	}
	mustPut(t, s, m, msg(4, "defence-ministers", "none"))

	got, _, err := s.Get(m.ID)
	if err != nil || !equalMessage(got, withSizes(m, true)) {
		t.Fatalf("Get did not round-trip 8 attachments (err %v)", err)
	}
	lists := map[string]func() ([]store.Message, error){
		"Messages": func() ([]store.Message, error) { return s.Messages("", 0, 0) },
		"Latest":   func() ([]store.Message, error) { return s.Latest("defence-ministers", 2) },
		"Search": func() ([]store.Message, error) {
			hs, err := s.Search("添付", 0)
			var ms []store.Message
			for _, h := range hs {
				ms = append(ms, h.Message)
			}
			return ms, err
		},
	}
	for name, list := range lists {
		t.Run(name, func(t *testing.T) {
			ms, err := list()
			if err != nil || len(ms) == 0 {
				t.Fatalf("got %d messages, %v", len(ms), err)
			}
			if !equalMessage(ms[0], withSizes(m, false)) {
				t.Errorf("listed %+v, want names, types and sizes without data", ms[0].Attachments)
			}
		})
	}
	for i, want := range m.Attachments {
		a, err := s.Attachment(m.ID, i)
		if err != nil || a.Name != want.Name || a.Type != want.Type || a.Size != sizes[i] || !bytes.Equal(a.Data, want.Data) || a.Data == nil {
			t.Errorf("Attachment(%d) = %q %q %d bytes, %v; want %q, %d bytes", i, a.Name, a.Type, len(a.Data), err, want.Name, sizes[i])
		}
	}
	for _, tt := range []struct {
		id string
		i  int
	}{{m.ID, 8}, {m.ID, -1}, {"m004", 0}, {"missing", 0}} {
		if _, err := s.Attachment(tt.id, tt.i); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Attachment(%s, %d) = %v, want ErrNotFound", tt.id, tt.i, err)
		}
	}
}

func TestConcurrentPut(t *testing.T) {
	s := newTestStore(t)
	const workers, each = 6, 40
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex // guards added
		added   = map[string]int{}
		errs    = make(chan error, workers*each*2)
		bodies  = []string{"弾道ミサイル発射", "탄도미사일 발사", "ballistic missile launch"}
		readers sync.WaitGroup
		stop    = make(chan struct{})
	)
	// Readers search and list while the writers write.
	for range 2 {
		readers.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := s.Search("missile", 20); err != nil {
					errs <- err
				}
				if _, err := s.Latest("", 20); err != nil {
					errs <- err
				}
			}
		})
	}
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				// Workers overlap: worker w writes ids w*each/2 … so that
				// every id is offered by two workers.
				seq := uint64(w*each/2 + i + 1)
				m := msg(seq, "ops", bodies[int(seq)%len(bodies)])
				m.Attachments = []store.Attachment{{Name: "a.txt", Data: []byte(m.ID)}}
				ok, err := s.Put(m)
				if err != nil {
					errs <- err
					continue
				}
				if ok {
					mu.Lock()
					added[m.ID]++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	readers.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	wantN := (workers-1)*each/2 + each
	n, err := s.Count()
	if err != nil || n != wantN {
		t.Errorf("Count = %d, %v; want %d", n, err, wantN)
	}
	if len(added) != wantN {
		t.Errorf("%d ids reported added, want %d", len(added), wantN)
	}
	for id, k := range added {
		if k != 1 {
			t.Errorf("%s reported added %d times", id, k)
		}
	}
	all, _ := s.Messages("", 0, 0)
	for i, m := range all {
		if m.Seq != uint64(i+1) {
			t.Fatalf("message %d has Seq %d", i, m.Seq)
		}
		if a, err := s.Attachment(m.ID, 0); err != nil || string(a.Data) != m.ID {
			t.Fatalf("attachment of %s = %q, %v", m.ID, a.Data, err)
		}
	}
	if err := s.Check(); err != nil {
		t.Error(err)
	}
}

func TestClosed(t *testing.T) {
	s, err := store.Open(filepath.Join(t.TempDir(), "hotline.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	_, err1 := s.Put(msg(1, "ops", "x"))
	_, _, err2 := s.Get("m001")
	_, err3 := s.Search("missile", 1)
	_, err4 := s.Count()
	err5 := s.SetCursor(3)
	err6 := s.Close()
	for i, err := range []error{err1, err2, err3, err4, err5, err6} {
		if !errors.Is(err, store.ErrClosed) {
			t.Errorf("call %d after Close: %v, want ErrClosed", i+1, err)
		}
	}
}

// TestCheck shows that Check finds an index that disagrees with the
// messages (changed behind the store's back).
func TestCheck(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hotline.db")
	s, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mustPut(t, s, msg(1, "ops", "ballistic missile"), msg(2, "ops", "all clear"))
	if err := s.Check(); err != nil {
		t.Fatalf("Check of a good store: %v", err)
	}
	sqliteFile(t, path, `UPDATE messages SET fbody = 'tampered' WHERE id = 'm001'`)
	if err := s.Check(); err == nil {
		t.Error("Check passed an index that no longer matches the messages")
	}
}
