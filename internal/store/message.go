package store

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Message is one decrypted hotline message as the terminal keeps it.
type Message struct {
	ID string // the message id (hotline.MessageID.String()); unique in a store
	// Seq is the exchange's transcript index of the message: monotonic per
	// terminal, at most math.MaxInt64. It orders messages and is the cursor
	// of [Store.Messages]. It should be unique; ties keep the order of Put.
	Seq          uint64
	Room         string
	Sender       string
	SenderNation string
	Device       string
	Kind         string    // e.g. "text", "link-test"
	Precedence   string    // e.g. "FLASH"
	Created      time.Time // by the sender's clock; read back in UTC, to the nanosecond
	Received     time.Time // by this terminal's clock; read back in UTC
	Body         string    // UTF-8
	// Attachments are kept in order. Lists and search results give them
	// without Data; [Store.Get] and [Store.Attachment] give the data.
	Attachments []Attachment
}

// Attachment is a document or image sent with a message.
type Attachment struct {
	Name string // file name, UTF-8; searched
	Type string // media type, e.g. "application/pdf"
	Data []byte // nil in lists and search results
	// Size is len(Data) as stored. Put ignores it; every read sets it, also
	// when Data is left out.
	Size int
}

const (
	maxSeq = math.MaxInt64
	maxID  = 1024 // bytes
)

var (
	minTime = time.Unix(0, math.MinInt64)
	maxTime = time.Unix(0, math.MaxInt64)
)

// check tells why m cannot be stored, or returns nil.
func check(m *Message) error {
	if m.ID == "" || len(m.ID) > maxID {
		return fmt.Errorf("%w: id %.40q: want 1–%d bytes", ErrInvalid, m.ID, maxID)
	}
	if m.Seq > maxSeq {
		return fmt.Errorf("%w: message %s: seq %d is above %d", ErrInvalid, m.ID, m.Seq, uint64(maxSeq))
	}
	for _, f := range []struct{ name, v string }{
		{"id", m.ID}, {"room", m.Room}, {"sender", m.Sender}, {"sender nation", m.SenderNation},
		{"device", m.Device}, {"kind", m.Kind}, {"precedence", m.Precedence}, {"body", m.Body},
	} {
		if !utf8.ValidString(f.v) {
			return fmt.Errorf("%w: message %q: %s is not UTF-8", ErrInvalid, m.ID, f.name)
		}
	}
	for _, t := range []time.Time{m.Created, m.Received} {
		if !t.IsZero() && (t.Before(minTime) || t.After(maxTime)) {
			return fmt.Errorf("%w: message %s: time %v is outside 1678–2262", ErrInvalid, m.ID, t)
		}
	}
	for i, a := range m.Attachments {
		if !utf8.ValidString(a.Name) || !utf8.ValidString(a.Type) {
			return fmt.Errorf("%w: message %s: attachment %d: name or type is not UTF-8", ErrInvalid, m.ID, i)
		}
	}
	return nil
}

// unixNano stores t as Unix nanoseconds, the zero time as NULL.
func unixNano(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixNano(), Valid: true}
}

func fromUnixNano(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.Unix(0, v.Int64).UTC()
}

