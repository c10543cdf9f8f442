//go:build unix

// Tests of what a journal may be trusted with: its header names its run, the destination ETag it records, and a write that fails.

package checkpoint

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A journal whose header is not the run's (copied or renamed by hand from
// another run, written by an older or newer osscopy, or not a journal) is
// refused with its path and what to do, and left as it is; --fresh
// (DiscardJournal) still removes it.
func TestJournalOfAnotherRunRefused(t *testing.T) {
	t.Parallel()
	entry := jLine(t, jEntry("p/a", "q/a", `"A"`, 1))
	for _, tc := range []struct {
		name  string
		first string // the journal's first line
		want  string // in the error
	}{
		{"another source", `{"osscopy_journal":1,"source":"oss://a/other/","destination":"oss://b/q/","options":{"replace_metadata":"false"}}` + "\n",
			"is of another run (from oss://a/other/ to oss://b/q/)"},
		{"another destination bucket", `{"osscopy_journal":1,"source":"oss://a/p/","destination":"oss://c/q/","options":{"replace_metadata":"false"}}` + "\n",
			"is of another run (from oss://a/p/ to oss://c/q/)"},
		{"other options", `{"osscopy_journal":1,"source":"oss://a/p/","destination":"oss://b/q/","options":{"replace_metadata":"true"}}` + "\n",
			"with other metadata, tagging or storage-class options"},
		{"no options", `{"osscopy_journal":1,"source":"oss://a/p/","destination":"oss://b/q/"}` + "\n", "with other metadata"},
		{"no header: an entry first", entry, "its first line is no journal header"},
		{"garbage first", "garbage\n", "its first line is no journal header"},
		{"newer osscopy", `{"osscopy_journal":2,"source":"oss://a/p/","destination":"oss://b/q/","options":{"replace_metadata":"false"}}` + "\n",
			"written by a newer osscopy (version 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir, name := t.TempDir(), "run-other"
			path := filepath.Join(dir, name+".journal")
			content := tc.first + entry
			if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			j, err := OpenJournal(dir, name, jHeader)
			if err == nil {
				j.Close()
				t.Fatalf("OpenJournal accepted a journal whose first line is %q", tc.first)
			}
			for _, want := range []string{path, tc.want, "--fresh"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
			if got := readJournalFile(t, path); got != content {
				t.Errorf("the refused journal was changed to %q", got)
			}
			// The lock was released, and --fresh removes what is refused.
			if err := DiscardJournal(dir, name); err != nil {
				t.Fatal(err)
			}
			j = mustOpenJournal(t, dir, name)
			defer mustCloseJournal(t, j)
			if j.Len() != 0 || readJournalFile(t, path) != jHeaderLine(t) {
				t.Errorf("after --fresh: %d entries, file %q", j.Len(), readJournalFile(t, path))
			}
		})
	}
}

// An entry that names the destination's ETag is done only with that ETag:
// a destination overwritten since the copy is not. A rerun's record of the
// object copied again wins at the next open.
func TestJournalDestETag(t *testing.T) {
	t.Parallel()
	dir, name := t.TempDir(), "run-dst-etag"
	e := jEntry("p/a", "q/a", `"A"`, 1)
	e.DestETag = `"D1-2"`
	j := mustOpenJournal(t, dir, name)
	if err := j.Record(e); err != nil {
		t.Fatal(err)
	}
	check := func(when string, j *Journal, done, otherDone bool) {
		t.Helper()
		other := e
		other.DestETag = `"D2"`
		same := e
		same.DestETag = "d1-2" // unquoted, lower case: the same ETag
		keysOnly := e
		keysOnly.DestETag = ""
		if j.Done(same) != done || j.Done(other) != otherDone || !j.Done(keysOnly) {
			t.Errorf("%s: Done(D1-2) = %v, Done(D2) = %v, Done(no destination ETag) = %v; want %v, %v, true",
				when, j.Done(same), j.Done(other), j.Done(keysOnly), done, otherDone)
		}
	}
	check("after Record", j, true, false)
	e2 := e
	e2.DestETag = `"D2"`
	if err := j.Record(e2); err != nil {
		t.Fatal(err)
	}
	check("after recording D2", j, false, true)
	mustCloseJournal(t, j)
	j = mustOpenJournal(t, dir, name)
	defer mustCloseJournal(t, j)
	check("after reopening", j, false, true)
	if got, want := readJournalFile(t, j.Path()), jHeaderLine(t)+jLine(t, e2); got != want {
		t.Errorf("compacted journal %q, want %q", got, want)
	}
}

// A write that fails (here the kernel's ENOSPC from /dev/full) fails
// Record with the cause, and every Record after
// it, so that no line follows one that may be torn; the entries recorded
// before are kept.
func TestJournalWriteFails(t *testing.T) {
	t.Parallel()
	dir, name := t.TempDir(), "run-full"
	kept := jEntry("p/a", "q/a", `"A"`, 1)
	j := mustOpenJournal(t, dir, name)
	if err := j.Record(kept); err != nil {
		t.Fatal(err)
	}
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skipf("no /dev/full here: %v", err)
	}
	j.mu.Lock()
	file := j.f
	j.f = full
	j.mu.Unlock()
	for i, e := range []Entry{jEntry("p/b", "q/b", `"B"`, 2), jEntry("p/c", "q/c", `"C"`, 3)} {
		err := j.Record(e)
		// The file's path comes with the write's error (here /dev/full's).
		if !errors.Is(err, syscall.ENOSPC) || !errors.Is(err, ErrNotWritten) || !strings.Contains(err.Error(), "run journal") || !strings.Contains(err.Error(), e.Source) {
			t.Errorf("Record %d on a full disk = %v, want ENOSPC (ErrNotWritten) naming the run journal and %s", i, err, e.Source)
		}
		if j.Done(e) {
			t.Errorf("Done(%+v) after its Record failed", e)
		}
	}
	j.mu.Lock()
	j.f = file // Close closes the journal's own file
	j.mu.Unlock()
	full.Close()
	if err := j.Record(jEntry("p/d", "q/d", `"D"`, 4)); !errors.Is(err, ErrNotWritten) {
		t.Error("Record after a failed write succeeded: a line could follow a torn one")
	}
	mustCloseJournal(t, j)
	j = mustOpenJournal(t, dir, name)
	defer mustCloseJournal(t, j)
	if !j.Done(kept) || j.Len() != 1 {
		t.Errorf("after reopening: Done(kept) = %v, Len = %d; want true, 1", j.Done(kept), j.Len())
	}
}
