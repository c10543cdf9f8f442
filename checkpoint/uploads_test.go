package checkpoint

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestUploadIDs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, body := range map[string]string{
		"copy-a.json":  `{"version":1,"upload_id":"UA","part_count":2}`,
		"copy-b.json":  `{"version":1,"upload_id":"UB","part_count":2}`,
		"copy-c.json":  `{"version":1,"upload_id":`,    // damaged
		"copy-d.json":  `{"version":1,"part_count":2}`, // no upload yet
		"copy-a.parts": `{"n":1,"etag":"x"}`,
		"other.json":   `{"upload_id":"UX"}`,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	got, err := UploadIDs(dir)
	want := map[string]string{"UA": filepath.Join(dir, "copy-a.json"), "UB": filepath.Join(dir, "copy-b.json")}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("UploadIDs = %v, %v; want %v", got, err, want)
	}
	if got, err := UploadIDs(filepath.Join(dir, "missing")); err != nil || len(got) != 0 {
		t.Errorf("UploadIDs of a missing dir = %v, %v; want none", got, err)
	}
}
