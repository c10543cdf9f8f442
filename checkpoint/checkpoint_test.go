//go:build unix

package checkpoint

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// testState is a fully populated state; every call returns a fresh value.
func testState() *State {
	return &State{
		Source: Source{
			Bucket:       "src-bucket",
			Key:          "dir/sub/object.bin",
			VersionID:    "CAEQNhiBgM0BYiIDc4MGZjZGI2OTBjOTRmNTE5NmU5NmFhZjhjYmY0",
			ETag:         `"5B3C1A2E053D763E1B002CC607C5A0FE"`,
			Size:         48 << 30,
			LastModified: time.Date(2024, 5, 17, 9, 30, 15, 123456789, time.UTC),
		},
		Destination: Destination{Bucket: "dst-bucket", Key: "copies/object.bin"},
		PartSize:    64 << 20,
		PartCount:   768,
		Options: map[string]string{
			"metadata-directive": "COPY",
			"storage-class":      "IA",
			"acl":                "private",
		},
		UploadID: "0004B9894A22E5B1888A1E29F823****",
		Parts: []Part{
			{Number: 1, ETag: `"AAAA"`},
			{Number: 2, ETag: `"BBBB"`},
			{Number: 7, ETag: `"CCCC"`},
		},
	}
}

// equalState compares two states: times by instant, Parts treating nil and
// empty alike (Open always returns a non-nil slice), everything else exactly.
func equalState(t *testing.T, got, want *State) {
	t.Helper()
	if got == nil || want == nil {
		if got != want {
			t.Fatalf("state: got %+v, want %+v", got, want)
		}
		return
	}
	g, w := *got, *want
	for _, tm := range []struct {
		name string
		g, w time.Time
	}{
		{"Source.LastModified", g.Source.LastModified, w.Source.LastModified},
		{"Created", g.Created, w.Created},
		{"Updated", g.Updated, w.Updated},
	} {
		if !tm.g.Equal(tm.w) {
			t.Errorf("%s: got %v, want %v", tm.name, tm.g, tm.w)
		}
	}
	g.Source.LastModified, w.Source.LastModified = time.Time{}, time.Time{}
	g.Created, w.Created, g.Updated, w.Updated = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if len(g.Parts) == 0 && len(w.Parts) == 0 {
		g.Parts, w.Parts = nil, nil
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("state differs:\n got %+v\nwant %+v", g, w)
	}
}

func mustOpen(t *testing.T, dir, name string) (*Checkpoint, *State) {
	t.Helper()
	c, st, err := Open(dir, name)
	if err != nil {
		t.Fatalf("Open(%s, %s): %v", dir, name, err)
	}
	t.Cleanup(func() { c.Close() })
	return c, st
}

