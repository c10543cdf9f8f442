//go:build unix

package checkpoint

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// jEntry is a journal entry for tests.
func jEntry(src, dst, etag string, size int64) Entry {
	return Entry{Source: src, Dest: dst, ETag: etag, Size: size, CRC64: "12345"}
}

// jLine is e as Record writes it, newline included.
func jLine(t testing.TB, e Entry) string {
	t.Helper()
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	return string(b) + "\n"
}

// jHeader is the run of the tests' journals.
var jHeader = JournalHeader{Source: "oss://a/p/", Destination: "oss://b/q/", Options: map[string]string{"replace_metadata": "false"}}

// jHeaderLine is jHeader as a journal's first line.
func jHeaderLine(t testing.TB) string {
	t.Helper()
	h := jHeader
	h.Version = JournalVersion
	b, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	return string(b) + "\n"
}

func mustOpenJournal(t testing.TB, dir, name string) *Journal {
	t.Helper()
	j, err := OpenJournal(dir, name, jHeader)
	if err != nil {
		t.Fatalf("OpenJournal(%s, %s): %v", dir, name, err)
	}
	return j
}

func mustCloseJournal(t testing.TB, j *Journal) {
	t.Helper()
	if err := j.Close(); err != nil {
		t.Fatalf("closing journal %s: %v", j.Path(), err)
	}
}

func readJournalFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Record, Close, reopen: Done holds exactly the recorded versions.
func TestJournalRecordThenReopen(t *testing.T) {
	t.Parallel()
	dir, name := t.TempDir(), RunName("oss://a/p/", "oss://b/q/")
	recorded := []Entry{
		jEntry("p/one", "q/one", `"E1"`, 10),
		jEntry("p/two", "q/two", `"E2"`, 0),
		jEntry("p/with,comma and \"quote\"\n", "q/x", `"E3"`, 1<<40),
		jEntry("p/ünïcödé/🙂", "q/ünïcödé/🙂", `"E4-2"`, 123),
	}
	j := mustOpenJournal(t, dir, name)
	if got := j.Len(); got != 0 {
		t.Fatalf("Len of a new journal = %d, want 0", got)
	}
	for i, e := range recorded {
		if j.Done(e) {
			t.Fatalf("Done(%+v) before Record", e)
		}
		if err := j.Record(e); err != nil {
			t.Fatal(err)
		}
		if !j.Done(e) {
			t.Fatalf("Done(%+v) = false right after Record", e)
		}
		if got := j.Len(); got != i+1 {
			t.Fatalf("Len after %d records = %d", i+1, got)
		}
	}
	mustCloseJournal(t, j)

	j = mustOpenJournal(t, dir, name)
	defer mustCloseJournal(t, j)
	if got := j.Len(); got != len(recorded) {
		t.Errorf("Len after reopening = %d, want %d", got, len(recorded))
	}
	base := recorded[0]
	for _, tc := range []struct {
		name string
		e    Entry
		want bool
	}{
		{"same", base, true},
		{"same but another CRC64 (not part of the identity)", Entry{Source: base.Source, Dest: base.Dest, ETag: base.ETag, Size: base.Size, CRC64: "999"}, true},
		{"same without CRC64", Entry{Source: base.Source, Dest: base.Dest, ETag: base.ETag, Size: base.Size}, true},
		{"other etag", Entry{Source: base.Source, Dest: base.Dest, ETag: `"E9"`, Size: base.Size}, false},
		{"etag case differs", Entry{Source: base.Source, Dest: base.Dest, ETag: `"e1"`, Size: base.Size}, false},
		{"other size", Entry{Source: base.Source, Dest: base.Dest, ETag: base.ETag, Size: base.Size + 1}, false},
		{"other source", Entry{Source: "p/ONE", Dest: base.Dest, ETag: base.ETag, Size: base.Size}, false},
		{"other destination", Entry{Source: base.Source, Dest: "q/one2", ETag: base.ETag, Size: base.Size}, false},
		{"source and destination swapped", Entry{Source: base.Dest, Dest: base.Source, ETag: base.ETag, Size: base.Size}, false},
		// The fields are length-prefixed: shifting bytes between them is another entry.
		{"bytes moved between source and destination", Entry{Source: "p/on", Dest: "eq/one", ETag: base.ETag, Size: base.Size}, false},
		{"second", recorded[1], true},
		{"zero size kept", Entry{Source: "p/two", Dest: "q/two", ETag: `"E2"`}, true},
		{"huge size", recorded[2], true},
		{"unicode", recorded[3], true},
		{"empty", Entry{}, false},
	} {
		if got := j.Done(tc.e); got != tc.want {
			t.Errorf("%s: Done(%+v) = %v, want %v", tc.name, tc.e, got, tc.want)
		}
	}
	// Another run (another name) in the same directory shares nothing.
	other := mustOpenJournal(t, dir, RunName("oss://a/p/", "oss://c/q/"))
	defer mustCloseJournal(t, other)
	if other.Len() != 0 || other.Done(base) {
		t.Errorf("a journal of another run holds %d entries, Done = %v", other.Len(), other.Done(base))
	}
}

