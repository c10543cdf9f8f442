package ossserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/osscopy/osscopy/internal/atomicfile"
)

// journal keeps state under a data directory: a snapshot (state.json) and
// the records since it (journal.jsonl), each appended and synced before the
// request that made it is answered, so a kill -9 loses no answered write.
// Loading applies the records to the snapshot, writes a new snapshot and
// starts an empty journal.
type journal struct {
	dir string
	f   *os.File
}

const (
	snapshotName = "state.json"
	journalName  = "journal.jsonl"
	blobDirName  = "blobs"
)

// openDataDir loads the state kept in dir, or starts an empty one.
func openDataDir(dir string) (*state, *journal, *fileStore, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, nil, err
	}
	blobs, err := newFileStore(filepath.Join(dir, blobDirName))
	if err != nil {
		return nil, nil, nil, err
	}
	st, err := loadState(dir)
	if err != nil {
		return nil, nil, nil, err
	}
	keep, err := resolveContent(st, blobs)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := blobs.sweep(keep); err != nil {
		return nil, nil, nil, fmt.Errorf("removing unused blobs: %w", err)
	}
	if err := writeSnapshot(dir, st); err != nil {
		return nil, nil, nil, err
	}
	f, err := os.OpenFile(filepath.Join(dir, journalName), os.O_CREATE|os.O_TRUNC|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := atomicfile.SyncDir(dir); err != nil { // the journal's name must survive a power loss too
		f.Close()
		return nil, nil, nil, err
	}
	return st, &journal{dir: dir, f: f}, blobs, nil
}

func loadState(dir string) (*state, error) {
	st := newState()
	data, err := os.ReadFile(filepath.Join(dir, snapshotName))
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, err
	default:
		if err := json.Unmarshal(data, st); err != nil {
			return nil, fmt.Errorf("%s is damaged (%v): restore it or start with an empty data directory", filepath.Join(dir, snapshotName), err)
		}
	}
	data, err = os.ReadFile(filepath.Join(dir, journalName))
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return nil, err
	}
	lines := bytes.Split(data, []byte("\n"))
	for i, line := range lines {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var r record
		if err := json.Unmarshal(line, &r); err != nil {
			if i == len(lines)-1 {
				break // torn by a crash before it was synced: never answered
			}
			return nil, fmt.Errorf("%s line %d is damaged: %v", filepath.Join(dir, journalName), i+1, err)
		}
		if r.Seq != 0 && r.Seq <= st.Seq {
			continue // in the snapshot already: a crash came before the journal was emptied
		}
		if err := st.apply(r); err != nil {
			return nil, fmt.Errorf("%s line %d: %w", filepath.Join(dir, journalName), i+1, err)
		}
	}
	return st, nil
}

// resolveContent points every extent at its blob and returns the file
// blobs in use.
func resolveContent(st *state, blobs blobStore) (map[string]bool, error) {
	cache := map[string]blob{}
	keep := map[string]bool{}
	err := st.eachContent(func(c content) error {
		for i := range c {
			b, err := resolveBlob(blobs, cache, c[i].BlobID)
			if err != nil {
				return fmt.Errorf("data directory refers to blob %s: %w", c[i].BlobID, err)
			}
			c[i].b = b
			if _, _, synthetic := parseSyntheticID(c[i].BlobID); !synthetic {
				keep[c[i].BlobID] = true
			}
		}
		return nil
	})
	return keep, err
}

func writeSnapshot(dir string, st *state) error {
	return atomicfile.Write(filepath.Join(dir, snapshotName), func(w io.Writer) error { return json.NewEncoder(w).Encode(st) })
}

func (j *journal) append(r record) error {
	line, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if _, err := j.f.Write(append(line, '\n')); err != nil {
		return err
	}
	return j.f.Sync()
}

func (j *journal) close() error { return j.f.Close() }