func mustClose(t *testing.T, c *Checkpoint) {
	t.Helper()
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func appendFile(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

func TestSaveOpenRoundTrip(t *testing.T) {
	t.Parallel()
	created := time.Date(2023, 1, 2, 3, 4, 5, 6, time.UTC)
	cases := []struct {
		name   string
		state  func() *State
		keepCr bool // Created was set by the caller and must be kept
	}{
		{"full", testState, false},
		{"created kept", func() *State { s := testState(); s.Created = created; return s }, true},
		{"no options no parts no version", func() *State {
			s := testState()
			s.Options, s.Parts, s.Source.VersionID = nil, nil, ""
			return s
		}, false},
		{"zero part count", func() *State { s := testState(); s.PartCount, s.PartSize, s.Parts = 0, 0, nil; return s }, false},
		{"odd keys and a non-UTC time", func() *State {
			s := testState()
			s.Source.Key = "../../etc/passwd\n\"quoted\"/ключ/🙂"
			s.Destination.Key = "a//b/./c/"
			s.Source.LastModified = time.Date(2024, 2, 29, 23, 59, 59, 1, time.FixedZone("CST", 8*3600))
			s.Options = map[string]string{"": "empty key", "k=v": "a\tb"}
			return s
		}, false},
		{"unsorted parts come back sorted", func() *State {
			s := testState()
			s.Parts = []Part{{9, "i"}, {3, "c"}, {5, "e"}}
			return s
		}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			st := tc.state()
			name := Name(st.Source, st.Destination)
			c, got := mustOpen(t, dir, name)
			if got != nil {
				t.Fatalf("fresh dir: got state %+v, want nil", got)
			}
			before := time.Now().UTC()
			if err := c.Save(st); err != nil {
				t.Fatalf("Save: %v", err)
			}
			after := time.Now().UTC()
			if st.Version != SchemaVersion {
				t.Errorf("Version = %d, want %d", st.Version, SchemaVersion)
			}
			if st.Updated.Before(before) || st.Updated.After(after) {
				t.Errorf("Updated = %v, want within [%v, %v]", st.Updated, before, after)
			}
			if tc.keepCr {
				if !st.Created.Equal(created) {
					t.Errorf("Created = %v, want the caller's %v", st.Created, created)
				}
			} else if !st.Created.Equal(st.Updated) {
				t.Errorf("Created = %v, want Updated %v on first save", st.Created, st.Updated)
			}
			mustClose(t, c)

			c2, got := mustOpen(t, dir, name)
			want := tc.state()
			want.Version, want.Created, want.Updated = SchemaVersion, st.Created, st.Updated
			sort.Slice(want.Parts, func(i, j int) bool { return want.Parts[i].Number < want.Parts[j].Number })
			equalState(t, got, want)
			if got.Parts == nil {
				t.Errorf("Parts = nil, want a non-nil slice")
			}

			// A second save keeps Created and moves Updated.
			time.Sleep(2 * time.Millisecond)
			if err := c2.Save(got); err != nil {
				t.Fatal(err)
			}
			if !got.Created.Equal(want.Created) {
				t.Errorf("second Save: Created = %v, want %v", got.Created, want.Created)
			}
			if !got.Updated.After(want.Updated) {
				t.Errorf("second Save: Updated = %v, want after %v", got.Updated, want.Updated)
			}
			if names := dirNames(t, dir); !reflect.DeepEqual(names, []string{name + ".json", name + ".lock"}) {
				t.Errorf("dir holds %v, want only the state and the lock", names)
			}
		})
	}
}

func TestRecordPartFolding(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		saved []Part
		lines []Part
		want  []Part
	}{
		{
			name:  "lines merge with saved parts, later etag wins",
			saved: []Part{{1, "a"}, {3, "c"}},
			lines: []Part{{2, "b"}, {1, "a2"}},
			want:  []Part{{1, "a2"}, {2, "b"}, {3, "c"}},
		},
		{
			name:  "no saved parts, repeated and unsorted lines",
			lines: []Part{{5, "x"}, {2, "y"}, {5, "z"}, {10000, "last"}},
			want:  []Part{{2, "y"}, {5, "z"}, {10000, "last"}},
		},
		{
			name:  "same part recorded many times",
			saved: []Part{{4, "s"}},
			lines: []Part{{4, "1"}, {4, "2"}, {4, "3"}},
			want:  []Part{{4, "3"}},
		},
		{
			name:  "no lines",
			saved: []Part{{2, "b"}, {1, "a"}},
			want:  []Part{{1, "a"}, {2, "b"}},
		},
		{
			name:  "etags needing escapes",
			lines: []Part{{1, `"ABC"`}, {2, "line\nbreak"}, {3, "\u2028\x00"}},
			want:  []Part{{1, `"ABC"`}, {2, "line\nbreak"}, {3, "\u2028\x00"}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir, name := t.TempDir(), "copy-fold"
			c, _ := mustOpen(t, dir, name)
			st := testState()
			st.Parts = tc.saved
			if err := c.Save(st); err != nil {
				t.Fatal(err)
			}
			for _, p := range tc.lines {
				if err := c.RecordPart(p); err != nil {
					t.Fatalf("RecordPart(%v): %v", p, err)
				}
			}
			if got := exists(filepath.Join(dir, name+".parts")); got != (len(tc.lines) > 0) {
				t.Errorf(".parts exists = %v, want %v", got, len(tc.lines) > 0)
			}
			mustClose(t, c)

			c, got := mustOpen(t, dir, name)
			if !reflect.DeepEqual(got.Parts, tc.want) {
				t.Fatalf("Parts = %v, want %v", got.Parts, tc.want)
			}
			if err := c.Save(got); err != nil {
				t.Fatal(err)
			}
			if exists(filepath.Join(dir, name+".parts")) {
				t.Errorf(".parts still exists after Save")
			}
			mustClose(t, c)
			_, again := mustOpen(t, dir, name)
			if !reflect.DeepEqual(again.Parts, tc.want) {
				t.Errorf("after Save and reopen: Parts = %v, want %v", again.Parts, tc.want)
			}
		})
	}
}