// Put stores m unless a message with its id is already stored; added tells
// which. The message, its attachments and its index row are written in one
// transaction: on any error nothing is stored. A second Put of the same id
// changes nothing, even if the rest of m differs. Put fails with
// [ErrInvalid] if m has no id, text that is not UTF-8, a Seq above
// math.MaxInt64 or a time outside the years 1678–2262.
func (s *Store) Put(m Message) (added bool, err error) {
	if err := check(&m); err != nil {
		return false, err
	}
	names := make([]string, len(m.Attachments))
	for i, a := range m.Attachments {
		names[i] = a.Name
	}
	fbody, fnames := fold(m.Body), fold(strings.Join(names, "\n"))

	s.wmu.Lock()
	defer s.wmu.Unlock()
	ctx := context.Background()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, s.wrap("put "+m.ID, err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `
INSERT INTO messages (id, seq, room, sender, sender_nation, device, kind, precedence,
	created, received, body, natt, fbody, fnames)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO NOTHING`,
		m.ID, int64(m.Seq), m.Room, m.Sender, m.SenderNation, m.Device, m.Kind, m.Precedence,
		unixNano(m.Created), unixNano(m.Received), m.Body, len(m.Attachments), fbody, fnames)
	if err != nil {
		return false, s.wrap("put "+m.ID, err)
	}
	if k, err := res.RowsAffected(); err != nil || k == 0 {
		return false, s.wrapIf("put "+m.ID, err)
	}
	n, err := res.LastInsertId()
	if err != nil {
		return false, s.wrap("put "+m.ID, err)
	}
	for i, a := range m.Attachments {
		data := a.Data
		if data == nil {
			data = []byte{} // a blob, not NULL
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO attachments (msg, idx, name, type, size, data) VALUES (?, ?, ?, ?, ?, ?)`,
			n, i, a.Name, a.Type, len(data), data); err != nil {
			return false, s.wrap("put "+m.ID, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO messages_fts (rowid, fbody, fnames) VALUES (?, ?, ?)`, n, fbody, fnames); err != nil {
		return false, s.wrap("put "+m.ID, err)
	}
	if err := tx.Commit(); err != nil {
		return false, s.wrap("put "+m.ID, err)
	}
	return true, nil
}

func (s *Store) wrapIf(op string, err error) error {
	if err == nil {
		return nil
	}
	return s.wrap(op, err)
}

// msgCols are the columns scanned by scanMessage, from messages as m.
const msgCols = `m.n, m.id, m.seq, m.room, m.sender, m.sender_nation, m.device, m.kind, m.precedence,
	m.created, m.received, m.body, m.natt`

// row is a message read from the database with what is needed to add its
// attachments.
type row struct {
	Message
	n    int64
	natt int
}

type scanner interface{ Scan(dest ...any) error }

func scanMessage(sc scanner) (row, error) {
	var (
		r                 row
		seq               int64
		created, received sql.NullInt64
	)
	err := sc.Scan(&r.n, &r.ID, &seq, &r.Room, &r.Sender, &r.SenderNation, &r.Device, &r.Kind, &r.Precedence,
		&created, &received, &r.Body, &r.natt)
	r.Seq = uint64(seq)
	r.Created, r.Received = fromUnixNano(created), fromUnixNano(received)
	return r, err
}

// list runs a query that selects msgCols and returns its messages with
// their attachments, without data.
func (s *Store) list(op, query string, args ...any) ([]Message, error) {
	ctx := context.Background()
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, s.wrap(op, err)
	}
	var rs []row
	for rows.Next() {
		r, err := scanMessage(rows)
		if err != nil {
			rows.Close()
			return nil, s.wrap(op, err)
		}
		rs = append(rs, r)
	}
	if err := rows.Close(); err != nil {
		return nil, s.wrap(op, err)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap(op, err)
	}
	if err := s.attachments(ctx, rs, false); err != nil {
		return nil, s.wrap(op, err)
	}
	out := make([]Message, len(rs))
	for i := range rs {
		out[i] = rs[i].Message
	}
	return out, nil
}

