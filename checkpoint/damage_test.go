//go:build unix

// Tests of damaged checkpoint files: torn or invalid part lines and a damaged state are read back safely.

package checkpoint

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

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