func TestRecordPartWithoutStateIsIgnored(t *testing.T) {
	t.Parallel()
	dir, name := t.TempDir(), "copy-nostate"
	c, _ := mustOpen(t, dir, name)
	if err := c.RecordPart(Part{1, "a"}); err != nil {
		t.Fatal(err)
	}
	mustClose(t, c)
	_, st := mustOpen(t, dir, name)
	if st != nil {
		t.Fatalf("parts without a state: got %+v, want nil state", st)
	}
}

func TestRecordPartConcurrent(t *testing.T) {
	t.Parallel()
	dir, name := t.TempDir(), "copy-concurrent"
	c, _ := mustOpen(t, dir, name)
	if err := c.Save(testState()); err != nil {
		t.Fatal(err)
	}
	const workers, each = 8, 125
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				n := int32(w*each + i + 1)
				if err := c.RecordPart(Part{n, fmt.Sprintf("etag-%d", n)}); err != nil {
					t.Error(err)
					return
				}
				_ = c.BytesWritten()
			}
		}()
	}
	wg.Wait()
	mustClose(t, c)
	_, st := mustOpen(t, dir, name)
	if len(st.Parts) != workers*each {
		t.Fatalf("got %d parts, want %d", len(st.Parts), workers*each)
	}
	for i, p := range st.Parts {
		if want := (Part{int32(i + 1), fmt.Sprintf("etag-%d", i+1)}); p != want {
			t.Fatalf("Parts[%d] = %v, want %v", i, p, want)
		}
	}
}