// Opening compacts: each valid entry once, in first-seen order; torn,
// garbage and blank lines and entries without keys dropped.
func TestJournalCompactionAtOpen(t *testing.T) {
	t.Parallel()
	a := jEntry("p/a", "q/a", `"A"`, 1)
	b := jEntry("p/b", "q/b", `"B"`, 2)
	bNew := jEntry("p/b", "q/b", `"B2"`, 2) // same keys, newer source
	c := jEntry("p/c", "q/c", `"C"`, 3)
	la, lb, lbNew, lc := jLine(t, a), jLine(t, b), jLine(t, bNew), jLine(t, c)
	for _, tc := range []struct {
		name     string
		content  string
		want     string // the file after OpenJournal
		done     []Entry
		notDone  []Entry
		rewrites bool
		bare     bool // content is the whole file: no header before it
	}{
		{name: "clean", content: la + lb, want: la + lb, done: []Entry{a, b}, notDone: []Entry{c}},
		{name: "header alone", content: "", want: "", notDone: []Entry{a}},
		{name: "empty file gets the header", bare: true, content: "", want: "", notDone: []Entry{a}, rewrites: true},
		{name: "header torn while written", bare: true, content: jHeaderLine(t)[:10], want: "", notDone: []Entry{a}, rewrites: true},
		{name: "torn last line", content: la + lb + lc[:len(lc)/2], want: la + lb, done: []Entry{a, b}, notDone: []Entry{c}, rewrites: true},
		// A complete object without its newline is torn too: Record writes both at once.
		{name: "last line without newline", content: la + strings.TrimSuffix(lb, "\n"), want: la, done: []Entry{a}, notDone: []Entry{b}, rewrites: true},
		{name: "garbage lines", content: "\x00\x01\x02\n" + la + "not json\n{\"src\":\n" + lb, want: la + lb, done: []Entry{a, b}, rewrites: true},
		{name: "blank lines", content: "\n" + la + "\n\n" + lb + "\n", want: la + lb, done: []Entry{a, b}, rewrites: true},
		{name: "duplicates", content: la + lb + la + la + lb + lc + lc, want: la + lb + lc, done: []Entry{a, b, c}, rewrites: true},
		{name: "two versions of one object are two entries", content: lb + lbNew + lb, want: lb + lbNew, done: []Entry{b, bNew}, rewrites: true},
		{name: "entries without keys", content: `{"src":"p/a","etag":"x","size":1}` + "\n" + `{"dst":"q/a"}` + "\n" + `{"src":"","dst":""}` + "\n" + la + "null\n[]\n42\n",
			want: la, done: []Entry{a}, rewrites: true},
		{name: "wrong types", content: `{"src":1,"dst":"q"}` + "\n" + `{"src":"p","dst":"q","size":"7"}` + "\n" + `{"src":"p","dst":"q","size":1.5}` + "\n" + lc,
			want: lc, done: []Entry{c}, notDone: []Entry{{Source: "p", Dest: "q"}}, rewrites: true},
		{name: "everything at once", content: "garbage\n" + la + "\n" + la + lb + "{\"src\":\"p/c\",\"dst\":\"q/c\",\"et",
			want: la + lb, done: []Entry{a, b}, notDone: []Entry{c}, rewrites: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir, name := t.TempDir(), "run-compact"
			path := filepath.Join(dir, name+".journal")
			content, want := jHeaderLine(t)+tc.content, jHeaderLine(t)+tc.want
			if tc.bare {
				content = tc.content
			}
			if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			before, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			j := mustOpenJournal(t, dir, name)
			if j.Path() != path {
				t.Errorf("Path = %s, want %s", j.Path(), path)
			}
			if got := readJournalFile(t, path); got != want {
				t.Errorf("after OpenJournal the file holds\n%q\nwant\n%q", got, want)
			}
			after, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if rewritten := !os.SameFile(before, after); rewritten != tc.rewrites {
				t.Errorf("file rewritten = %v, want %v", rewritten, tc.rewrites)
			}
			if got, want := j.Len(), len(tc.done); got != want {
				t.Errorf("Len = %d, want %d", got, want)
			}
			for _, e := range tc.done {
				if !j.Done(e) {
					t.Errorf("Done(%+v) = false", e)
				}
			}
			for _, e := range tc.notDone {
				if j.Done(e) {
					t.Errorf("Done(%+v) = true", e)
				}
			}
			// A new record lands on a line of its own, after the kept ones.
			d := jEntry("p/d", "q/d", `"D"`, 4)
			if err := j.Record(d); err != nil {
				t.Fatal(err)
			}
			mustCloseJournal(t, j)
			if got, want := readJournalFile(t, path), want+jLine(t, d); got != want {
				t.Errorf("after Record the file holds\n%q\nwant\n%q", got, want)
			}
			j = mustOpenJournal(t, dir, name)
			defer mustCloseJournal(t, j)
			if !j.Done(d) || j.Len() != len(tc.done)+1 {
				t.Errorf("after reopening: Done(d) = %v, Len = %d, want true, %d", j.Done(d), j.Len(), len(tc.done)+1)
			}
			// No temporary file of the compaction is left behind.
			names := journalDirNames(t, dir)
			for _, n := range names {
				if n != name+".journal" && n != name+".lock" {
					t.Errorf("unexpected file %s in %v", n, names)
				}
			}
		})
	}
}

