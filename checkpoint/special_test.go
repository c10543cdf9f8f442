//go:build unix

package checkpoint

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// within runs f and fails the test if it has not returned after 5 s.
func within(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatalf("%s: still blocked after 5s", what)
	}
}

// A FIFO or a device where a checkpoint's state, a journal or a
// checkpoint that cleanup reads belongs is refused at once with its path
// and what it is: before, opening a FIFO waited for a writer forever and
// /dev/zero was read into memory without end. --fresh discards such a
// checkpoint.
func TestSpecialFilesRefused(t *testing.T) {
	t.Parallel()
	specials := map[string]func(t *testing.T, path string){
		"FIFO": func(t *testing.T, path string) {
			if err := syscall.Mkfifo(path, 0o600); err != nil {
				t.Fatal(err)
			}
		},
		"device": func(t *testing.T, path string) {
			if err := os.Symlink("/dev/zero", path); err != nil {
				t.Fatal(err)
			}
		},
	}
	for kind, create := range specials {
		want := map[string]string{"FIFO": "a FIFO", "device": "a device"}[kind]
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			for _, tc := range []struct {
				file string
				open func(dir string) error
			}{
				{"cp.json", func(dir string) error { _, _, err := Open(dir, "cp"); return err }},
				{"run.journal", func(dir string) error { _, err := OpenJournal(dir, "run", jHeader); return err }},
				{"copy-1.json", func(dir string) error { _, err := UploadIDs(dir); return err }},
			} {
				dir := t.TempDir()
				path := filepath.Join(dir, tc.file)
				create(t, path)
				within(t, tc.file, func() {
					if err := tc.open(dir); err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), want) {
						t.Errorf("%s as %s: %v, want an error naming it and saying %q", kind, tc.file, err, want)
					}
				})
			}
			// --fresh: Discard removes it, and the checkpoint opens empty.
			dir := t.TempDir()
			create(t, filepath.Join(dir, "cp.json"))
			within(t, "Discard", func() {
				if err := Discard(dir, "cp"); err != nil {
					t.Errorf("Discard: %v", err)
				}
			})
			c, st := mustOpen(t, dir, "cp")
			if st != nil {
				t.Errorf("after Discard: state %+v", st)
			}
			mustClose(t, c)
		})
	}
}
