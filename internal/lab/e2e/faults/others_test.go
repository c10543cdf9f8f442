package faults_test

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/osscopy/osscopy/internal/lab/e2e"
)

// TestUploadAbortedElsewhere: another tool aborts cp's upload while parts
// are being copied, or after the last part and before the completion. cp
// starts a new upload, says so, completes it and verifies it.
func TestUploadAbortedElsewhere(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		latency string
		parts   int // abort once the log shows this many UploadPartCopy
	}{
		{"during-parts", slowParts, 8},
		// The completion waits 1 s before it runs: time to abort the
		// upload once every part is copied.
		{"before-complete", "CompleteMultipartUpload=1s", partCount},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := e2e.StartServer(t, "--bucket", "dst", "--seed-object", e2e.SeedObject("src", "f.bin", srcSize), "--latency", tc.latency)
			ckpt := filepath.Join(t.TempDir(), "ckpt")
			p := e2e.Start(t, s.Env(), cpArgs(ckpt, "oss://src/f.bin", "oss://dst/f.bin", "--parallel", "4")...)
			s.WaitForLog(t, "UploadPartCopy", tc.parts)
			aborted := s.AbortUploads(t, "dst")
			if len(aborted) != 1 {
				t.Fatalf("aborted uploads %q, want cp's one", aborted)
			}
			p.Wait(e2e.RunTimeout)
			p.RequireCode(0)
			res := p.Result()
			e2e.RequireMentions(t, "stderr", p.Stderr(), "the upload "+aborted[0]+" vanished", "starting a new upload")
			if res.UploadID == aborted[0] || res.ResumedParts != 0 || res.Parts != partCount {
				t.Errorf("result %+v: want all %d parts copied by a new upload, not %s", res, partCount, aborted[0])
			}
			if crc := s.RequireSameObject(t, "src", "f.bin", "dst", "f.bin", partSize); res.CRC64 != crc {
				t.Errorf("result CRC64 %q, the source's %q", res.CRC64, crc)
			}
			if left := s.Uploads(t, "dst"); len(left) != 0 {
				t.Errorf("uploads %+v are left", left)
			}
			s.Stop(t)
			log := s.Log(t)
			if n := e2e.Count(log, "InitiateMultipartUpload", 200); n != 2 {
				t.Errorf("%d InitiateMultipartUpload, want 2 (the aborted upload and the new one)", n)
			}
			t.Logf("%s: aborted after %d part copies; completed and verified with a new upload; %d UploadPartCopy (%d OK) for %d parts",
				tc.name, tc.parts, e2e.Count(log, "UploadPartCopy", 0), e2e.Count(log, "UploadPartCopy", 200), partCount)
		})
	}
}

// TestSourceChanged: the source is overwritten or deleted mid-copy. cp
// fails at once (no part is retried after its 412 or 404, so at most
// --parallel fail), says the source changed, aborts its upload, removes its
// checkpoint, and writes no destination object.
func TestSourceChanged(t *testing.T) {
	t.Parallel()
	const parallel = 4
	for _, tc := range []struct {
		name   string
		change func(t *testing.T, s *e2e.Server)
		status int // of the part copies that find the change
	}{
		{"overwritten", func(t *testing.T, s *e2e.Server) { s.PutObject(t, "src", "f.bin", []byte("a new version")) }, 412},
		{"deleted", func(t *testing.T, s *e2e.Server) { s.DeleteObject(t, "src", "f.bin") }, 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := e2e.StartServer(t, "--bucket", "dst", "--seed-object", e2e.SeedObject("src", "f.bin", srcSize), "--latency", slowParts)
			ckpt := filepath.Join(t.TempDir(), "ckpt")
			p := e2e.Start(t, s.Env(), cpArgs(ckpt, "oss://src/f.bin", "oss://dst/f.bin", "--parallel", "4")...)
			s.WaitForLog(t, "UploadPartCopy", 8)
			tc.change(t, s)
			p.Wait(e2e.RunTimeout)
			p.RequireCode(1)
			e2e.RequireMentions(t, "stderr", p.Stderr(), "the source changed during the copy", "oss://src/f.bin", "the upload was aborted")
			s.RequireNoObject(t, "dst", "f.bin")
			if left := s.Uploads(t, "dst"); len(left) != 0 {
				t.Errorf("uploads %+v are left, want the upload aborted", left)
			}
			if names := stateFiles(t, ckpt); len(names) != 0 {
				t.Errorf("checkpoint files %q are left", names)
			}
			s.Stop(t)
			log := s.Log(t)
			failed := 0
			for _, e := range log {
				if e.Op == "UploadPartCopy" && e.Status == tc.status {
					failed++
				}
			}
			if failed < 1 || failed > parallel {
				t.Errorf("%d UploadPartCopy answered %d, want 1 to %d (--parallel): no retries", failed, tc.status, parallel)
			}
			if n := e2e.Count(log, "AbortMultipartUpload", 204); n != 1 {
				t.Errorf("%d AbortMultipartUpload succeeded, want 1", n)
			}
			if slices.ContainsFunc(log, func(e e2e.LogEntry) bool { return e.Op == "CompleteMultipartUpload" }) {
				t.Error("a CompleteMultipartUpload was sent")
			}
			t.Logf("%s: failed cleanly after %d UploadPartCopy (%d answered %d); upload aborted, no destination object",
				tc.name, e2e.Count(log, "UploadPartCopy", 0), failed, tc.status)
		})
	}
}
