// Reruns after an interruption resume the saved upload; the server, not the checkpoint, says which parts are done.

package worker_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/osscopy/osscopy/checkpoint"
	"github.com/osscopy/osscopy/internal/lab/ossserver"
	"github.com/osscopy/osscopy/planner"
	"github.com/osscopy/osscopy/worker"
)

func TestResume(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		size        int64
		parallel, k int
	}{
		{name: "40 parts, 4 at once, cancelled after 10", size: 40 * gib, parallel: 4, k: 10},
		{name: "40 parts, 8 at once, cancelled after 3", size: 40 * gib, parallel: 8, k: 3},
		{name: "12 parts, 1 at a time, cancelled after 1", size: 12 * gib, parallel: 1, k: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, tt.size, ossserver.Config{Latency: map[string]time.Duration{"UploadPartCopy": 10 * time.Millisecond}})
			srcCRC := oss.ToString(f.mustHead(t, src).HashCRC64)
			parts := int(tt.size / gib)
			job := f.job()
			job.Parallel = tt.parallel
			first, _ := interrupt(t, f, f.store, job, tt.k)
			copied1 := count(f.env.Log.Entries(t), "UploadPartCopy", 200)
			if copied1 < tt.k || copied1 >= parts && tt.k < parts {
				t.Fatalf("the first run copied %d parts, want %d..%d", copied1, tt.k, parts-1)
			}
			if on := len(f.serverParts(t, first.UploadID)); on != copied1 {
				t.Errorf("the server holds %d parts, the first run copied %d", on, copied1)
			}

			from := len(f.env.Log.Entries(t))
			var rec recorder
			job.Observer = &rec
			res, err := worker.Copy(context.Background(), f.store, job)
			if err != nil {
				t.Fatal(err)
			}
			f.checkCopied(t, res, srcCRC)
			log := f.log(t, from)
			total := count(f.env.Log.Entries(t), "UploadPartCopy", 0)
			t.Logf("first run: %d parts; rerun resumed %d and copied %d; %d UploadPartCopy in all for %d parts",
				copied1, res.ResumedParts, count(log, "UploadPartCopy", 0), total, parts)
			if res.ResumedParts < tt.k || res.ResumedParts != copied1 {
				t.Errorf("ResumedParts %d, want the %d the first run copied (>= %d)", res.ResumedParts, copied1, tt.k)
			}
			if total > parts+tt.parallel || total != parts {
				t.Errorf("%d UploadPartCopy requests in all for %d parts (parallel %d)", total, parts, tt.parallel)
			}
			if res.UploadID != first.UploadID || count(log, "InitiateMultipartUpload", 0) != 0 || count(log, "ListParts", 200) != 1 {
				t.Errorf("the rerun did not continue upload %s: %+v", first.UploadID, res)
			}
			resumed := rec.parts(true)
			if len(resumed) != 1 || resumed[0].PartsDone != copied1 || resumed[0].PartsTotal != parts ||
				resumed[0].BytesDone != int64(copied1)*gib || !strings.Contains(rec.messages(), "resuming upload "+first.UploadID) {
				t.Errorf("resumed parts told %+v, notes %q", resumed, rec.messages())
			}
			if done := rec.parts(false); len(done) != parts-copied1 {
				t.Errorf("%d part events on the rerun, want %d", len(done), parts-copied1)
			}
		})
	}
}