func journalDirNames(t testing.TB, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// A line longer than the reader's 64 KiB buffer is read whole.
func TestJournalLongLines(t *testing.T) {
	t.Parallel()
	dir, name := t.TempDir(), "run-long"
	long := jEntry("p/"+strings.Repeat("k", 200<<10), "q/"+strings.Repeat("k", 200<<10), `"L"`, 7)
	short := jEntry("p/s", "q/s", `"S"`, 1)
	path := filepath.Join(dir, name+".journal")
	content := jHeaderLine(t) + jLine(t, long) + jLine(t, short) + jLine(t, long)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	j := mustOpenJournal(t, dir, name)
	defer mustCloseJournal(t, j)
	if !j.Done(long) || !j.Done(short) || j.Len() != 2 {
		t.Errorf("Done(long) = %v, Done(short) = %v, Len = %d; want true, true, 2", j.Done(long), j.Done(short), j.Len())
	}
	if got, want := readJournalFile(t, path), jHeaderLine(t)+jLine(t, long)+jLine(t, short); got != want {
		t.Errorf("compacted file has %d bytes, want %d", len(got), len(want))
	}
}

// Recording one entry twice keeps Len at one; the next open drops the copy.
func TestJournalRecordDuplicate(t *testing.T) {
	t.Parallel()
	dir, name := t.TempDir(), "run-dup"
	e := jEntry("p/a", "q/a", `"A"`, 1)
	j := mustOpenJournal(t, dir, name)
	for range 3 {
		if err := j.Record(e); err != nil {
			t.Fatal(err)
		}
	}
	if j.Len() != 1 {
		t.Errorf("Len = %d, want 1", j.Len())
	}
	mustCloseJournal(t, j)
	if got := strings.Count(readJournalFile(t, j.Path()), "\n"); got != 4 {
		t.Errorf("file has %d lines before compaction, want the header and 3 (appends are not deduplicated)", got)
	}
	j = mustOpenJournal(t, dir, name)
	defer mustCloseJournal(t, j)
	if got, want := readJournalFile(t, j.Path()), jHeaderLine(t)+jLine(t, e); got != want {
		t.Errorf("after reopening the file holds %q, want %q", got, want)
	}
}

// Concurrent records all land, each on a line of its own.
func TestJournalConcurrentRecords(t *testing.T) {
	t.Parallel()
	dir, name := t.TempDir(), "run-concurrent"
	j := mustOpenJournal(t, dir, name)
	const workers, each = 8, 100
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				if err := j.Record(jEntry(fmt.Sprintf("p/%d/%d", w, i), fmt.Sprintf("q/%d/%d", w, i), `"E"`, int64(i))); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if j.Len() != workers*each {
		t.Errorf("Len = %d, want %d", j.Len(), workers*each)
	}
	mustCloseJournal(t, j)
	before, _ := os.Stat(j.Path())
	j = mustOpenJournal(t, dir, name)
	defer mustCloseJournal(t, j)
	after, _ := os.Stat(j.Path())
	if !os.SameFile(before, after) {
		t.Error("a journal of clean concurrent records was rewritten at open: some line was torn or repeated")
	}
	for w := range workers {
		for i := range each {
			if e := jEntry(fmt.Sprintf("p/%d/%d", w, i), fmt.Sprintf("q/%d/%d", w, i), `"E"`, int64(i)); !j.Done(e) {
				t.Fatalf("Done(%+v) = false after reopening", e)
			}
		}
	}
}

// One run of a migration at a time: the second open fails naming the journal.
func TestJournalLocked(t *testing.T) {
	t.Parallel()
	dir, name := t.TempDir(), RunName("src", "dst", "sel")
	first := mustOpenJournal(t, dir, name)
	e := jEntry("p/a", "q/a", `"A"`, 1)
	if err := first.Record(e); err != nil {
		t.Fatal(err)
	}
	second, err := OpenJournal(dir, name, jHeader)
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second OpenJournal = %v, %v; want an error wrapping ErrLocked", second, err)
	}
	if second != nil {
		t.Errorf("second OpenJournal returned a journal along with its error")
	}
	if !strings.Contains(err.Error(), first.Path()) {
		t.Errorf("error %q does not name the journal %s", err, first.Path())
	}
	if err := DiscardJournal(dir, name); !errors.Is(err, ErrLocked) {
		t.Errorf("DiscardJournal while locked = %v, want ErrLocked", err)
	}
	if _, err := os.Stat(first.Path()); err != nil {
		t.Errorf("DiscardJournal while locked removed the journal: %v", err)
	}
	// Another run's journal in the same directory is not locked.
	other := mustOpenJournal(t, dir, RunName("src", "dst", "other"))
	mustCloseJournal(t, other)

	mustCloseJournal(t, first)
	if err := first.Record(jEntry("p/b", "q/b", `"B"`, 1)); !errors.Is(err, errClosed) {
		t.Errorf("Record after Close = %v, want errClosed", err)
	}
	if err := first.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	third := mustOpenJournal(t, dir, name)
	defer mustCloseJournal(t, third)
	if !third.Done(e) || third.Len() != 1 {
		t.Errorf("after the lock was released: Done = %v, Len = %d", third.Done(e), third.Len())
	}
}

