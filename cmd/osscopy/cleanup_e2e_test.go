package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/osscopy/osscopy/internal/cleanup"
	"github.com/osscopy/osscopy/internal/lab/e2e"
)

// cleanupRig is a server with four uploads in dst: two under old/, one
// under keep/ that a checkpoint can resume, one under denied/ whose abort
// the server refuses.
type cleanupRig struct {
	*cpRig
	ids map[string]string // key -> upload ID
}

func newCleanupRig(t *testing.T) *cleanupRig {
	t.Helper()
	r := &cleanupRig{cpRig: newCpRig(t, "--bucket", "dst", "--deny", "AbortMultipartUpload=dst/denied/*"), ids: map[string]string{}}
	for _, key := range []string{"old/a", "old/b", "keep/c", "denied/d"} {
		res, err := r.Client().InitiateMultipartUpload(e2e.Ctx(t), &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr("dst"), Key: oss.Ptr(key)})
		if err != nil {
			t.Fatal(err)
		}
		r.ids[key] = *res.UploadId
	}
	if err := os.MkdirAll(r.ckpt, 0o700); err != nil {
		t.Fatal(err)
	}
	ckp := `{"version":1,"upload_id":"` + r.ids["keep/c"] + `","part_count":3}`
	if err := os.WriteFile(filepath.Join(r.ckpt, "copy-0123.json"), []byte(ckp), 0o600); err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *cleanupRig) run(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return runOsscopy(t, r.Env(), append([]string{"cleanup", "--checkpoint-dir", r.ckpt}, args...)...)
}

func (r *cleanupRig) report(t *testing.T, args ...string) (cleanup.Report, int) {
	t.Helper()
	out, stderr, code := r.run(t, append(args, "--output-format", "json")...)
	var rep cleanup.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("cleanup %q printed %q (%v); stderr %q", args, out, err, stderr)
	}
	return rep, code
}

// actions maps each upload's key to what cleanup did with it.
func actions(rep cleanup.Report) map[string]string {
	out := map[string]string{}
	for _, u := range rep.Uploads {
		out[u.Key] = u.Action
	}
	return out
}

func TestCleanup(t *testing.T) {
	t.Parallel()
	r := newCleanupRig(t)

	// A dry run and a run with a limit no upload reaches (in hours or
	// days) abort nothing.
	for _, args := range [][]string{{"oss://dst", "--older-than", "0s", "--dry-run"}, {"oss://dst", "--older-than", "1000h"},
		{"oss://dst", "--older-than", "7d"}} {
		rep, code := r.report(t, args...)
		want := cleanup.WouldAbort
		if !slices.Contains(args, "--dry-run") {
			want = cleanup.KeptRecent
		}
		got := actions(rep)
		if code != 0 || got["old/a"] != want || got["old/b"] != want || got["denied/d"] != want || got["keep/c"] != cleanup.KeptResumable {
			t.Errorf("cleanup %q: exit %d, actions %v", args, code, got)
		}
	}
	if n := e2e.Count(r.Log(t), "AbortMultipartUpload", 0); n != 0 {
		t.Fatalf("%d aborts sent before the real run", n)
	}

	// A prefix limits what is listed.
	rep, code := r.report(t, "oss://dst/old/", "--older-than", "0s")
	if got := actions(rep); code != 0 || len(got) != 2 || got["old/a"] != cleanup.Aborted || got["old/b"] != cleanup.Aborted {
		t.Errorf("cleanup of old/: exit %d, actions %v", code, got)
	}

	// The whole bucket: the denied abort fails and is reported, the
	// resumable upload is kept, exit status 1.
	out, stderr, code := r.run(t, "oss://dst", "--older-than", "0s")
	if code != 1 || !strings.Contains(out, "failed") || !strings.Contains(out, "denied/d") || !strings.Contains(out, "AccessDenied") ||
		!strings.Contains(out, "kept-resumable") || !strings.Contains(stderr, "could not be aborted") {
		t.Errorf("cleanup of dst: exit %d\nstdout %s\nstderr %s", code, out, stderr)
	}
	var left []string
	for _, u := range r.Uploads(t, "dst") {
		left = append(left, u.Key)
	}
	slices.Sort(left)
	if want := []string{"denied/d", "keep/c"}; !slices.Equal(left, want) {
		t.Errorf("uploads left %v, want %v", left, want)
	}

	// --include-resumable aborts the checkpointed one too.
	rep, code = r.report(t, "oss://dst/keep/", "--older-than", "0s", "--include-resumable")
	if got := actions(rep); code != 0 || got["keep/c"] != cleanup.Aborted {
		t.Errorf("--include-resumable: exit %d, actions %v", code, got)
	}
}

func TestCleanupUsageErrors(t *testing.T) {
	t.Parallel()
	r := newCpRig(t, "--bucket", "dst")
	for _, args := range [][]string{
		{},
		{"oss://dst", "oss://other"},
		{"dst"},
		{"oss://Bad_Bucket"},
		{"oss://dst", "--older-than", "-1h"},
		{"oss://dst", "--older-than", "1x"},
		{"oss://dst", "--older-than", "-1d"},
		{"oss://dst", "--older-than", "7days"},
		{"oss://dst", "--parallel", "0"},
		{"oss://dst", "--output-format", "yaml"},
	} {
		_, stderr, code := runOsscopy(t, r.Env(), append([]string{"cleanup"}, args...)...)
		if code != 2 || !strings.HasPrefix(stderr, "osscopy: ") {
			t.Errorf("cleanup %q: exit %d, stderr %q; want 2 and a message", args, code, stderr)
		}
	}
	if n := len(r.Log(t)); n != 0 {
		t.Errorf("usage errors sent %d requests", n)
	}
}

func TestCleanupHelp(t *testing.T) {
	t.Parallel()
	checkHelp(t, "cleanup", newCleanupCommand(), 15)
}