// attachments fills in the attachments of rs, with their data if withData.
func (s *Store) attachments(ctx context.Context, rs []row, withData bool) error {
	byN := make(map[int64]*row)
	var ns []any
	for i := range rs {
		if rs[i].natt > 0 {
			byN[rs[i].n] = &rs[i]
			rs[i].Attachments = make([]Attachment, 0, rs[i].natt)
			ns = append(ns, rs[i].n)
		}
	}
	data := "NULL"
	if withData {
		data = "data"
	}
	const chunk = 256
	for len(ns) > 0 {
		part := ns[:min(chunk, len(ns))]
		ns = ns[len(part):]
		q := `SELECT msg, name, type, size, ` + data + ` FROM attachments WHERE msg IN (?` +
			strings.Repeat(", ?", len(part)-1) + `) ORDER BY msg, idx`
		rows, err := s.db.QueryContext(ctx, q, part...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var (
				n int64
				a Attachment
			)
			if err := rows.Scan(&n, &a.Name, &a.Type, &a.Size, &a.Data); err != nil {
				rows.Close()
				return err
			}
			if withData && a.Data == nil {
				a.Data = []byte{}
			}
			r := byN[n]
			r.Attachments = append(r.Attachments, a)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// Get returns the message with the given id, with its attachments' data,
// and whether there is one.
func (s *Store) Get(id string) (Message, bool, error) {
	ctx := context.Background()
	r, err := scanMessage(s.db.QueryRowContext(ctx, `SELECT `+msgCols+` FROM messages m WHERE m.id = ?`, id))
	if err == sql.ErrNoRows {
		return Message{}, false, nil
	}
	if err != nil {
		return Message{}, false, s.wrap("get "+id, err)
	}
	rs := []row{r}
	if err := s.attachments(ctx, rs, true); err != nil {
		return Message{}, false, s.wrap("get "+id, err)
	}
	return rs[0].Message, true, nil
}

// sqlLimit maps limit ≤ 0 (no limit) to SQLite's -1.
func sqlLimit(limit int) int {
	if limit <= 0 {
		return -1
	}
	return limit
}

// Messages returns up to limit messages with Seq above afterSeq, in Seq
// order, from room, or from every room if room is "". limit ≤ 0 means no
// limit. To page, pass the last Seq returned as the next afterSeq.
// Attachments come without data.
func (s *Store) Messages(room string, afterSeq uint64, limit int) ([]Message, error) {
	if afterSeq >= maxSeq {
		return nil, nil
	}
	if room == "" {
		return s.list("messages", `SELECT `+msgCols+` FROM messages m WHERE m.seq > ? ORDER BY m.seq, m.n LIMIT ?`,
			int64(afterSeq), sqlLimit(limit))
	}
	return s.list("messages", `SELECT `+msgCols+` FROM messages m WHERE m.room = ? AND m.seq > ? ORDER BY m.seq, m.n LIMIT ?`,
		room, int64(afterSeq), sqlLimit(limit))
}

// Latest returns the newest limit messages of room (of every room if room is
// ""), oldest first. limit ≤ 0 means all. Attachments come without data.
func (s *Store) Latest(room string, limit int) ([]Message, error) {
	var (
		ms  []Message
		err error
	)
	if room == "" {
		ms, err = s.list("latest", `SELECT `+msgCols+` FROM messages m ORDER BY m.seq DESC, m.n DESC LIMIT ?`, sqlLimit(limit))
	} else {
		ms, err = s.list("latest", `SELECT `+msgCols+` FROM messages m WHERE m.room = ? ORDER BY m.seq DESC, m.n DESC LIMIT ?`,
			room, sqlLimit(limit))
	}
	slices.Reverse(ms)
	return ms, err
}

// Attachment returns attachment i (from 0) of the message with the given id,
// with its data, or an error wrapping [ErrNotFound].
func (s *Store) Attachment(id string, i int) (Attachment, error) {
	var a Attachment
	err := s.db.QueryRow(`SELECT a.name, a.type, a.size, a.data FROM attachments a JOIN messages m ON a.msg = m.n
WHERE m.id = ? AND a.idx = ?`, id, i).Scan(&a.Name, &a.Type, &a.Size, &a.Data)
	if err == sql.ErrNoRows {
		return Attachment{}, fmt.Errorf("%w: attachment %d of message %q", ErrNotFound, i, id)
	}
	if err != nil {
		return Attachment{}, s.wrap(fmt.Sprintf("attachment %d of %s", i, id), err)
	}
	if a.Data == nil {
		a.Data = []byte{}
	}
	return a, nil
}