func TestDiscardJournal(t *testing.T) {
	t.Parallel()
	dir, name := t.TempDir(), "run-discard"
	e := jEntry("p/a", "q/a", `"A"`, 1)
	j := mustOpenJournal(t, dir, name)
	if err := j.Record(e); err != nil {
		t.Fatal(err)
	}
	path := j.Path()
	mustCloseJournal(t, j)

	if err := DiscardJournal(dir, name); err != nil {
		t.Fatalf("DiscardJournal: %v", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the journal %s is still there: %v", path, err)
	}
	// Discarding a journal that does not exist is fine, and it released the lock.
	if err := DiscardJournal(dir, name); err != nil {
		t.Errorf("second DiscardJournal: %v", err)
	}
	if err := DiscardJournal(filepath.Join(dir, "never", "created"), name); err != nil {
		t.Errorf("DiscardJournal in a new directory: %v", err)
	}
	j = mustOpenJournal(t, dir, name)
	defer mustCloseJournal(t, j)
	if j.Done(e) || j.Len() != 0 {
		t.Errorf("after DiscardJournal: Done = %v, Len = %d", j.Done(e), j.Len())
	}
}

// TestReadJournal: a dry run's journal holds what the runs before it
// finished, changes no file (a torn line and a duplicate stay: only a
// run that owns the journal compacts it), takes no lock, and creates
// nothing where no run was.
func TestReadJournal(t *testing.T) {
	t.Parallel()
	dir, name := t.TempDir(), "run-read"
	a, b := jEntry("p/a", "q/a", `"A"`, 1), jEntry("p/b", "q/b", `"B"`, 2)
	content := jHeaderLine(t) + jLine(t, a) + jLine(t, a) + `{"src":"p/torn"` + "\n" + jLine(t, b)
	path := filepath.Join(dir, name+".journal")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	j, err := ReadJournal(dir, name, jHeader)
	if err != nil {
		t.Fatal(err)
	}
	if !j.Done(a) || !j.Done(b) || j.Len() != 2 || j.Done(jEntry("p/c", "q/c", `"C"`, 3)) || j.Path() != path {
		t.Errorf("Done(a) %v, Done(b) %v, Len %d, Path %s", j.Done(a), j.Done(b), j.Len(), j.Path())
	}
	if err := j.Record(jEntry("p/c", "q/c", `"C"`, 3)); err == nil {
		t.Error("a read journal recorded an entry")
	}
	if err := j.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if got, err := os.ReadFile(path); err != nil || string(got) != content {
		t.Errorf("the journal changed: %q, %v", got, err)
	}
	// A dry run reads the journal of a run going on, whose lock it does not need.
	running := mustOpenJournal(t, dir, name)
	defer mustCloseJournal(t, running)
	if j, err := ReadJournal(dir, name, jHeader); err != nil || j.Len() != 2 {
		t.Errorf("ReadJournal while a run holds the journal: %v", err)
	}

	nowhere := filepath.Join(t.TempDir(), "never")
	j, err = ReadJournal(nowhere, name, jHeader)
	if err != nil || j.Len() != 0 {
		t.Fatalf("ReadJournal where no run was: %v, Len %d", err, j.Len())
	}
	if _, err := os.Stat(nowhere); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadJournal created %s: %v", nowhere, err)
	}
}

