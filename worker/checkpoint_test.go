// Checkpoints that cannot be used or written: a clean restart, --fresh, a shrunken source, a directory that cannot be made.

package worker_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/osscopy/osscopy/checkpoint"
	"github.com/osscopy/osscopy/internal/lab/ossserver"
	"github.com/osscopy/osscopy/worker"
)

// TestRestartClean: what makes a saved checkpoint unusable aborts its
// upload, says why, and starts over.
func TestRestartClean(t *testing.T) {
	t.Parallel()
	const parts, k = 12, 3
	tests := []struct {
		name    string
		between func(t *testing.T, f *fixture, job *worker.Job)
		note    string // "": the copy resumes
	}{
		{name: "nothing changed: resumes", between: func(t *testing.T, f *fixture, job *worker.Job) {}},
		{name: "the source was overwritten",
			between: func(t *testing.T, f *fixture, job *worker.Job) {
				f.put(t, src, randomBytes(t, 3*mib))
				job.Threshold = mib
			},
			note: "the source changed since the last run"},
		{name: "ReplaceMetadata differs",
			between: func(t *testing.T, f *fixture, job *worker.Job) {
				job.ReplaceMetadata, job.Attributes = true, worker.Attributes{ContentType: "text/plain"}
			},
			note: "the options differ from the last run's: starting clean"},
		{name: "ReplaceTagging differs",
			between: func(t *testing.T, f *fixture, job *worker.Job) { job.ReplaceTagging = true },
			note:    "the options differ from the last run's: starting clean"},
		{name: "the part size differs",
			between: func(t *testing.T, f *fixture, job *worker.Job) { job.PartSize = 2 * gib },
			note:    "the options differ from the last run's: starting clean"},
		{name: "Fresh",
			between: func(t *testing.T, f *fixture, job *worker.Job) { job.Fresh = true },
			note:    "--fresh: discarding the checkpoint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, parts*gib, ossserver.Config{Latency: map[string]time.Duration{"UploadPartCopy": 10 * time.Millisecond}})
			job := f.job()
			first, _ := interrupt(t, f, f.store, job, k)
			tt.between(t, f, &job)
			srcCRC := oss.ToString(f.mustHead(t, src).HashCRC64)

			from := len(f.env.Log.Entries(t))
			var rec recorder
			job.Observer = &rec
			res, err := worker.Copy(context.Background(), f.store, job)
			if err != nil {
				t.Fatal(err)
			}
			f.checkCopied(t, res, srcCRC)
			log := f.log(t, from)
			notes := rec.messages()
			if tt.note == "" {
				if res.ResumedParts < k || res.UploadID != first.UploadID || !rec.resumedOnly(first.UploadID) || count(log, "AbortMultipartUpload", 0) != 0 {
					t.Errorf("did not resume: %+v, notes %q", res, notes)
				}
				return
			}
			if !strings.Contains(notes, tt.note) || !strings.Contains(notes, "aborting the old upload "+first.UploadID) {
				t.Errorf("notes %q do not say %q and name upload %s", notes, tt.note, first.UploadID)
			}
			aborted := 0
			for _, e := range log {
				if e.Op == "AbortMultipartUpload" && e.Status == 204 && e.UploadID == first.UploadID {
					aborted++
				}
			}
			if aborted != 1 || count(log, "AbortMultipartUpload", 0) != 1 {
				t.Errorf("the old upload was aborted %d times (%d aborts in all), want once", aborted, count(log, "AbortMultipartUpload", 0))
			}
			if res.ResumedParts != 0 || res.UploadID == first.UploadID || count(log, "ListParts", 0) != 0 ||
				count(log, "UploadPartCopy", 200) != res.Parts {
				t.Errorf("not a clean start: %+v, %d parts copied", res, count(log, "UploadPartCopy", 200))
			}
			if job.ReplaceMetadata {
				if ct := oss.ToString(f.mustHead(t, dst).ContentType); ct != "text/plain" {
					t.Errorf("destination Content-Type %q", ct)
				}
			}
		})
	}
}

// A source that shrank below the threshold after an interrupted multipart
// run is copied with one CopyObject, and the old upload and checkpoint are
// abandoned instead of left behind.
func TestSourceShrankBelowThreshold(t *testing.T) {
	t.Parallel()
	f := setup(t, 8*gib, ossserver.Config{})
	first, _ := interrupt(t, f, f.store, f.job(), 2)
	f.put(t, src, randomBytes(t, 1000))
	var rec recorder
	job := f.job()
	job.Observer = &rec
	res, err := worker.Copy(context.Background(), f.store, job)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Single {
		t.Error("a 1000-byte source was not copied with one CopyObject")
	}
	if msg := rec.messages(); !strings.Contains(msg, first.UploadID) {
		t.Errorf("no note about aborting upload %s: %q", first.UploadID, msg)
	}
	if ups := f.uploads(t); len(ups) != 0 {
		t.Errorf("uploads left behind: %v", ups)
	}
	for _, name := range checkpointFiles(t, f.dir) {
		if strings.HasSuffix(name, ".json") || strings.HasSuffix(name, ".parts") {
			t.Errorf("checkpoint file left behind: %s", name)
		}
	}
}

