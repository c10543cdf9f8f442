package checkpoint

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/osscopy/osscopy/internal/atomicfile"
	"github.com/osscopy/osscopy/internal/etag"
	"github.com/osscopy/osscopy/internal/localfile"
)

// Entry is one object a bulk run finished: its source and destination keys
// (the buckets are in the journal's header), the source version it copied
// and the ETag the copy gave the destination.
type Entry struct {
	Source   string `json:"src"`
	Dest     string `json:"dst"`
	ETag     string `json:"etag"`
	Size     int64  `json:"size"`
	CRC64    string `json:"crc64,omitempty"`
	DestETag string `json:"dst_etag,omitempty"`
}

// entryID identifies an entry in memory: 16 bytes of a hash instead of the
// keys, so that a million finished objects cost tens of megabytes. A
// collision (odds about 2^-100 at a million entries) is what would make a
// rerun skip an object it should copy.
type entryID [16]byte

func (e Entry) id() entryID {
	h := sha256.New()
	for _, s := range []string{e.Source, e.Dest, e.ETag, strconv.FormatInt(e.Size, 10)} {
		fmt.Fprintf(h, "%d:%s;", len(s), s)
	}
	var id entryID
	copy(id[:], h.Sum(nil))
	return id
}

// destSum identifies the destination's ETag of an entry in memory (zero:
// the entry names none).
type destSum [8]byte

func (e Entry) destSum() destSum {
	var sum destSum
	if e.DestETag != "" {
		h := sha256.Sum256([]byte(etag.Normalize(e.DestETag)))
		copy(sum[:], h[:])
	}
	return sum
}

// RunName returns the file name stem of a bulk run's journal, from what
// defines the run: source, destination and selection.
func RunName(parts ...string) string {
	h := sha256.New()
	for _, s := range parts {
		fmt.Fprintf(h, "%d:%s;", len(s), s)
	}
	return "run-" + hex.EncodeToString(h.Sum(nil))[:32]
}

// JournalVersion is the version of the journals this build writes.
const JournalVersion = 1

// JournalHeader is a journal's first line: the run its entries belong to.
// The journal's name is a hash of the same things, but a file copied or
// renamed by hand (or a hash collision) would bring another run's entries:
// a journal whose header is not the run's is refused, never trusted.
type JournalHeader struct {
	Version     int    `json:"osscopy_journal"`
	Source      string `json:"source"`
	Destination string `json:"destination"`
	// Options are the options that decide what a copied object becomes
	// (metadata, tags, storage class), as the caller renders them.
	Options map[string]string `json:"options,omitempty"`
}

func (h JournalHeader) same(o JournalHeader) bool {
	return h.Source == o.Source && h.Destination == o.Destination && maps.Equal(h.Options, o.Options)
}

// Journal records the objects a bulk run finished, one appended JSON line
// each (O(1) per object), after a header line naming the run, so that a
// rerun copies none of them again. It is locked while open: two runs of
// one migration cannot interleave.
type Journal struct {
	dir, name string
	header    JournalHeader
	lock      *os.File

	mu   sync.Mutex
	f    *os.File
	done map[entryID]destSum
	// broken is the error of a write that failed: nothing more is
	// appended after a line that may be torn.
	broken error
}

