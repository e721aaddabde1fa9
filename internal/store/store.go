package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// ApplicationID is the PRAGMA application_id of a hotline terminal store
// (https://sqlite.org/pragma.html#pragma_application_id): "TLHT", trilink
// hotline terminal.
const ApplicationID = 0x544c4854

// SchemaVersion is the PRAGMA user_version this program writes: the number
// of migrations. Do not decrease it; add a migration to raise it.
const SchemaVersion = 1

var (
	// ErrNotStore means the file is not a trilink hotline store (not SQLite,
	// or another program's database). The file is left as it was.
	ErrNotStore = errors.New("store: not a trilink hotline store")
	// ErrNewerVersion means the store was written by a newer program whose
	// schema this one does not know.
	ErrNewerVersion = errors.New("store: store is from a newer version")
	// ErrNotFound means there is no such message or attachment.
	ErrNotFound = errors.New("store: not found")
	// ErrInvalid means a message cannot be stored as given (no id, text that
	// is not UTF-8, a Seq or time out of range).
	ErrInvalid = errors.New("store: invalid message")
	// ErrClosed means the Store has been closed.
	ErrClosed = errors.New("store: closed")
)

// migrations[v] raises the schema from version v to v+1. Each runs in the
// transaction that sets user_version, with the others it is applied with.
var migrations = [SchemaVersion]string{
	// 1: messages, attachments, the trigram index and key/value state.
	`
CREATE TABLE messages (
	n             INTEGER PRIMARY KEY,       -- rowid of the index row
	id            TEXT    NOT NULL UNIQUE,
	seq           INTEGER NOT NULL,          -- transcript index
	room          TEXT    NOT NULL,
	sender        TEXT    NOT NULL,
	sender_nation TEXT    NOT NULL,
	device        TEXT    NOT NULL,
	kind          TEXT    NOT NULL,
	precedence    TEXT    NOT NULL,
	created       INTEGER,                   -- Unix ns, NULL for the zero time
	received      INTEGER,
	body          TEXT    NOT NULL,
	natt          INTEGER NOT NULL,          -- number of attachments
	fbody         TEXT    NOT NULL,          -- fold(body), indexed and scanned
	fnames        TEXT    NOT NULL           -- fold(attachment names), one a line
) STRICT;
CREATE INDEX messages_seq ON messages (seq, n);
CREATE INDEX messages_room_seq ON messages (room, seq, n);
CREATE TABLE attachments (
	msg  INTEGER NOT NULL REFERENCES messages (n) ON DELETE CASCADE,
	idx  INTEGER NOT NULL,
	name TEXT    NOT NULL,
	type TEXT    NOT NULL,
	size INTEGER NOT NULL,
	data BLOB    NOT NULL,
	PRIMARY KEY (msg, idx)
) STRICT;
-- The index holds text folded by Go (fold), so that the index, the scan
-- for short words and the snippets agree on case; the tokenizer folds
-- nothing more.
CREATE VIRTUAL TABLE messages_fts USING fts5 (
	fbody, fnames,
	content = 'messages', content_rowid = 'n',
	tokenize = 'trigram case_sensitive 1'
);
CREATE TABLE state (
	key   TEXT PRIMARY KEY,
	value ANY
) STRICT;
INSERT INTO state (key, value) VALUES ('cursor', 0);
`,
}

// Store is one terminal's message store. It is safe for concurrent use.
type Store struct {
	db   *sql.DB
	path string
	// wmu serialises write transactions in this process, so that writers
	// queue here instead of spinning in SQLite's busy handler.
	wmu    sync.Mutex
	closed atomic.Bool
	stop   chan struct{}
	done   chan struct{}
}

// checkpointEvery is how often the background checkpoint runs.
const checkpointEvery = 2 * time.Second

// checkpointLoop copies the write-ahead log into the database file now and
// then, off the commit path. A PASSIVE checkpoint runs beside readers and
// writers; what it cannot copy yet waits for the next round.
func (s *Store) checkpointLoop() {
	defer close(s.done)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			_, _ = s.db.Exec(`PRAGMA wal_checkpoint(PASSIVE)`)
		}
	}
}

// Open opens the store at path, creating the file (mode 0600) and its
// directory (0700) if they are missing, and migrates an older schema. It
// fails with [ErrNotStore] if the file is not a trilink hotline store and
// with [ErrNewerVersion] if a newer program wrote it; in both cases the file
// is not modified.
func Open(path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("store: open: empty path")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	switch {
	case err == nil:
		if err := f.Close(); err != nil {
			return nil, fmt.Errorf("store: open %s: %w", path, err)
		}
	case errors.Is(err, fs.ErrExist):
		fi, err := os.Stat(abs)
		if err != nil {
			return nil, fmt.Errorf("store: open %s: %w", path, err)
		}
		if !fi.Mode().IsRegular() {
			return nil, fmt.Errorf("%w: %s is not a regular file", ErrNotStore, path)
		}
	default:
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}

	// journal_mode=WAL is persistent and changes the file, so it is set
	// after the file has been recognised, not in the DSN.
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	// No checkpoint on the commit path: with synchronous=NORMAL a commit
	// only appends to the WAL, but an automatic checkpoint fsyncs inside
	// the commit that triggers it, which stalls a terminal's delivery by
	// tens of milliseconds on a slow disk. The store checkpoints in the
	// background instead (checkpointLoop).
	q.Add("_pragma", "wal_autocheckpoint(0)")
	q.Set("_txlock", "immediate")
	dsn := u.String() + "?" + q.Encode()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	// One connection. FTS5 caches its index structure per connection, and
	// with several connections one of them was seen holding a stale copy
	// after other connections' writes: its reads of the index failed with
	// "fts5: corruption found" while the file was sound (TestConcurrentPut
	// failed in about 1 run in 20 with 4 connections; a reopened store
	// checked clean). A terminal's store is small and its writes are
	// serialised anyway; reads now wait for a write in progress.
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	s := &Store{db: db, path: path, stop: make(chan struct{}), done: make(chan struct{})}
	if err := s.init(context.Background()); err != nil {
		db.Close()
		return nil, err
	}
	go s.checkpointLoop()
	return s, nil
}

