//go:build unix

package localfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// within runs f, failing the test if it has not returned after 5 s (a
// FIFO's open waiting for its other end).
func within(t *testing.T, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("still blocked after 5s")
	}
}

func TestReadFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	regular := filepath.Join(dir, "regular")
	if err := os.WriteFile(regular, []byte("0123456789"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path string
		limit      int64
		want       string // content, or in the error
		wantErr    error
	}{
		{"regular", regular, 10, "0123456789", nil},
		{"too large", regular, 9, "larger than 9 bytes", nil},
		{"FIFO", fifo, 10, "a FIFO", ErrNotRegular},
		{"device", "/dev/zero", 10, "a device", ErrNotRegular},
		{"directory", dir, 10, "a directory", ErrNotRegular},
		{"missing", filepath.Join(dir, "missing"), 10, "", fs.ErrNotExist},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			within(t, func() {
				data, err := ReadFile(tc.path, tc.limit)
				switch {
				case tc.wantErr != nil && !errors.Is(err, tc.wantErr):
					t.Errorf("ReadFile(%s) = %v, want %v", tc.path, err, tc.wantErr)
				case tc.wantErr == nil && err == nil && string(data) != tc.want:
					t.Errorf("ReadFile(%s) = %q, want %q", tc.path, data, tc.want)
				case err != nil && !strings.Contains(err.Error(), tc.want):
					t.Errorf("ReadFile(%s) = %v, want an error saying %q", tc.path, err, tc.want)
				}
			})
		})
	}
}

// Opening for writing refuses a FIFO without a reader and a device too,
// saying what they are (not ENXIO), and creates a regular file.
func TestOpenFileForWriting(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{fifo, "/dev/null", dir} {
		within(t, func() {
			f, err := OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
			if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), path) {
				t.Errorf("OpenFile(%s) = %v, want ErrNotRegular naming it", path, err)
			}
			if f != nil {
				f.Close()
			}
		})
	}
	f, err := OpenFile(filepath.Join(dir, "new"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("x")); err != nil {
		t.Error(err)
	}
	f.Close()
}
