package checkpoint

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/osscopy/osscopy/internal/atomicfile"
	"github.com/osscopy/osscopy/internal/localfile"
)

// SchemaVersion is the version of the state files this build writes.
const SchemaVersion = 1

// Source identifies the exact source object a copy started from.
type Source struct {
	Bucket       string    `json:"bucket"`
	Key          string    `json:"key"`
	VersionID    string    `json:"version_id,omitempty"`
	ETag         string    `json:"etag"`
	Size         int64     `json:"size"`
	LastModified time.Time `json:"last_modified"`
}

// Destination is where the copy goes.
type Destination struct {
	Bucket string `json:"bucket"`
	Key    string `json:"key"`
}

// Part is a part known to be copied.
type Part struct {
	Number int32  `json:"n"`
	ETag   string `json:"etag"`
}

// State is what a checkpoint holds.
type State struct {
	Version     int         `json:"version"`
	Source      Source      `json:"source"`
	Destination Destination `json:"destination"`
	PartSize    int64       `json:"part_size"`
	PartCount   int         `json:"part_count"`
	// Options are the options that shape parts and metadata, as the caller
	// renders them; a resume with different options starts clean.
	Options  map[string]string `json:"options,omitempty"`
	UploadID string            `json:"upload_id"`
	Parts    []Part            `json:"parts"`
	Created  time.Time         `json:"created"`
	Updated  time.Time         `json:"updated"`
}

// Name returns the file name stem of the checkpoint of a copy.
func Name(src Source, dst Destination) string {
	h := sha256.New()
	for _, s := range []string{src.Bucket, src.Key, src.VersionID, dst.Bucket, dst.Key} {
		fmt.Fprintf(h, "%d:%s;", len(s), s)
	}
	return "copy-" + hex.EncodeToString(h.Sum(nil))[:32]
}

// DefaultDir is $XDG_STATE_HOME/osscopy (if absolute), else
// ~/.local/state/osscopy.
func DefaultDir() (string, error) {
	// The XDG spec says a relative path there is invalid and to be ignored.
	if d := os.Getenv("XDG_STATE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "osscopy"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("finding the checkpoint directory: %w (set --checkpoint-dir)", err)
	}
	return filepath.Join(home, ".local", "state", "osscopy"), nil
}

// ErrLocked means another run holds the checkpoint.
var ErrLocked = errors.New("another osscopy run is copying this object right now")

// ErrNotWritten means state could not be written to the checkpoint
// directory (full, read-only, deleted): the writes after it would fail
// too, so a bulk run stops rather than fail every object the same way.
var ErrNotWritten = errors.New("the checkpoint directory cannot be written")

// notWritten is a failed write of state: its own message, and
// ErrNotWritten.
type notWritten struct{ error }

func (e notWritten) Unwrap() error        { return e.error }
func (e notWritten) Is(target error) bool { return target == ErrNotWritten }

// lockedError is ErrLocked in other words (a run's journal).
type lockedError string

func (e lockedError) Error() string        { return string(e) }
func (e lockedError) Is(target error) bool { return target == ErrLocked }

// Checkpoint is an open, locked checkpoint.
type Checkpoint struct {
	dir, name string
	lock      *os.File

	mu      sync.Mutex
	parts   *os.File
	written int64 // bytes written to disk, to measure the cost per part
}

// Open locks the checkpoint named name in dir, creating dir (0700) if
// needed, and returns the saved state, or nil when there is none.
func Open(dir, name string) (*Checkpoint, *State, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("creating checkpoint directory %s: %w", dir, err)
	}
	c := &Checkpoint{dir: dir, name: name}
	lock, err := lockFile(c.path(".lock"))
	if err != nil {
		return nil, nil, err
	}
	c.lock = lock
	st, err := c.load()
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	return c, st, nil
}

func (c *Checkpoint) path(ext string) string { return filepath.Join(c.dir, c.name+ext) }

// Discard removes the checkpoint named name in dir without reading it (for
// one too damaged to open), holding its lock meanwhile.
func Discard(dir, name string) error {
	c := &Checkpoint{dir: dir, name: name}
	lock, err := lockFile(c.path(".lock"))
	if err != nil {
		return err
	}
	c.lock = lock
	defer c.Close()
	return c.Remove()
}

// Exists reports whether dir holds files of the checkpoint named name,
// without locking it.
func Exists(dir, name string) bool {
	c := &Checkpoint{dir: dir, name: name}
	for _, ext := range []string{".json", ".parts"} {
		if _, err := os.Lstat(c.path(ext)); !errors.Is(err, fs.ErrNotExist) {
			return true
		}
	}
	return false
}

// Path is the checkpoint's state file, for messages.
func (c *Checkpoint) Path() string { return c.path(".json") }

// maxStateFile bounds what is read of a checkpoint's file: 10,000 parts
// take about 1 MB; a FIFO or a device in its place is refused (localfile).
const maxStateFile = 64 << 20