func TestRecordPartCostIsConstant(t *testing.T) {
	t.Parallel()
	dir, name := t.TempDir(), "copy-cost"
	jsonPath, partsPath := filepath.Join(dir, name+".json"), filepath.Join(dir, name+".parts")
	c, _ := mustOpen(t, dir, name)
	st := testState()
	st.PartCount, st.Parts = 10000, nil
	if err := c.Save(st); err != nil {
		t.Fatal(err)
	}
	jsonBefore := readFile(t, jsonPath)
	fiBefore, err := os.Stat(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	b0 := c.BytesWritten()
	if b0 != int64(len(jsonBefore)) {
		t.Errorf("BytesWritten after Save = %d, want the state's size %d", b0, len(jsonBefore))
	}

	const parts = 10000
	want := make([]Part, parts)
	for i := range parts {
		// A realistic OSS part ETag: quoted upper-case MD5 hex.
		want[i] = Part{int32(i + 1), fmt.Sprintf(`"%032X"`, uint64(i)*0x9E3779B97F4A7C15)}
		if err := c.RecordPart(want[i]); err != nil {
			t.Fatal(err)
		}
	}
	grown := c.BytesWritten() - b0
	perPart := float64(grown) / parts
	t.Logf("recording %d parts wrote %d bytes: %.2f bytes per part", parts, grown, perPart)
	if perPart >= 64 {
		t.Errorf("%.2f bytes per part, want < 64", perPart)
	}
	fiParts, err := os.Stat(partsPath)
	if err != nil {
		t.Fatal(err)
	}
	if fiParts.Size() != grown {
		t.Errorf(".parts is %d bytes, BytesWritten grew by %d", fiParts.Size(), grown)
	}

	fiAfter, err := os.Stat(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	sb, sa := fiBefore.Sys().(*syscall.Stat_t), fiAfter.Sys().(*syscall.Stat_t)
	if sb.Ino != sa.Ino || fiBefore.Size() != fiAfter.Size() || !fiBefore.ModTime().Equal(fiAfter.ModTime()) {
		t.Errorf("state file rewritten while recording parts: inode %d->%d size %d->%d mtime %v->%v",
			sb.Ino, sa.Ino, fiBefore.Size(), fiAfter.Size(), fiBefore.ModTime(), fiAfter.ModTime())
	}
	if !bytes.Equal(readFile(t, jsonPath), jsonBefore) {
		t.Errorf("state file content changed while recording parts")
	}

	mustClose(t, c)
	_, got := mustOpen(t, dir, name)
	if !reflect.DeepEqual(got.Parts, want) {
		t.Errorf("reopened: %d parts, want %d equal parts", len(got.Parts), len(want))
	}
}

func TestDamagedPartLines(t *testing.T) {
	t.Parallel()
	valid := func(n int, etag string) string { return fmt.Sprintf(`{"n":%d,"etag":%q}`+"\n", n, etag) }
	cases := []struct {
		name  string
		parts string
		want  []Part
	}{
		{"torn last line", valid(1, "a") + valid(2, "b") + `{"n":3,"et`, []Part{{1, "a"}, {2, "b"}}},
		{"torn last line, number only", valid(1, "a") + `{"n":3`, []Part{{1, "a"}}},
		{"garbage middle line", valid(1, "a") + "\x00\x00garbage\xff\n" + valid(2, "b"), []Part{{1, "a"}, {2, "b"}}},
		{"long garbage middle line", valid(1, "a") + strings.Repeat("#", 100<<10) + "\n" + valid(2, "b"), []Part{{1, "a"}, {2, "b"}}},
		{"zero-filled tail after a crash", valid(1, "a") + string(make([]byte, 4096)), []Part{{1, "a"}}},
		{"blank and CRLF lines", "\n\n" + strings.TrimSuffix(valid(1, "a"), "\n") + "\r\n\n" + valid(2, "b"), []Part{{1, "a"}, {2, "b"}}},
		{"invalid numbers and empty etags dropped", valid(0, "z") + valid(-1, "m") + valid(3, "") +
			`{"n":4294967297,"etag":"big"}` + "\n" + `{"n":"5","etag":"s"}` + "\n" + `["n",6]` + "\n" + valid(7, "ok"),
			[]Part{{7, "ok"}}},
		{"torn line then whole line glued", valid(1, "a") + `{"n":2,"etag":"b` + valid(3, "c"), []Part{{1, "a"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir, name := t.TempDir(), "copy-damaged-parts"
			c, _ := mustOpen(t, dir, name)
			st := testState()
			st.Parts = nil
			if err := c.Save(st); err != nil {
				t.Fatal(err)
			}
			mustClose(t, c)
			appendFile(t, filepath.Join(dir, name+".parts"), tc.parts)
			_, got := mustOpen(t, dir, name)
			if !reflect.DeepEqual(got.Parts, tc.want) {
				t.Errorf("Parts = %v, want %v", got.Parts, tc.want)
			}
		})
	}
}

// Parts in NAME.json that could never be completed are dropped like damaged
// lines in NAME.parts (the server is the truth about parts), rather than
// handed to the caller.
func TestInvalidSavedPartsDropped(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		parts string
		want  []Part
	}{
		{"zero number", `[{"n":0,"etag":"z"},{"n":1,"etag":"a"}]`, []Part{{1, "a"}}},
		{"negative number", `[{"n":-3,"etag":"m"},{"n":2,"etag":"b"}]`, []Part{{2, "b"}}},
		{"empty etag", `[{"n":1,"etag":""},{"n":2,"etag":"b"}]`, []Part{{2, "b"}}},
		{"missing etag", `[{"n":1}]`, []Part{}},
		{"duplicates, last wins", `[{"n":3,"etag":"x"},{"n":3,"etag":"y"}]`, []Part{{3, "y"}}},
		{"null", `null`, []Part{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir, name := t.TempDir(), "copy-saved-parts"
			content := `{"version":1,"upload_id":"u","part_count":3,"parts":` + tc.parts + `}`
			if err := os.WriteFile(filepath.Join(dir, name+".json"), []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, st := mustOpen(t, dir, name)
			if st == nil || !reflect.DeepEqual(st.Parts, tc.want) {
				t.Fatalf("state %+v, want Parts %v", st, tc.want)
			}
		})
	}
}

// A run resumed after a crash that tore the last line must not lose the
// parts it records next: the next line must not be glued to the torn one.
func TestRecordAfterTornLine(t *testing.T) {
	t.Parallel()
	dir, name := t.TempDir(), "copy-torn-resume"
	c, _ := mustOpen(t, dir, name)
	st := testState()
	st.Parts = nil
	if err := c.Save(st); err != nil {
		t.Fatal(err)
	}
	for _, p := range []Part{{1, "a"}, {2, "b"}} {
		if err := c.RecordPart(p); err != nil {
			t.Fatal(err)
		}
	}
	mustClose(t, c)
	appendFile(t, filepath.Join(dir, name+".parts"), `{"n":3,"etag":"c`) // the crash

	c, got := mustOpen(t, dir, name)
	if want := []Part{{1, "a"}, {2, "b"}}; !reflect.DeepEqual(got.Parts, want) {
		t.Fatalf("after the crash: Parts = %v, want %v", got.Parts, want)
	}
	for _, p := range []Part{{3, "c2"}, {4, "d"}} {
		if err := c.RecordPart(p); err != nil {
			t.Fatal(err)
		}
	}
	mustClose(t, c)
	_, got = mustOpen(t, dir, name)
	if want := []Part{{1, "a"}, {2, "b"}, {3, "c2"}, {4, "d"}}; !reflect.DeepEqual(got.Parts, want) {
		t.Errorf("after resuming: Parts = %v, want %v", got.Parts, want)
	}
}

func TestDamagedState(t *testing.T) {
	t.Parallel()
	full, err := os.ReadFile(func() string {
		// Produce a real state file to truncate.
		dir := t.TempDir()
		c, _, err := Open(dir, "x")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.Save(testState()); err != nil {
			t.Fatal(err)
		}
		return c.Path()
	}())
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		content string
		mention []string
	}{
		{"truncated", string(full[:len(full)/2]), []string{"damaged", "--fresh"}},
		{"garbage", "\x7fELF\x00\x01garbage", []string{"damaged", "--fresh"}},
		{"empty", "", []string{"damaged", "--fresh"}},
		{"wrong types", `{"version":"1","upload_id":7}`, []string{"damaged", "--fresh"}},
		{"trailing garbage", string(full) + "}", []string{"damaged", "--fresh"}},
		{"newer schema", `{"version":99,"upload_id":"u","parts":[]}`, []string{"newer", "--fresh", "99"}},
		{"version 0", `{"version":0,"upload_id":"u"}`, []string{"incomplete", "--fresh"}},
		{"no version", `{"upload_id":"u"}`, []string{"incomplete", "--fresh"}},
		{"negative version", `{"version":-1,"upload_id":"u"}`, []string{"incomplete", "--fresh"}},
		{"missing upload_id", `{"version":1,"part_count":3}`, []string{"incomplete", "--fresh"}},
		{"empty upload_id", `{"version":1,"upload_id":""}`, []string{"incomplete", "--fresh"}},
		{"negative part count", `{"version":1,"upload_id":"u","part_count":-1}`, []string{"incomplete", "--fresh"}},
		{"null", `null`, []string{"incomplete", "--fresh"}},
		{"array", `[]`, []string{"damaged", "--fresh"}},
	}
	const partsContent = `{"n":1,"etag":"a"}` + "\n" + `{"n":2,"et`
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir, name := t.TempDir(), "copy-damaged"
			jsonPath, partsPath := filepath.Join(dir, name+".json"), filepath.Join(dir, name+".parts")
			if err := os.WriteFile(jsonPath, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(partsPath, []byte(partsContent), 0o600); err != nil {
				t.Fatal(err)
			}
			var first string
			for attempt := 1; attempt <= 2; attempt++ {
				c, st, err := Open(dir, name)
				if err == nil {
					c.Close()
					t.Fatalf("attempt %d: Open succeeded with state %+v, want an error", attempt, st)
				}
				if c != nil || st != nil {
					t.Errorf("attempt %d: got checkpoint %v and state %v with the error", attempt, c, st)
				}
				if errors.Is(err, ErrLocked) {
					t.Fatalf("attempt %d: %v: the failed Open kept the lock", attempt, err)
				}
				msg := err.Error()
				for _, m := range append([]string{jsonPath}, tc.mention...) {
					if !strings.Contains(msg, m) {
						t.Errorf("attempt %d: error %q does not mention %q", attempt, msg, m)
					}
				}
				if attempt == 1 {
					first = msg
				} else if msg != first {
					t.Errorf("second Open failed differently: %q, first %q", msg, first)
				}
				if got := readFile(t, jsonPath); string(got) != tc.content {
					t.Errorf("attempt %d: state file changed: %q", attempt, got)
				}
				if got := readFile(t, partsPath); string(got) != partsContent {
					t.Errorf("attempt %d: parts file changed: %q", attempt, got)
				}
				if names, want := dirNames(t, dir), []string{name + ".json", name + ".parts"}; !reflect.DeepEqual(names, want) {
					t.Errorf("attempt %d: dir holds %v, want %v (the lock file goes with the lock)", attempt, names, want)
				}
			}
		})
	}
}