// TestResumeReconciles: the server, not the checkpoint, says which parts
// are done.
func TestResumeReconciles(t *testing.T) {
	t.Parallel()
	const parts, k = 12, 4
	tests := []struct {
		name string
		// between changes things after the interrupted run; it returns the
		// parts the rerun must copy (nil: all).
		between   func(t *testing.T, f *fixture, uploadID string) []int32
		newUpload bool
		note      string // in the notes
	}{
		{name: "parts the checkpoint claims but the server lacks are copied again",
			between: func(t *testing.T, f *fixture, uploadID string) []int32 {
				on := f.serverParts(t, uploadID)
				cp, saved, err := checkpoint.Open(f.dir, checkpoint.Name(checkpoint.Source{Bucket: srcBkt, Key: srcKey}, checkpoint.Destination{Bucket: bkt, Key: dstKey}))
				if err != nil {
					t.Fatal(err)
				}
				defer cp.Close()
				if saved == nil || saved.UploadID != uploadID {
					t.Fatalf("checkpoint state %+v", saved)
				}
				var missing []int32
				for n := int32(1); n <= parts; n++ {
					if _, ok := on[n]; !ok && len(missing) < 3 {
						if err := cp.RecordPart(checkpoint.Part{Number: n, ETag: `"0123456789ABCDEF0123456789ABCDEF"`}); err != nil {
							t.Fatal(err)
						}
						missing = append(missing, n)
					}
				}
				return missing
			},
			note: "3 parts the checkpoint recorded are not on the server"},
		{name: "a part of the wrong size on the server is copied again",
			between: func(t *testing.T, f *fixture, uploadID string) []int32 {
				if _, err := f.env.Client.UploadPartCopy(context.Background(), &oss.UploadPartCopyRequest{Bucket: oss.Ptr(bkt), Key: oss.Ptr(dstKey),
					UploadId: oss.Ptr(uploadID), PartNumber: parts, SourceBucket: oss.Ptr(srcBkt), SourceKey: oss.Ptr(srcKey),
					Range: oss.Ptr("bytes=0-1048575")}); err != nil {
					t.Fatal(err)
				}
				return []int32{parts}
			},
			note: "resuming upload"},
		{name: "an upload aborted elsewhere starts a new one",
			between: func(t *testing.T, f *fixture, uploadID string) []int32 {
				f.abort(t, uploadID)
				return nil
			},
			newUpload: true, note: "of the last run is gone (expired or aborted elsewhere): starting a new upload"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, parts*gib, ossserver.Config{Latency: map[string]time.Duration{"UploadPartCopy": 10 * time.Millisecond}})
			srcCRC := oss.ToString(f.mustHead(t, src).HashCRC64)
			job := f.job()
			first, _ := interrupt(t, f, f.store, job, k)
			mustCopy := tt.between(t, f, first.UploadID)
			var before map[int32]int64
			if !tt.newUpload {
				before = f.serverParts(t, first.UploadID)
			}
			resumable := 0
			for _, size := range before {
				if size == gib {
					resumable++
				}
			}

			from := len(f.env.Log.Entries(t))
			var rec recorder
			job.Observer = &rec
			res, err := worker.Copy(context.Background(), f.store, job)
			if err != nil {
				t.Fatal(err)
			}
			f.checkCopied(t, res, srcCRC)
			log := f.log(t, from)
			if res.ResumedParts != resumable {
				t.Errorf("ResumedParts %d, want %d", res.ResumedParts, resumable)
			}
			if got := count(log, "UploadPartCopy", 200); got != parts-resumable {
				t.Errorf("the rerun copied %d parts, want %d", got, parts-resumable)
			}
			copied := map[int]bool{}
			for _, e := range log {
				if e.Op == "UploadPartCopy" && e.Status == 200 {
					copied[e.PartNumber] = true
				}
			}
			for _, n := range mustCopy {
				if !copied[int(n)] {
					t.Errorf("part %d was not copied again", n)
				}
			}
			if (res.UploadID != first.UploadID) != tt.newUpload {
				t.Errorf("upload %s, the first run's %s (new upload wanted: %v)", res.UploadID, first.UploadID, tt.newUpload)
			}
			if notes := rec.messages(); !strings.Contains(notes, tt.note) {
				t.Errorf("notes %q do not say %q", notes, tt.note)
			}
		})
	}
}