// OpenJournal locks the journal named name in dir, checks that its header
// is header (or writes it to a new journal), compacts it (dropping
// duplicate and torn lines) and loads what it holds.
func OpenJournal(dir, name string, header JournalHeader) (*Journal, error) {
	header.Version = JournalVersion
	j, err := lockJournal(dir, name)
	if err != nil {
		return nil, err
	}
	j.header = header
	// The lock and the journal may be left by a killed run in a directory
	// that is read-only now: the run could append to them but not write
	// the failure report or a large object's checkpoint. Find out first.
	if err := probeWritable(dir); err != nil {
		j.Close()
		return nil, err
	}
	if err := j.compact(); err != nil {
		j.Close()
		return nil, err
	}
	f, err := localfile.OpenFile(j.Path(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		j.Close()
		return nil, fmt.Errorf("opening the run journal %s: %w", j.Path(), err)
	}
	j.f = f
	return j, nil
}

// ReadJournal loads the journal named name in dir for a run that writes
// nothing (a dry run): what earlier runs finished, without creating the
// directory or the journal, taking the lock or compacting. A journal that
// does not exist holds nothing; one of another run is refused as
// OpenJournal refuses it. The one returned records nothing.
func ReadJournal(dir, name string, header JournalHeader) (*Journal, error) {
	header.Version = JournalVersion
	j := &Journal{dir: dir, name: name, header: header, done: map[entryID]destSum{}}
	_, err := j.scan(func(e Entry, _ []byte, ok bool) error {
		if ok {
			j.done[e.id()] = e.destSum()
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return j, nil
}

// lockJournal creates dir and takes the lock of the journal named name.
func lockJournal(dir, name string) (*Journal, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating checkpoint directory %s: %w", dir, err)
	}
	j := &Journal{dir: dir, name: name, done: map[entryID]destSum{}}
	lock, err := lockFile(filepath.Join(dir, name+".lock"))
	if errors.Is(err, ErrLocked) {
		return nil, lockedError(fmt.Sprintf("another osscopy run of this migration is running: it holds the journal %s; wait for it to finish, or stop it first", j.Path()))
	}
	if err != nil {
		return nil, err
	}
	j.lock = lock
	return j, nil
}

// DiscardJournal removes the journal named name in dir (--fresh), holding
// its lock meanwhile: a running run keeps its journal. It does not read
// it: a damaged journal, or another run's, is discarded too.
func DiscardJournal(dir, name string) error {
	j, err := lockJournal(dir, name)
	if err != nil {
		return err
	}
	defer j.Close()
	if err := os.Remove(j.Path()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("discarding the run journal %s: %w", j.Path(), err)
	}
	return nil
}

// probeWritable creates and removes a file in dir.
func probeWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".probe-*")
	if err != nil {
		return fmt.Errorf("the checkpoint directory %s cannot be written (%w): a run needs it for its journal, failure report and checkpoints; fix its permissions or free space, or choose another with --checkpoint-dir", dir, err)
	}
	f.Close()
	return os.Remove(f.Name())
}

// Path is the journal file, for messages.
func (j *Journal) Path() string { return filepath.Join(j.dir, j.name+".journal") }

// Len is how many finished objects the journal holds.
func (j *Journal) Len() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return len(j.done)
}

// Done reports whether the journal holds e: by keys, source ETag and size
// (a source overwritten since is copied again), and when e names the
// destination's ETag, by that too (a destination overwritten since the
// copy does not count as done).
func (j *Journal) Done(e Entry) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	sum, ok := j.done[e.id()]
	return ok && (e.DestETag == "" || sum == e.destSum())
}

// Record appends e with one write. It is not synced: a killed process
// loses nothing the kernel holds, and a lost line after a power cut only
// means the object is copied again. After a failed write (a full disk)
// every Record fails: a line after a torn one would be lost with it.
func (j *Journal) Record(e Entry) error {
	line, err := json.Marshal(e)
	if err != nil {
		return err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return errClosed
	}
	if j.broken != nil {
		return notWritten{fmt.Errorf("recording %s in the run journal: an earlier write failed: %w", e.Source, j.broken)}
	}
	if _, err := j.f.Write(append(line, '\n')); err != nil {
		j.broken = err
		return notWritten{fmt.Errorf("recording %s in the run journal: %w", e.Source, err)}
	}
	j.done[e.id()] = e.destSum()
	return nil
}

// Close releases the lock; the journal stays for a later run.
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	var err error
	if j.f != nil {
		err = j.f.Close()
		j.f = nil
	}
	if j.lock != nil {
		err = errors.Join(err, unlockFile(j.lock))
		j.lock = nil
	}
	return err
}