func TestLocking(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		sameDir    bool
		secondName string
		locked     bool
	}{
		{"same name same dir", true, "copy-a", true},
		{"other name same dir", true, "copy-b", false},
		{"same name other dir", false, "copy-a", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			dir2 := dir
			if !tc.sameDir {
				dir2 = t.TempDir()
			}
			first, _ := mustOpen(t, dir, "copy-a")
			if err := first.Save(testState()); err != nil {
				t.Fatal(err)
			}
			c, st, err := Open(dir2, tc.secondName)
			if !tc.locked {
				if err != nil {
					t.Fatalf("Open: %v, want success", err)
				}
				if st != nil {
					t.Errorf("state = %+v, want nil for an unrelated checkpoint", st)
				}
				mustClose(t, c)
				return
			}
			if !errors.Is(err, ErrLocked) {
				t.Fatalf("second Open: err = %v, want ErrLocked", err)
			}
			if c != nil || st != nil {
				t.Errorf("second Open returned %v, %v with the error", c, st)
			}
			lockPath := filepath.Join(dir, "copy-a.lock")
			for _, m := range []string{lockPath, "wait for it to finish, or stop it first"} {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not mention %q", err, m)
				}
			}
			mustClose(t, first)
			if err := first.Close(); err != nil {
				t.Errorf("second Close: %v", err)
			}
			_, st = mustOpen(t, dir2, tc.secondName)
			if st == nil || st.UploadID != testState().UploadID {
				t.Errorf("after Close: state = %+v, want the saved one", st)
			}
		})
	}
}