// TestResumeOtherParallelKeepsPartSize: without an explicit part size, a
// rerun with another Parallel keeps the part size of the last run, so the
// parts it copied still count.
func TestResumeOtherParallelKeepsPartSize(t *testing.T) {
	t.Parallel()
	const size = 16 * gib
	tests := []struct {
		name      string
		p1, p2, k int
	}{
		{name: "4 then 16 at once", p1: 4, p2: 16, k: 5},
		{name: "16 then 4 at once", p1: 16, p2: 4, k: 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ps1, ps2 := planner.DefaultPartSize(size, tt.p1), planner.DefaultPartSize(size, tt.p2)
			if ps1 == ps2 {
				t.Fatalf("the default part size %d does not depend on Parallel here", ps1)
			}
			parts := int(size / ps1)
			f := setup(t, size, ossserver.Config{Latency: map[string]time.Duration{"UploadPartCopy": 10 * time.Millisecond}})
			srcCRC := oss.ToString(f.mustHead(t, src).HashCRC64)
			job := f.job()
			job.PartSize, job.Parallel = 0, tt.p1
			first, _ := interrupt(t, f, f.store, job, tt.k)
			copied1 := count(f.env.Log.Entries(t), "UploadPartCopy", 200)
			if first.PartSize != ps1 || first.Parts != parts || copied1 >= parts {
				t.Fatalf("first run: %+v, %d parts copied (want parts of %d)", first, copied1, ps1)
			}

			from := len(f.env.Log.Entries(t))
			job.Parallel = tt.p2
			var rec recorder
			job.Observer = &rec
			res, err := worker.Copy(context.Background(), f.store, job)
			if err != nil {
				t.Fatal(err)
			}
			f.checkCopied(t, res, srcCRC)
			log := f.log(t, from)
			total := count(f.env.Log.Entries(t), "UploadPartCopy", 200)
			t.Logf("part sizes %d/%d; first run %d of %d parts; rerun resumed %d; %d UploadPartCopy in all", ps1, ps2, copied1, parts, res.ResumedParts, total)
			if res.UploadID != first.UploadID || res.ResumedParts != copied1 || res.PartSize != ps1 || res.Parts != parts {
				t.Errorf("rerun %+v, want upload %s, %d resumed parts of %d", res, first.UploadID, copied1, ps1)
			}
			if total != parts || count(f.env.Log.Entries(t), "UploadPartCopy", 0) != parts {
				t.Errorf("%d UploadPartCopy in all for %d parts", total, parts)
			}
			if n := count(f.env.Log.Entries(t), "AbortMultipartUpload", 0); n != 0 || count(log, "InitiateMultipartUpload", 0) != 0 {
				t.Errorf("%d aborts, %d initiations on the rerun", n, count(log, "InitiateMultipartUpload", 0))
			}
			if !rec.resumedOnly(first.UploadID) {
				t.Errorf("notes %q, want only that upload %s is resumed", rec.messages(), first.UploadID)
			}
			// The plan told last is the one copied: the kept part size.
			if starts := rec.starts(); len(starts) == 0 || starts[len(starts)-1].PartSize != ps1 || starts[len(starts)-1].Parts != parts {
				t.Errorf("plans told %+v, want the last of %d parts of %d", starts, parts, ps1)
			}
		})
	}
}

// TestResumedPartsResetOnNewUpload: a rerun that resumed parts and then
// lost its upload reports no resumed parts for the new upload.
func TestResumedPartsResetOnNewUpload(t *testing.T) {
	t.Parallel()
	const parts, k = 10, 3
	f := setup(t, parts*gib, ossserver.Config{Latency: map[string]time.Duration{"UploadPartCopy": 10 * time.Millisecond}})
	srcCRC := oss.ToString(f.mustHead(t, src).HashCRC64)
	job := f.job()
	job.Parallel = 2
	first, _ := interrupt(t, f, f.store, job, k)
	copied1 := count(f.env.Log.Entries(t), "UploadPartCopy", 200)

	var once sync.Once
	store := &hooked{Store: f.store, partCopy: func(ctx context.Context, in worker.PartCopyInput, next func() (string, error)) (string, error) {
		etag, err := next()
		if err == nil && in.UploadID == first.UploadID {
			once.Do(func() { f.abort(t, in.UploadID) })
		}
		return etag, err
	}}
	var rec recorder
	job.Observer = &rec
	res, err := worker.Copy(context.Background(), store, job)
	if err != nil {
		t.Fatal(err)
	}
	f.checkCopied(t, res, srcCRC)
	resumed := rec.parts(true)
	if len(resumed) != 1 || resumed[0].PartsDone != copied1 {
		t.Errorf("resumed parts told %+v, want once %d parts", resumed, copied1)
	}
	if !strings.Contains(rec.messages(), "the upload "+first.UploadID+" vanished during the copy") {
		t.Errorf("notes %q", rec.messages())
	}
	onNew := 0
	for _, e := range f.env.Log.Entries(t) {
		if e.Op == "UploadPartCopy" && e.Status == 200 && e.UploadID == res.UploadID {
			onNew++
		}
	}
	if res.ResumedParts != 0 || res.UploadID == first.UploadID || onNew != parts {
		t.Errorf("Result %+v (first upload %s, resumed %d there); %d parts copied to the new upload", res, first.UploadID, copied1, onNew)
	}
}