// The journal names the keys being migrated: it is private, as is a
// directory OpenJournal creates, and compaction keeps it so.
func TestJournalFileModes(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "new", "checkpoints")
	name := "run-modes"
	j := mustOpenJournal(t, dir, name)
	if err := j.Record(jEntry("p/a", "q/a", `"A"`, 1)); err != nil {
		t.Fatal(err)
	}
	checkMode := func(path string, want fs.FileMode) {
		t.Helper()
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got&^want != 0 {
			t.Errorf("%s has mode %v, want at most %v", path, got, want)
		}
	}
	checkMode(dir, 0o700)
	checkMode(j.Path(), 0o600)
	checkMode(filepath.Join(dir, name+".lock"), 0o600) // while held: it goes with the lock
	mustCloseJournal(t, j)

	// Compaction replaces the file: the new one is private too.
	if err := os.WriteFile(j.Path(), []byte(jHeaderLine(t)+"garbage\n"+jLine(t, jEntry("p/a", "q/a", `"A"`, 1))), 0o600); err != nil {
		t.Fatal(err)
	}
	j = mustOpenJournal(t, dir, name)
	mustCloseJournal(t, j)
	checkMode(j.Path(), 0o600)
}

func TestJournalInUnusableDirectory(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if j, err := OpenJournal(filepath.Join(file, "sub"), "run-x", jHeader); err == nil {
		j.Close()
		t.Fatal("OpenJournal under a regular file succeeded")
	} else if !strings.Contains(err.Error(), file) {
		t.Errorf("error %q does not name the directory", err)
	}
}

