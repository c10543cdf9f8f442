//go:build unix

// Tests of recording parts: folding, concurrency, and a cost that does not grow with the parts recorded.

package checkpoint

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"syscall"
	"testing"
)

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