// TestResumeRefusesPartsOfAnotherUpload: the checkpoint's upload ID is
// changed (by hand, or a checkpoint restored from elsewhere) to another
// upload of the same destination whose parts have the planned sizes but
// other content (each holds the next part's bytes). ListParts alone would
// take them for done and complete a wrong object (the proof would then
// fail the copy). Their ETags are not those the checkpoint recorded: every
// part is copied again, and the object completed is the source's.
func TestResumeRefusesPartsOfAnotherUpload(t *testing.T) {
	t.Parallel()
	const parts, k = 8, 3
	f := setup(t, parts*gib, ossserver.Config{Latency: map[string]time.Duration{"UploadPartCopy": 10 * time.Millisecond}})
	srcCRC := oss.ToString(f.mustHead(t, src).HashCRC64)
	job := f.job()
	first, _ := interrupt(t, f, f.store, job, k)

	ctx := context.Background()
	other, err := f.env.Client.InitiateMultipartUpload(ctx, &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr(bkt), Key: oss.Ptr(dstKey)})
	if err != nil {
		t.Fatal(err)
	}
	otherID := oss.ToString(other.UploadId)
	for n := int64(1); n <= parts; n++ {
		from := n % parts * gib // the next part's bytes
		if _, err := f.env.Client.UploadPartCopy(ctx, &oss.UploadPartCopyRequest{Bucket: oss.Ptr(bkt), Key: oss.Ptr(dstKey),
			UploadId: other.UploadId, PartNumber: int32(n), SourceBucket: oss.Ptr(srcBkt), SourceKey: oss.Ptr(srcKey),
			Range: oss.Ptr(fmt.Sprintf("bytes=%d-%d", from, from+gib-1))}); err != nil {
			t.Fatal(err)
		}
	}
	cp, saved, err := checkpoint.Open(f.dir, checkpoint.Name(checkpoint.Source{Bucket: srcBkt, Key: srcKey}, checkpoint.Destination{Bucket: bkt, Key: dstKey}))
	if err != nil || saved == nil || len(saved.Parts) < k {
		t.Fatalf("checkpoint of the interrupted run: %+v, %v", saved, err)
	}
	saved.UploadID = otherID
	if err := cp.Save(saved); err != nil {
		t.Fatal(err)
	}
	cp.Close()
	f.abort(t, first.UploadID) // nothing names it any more

	from := len(f.env.Log.Entries(t))
	var rec recorder
	job.Observer = &rec
	res, err := worker.Copy(ctx, f.store, job)
	if err != nil {
		t.Fatalf("the rerun failed: %v", err)
	}
	f.checkCopied(t, res, srcCRC)
	log := f.log(t, from)
	if res.UploadID != otherID || res.ResumedParts != 0 || count(log, "UploadPartCopy", 200) != parts {
		t.Errorf("rerun on upload %s (the checkpoint's %s): %d resumed, %d parts copied; want none resumed and all %d copied",
			res.UploadID, otherID, res.ResumedParts, count(log, "UploadPartCopy", 200), parts)
	}
	if !strings.Contains(rec.messages(), fmt.Sprintf("%d parts on the server are not the checkpoint's", parts)) {
		t.Errorf("notes %q do not say that the server's parts are not the checkpoint's", rec.messages())
	}
}
