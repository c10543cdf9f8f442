package ossserver

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/osscopy/osscopy/internal/atomicfile"
)

// blobStore keeps the bytes that request bodies bring.
type blobStore interface {
	// create reads r to EOF (at most limit bytes) into a new blob.
	create(r io.Reader, limit int64) (ingested, error)
	// open finds a blob by ID when state is loaded again.
	open(id string) (blob, error)
	// sweep deletes every stored blob not in keep.
	sweep(keep map[string]bool) error
}

func newBlobID() string {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return "b" + hex.EncodeToString(b[:])
}

// resolveBlob finds synthetic blobs by name and the rest in the store.
func resolveBlob(store blobStore, cache map[string]blob, id string) (blob, error) {
	if b, ok := cache[id]; ok {
		return b, nil
	}
	var b blob
	if seed, size, ok := parseSyntheticID(id); ok {
		b = newSyntheticBlob(seed, size)
	} else {
		var err error
		if b, err = store.open(id); err != nil {
			return nil, err
		}
	}
	cache[id] = b
	return b, nil
}

// memStore keeps blobs in memory; the garbage collector frees them when no
// extent points at them any more.
type memStore struct{}

func (memStore) create(r io.Reader, limit int64) (ingested, error) {
	var buf bytes.Buffer
	marks, sum, _, err := ingest(r, &buf, limit)
	if err != nil {
		return ingested{}, err
	}
	b := memBlob(newBlobID(), buf.Bytes(), marks)
	return ingested{blob: b, md5: sum, crc: rangeCRC(b, 0, b.size)}, nil
}

func (memStore) open(id string) (blob, error) {
	return nil, fmt.Errorf("blob %s is not in memory", id)
}

func (memStore) sweep(map[string]bool) error { return nil }

// fileStore keeps each blob in a file of its own under dir, written and
// synced before any state that points at it is recorded.
type fileStore struct {
	dir   string
	mu    sync.Mutex
	files map[string]*os.File
}

func newFileStore(dir string) (*fileStore, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	return &fileStore{dir: dir, files: map[string]*os.File{}}, nil
}

func (s *fileStore) create(r io.Reader, limit int64) (ingested, error) {
	id := newBlobID()
	path := filepath.Join(s.dir, id)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_RDWR, 0o600)
	if err != nil {
		return ingested{}, err
	}
	marks, sum, size, err := ingest(r, f, limit)
	if err == nil {
		err = f.Sync()
	}
	if err == nil {
		err = atomicfile.SyncDir(s.dir)
	}
	if err != nil {
		f.Close()
		os.Remove(path)
		return ingested{}, err
	}
	b := &bytesBlob{id: id, size: size, r: f, marks: marks}
	s.mu.Lock()
	s.files[id] = f
	s.mu.Unlock()
	return ingested{blob: b, md5: sum, crc: rangeCRC(b, 0, size)}, nil
}

func (s *fileStore) open(id string) (blob, error) {
	if strings.ContainsAny(id, `/\`) || id == "" || id[0] != 'b' {
		return nil, fmt.Errorf("invalid blob id %q", id)
	}
	f, err := os.Open(filepath.Join(s.dir, id))
	if err != nil {
		return nil, err
	}
	marks, _, size, err := ingest(io.NewSectionReader(f, 0, 1<<62), io.Discard, 1<<62)
	if err != nil {
		f.Close()
		return nil, err
	}
	s.mu.Lock()
	s.files[id] = f
	s.mu.Unlock()
	return &bytesBlob{id: id, size: size, r: f, marks: marks}, nil
}

func (s *fileStore) sweep(keep map[string]bool) error {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range entries {
		if keep[e.Name()] {
			continue
		}
		if f := s.files[e.Name()]; f != nil {
			f.Close()
			delete(s.files, e.Name())
		}
		if err := os.Remove(filepath.Join(s.dir, e.Name())); err != nil {
			return err
		}
	}
	return nil
}
