//go:build unix

// Shared helpers of the checkpoint tests: a full test state, its comparison, and opening, closing and reading files.

package checkpoint

import (
	"os"
	"reflect"
	"sort"
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
