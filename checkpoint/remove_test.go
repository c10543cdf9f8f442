//go:build unix

// Tests of removing a checkpoint's files: Remove, and Discard of one too damaged to open.

package checkpoint

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestRemove(t *testing.T) {
	t.Parallel()
	dir, name := t.TempDir(), "copy-remove"
	c, _ := mustOpen(t, dir, name)
	if err := c.Save(testState()); err != nil {
		t.Fatal(err)
	}
	if err := c.RecordPart(Part{1, "a"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Remove(); err != nil {
		t.Fatal(err)
	}
	if names := dirNames(t, dir); !reflect.DeepEqual(names, []string{name + ".lock"}) {
		t.Errorf("after Remove dir holds %v, want only the lock", names)
	}
	if err := c.Remove(); err != nil {
		t.Errorf("second Remove: %v", err)
	}
	mustClose(t, c)
	if _, st := mustOpen(t, dir, name); st != nil {
		t.Errorf("after Remove: state %+v, want nil", st)
	}
}

// A checkpoint whose directory was deleted while it was open (by hand, by
// a cleaner) has nothing left to remove: Remove succeeds.
func TestRemoveDirectoryGone(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "ckpt")
	c, _ := mustOpen(t, dir, "copy-gone")
	if err := c.Save(testState()); err != nil {
		t.Fatal(err)
	}
	if err := c.RecordPart(Part{1, "a"}); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := c.Remove(); err != nil {
		t.Errorf("Remove after the directory was deleted: %v", err)
	}
	mustClose(t, c)
}

// Discard removes the files of a checkpoint too damaged to open, keeps the
// lock file, refuses while another Checkpoint holds the lock, and leaves
// nothing that a following Open would read.
func TestDiscard(t *testing.T) {
	t.Parallel()
	dir, name := t.TempDir(), "copy-discard"
	jsonPath, partsPath := filepath.Join(dir, name+".json"), filepath.Join(dir, name+".parts")

	// Another run holds the lock: Discard refuses and removes nothing.
	holder, _ := mustOpen(t, dir, name)
	if err := holder.Save(testState()); err != nil {
		t.Fatal(err)
	}
	if err := holder.RecordPart(Part{Number: 9, ETag: `"DDDD"`}); err != nil {
		t.Fatal(err)
	}
	if err := Discard(dir, name); !errors.Is(err, ErrLocked) {
		t.Errorf("Discard while locked = %v, want ErrLocked", err)
	}
	if !exists(jsonPath) || !exists(partsPath) {
		t.Error("Discard removed files while another Checkpoint held the lock")
	}
	mustClose(t, holder)

	// Damaged: Open fails, Discard clears it.
	if err := os.WriteFile(jsonPath, []byte("\x7fELF garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Open(dir, name); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("Open of the damaged checkpoint = %v, want a damaged error", err)
	}
	if err := Discard(dir, name); err != nil {
		t.Fatalf("Discard: %v", err)
	}
	if names := dirNames(t, dir); len(names) != 0 {
		t.Errorf("after Discard the dir holds %v, want nothing", names)
	}
	// Discard released the lock: a second Discard of nothing is fine, and
	// Open finds no state.
	if err := Discard(dir, name); err != nil {
		t.Errorf("second Discard: %v", err)
	}
	c, st := mustOpen(t, dir, name)
	if st != nil {
		t.Errorf("Open after Discard: state %+v, want nil", st)
	}
	mustClose(t, c)
}
