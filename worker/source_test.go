// A source that changes during the copy: overwritten or deleted it fails the copy; a pinned version does not.

package worker_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/osscopy/osscopy/internal/lab/ossserver"
	"github.com/osscopy/osscopy/internal/observe"
	"github.com/osscopy/osscopy/planner"
	"github.com/osscopy/osscopy/worker"
)

// overwriteSource and deleteSource change the source under a running copy:
// the copy's If-Match then fails with 412, or the source is gone (404).
func overwriteSource(t *testing.T, f *fixture) { f.put(t, src, []byte("a new version")) }

func deleteSource(t *testing.T, f *fixture) {
	if _, err := f.env.Client.DeleteObject(context.Background(), &oss.DeleteObjectRequest{Bucket: oss.Ptr(srcBkt), Key: oss.Ptr(srcKey)}); err != nil {
		t.Errorf("deleting the source: %v", err)
	}
}

// TestSourceChangedMidCopy: a source overwritten or deleted during the copy
// fails it with ErrSourceChanged and leaves nothing behind.
func TestSourceChangedMidCopy(t *testing.T) {
	t.Parallel()
	afterParts := func(n int, change func(*testing.T, *fixture)) func(t *testing.T, f *fixture, job *worker.Job) worker.Store {
		return func(t *testing.T, f *fixture, job *worker.Job) worker.Store {
			var once sync.Once
			job.Observer = &recorder{onPart: func(p observe.Progress) {
				if p.PartsDone >= n {
					once.Do(func() { change(t, f) })
				}
			}}
			return f.store
		}
	}
	inCopyObject := func(change func(*testing.T, *fixture)) func(t *testing.T, f *fixture, job *worker.Job) worker.Store {
		return func(t *testing.T, f *fixture, job *worker.Job) worker.Store {
			job.Threshold = planner.DefaultThreshold
			return &hooked{Store: f.store, copyObject: func(ctx context.Context, in worker.CopyObjectInput, next func() (worker.CopyResult, error)) (worker.CopyResult, error) {
				change(t, f)
				return next()
			}}
		}
	}
	tests := []struct {
		name      string
		multipart bool
		status    int // what the copy requests meet: 412 overwritten, 404 deleted
		arm       func(t *testing.T, f *fixture, job *worker.Job) worker.Store
	}{
		{name: "overwritten after 3 of 12 parts", multipart: true, status: 412, arm: afterParts(3, overwriteSource)},
		{name: "overwritten before the first part", multipart: true, status: 412, arm: func(t *testing.T, f *fixture, job *worker.Job) worker.Store {
			return &hooked{Store: f.store, initiate: func(ctx context.Context, next func() (string, error)) (string, error) {
				id, err := next()
				overwriteSource(t, f)
				return id, err
			}}
		}},
		{name: "overwritten during a single copy", status: 412, arm: inCopyObject(overwriteSource)},
		{name: "deleted after 2 of 12 parts", multipart: true, status: 404, arm: afterParts(2, deleteSource)},
		{name: "deleted during a single copy", status: 404, arm: inCopyObject(deleteSource)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			size := 12 * gib
			if !tt.multipart {
				size = 8 * mib
			}
			f := setup(t, size, ossserver.Config{Latency: map[string]time.Duration{"UploadPartCopy": 10 * time.Millisecond}})
			job := f.job()
			store := tt.arm(t, f, &job)
			_, err := worker.Copy(context.Background(), store, job)
			if !errors.Is(err, worker.ErrSourceChanged) || !strings.Contains(err.Error(), "overwritten or deleted") {
				t.Fatalf("error %v, want ErrSourceChanged", err)
			}
			f.wantMissing(t, dst)
			if ids := f.uploads(t); len(ids) != 0 {
				t.Errorf("uploads left: %v", ids)
			}
			if files := checkpointFiles(t, f.dir); len(files) != 0 {
				t.Errorf("checkpoint files left: %v", files)
			}
			log := f.env.Log.Entries(t)
			if tt.multipart {
				if count(log, "UploadPartCopy", tt.status) == 0 || count(log, "AbortMultipartUpload", 204) != 1 || count(log, "CompleteMultipartUpload", 0) != 0 {
					t.Errorf("requests: %d part copies failed %d, %d aborts, %d completes", count(log, "UploadPartCopy", tt.status), tt.status,
						count(log, "AbortMultipartUpload", 204), count(log, "CompleteMultipartUpload", 0))
				}
			} else if count(log, "CopyObject", tt.status) != 1 || count(log, "CopyObject", 0) != 1 || count(log, "InitiateMultipartUpload", 0) != 0 {
				t.Errorf("requests %+v", log)
			}
		})
	}
}

// TestVersionedSource: in a versioned bucket the copy is pinned to the
// version it started from, so overwriting the source mid-copy does not
// disturb it.
func TestVersionedSource(t *testing.T) {
	t.Parallel()
	f := setup(t, 0, ossserver.Config{Latency: map[string]time.Duration{"UploadPartCopy": 10 * time.Millisecond}})
	ctx := context.Background()
	if _, err := f.env.Client.PutBucketVersioning(ctx, &oss.PutBucketVersioningRequest{Bucket: oss.Ptr(srcBkt),
		VersioningConfiguration: &oss.VersioningConfiguration{Status: oss.VersionEnabled}}); err != nil {
		t.Fatal(err)
	}
	f.put(t, src, randomBytes(t, 8*mib))
	first := f.mustHead(t, src)
	job := f.job()
	job.Threshold, job.PartSize, job.Parallel = mib, mib, 2
	var once sync.Once
	job.Observer = &recorder{onPart: func(p observe.Progress) {
		if p.PartsDone >= 2 {
			once.Do(func() { f.put(t, src, []byte("a newer version")) })
		}
	}}
	res, err := worker.Copy(ctx, f.store, job)
	if err != nil {
		t.Fatal(err)
	}
	if res.CRC64 != oss.ToString(first.HashCRC64) || res.Size != 8*mib {
		t.Errorf("copied %+v, want the first version (CRC64 %s)", res, oss.ToString(first.HashCRC64))
	}
	if oss.ToString(f.mustHead(t, src).VersionId) == oss.ToString(first.VersionId) {
		t.Error("the source was not overwritten during the copy")
	}
	for _, e := range f.env.Log.Entries(t) {
		if e.Op == "UploadPartCopy" && e.Status != 200 {
			t.Errorf("part %d answered %d %s", e.PartNumber, e.Status, e.Code)
		}
	}
}
