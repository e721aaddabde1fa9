package audit

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// The files of a log directory. All are append-only but LOG, which is
// written once.
//
//	LOG          "trilink audit log v1\n<origin>\n"
//	entries      records: u32 length ‖ canonical entry ‖ 32-byte RFC 6962 leaf hash
//	checkpoints  records: u32 length ‖ signed note; a later record for the same
//	             size carries more cosignatures
//
// Crash safety: a record is written with one write(2) at the end of its
// file. Append fsyncs the entries file when Options.SyncEach is set, and
// Checkpoint always fsyncs it before signing, so a checkpoint never covers
// entries that are not on disk. A crash can leave a torn final record,
// which Open cuts off (it was never acknowledged as durable). A complete
// record that does not check is never cut: Open refuses the log and Verify
// names the record.
const (
	metaFile        = "LOG"
	entriesFile     = "entries"
	checkpointsFile = "checkpoints"
	metaMagic       = "trilink audit log v1\n"

	leafSize         = 32
	maxEntryRecord   = 3 + 8 + 2 + MaxRef + 32 + 4 + MaxData
	maxNote          = 64 << 10
	recordHeaderSize = 4
)

// record is one framed record read from a file.
type record struct {
	index   int
	offset  int64
	body    []byte
	trailer []byte // the leaf hash for entries; empty for checkpoints
}

// errFraming marks a record whose length field is impossible.
var errFraming = errors.New("bad record framing")

// readRecords reads the records of r in order and calls fn for each. It
// returns the offset after the last complete record and the number of bytes
// of a torn final record (0 if none). It stops with errFraming at a length
// over max.
func readRecords(r io.Reader, trailer, max int, fn func(record) error) (end, torn int64, err error) {
	br := bufio.NewReaderSize(r, 1<<20)
	var hdr [recordHeaderSize]byte
	for i := 0; ; i++ {
		n, err := io.ReadFull(br, hdr[:])
		if err == io.EOF {
			return end, 0, nil
		}
		if err == io.ErrUnexpectedEOF {
			return end, int64(n), nil
		}
		if err != nil {
			return end, 0, err
		}
		size := int(binary.BigEndian.Uint32(hdr[:]))
		if size > max {
			return end, 0, fmt.Errorf("record %d at offset %d: %w: length %d over %d", i, end, errFraming, size, max)
		}
		buf := make([]byte, size+trailer)
		m, err := io.ReadFull(br, buf)
		if err == io.ErrUnexpectedEOF || err == io.EOF {
			return end, int64(recordHeaderSize + m), nil
		}
		if err != nil {
			return end, 0, err
		}
		if err := fn(record{index: i, offset: end, body: buf[:size], trailer: buf[size:]}); err != nil {
			return end, 0, err
		}
		end += int64(recordHeaderSize + size + trailer)
	}
}

func frame(body, trailer []byte) []byte {
	b := make([]byte, 0, recordHeaderSize+len(body)+len(trailer))
	b = binary.BigEndian.AppendUint32(b, uint32(len(body)))
	b = append(b, body...)
	return append(b, trailer...)
}

// writeFileAtomic writes a file so that a crash leaves either the old
// content or the new: a temporary file, fsync, rename, fsync of the
// directory.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // fails harmlessly after the rename
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return err
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