// compact checks the header, loads the journal and, when it holds
// duplicates or torn lines (or is new), rewrites it atomically with the
// header and each entry once, as last recorded. It streams the file twice
// instead of holding the entries: memory stays at the IDs.
func (j *Journal) compact() error {
	waste := 0
	hasHeader, err := j.scan(func(e Entry, line []byte, ok bool) error {
		if _, dup := j.done[e.id()]; !ok || dup {
			waste++
		}
		if ok {
			j.done[e.id()] = e.destSum()
		}
		return nil
	})
	if err != nil || waste == 0 && hasHeader {
		return err
	}
	written := make(map[entryID]struct{}, len(j.done))
	header, err := json.Marshal(j.header)
	if err != nil {
		return err
	}
	err = atomicfile.Write(j.Path(), func(w io.Writer) error {
		if _, err := w.Write(append(header, '\n')); err != nil {
			return err
		}
		_, err := j.scan(func(e Entry, line []byte, ok bool) error {
			if _, dup := written[e.id()]; !ok || dup || j.done[e.id()] != e.destSum() {
				return nil
			}
			written[e.id()] = struct{}{}
			_, err := w.Write(append(line, '\n'))
			return err
		})
		return err
	})
	if err != nil {
		return fmt.Errorf("compacting the run journal %s: %w (it is intact; free space or fix permissions, then run again)", j.Path(), err)
	}
	return nil
}

// scan checks the journal's header line and calls fn for each line after
// it; ok is false for a line that is torn or damaged (a kill mid-write),
// which is skipped, not fatal. hasHeader is false for a journal without a
// whole line: new, or torn while its header was written.
func (j *Journal) scan(fn func(e Entry, line []byte, ok bool) error) (hasHeader bool, err error) {
	f, err := localfile.OpenFile(j.Path(), os.O_RDONLY, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("reading the run journal %s: %w; remove it (it is no journal osscopy wrote)", j.Path(), err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 64<<10)
	for {
		// ReadSlice would stop at a damaged line longer than its buffer;
		// ReadBytes reads any line whole.
		line, err := r.ReadBytes('\n')
		whole := err == nil
		body := line[:len(line)-len(trailingNewline(line))]
		switch {
		case !hasHeader && whole:
			if err := j.checkHeader(body); err != nil {
				return false, err
			}
			hasHeader = true
		case hasHeader && len(line) > 0:
			var e Entry
			ok := whole && json.Unmarshal(body, &e) == nil && e.Source != "" && e.Dest != ""
			if ferr := fn(e, body, ok); ferr != nil {
				return hasHeader, ferr
			}
		}
		if errors.Is(err, io.EOF) {
			return hasHeader, nil
		}
		if err != nil {
			return hasHeader, fmt.Errorf("reading the run journal %s: %w", j.Path(), err)
		}
	}
}

// checkHeader refuses a journal whose first line is not this run's header.
func (j *Journal) checkHeader(line []byte) error {
	var h JournalHeader
	if json.Unmarshal(line, &h) != nil || h.Version < 1 {
		return fmt.Errorf("%s is not a run journal of this osscopy (its first line is no journal header): move it away, or run again with --fresh to discard it", j.Path())
	}
	if h.Version > JournalVersion {
		return fmt.Errorf("the run journal %s was written by a newer osscopy (version %d; this one reads %d): use that version, or --fresh to start over", j.Path(), h.Version, JournalVersion)
	}
	if !h.same(j.header) {
		other := fmt.Sprintf("from %s to %s", h.Source, h.Destination)
		if h.Source == j.header.Source && h.Destination == j.header.Destination {
			other += " with other metadata, tagging or storage-class options"
		}
		return fmt.Errorf("the run journal %s is of another run (%s), not of this one: it was copied or renamed; move it away, or run again with --fresh to discard it",
			j.Path(), other)
	}
	return nil
}

func trailingNewline(line []byte) []byte {
	if n := len(line); n > 0 && line[n-1] == '\n' {
		return line[n-1:]
	}
	return nil
}
