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
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/osscopy/osscopy/internal/atomicfile"
	"github.com/osscopy/osscopy/internal/localfile"
)

// Entry is one object a bulk run finished: its source and destination keys
// (the buckets are in the run's name) and the source version it copied.
type Entry struct {
	Source string `json:"src"`
	Dest   string `json:"dst"`
	ETag   string `json:"etag"`
	Size   int64  `json:"size"`
	CRC64  string `json:"crc64,omitempty"`
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

// RunName returns the file name stem of a bulk run's journal, from what
// defines the run: source, destination and selection.
func RunName(parts ...string) string {
	h := sha256.New()
	for _, s := range parts {
		fmt.Fprintf(h, "%d:%s;", len(s), s)
	}
	return "run-" + hex.EncodeToString(h.Sum(nil))[:32]
}

// Journal records the objects a bulk run finished, one appended JSON line
// each (O(1) per object), so that a rerun copies none of them again. It is
// locked while open: two runs of one migration cannot interleave.
type Journal struct {
	dir, name string
	lock      *os.File

	mu   sync.Mutex
	f    *os.File
	done map[entryID]struct{}
}

// OpenJournal locks the journal named name in dir, compacts it (dropping
// duplicate and torn lines) and loads what it holds.
func OpenJournal(dir, name string) (*Journal, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating checkpoint directory %s: %w", dir, err)
	}
	j := &Journal{dir: dir, name: name, done: map[entryID]struct{}{}}
	lock, err := lockFile(filepath.Join(dir, name+".lock"))
	if errors.Is(err, ErrLocked) {
		return nil, lockedError(fmt.Sprintf("another osscopy run of this migration is running: it holds the journal %s; wait for it to finish, or stop it first", j.Path()))
	}
	if err != nil {
		return nil, err
	}
	j.lock = lock
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
// does not exist holds nothing; the one returned records nothing.
func ReadJournal(dir, name string) (*Journal, error) {
	j := &Journal{dir: dir, name: name, done: map[entryID]struct{}{}}
	err := j.scan(func(e Entry, _ []byte, ok bool) error {
		if ok {
			j.done[e.id()] = struct{}{}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return j, nil
}

// DiscardJournal removes the journal named name in dir (--fresh), holding
// its lock meanwhile: a running run keeps its journal.
func DiscardJournal(dir, name string) error {
	j, err := OpenJournal(dir, name)
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

// Done reports whether the journal holds e (by keys, ETag and size: a
// source overwritten since is copied again).
func (j *Journal) Done(e Entry) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	_, ok := j.done[e.id()]
	return ok
}

// Record appends e with one write. It is not synced: a killed process
// loses nothing the kernel holds, and a lost line after a power cut only
// means the object is copied again.
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
	if _, err := j.f.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("recording %s in the run journal %s: %w", e.Source, j.Path(), err)
	}
	j.done[e.id()] = struct{}{}
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

// compact loads the journal and, when it holds duplicates or torn lines,
// rewrites it atomically with each entry once. It streams the file twice
// instead of holding the entries: memory stays at the IDs.
func (j *Journal) compact() error {
	waste := 0
	err := j.scan(func(e Entry, line []byte, ok bool) error {
		if _, dup := j.done[e.id()]; !ok || dup {
			waste++
		} else {
			j.done[e.id()] = struct{}{}
		}
		return nil
	})
	if err != nil || waste == 0 {
		return err
	}
	written := make(map[entryID]struct{}, len(j.done))
	err = atomicfile.Write(j.Path(), func(w io.Writer) error {
		return j.scan(func(e Entry, line []byte, ok bool) error {
			if _, dup := written[e.id()]; !ok || dup {
				return nil
			}
			written[e.id()] = struct{}{}
			_, err := w.Write(append(line, '\n'))
			return err
		})
	})
	if err != nil {
		return fmt.Errorf("compacting the run journal %s: %w (it is intact; free space or fix permissions, then run again)", j.Path(), err)
	}
	return nil
}

// scan calls fn for each line of the journal; ok is false for a line that
// is torn or damaged (a kill mid-write), which is skipped, not fatal.
func (j *Journal) scan(fn func(e Entry, line []byte, ok bool) error) error {
	f, err := localfile.OpenFile(j.Path(), os.O_RDONLY, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading the run journal %s: %w; remove it (it is no journal osscopy wrote)", j.Path(), err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 64<<10)
	for {
		// ReadSlice would stop at a damaged line longer than its buffer;
		// ReadBytes reads any line whole.
		line, err := r.ReadBytes('\n')
		if len(line) > 0 {
			body := line[:len(line)-len(trailingNewline(line))]
			var e Entry
			ok := err == nil && json.Unmarshal(body, &e) == nil && e.Source != "" && e.Dest != ""
			if ferr := fn(e, body, ok); ferr != nil {
				return ferr
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading the run journal %s: %w", j.Path(), err)
		}
	}
}

func trailingNewline(line []byte) []byte {
	if n := len(line); n > 0 && line[n-1] == '\n' {
		return line[n-1:]
	}
	return nil
}