// A process forked while the lock is held (os/exec, a credentials helper)
// shares the lock's open file description until it execs. Close must
// release the lock anyway; a dup of the descriptor stands in for the child.
func TestCloseReleasesLockDespiteDuplicate(t *testing.T) {
	t.Parallel()
	dir, name := t.TempDir(), "copy-dup"
	c, _ := mustOpen(t, dir, name)
	dup, err := syscall.Dup(int(c.lock.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(dup)
	mustClose(t, c)
	c2, _, err := Open(dir, name)
	if err != nil {
		t.Fatalf("Open after Close with a duplicate of the lock descriptor alive: %v", err)
	}
	mustClose(t, c2)
}

const lockChildEnv = "OSSCOPY_CHECKPOINT_TEST_LOCK_CHILD"

// TestLockDiesWithProcess holds the lock in a child process, then kills the
// child with SIGKILL: the lock must die with it.
func TestLockDiesWithProcess(t *testing.T) {
	if dir := os.Getenv(lockChildEnv); dir != "" {
		lockChild(dir)
		return
	}
	t.Parallel()
	dir, name := t.TempDir(), "copy-child"
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockDiesWithProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), lockChildEnv+"="+dir)
	stdin, err := cmd.StdinPipe() // the child exits when this closes
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	defer func() {
		if !killed {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}()
	line := make(chan string, 1)
	go func() {
		l, _ := bufio.NewReader(stdout).ReadString('\n')
		line <- l
		io.Copy(io.Discard, stdout)
	}()
	select {
	case l := <-line:
		if l != "locked\n" {
			t.Fatalf("child said %q, want \"locked\"", l)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("child did not take the lock in time")
	}

	if c, _, err := Open(dir, name); !errors.Is(err, ErrLocked) {
		if c != nil {
			c.Close()
		}
		t.Fatalf("Open while the child holds the lock: err = %v, want ErrLocked", err)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed = true
	err = cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child exit: %v, want killed by SIGKILL", err)
	}
	_, st := mustOpen(t, dir, name)
	if st == nil || st.UploadID != "from-child" {
		t.Errorf("after the child died: state = %+v, want the child's", st)
	}
}

func lockChild(dir string) {
	c, _, err := Open(dir, "copy-child")
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	st := testState()
	st.UploadID = "from-child"
	if err := c.Save(st); err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println("locked")
	io.Copy(io.Discard, os.Stdin) // hold the lock until killed or orphaned
	os.Exit(0)
}

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

func TestName(t *testing.T) {
	t.Parallel()
	src := Source{Bucket: "sb", Key: "sk", VersionID: "sv", ETag: "e", Size: 1}
	dst := Destination{Bucket: "db", Key: "dk"}
	base := Name(src, dst)
	if again := Name(src, dst); again != base {
		t.Fatalf("Name not deterministic: %s vs %s", base, again)
	}
	re := regexp.MustCompile(`^copy-[0-9a-f]{32}$`)

	type pair struct {
		src Source
		dst Destination
	}
	with := func(f func(*Source, *Destination)) pair {
		s, d := src, dst
		f(&s, &d)
		return pair{s, d}
	}
	differ := []struct {
		name string
		p    pair
	}{
		{"source bucket", with(func(s *Source, d *Destination) { s.Bucket = "sb2" })},
		{"source key", with(func(s *Source, d *Destination) { s.Key = "sk2" })},
		{"version id", with(func(s *Source, d *Destination) { s.VersionID = "sv2" })},
		{"no version id", with(func(s *Source, d *Destination) { s.VersionID = "" })},
		{"destination bucket", with(func(s *Source, d *Destination) { d.Bucket = "db2" })},
		{"destination key", with(func(s *Source, d *Destination) { d.Key = "dk2" })},
		{"source and destination swapped", pair{Source{Bucket: "db", Key: "dk", VersionID: "sv"}, Destination{"sb", "sk"}}},
		{"split bucket/key a|bc", with(func(s *Source, d *Destination) { s.Bucket, s.Key = "a", "bc" })},
		{"split bucket/key ab|c", with(func(s *Source, d *Destination) { s.Bucket, s.Key = "ab", "c" })},
		{"split key/version a|bc", with(func(s *Source, d *Destination) { s.Key, s.VersionID = "a", "bc" })},
		{"split key/version ab|c", with(func(s *Source, d *Destination) { s.Key, s.VersionID = "ab", "c" })},
		{"split version/dst a|bc", with(func(s *Source, d *Destination) { s.VersionID, d.Bucket = "a", "bc" })},
		{"split version/dst ab|c", with(func(s *Source, d *Destination) { s.VersionID, d.Bucket = "ab", "c" })},
		{"split dst a|bc", with(func(s *Source, d *Destination) { d.Bucket, d.Key = "a", "bc" })},
		{"split dst ab|c", with(func(s *Source, d *Destination) { d.Bucket, d.Key = "ab", "c" })},
		{"separator in key 1", with(func(s *Source, d *Destination) { s.Bucket, s.Key = "a;1:b", "" })},
		{"separator in key 2", with(func(s *Source, d *Destination) { s.Bucket, s.Key = "a", "b;0:" })},
		{"path traversal key", with(func(s *Source, d *Destination) { s.Key = "../../../etc/passwd" })},
		{"slashes in dst key", with(func(s *Source, d *Destination) { d.Key = "/a/b/../c/" })},
		{"all empty", pair{}},
	}
	seen := map[string]string{base: "base"}
	for _, tc := range differ {
		n := Name(tc.p.src, tc.p.dst)
		if !re.MatchString(n) {
			t.Errorf("%s: name %q does not match %s", tc.name, n, re)
		}
		if strings.ContainsAny(n, "/.\\;:") {
			t.Errorf("%s: name %q carries part of a key", tc.name, n)
		}
		if prev, dup := seen[n]; dup {
			t.Errorf("%s: name %s equals that of %s", tc.name, n, prev)
		}
		seen[n] = tc.name
	}
	// What the object looks like does not name the copy: a resume must find
	// the checkpoint to notice that the source changed.
	changed := src
	changed.ETag, changed.Size, changed.LastModified = "other", 2, time.Now()
	if n := Name(changed, dst); n != base {
		t.Errorf("Name depends on ETag/Size/LastModified: %s vs %s", n, base)
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

// TestDefaultDir is not parallel: it sets environment variables.
func TestDefaultDir(t *testing.T) {
	const unset = "\x00unset"
	cases := []struct {
		name, xdg, home string
		want            string
		wantErr         string
	}{
		{"XDG_STATE_HOME set", "/xdg/state", "/home/u", "/xdg/state/osscopy", ""},
		{"XDG_STATE_HOME with trailing slash", "/xdg/state/", "/home/u", "/xdg/state/osscopy", ""},
		{"XDG_STATE_HOME empty", "", "/home/u", "/home/u/.local/state/osscopy", ""},
		{"XDG_STATE_HOME unset", unset, "/home/u", "/home/u/.local/state/osscopy", ""},
		{"XDG_STATE_HOME relative is ignored", "rel/state", "/home/u", "/home/u/.local/state/osscopy", ""},
		{"no home", unset, unset, "", "--checkpoint-dir"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range map[string]string{"XDG_STATE_HOME": tc.xdg, "HOME": tc.home} {
				if v == unset {
					t.Setenv(k, "") // restores the old value afterwards
					os.Unsetenv(k)
				} else {
					t.Setenv(k, v)
				}
			}
			got, err := DefaultDir()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("DefaultDir() = %q, %v; want an error mentioning %q", got, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("DefaultDir() = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func FuzzLoad(f *testing.F) {
	f.Add([]byte(`{"version":1,"upload_id":"u","parts":[{"n":2,"etag":"b"},{"n":1,"etag":"a"}]}`),
		[]byte(`{"n":3,"etag":"c"}`+"\n"+`{"n":1,"etag":"a2"}`+"\n"+`{"n":4,"e`))
	dir := f.TempDir()
	const name = "copy-fuzz"
	jsonPath, partsPath := filepath.Join(dir, name+".json"), filepath.Join(dir, name+".parts")
	f.Fuzz(func(t *testing.T, state, parts []byte) {
		// An empty state stands for a missing NAME.json (the empty file is
		// covered by TestDamagedState), to reach the no-checkpoint path too.
		// Fresh files rather than truncated ones: ext4 flushes a file
		// truncated and rewritten on close, which would slow fuzzing down.
		os.Remove(jsonPath)
		os.Remove(partsPath)
		if len(state) > 0 {
			if err := os.WriteFile(jsonPath, state, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(partsPath, parts, 0o600); err != nil {
			t.Fatal(err)
		}
		c, st, err := Open(dir, name)
		if err != nil {
			if c != nil || st != nil {
				t.Fatalf("error %v came with checkpoint %v, state %v", err, c, st)
			}
			if errors.Is(err, ErrLocked) {
				t.Fatalf("lock leaked: %v", err)
			}
			if !strings.Contains(err.Error(), jsonPath) || !strings.Contains(err.Error(), "--fresh") {
				t.Fatalf("error %q names neither the file nor --fresh", err)
			}
			return
		}
		defer func() {
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
		}()
		if st == nil {
			if len(state) > 0 {
				t.Fatalf("nil state from a present state file %q", state)
			}
			return
		}
		if st.Version < 1 || st.Version > SchemaVersion {
			t.Fatalf("Version = %d", st.Version)
		}
		if st.UploadID == "" {
			t.Fatal("empty UploadID")
		}
		if st.PartCount < 0 {
			t.Fatalf("PartCount = %d", st.PartCount)
		}
		for i, p := range st.Parts {
			if p.Number <= 0 || p.ETag == "" {
				t.Fatalf("Parts[%d] = %+v is invalid", i, p)
			}
			if i > 0 && p.Number <= st.Parts[i-1].Number {
				t.Fatalf("Parts not strictly ascending at %d: %v", i, st.Parts)
			}
		}
	})
}

// Writes after Close would race a run that took the lock meanwhile.
func TestWritesAfterCloseAreRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c, _, err := Open(dir, "closed")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Save(&State{UploadID: "u"}); !errors.Is(err, errClosed) {
		t.Errorf("Save after Close = %v, want errClosed", err)
	}
	if err := c.RecordPart(Part{Number: 1, ETag: "e"}); !errors.Is(err, errClosed) {
		t.Errorf("RecordPart after Close = %v, want errClosed", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("closed checkpoint wrote files: %v", entries)
	}
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

// The lock file goes when the lock is released; a run that opened it just
// before must not think it holds the lock then. Many openers at once never
// hold one checkpoint together.
func TestLockFileRemovalKeepsExclusion(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var holders, held atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 300 {
				c, _, err := Open(dir, "contended")
				if errors.Is(err, ErrLocked) {
					continue
				}
				if err != nil {
					t.Error(err)
					return
				}
				if n := holders.Add(1); n != 1 {
					t.Errorf("%d runs hold the checkpoint at once", n)
				}
				held.Add(1)
				holders.Add(-1)
				if err := c.Close(); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if held.Load() == 0 {
		t.Fatal("no run ever held the lock")
	}
	if names := dirNames(t, dir); len(names) != 0 {
		t.Errorf("the dir holds %v after every lock was released", names)
	}
}