func (c *Checkpoint) load() (*State, error) {
	data, err := localfile.ReadFile(c.Path(), maxStateFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading checkpoint %s: %w; run again with --fresh to discard it and start over", c.Path(), err)
	}
	var st State
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("checkpoint %s is damaged (%v): run again with --fresh to discard it and start over", c.Path(), err)
	}
	if st.Version > SchemaVersion {
		return nil, fmt.Errorf("checkpoint %s was written by a newer osscopy (schema %d; this one reads %d): use that version, or --fresh to start over", c.Path(), st.Version, SchemaVersion)
	}
	if st.Version < 1 || st.UploadID == "" || st.PartCount < 0 {
		return nil, fmt.Errorf("checkpoint %s is incomplete: run again with --fresh to discard it and start over", c.Path())
	}
	st.Parts = mergeParts(st.Parts, readPartLines(c.path(".parts")))
	return &st, nil
}

// readPartLines reads the appended parts, ignoring a torn or damaged line.
func readPartLines(path string) []Part {
	data, err := localfile.ReadFile(path, maxStateFile)
	if err != nil {
		return nil
	}
	var parts []Part
	// Not a bufio.Scanner: a damaged line longer than its buffer would end
	// the scan and drop every valid line after it.
	for _, line := range bytes.Split(data, []byte{'\n'}) {
		var p Part
		if json.Unmarshal(line, &p) == nil && p.Number > 0 && p.ETag != "" {
			parts = append(parts, p)
		}
	}
	return parts
}

// mergeParts keeps the latest ETag of each valid part, in part order.
func mergeParts(lists ...[]Part) []Part {
	byNumber := map[int32]string{}
	for _, list := range lists {
		for _, p := range list {
			if p.Number <= 0 || p.ETag == "" {
				continue // as in readPartLines: the server knows the part
			}
			byNumber[p.Number] = p.ETag
		}
	}
	out := make([]Part, 0, len(byNumber))
	for n, etag := range byNumber {
		out = append(out, Part{Number: n, ETag: etag})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out
}

// Save writes st atomically as the whole state, then starts an empty list
// of appended parts.
func (c *Checkpoint) Save(st *State) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.lock == nil {
		return errClosed
	}
	st.Version = SchemaVersion
	st.Updated = time.Now().UTC()
	if st.Created.IsZero() {
		st.Created = st.Updated
	}
	data, err := json.MarshalIndent(st, "", " ")
	if err != nil {
		return err
	}
	if err := atomicfile.Write(c.Path(), func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
		return notWritten{fmt.Errorf("saving checkpoint %s: %w (the previous checkpoint is intact)", c.Path(), err)}
	}
	c.written += int64(len(data))
	if c.parts != nil {
		c.parts.Close()
		c.parts = nil
	}
	if err := os.Remove(c.path(".parts")); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	// A .parts file that came back after a crash would override the parts
	// just saved with older ETags.
	return atomicfile.SyncDir(c.dir)
}

// errClosed: a checkpoint is written only while its lock is held.
var errClosed = errors.New("checkpoint is closed: its lock is no longer held")

// RecordPart appends a finished part with one write.
func (c *Checkpoint) RecordPart(p Part) error {
	line, err := json.Marshal(p)
	if err != nil {
		return err
	}
	line = append(line, '\n')
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.lock == nil {
		return errClosed
	}
	if c.parts == nil {
		f, err := localfile.OpenFile(c.path(".parts"), os.O_CREATE|os.O_RDWR|os.O_APPEND, 0o600)
		if err != nil {
			return notWritten{fmt.Errorf("recording part %d in checkpoint %s: %w", p.Number, c.Path(), err)}
		}
		c.parts = f
		// A line torn by a crash must not swallow the first line of this
		// run: end it first (an empty line is ignored like a torn one).
		if !endsWithNewline(f) {
			line = append([]byte{'\n'}, line...)
		}
	}
	n, err := c.parts.Write(line)
	c.written += int64(n)
	if err != nil {
		return notWritten{fmt.Errorf("recording part %d in checkpoint %s: %w", p.Number, c.Path(), err)}
	}
	return nil
}

// endsWithNewline reports whether f is empty or ends with a newline.
func endsWithNewline(f *os.File) bool {
	fi, err := f.Stat()
	if err != nil {
		return false
	}
	if fi.Size() == 0 {
		return true
	}
	last := make([]byte, 1)
	_, err = f.ReadAt(last, fi.Size()-1)
	return err == nil && last[0] == '\n'
}

// BytesWritten is how many bytes the checkpoint wrote so far.
func (c *Checkpoint) BytesWritten() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.written
}

// Remove deletes the checkpoint's files (after the copy is proven).
func (c *Checkpoint) Remove() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.parts != nil {
		c.parts.Close()
		c.parts = nil
	}
	for _, ext := range []string{".parts", ".json"} {
		if err := os.Remove(c.path(ext)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	// A directory deleted meanwhile took the files with it.
	if err := atomicfile.SyncDir(c.dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// Close releases the lock; the files stay for a later run.
func (c *Checkpoint) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.parts != nil {
		c.parts.Close()
		c.parts = nil
	}
	if c.lock == nil {
		return nil
	}
	err := unlockFile(c.lock)
	c.lock = nil
	return err
}
