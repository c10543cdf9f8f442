//go:build unix

package ossclient

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A config file that is a FIFO, a device or a directory is refused at
// once, and one over 1 MiB unread: before, a FIFO blocked forever and
// /dev/zero grew memory without bound.
func TestResolveConfigFileNotRegular(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	huge := filepath.Join(dir, "huge")
	body := "[default]\nregion = cn-hangzhou\n" + strings.Repeat("# padding\n", 1<<20/10)
	if err := os.WriteFile(huge, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	flags := Settings{AccessKeyID: "i", AccessKeySecret: "s"}
	for _, tc := range []struct{ name, path, want string }{
		{"FIFO", fifo, "a FIFO"},
		{"device", "/dev/zero", "a device"},
		{"directory", dir, "a directory"},
		{"over 1 MiB", huge, "larger than"},
		{"device by another name", "/dev/./null", "a device"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			done := make(chan error, 1)
			go func() {
				_, err := Resolve(flags, tc.path, "", envOf(nil))
				done <- err
			}()
			select {
			case err := <-done:
				if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.path) ||
					!strings.Contains(err.Error(), "--config-file") {
					t.Errorf("Resolve with config file %s = %v, want an error naming it, saying %q and --config-file", tc.path, err, tc.want)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("Resolve with config file %s: still reading after 5s", tc.path)
			}
		})
	}
}
