//go:build unix

// Tests of the files a checkpoint writes: their modes, and saving into a directory that refuses new files.

package checkpoint

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
)

// TestFileModes is not parallel: it sets the process umask.
func TestFileModes(t *testing.T) {
	for _, umask := range []int{0o000, 0o022, 0o077} {
		t.Run(fmt.Sprintf("umask %03o", umask), func(t *testing.T) {
			old := syscall.Umask(umask)
			defer syscall.Umask(old)
			root := t.TempDir()
			parent := filepath.Join(root, "state")
			dir := filepath.Join(parent, "osscopy")
			name := "copy-modes"
			c, _ := mustOpen(t, dir, name)
			if err := c.Save(testState()); err != nil {
				t.Fatal(err)
			}
			if err := c.RecordPart(Part{9, "i"}); err != nil {
				t.Fatal(err)
			}
			want := map[string]os.FileMode{
				parent:                            0o700,
				dir:                               0o700,
				filepath.Join(dir, name+".json"):  0o600,
				filepath.Join(dir, name+".parts"): 0o600,
				filepath.Join(dir, name+".lock"):  0o600,
			}
			for path, mode := range want {
				fi, err := os.Stat(path)
				if err != nil {
					t.Fatal(err)
				}
				if got := fi.Mode().Perm(); got != mode {
					t.Errorf("%s: mode %04o, want %04o", path, got, mode)
				}
			}
		})
	}
}

// makeUnwritable makes dir refuse new entries, even to root, and returns
// how to undo it; ok is false when this system offers no honest way.
func makeUnwritable(t *testing.T, dir string) (undo func(), how string, ok bool) {
	t.Helper()
	if os.Geteuid() != 0 {
		if err := os.Chmod(dir, 0o500); err != nil {
			t.Fatal(err)
		}
		return func() { os.Chmod(dir, 0o700) }, "chmod 0500", true
	}
	// Root ignores permission bits, but not the immutable attribute
	// (chattr +i, Linux): no entry of the directory can be created,
	// removed or renamed over.
	chattr, err := exec.LookPath("chattr")
	if err != nil {
		t.Logf("running as root and %v", err)
		return nil, "", false
	}
	set := func(flag string) error {
		if out, err := exec.Command(chattr, flag, dir).CombinedOutput(); err != nil {
			return fmt.Errorf("chattr %s %s: %v: %s", flag, dir, err, out)
		}
		return nil
	}
	if err := set("+i"); err != nil {
		t.Logf("running as root and %v", err)
		return nil, "", false
	}
	undo = func() {
		if err := set("-i"); err != nil {
			t.Error(err)
		}
	}
	// Prove it holds before relying on it.
	probe := filepath.Join(dir, "probe")
	if f, err := os.Create(probe); err == nil {
		f.Close()
		os.Remove(probe)
		undo()
		t.Logf("running as root and the immutable attribute does not stop root here")
		return nil, "", false
	}
	return undo, "chattr +i (immutable attribute)", true
}

func TestSaveIntoUnwritableDir(t *testing.T) {
	t.Parallel()
	dir, name := t.TempDir(), "copy-readonly"
	jsonPath := filepath.Join(dir, name+".json")
	c, _ := mustOpen(t, dir, name)
	first := testState()
	if err := c.Save(first); err != nil {
		t.Fatal(err)
	}
	if err := c.RecordPart(Part{50, "p50"}); err != nil {
		t.Fatal(err)
	}
	saved := readFile(t, jsonPath)
	before := dirNames(t, dir)

	undo, how, ok := makeUnwritable(t, dir)
	if !ok {
		t.Skip("running as root without a way to make a directory unwritable (no immutable attribute)")
	}
	t.Cleanup(undo) // runs before TempDir's removal
	t.Logf("directory made unwritable by %s", how)

	second := testState()
	second.UploadID = "another-upload"
	err := c.Save(second)
	if err == nil {
		t.Fatal("Save into an unwritable directory succeeded")
	}
	for _, m := range []string{jsonPath, "the previous checkpoint is intact"} {
		if !strings.Contains(err.Error(), m) {
			t.Errorf("error %q does not mention %q", err, m)
		}
	}
	if got := readFile(t, jsonPath); !bytes.Equal(got, saved) {
		t.Errorf("state file changed by the failed Save")
	}
	if after := dirNames(t, dir); !reflect.DeepEqual(after, before) {
		t.Errorf("dir holds %v after the failed Save, want %v", after, before)
	}
	undo()

	// The previous checkpoint, with the part recorded after it, is what a
	// later run finds.
	mustClose(t, c)
	_, st := mustOpen(t, dir, name)
	if st == nil || st.UploadID != first.UploadID {
		t.Fatalf("after the failed Save: state %+v, want the first one", st)
	}
	if want := append(append([]Part(nil), first.Parts...), Part{50, "p50"}); !reflect.DeepEqual(st.Parts, want) {
		t.Errorf("Parts = %v, want %v", st.Parts, want)
	}
}