func TestRunName(t *testing.T) {
	t.Parallel()
	base := []string{"oss://a/p/", "oss://b/q/", "files-from=", `--include="*.log" size=0..-1 shard=0/0`}
	name := RunName(base...)
	if name != RunName(base...) {
		t.Fatal("RunName is not stable")
	}
	if !strings.HasPrefix(name, "run-") || len(name) != len("run-")+32 {
		t.Errorf("RunName = %q, want run- and 32 hex digits", name)
	}
	for _, c := range name[len("run-"):] {
		if !strings.ContainsRune("0123456789abcdef", c) {
			t.Errorf("RunName = %q has a non-hex character %q", name, c)
		}
	}
	seen := map[string]string{name: fmt.Sprint(base)}
	variants := [][]string{
		{},
		{""},
		{"", ""},
		base[:3],
		append(append([]string{}, base...), ""),
		{"oss://a/p/", "oss://b/q/", "files-from=", `--include="*.log" size=0..-1 shard=1/2`},
		{"oss://a/p/", "oss://b/q/", "files-from=m.csv", base[3]},
		{"oss://a/p/", "oss://b/r/", base[2], base[3]},
		{"oss://a/P/", "oss://b/q/", base[2], base[3]},
		{"oss://b/q/", "oss://a/p/", base[2], base[3]}, // swapped
		// Parts are length-prefixed: moving bytes across a boundary differs.
		{"oss://a/p/oss://b/q/", "", base[2], base[3]},
		{"oss://a/p", "/oss://b/q/", base[2], base[3]},
		{"ab", "c"},
		{"a", "bc"},
		{"abc"},
	}
	for _, v := range variants {
		n := RunName(v...)
		if prev, dup := seen[n]; dup {
			t.Errorf("RunName(%q) = RunName(%s) = %s", v, prev, n)
		}
		seen[n] = fmt.Sprintf("%q", v)
		if n != RunName(v...) {
			t.Errorf("RunName(%q) is not stable", v)
		}
	}
}

// FuzzJournal: whatever a journal file holds, OpenJournal does not panic,
// keeps every complete line that is an entry with both keys, leaves a file
// with each such entry once, and a second open changes nothing.
func FuzzJournal(f *testing.F) {
	f.Add([]byte(`{"src":"a","dst":"b","etag":"e","size":1}` + "\n"))
	f.Add([]byte(`{"src":"a","dst":"b","etag":"e","size":1}` + "\n" + `{"src":"a","dst":"b","etag":"e","size":1}` + "\n" + `{"src":"c","dst":"d","e`))
	f.Add([]byte("\n\n{}\nnull\n" + `{"SRC":"x","Dst":"y"}` + "\r\n"))
	f.Add([]byte(`{"src":"a","dst":"b","size":1e3}` + "\n" + `{"src":"a","dst":"b","size":1000}` + "\n"))
	f.Add([]byte(""))
	dir := f.TempDir()
	const name = "run-fuzz"
	path := filepath.Join(dir, name+".journal")
	f.Fuzz(func(t *testing.T, data []byte) {
		data = append([]byte(jHeaderLine(t)), data...)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		j, err := OpenJournal(dir, name, jHeader)
		if err != nil {
			t.Fatalf("OpenJournal: %v", err)
		}
		defer j.Close()

		// What a correct load holds: the complete lines after the header
		// that are entries, each once: the first line that names the
		// destination ETag its last line names.
		var lines [][]byte
		last := map[entryID]destSum{}
		rest := data[len(jHeaderLine(t)):]
		for {
			i := bytes.IndexByte(rest, '\n')
			if i < 0 {
				break // a last line without newline is torn
			}
			line := rest[:i]
			rest = rest[i+1:]
			var e Entry
			if json.Unmarshal(line, &e) != nil || e.Source == "" || e.Dest == "" {
				continue
			}
			lines = append(lines, line)
			last[e.id()] = e.destSum()
		}
		want := map[entryID]bool{}
		keptLines := []string{jHeaderLine(t)}
		for _, line := range lines {
			var e Entry
			_ = json.Unmarshal(line, &e)
			if last[e.id()] != e.destSum() {
				continue
			}
			if !j.Done(e) {
				t.Fatalf("line %q is an entry but Done(%+v) = false", line, e)
			}
			if !want[e.id()] {
				want[e.id()] = true
				keptLines = append(keptLines, string(line)+"\n")
			}
		}
		if j.Len() != len(want) {
			t.Fatalf("Len = %d, want %d", j.Len(), len(want))
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if wantFile := strings.Join(keptLines, ""); string(got) != wantFile {
			t.Fatalf("compacted file:\n%q\nwant\n%q", got, wantFile)
		}
		if err := j.Close(); err != nil {
			t.Fatal(err)
		}
		// Compaction is idempotent: a second open keeps the file as it is.
		before, _ := os.Stat(path)
		j2, err := OpenJournal(dir, name, jHeader)
		if err != nil {
			t.Fatalf("second OpenJournal: %v", err)
		}
		defer j2.Close()
		after, _ := os.Stat(path)
		if !os.SameFile(before, after) || j2.Len() != len(want) {
			t.Fatalf("second open rewrote the file (%v) or changed Len to %d (want %d)", !os.SameFile(before, after), j2.Len(), len(want))
		}
	})
}