// cpName is the checkpoint name of the fixture's copy.
func cpName() string {
	return checkpoint.Name(checkpoint.Source{Bucket: srcBkt, Key: srcKey}, checkpoint.Destination{Bucket: bkt, Key: dstKey})
}

// TestFreshClearsUnreadableCheckpoint: a damaged checkpoint stops a rerun
// with advice to use --fresh; with Fresh the copy discards it and succeeds.
func TestFreshClearsUnreadableCheckpoint(t *testing.T) {
	t.Parallel()
	for _, fresh := range []bool{false, true} {
		t.Run(fmt.Sprintf("fresh=%v", fresh), func(t *testing.T) {
			t.Parallel()
			f := setup(t, 8*gib, ossserver.Config{Latency: map[string]time.Duration{"UploadPartCopy": 10 * time.Millisecond}})
			srcCRC := oss.ToString(f.mustHead(t, src).HashCRC64)
			job := f.job()
			first, _ := interrupt(t, f, f.store, job, 2)
			jsonPath := filepath.Join(f.dir, cpName()+".json")
			if err := os.WriteFile(jsonPath, []byte("\x00not json{"), 0o600); err != nil {
				t.Fatal(err)
			}

			from := len(f.env.Log.Entries(t))
			var rec recorder
			job.Observer, job.Fresh = &rec, fresh
			res, err := worker.Copy(context.Background(), f.store, job)
			log := f.log(t, from)
			if !fresh {
				if err == nil || !strings.Contains(err.Error(), "--fresh") || !strings.Contains(err.Error(), jsonPath) {
					t.Fatalf("error %v, want one that names %s and --fresh", err, jsonPath)
				}
				if len(log) != 1 || count(log, "HeadObject", 200) != 1 {
					t.Errorf("requests after the source's HEAD: %+v", log)
				}
				if got, err := os.ReadFile(jsonPath); err != nil || string(got) != "\x00not json{" {
					t.Errorf("the damaged checkpoint changed: %q, %v", got, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			notes := rec.messages()
			if !strings.Contains(notes, "--fresh: discarded an unreadable checkpoint") || !strings.Contains(notes, bkt) {
				t.Errorf("notes %q", notes)
			}
			if res.UploadID == first.UploadID || res.ResumedParts != 0 || count(log, "UploadPartCopy", 200) != res.Parts ||
				count(log, "AbortMultipartUpload", 0) != 0 || count(log, "ListParts", 0) != 0 {
				t.Errorf("Result %+v; %d parts copied", res, count(log, "UploadPartCopy", 200))
			}
			// The old upload is unknown to the copy and stays: abort it to
			// check the rest.
			if ids := f.uploads(t); len(ids) != 1 || ids[0] != first.UploadID {
				t.Errorf("uploads %v, want only the first run's %s", ids, first.UploadID)
			}
			f.abort(t, first.UploadID)
			f.checkCopied(t, res, srcCRC)
		})
	}
}

// TestCheckpointDirErrors: a checkpoint directory that cannot be created
// fails before anything is paid for.
func TestCheckpointDirErrors(t *testing.T) {
	t.Parallel()
	f := setup(t, 4*gib, ossserver.Config{})
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	job := f.job()
	job.CheckpointDir = filepath.Join(file, "sub")
	_, err := worker.Copy(context.Background(), f.store, job)
	if err == nil || !strings.Contains(err.Error(), "checkpoint") {
		t.Fatalf("error %v", err)
	}
	if n := count(f.env.Log.Entries(t), "InitiateMultipartUpload", 0); n != 0 {
		t.Errorf("%d uploads started", n)
	}
}

// TestProvenCopyKeepsItsSuccess: the checkpoint directory is deleted, or
// replaced by a file, once the copy is proven (as by a cleaner, or a
// person, during a long copy). The copy is in the destination and
// verified: it succeeds, and says when the checkpoint could not be
// removed, instead of failing a finished copy.
func TestProvenCopyKeepsItsSuccess(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		after func(t *testing.T, dir string)
		note  string // in the notes; "": no note of the checkpoint
	}{
		{name: "directory deleted", after: func(t *testing.T, dir string) {
			if err := os.RemoveAll(dir); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "directory replaced by a file", after: func(t *testing.T, dir string) {
			if err := os.RemoveAll(dir); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(dir, nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}, note: "the copy is complete and verified, but its checkpoint"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, 6*gib, ossserver.Config{})
			srcCRC := oss.ToString(f.mustHead(t, src).HashCRC64)
			job := f.job()
			var rec recorder
			job.Observer = &rec
			proven := false
			job.Proven = func(worker.Result) { proven = true; tc.after(t, f.dir) }
			res, err := worker.Copy(context.Background(), f.store, job)
			if err != nil || !proven {
				t.Fatalf("the proven copy returned %v (proven: %v)", err, proven)
			}
			if d := f.mustHead(t, dst); oss.ToString(d.HashCRC64) != srcCRC || res.CRC64 != srcCRC || res.Parts != 6 {
				t.Errorf("destination CRC64 %s, result %+v; want the source's %s in 6 parts", oss.ToString(d.HashCRC64), res, srcCRC)
			}
			notes := rec.messages()
			if tc.note == "" && strings.Contains(notes, "checkpoint") || tc.note != "" && !strings.Contains(notes, tc.note) {
				t.Errorf("notes %q, want %q", notes, tc.note)
			}
		})
	}
}