// init recognises the file, creates or migrates the schema and turns on WAL.
func (s *Store) init(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil) // BEGIN IMMEDIATE: one initialiser at a time
	if err != nil {
		return s.openErr(err)
	}
	defer tx.Rollback()
	var app, ver, objects int64
	if err := tx.QueryRowContext(ctx, `PRAGMA application_id`).Scan(&app); err != nil {
		return s.openErr(err)
	}
	if err := tx.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&ver); err != nil {
		return s.openErr(err)
	}
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema`).Scan(&objects); err != nil {
		return s.openErr(err)
	}
	switch {
	case app == 0 && ver == 0 && objects == 0: // new, empty database
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA application_id = %d`, ApplicationID)); err != nil {
			return s.openErr(err)
		}
	case app != ApplicationID:
		return fmt.Errorf("%w: %s is another program's SQLite database (application_id %#x)", ErrNotStore, s.path, app)
	case ver > int64(SchemaVersion):
		return fmt.Errorf("%w: %s has schema version %d, this program knows up to %d", ErrNewerVersion, s.path, ver, SchemaVersion)
	}
	for v := ver; v < int64(SchemaVersion); v++ {
		if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
			return fmt.Errorf("store: open %s: migrate to version %d: %w", s.path, v+1, err)
		}
	}
	if ver < int64(SchemaVersion) {
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, SchemaVersion)); err != nil {
			return s.openErr(err)
		}
	}
	if err := tx.Commit(); err != nil {
		return s.openErr(err)
	}
	var mode string
	if err := s.db.QueryRowContext(ctx, `PRAGMA journal_mode = WAL`).Scan(&mode); err != nil {
		return s.openErr(err)
	}
	if mode != "wal" {
		return fmt.Errorf("store: open %s: journal mode is %q, want wal", s.path, mode)
	}
	return nil
}

// openErr wraps an error met while opening, telling a file that is not a
// database from other failures.
func (s *Store) openErr(err error) error {
	if se, ok := errors.AsType[*sqlite.Error](err); ok && se.Code()&0xff == sqlite3.SQLITE_NOTADB {
		return fmt.Errorf("%w: %s is not an SQLite database: %v", ErrNotStore, s.path, err)
	}
	return fmt.Errorf("store: open %s: %w", s.path, err)
}

// Close closes the store, checkpointing the write-ahead log into the file.
// Methods called after Close return [ErrClosed]; so does a second Close.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return ErrClosed
	}
	close(s.stop)
	<-s.done
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("store: close %s: %w", s.path, err)
	}
	return nil
}

// Path returns the path the store was opened with.
func (s *Store) Path() string { return s.path }

// Cursor returns the last transcript index this terminal processed, as set
// by [Store.SetCursor]; 0 for a new store.
func (s *Store) Cursor() (uint64, error) {
	var c int64
	if err := s.db.QueryRow(`SELECT value FROM state WHERE key = 'cursor'`).Scan(&c); err != nil {
		return 0, s.wrap("cursor", err)
	}
	return uint64(c), nil
}

// SetCursor persists seq as the last transcript index this terminal
// processed. It does not check that seq only grows: a terminal that resyncs
// may set it back. seq must be at most math.MaxInt64.
func (s *Store) SetCursor(seq uint64) error {
	if seq > maxSeq {
		return fmt.Errorf("%w: cursor %d is above %d", ErrInvalid, seq, uint64(maxSeq))
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if _, err := s.db.Exec(`UPDATE state SET value = ? WHERE key = 'cursor'`, int64(seq)); err != nil {
		return s.wrap("set cursor", err)
	}
	return nil
}

// Count returns the number of messages stored.
func (s *Store) Count() (int, error) {
	var n int
	if err := s.db.QueryRow(`SELECT count(*) FROM messages`).Scan(&n); err != nil {
		return 0, s.wrap("count", err)
	}
	return n, nil
}

// Check verifies the database file (PRAGMA quick_check) and that the search
// index agrees with the messages (FTS5 'integrity-check'). It reads the
// whole file.
func (s *Store) Check() error {
	rows, err := s.db.Query(`PRAGMA quick_check`)
	if err != nil {
		return s.wrap("check", err)
	}
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			rows.Close()
			return s.wrap("check", err)
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := rows.Close(); err != nil {
		return s.wrap("check", err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("store: check %s: %q", s.path, problems)
	}
	if _, err := s.db.Exec(`INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)`); err != nil {
		return s.wrap("check index", err)
	}
	return nil
}

// wrap adds the operation and the store's path to err, mapping a closed
// database to [ErrClosed].
func (s *Store) wrap(op string, err error) error {
	if s.closed.Load() {
		return fmt.Errorf("store: %s: %w", op, ErrClosed)
	}
	return fmt.Errorf("store: %s %s: %w", op, s.path, err)
}
