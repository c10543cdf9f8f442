// Completion: answers lost after the upload completed, uploads that vanish, an upload the last run completed but did not prove.

package worker_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/osscopy/osscopy/internal/lab/ossserver"
	"github.com/osscopy/osscopy/internal/lab/osstest"
	"github.com/osscopy/osscopy/internal/osserr"
	"github.com/osscopy/osscopy/worker"
)

// completedThen makes a Complete hook whose every attempt reaches the
// server, the first completing the upload and the others finding it gone,
// but reports err: every answer is lost that way.
func completedThen(err error) func(*testing.T, *fixture, string, func() (worker.CopyResult, error)) (worker.CopyResult, error) {
	return func(t *testing.T, f *fixture, uploadID string, next func() (worker.CopyResult, error)) (worker.CopyResult, error) {
		_, _ = next()
		return worker.CopyResult{}, err
	}
}

// unanswered is how internal/ossclient fails a request of op whose answer
// never arrived (a reset, a timeout, a body that could not be read): a
// transient error, caused by cause.
func unanswered(op string, cause error) error {
	return &osserr.Error{Op: op, Bucket: bkt, Key: dstKey, Class: osserr.Transient, Err: cause}
}

// cancelled is how internal/ossclient fails a request of op cut off by
// the copy's context: a permanent error.
func cancelled(op string) error {
	return &osserr.Error{Op: op, Bucket: bkt, Key: dstKey, Class: osserr.Permanent, Err: context.Canceled}
}

// TestCompleteAnswerLost: Complete's answer can be lost after the upload
// completed, in any form (the retry finds no upload, a reset, a timeout, an
// error whose body was not read); the destination's ETag decides.
func TestCompleteAnswerLost(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		complete func(t *testing.T, f *fixture, uploadID string, next func() (worker.CopyResult, error)) (worker.CopyResult, error)
		ok       bool
	}{
		{name: "completed, the retry finds no upload: success", ok: true,
			complete: func(t *testing.T, f *fixture, uploadID string, next func() (worker.CopyResult, error)) (worker.CopyResult, error) {
				if _, err := next(); err != nil {
					return worker.CopyResult{}, err
				}
				return next() // the server's real NoSuchUpload
			}},
		{name: "completed, answer lost to a reset: success", ok: true, complete: completedThen(unanswered("CompleteMultipartUpload", syscall.ECONNRESET))},
		{name: "completed, answer timed out: success", ok: true, complete: completedThen(unanswered("CompleteMultipartUpload", context.DeadlineExceeded))},
		{name: "completed, a 503 whose body was not read: success", ok: true,
			complete: completedThen(unanswered("CompleteMultipartUpload", fmt.Errorf("Error returned by Service. Http Status Code: 503. %w", io.ErrUnexpectedEOF)))},
		{name: "upload gone, nothing completed: failure",
			complete: func(t *testing.T, f *fixture, uploadID string, next func() (worker.CopyResult, error)) (worker.CopyResult, error) {
				f.abort(t, uploadID)
				return next()
			}},
		{name: "upload gone, the destination is another object: failure",
			complete: func(t *testing.T, f *fixture, uploadID string, next func() (worker.CopyResult, error)) (worker.CopyResult, error) {
				f.abort(t, uploadID)
				f.put(t, dst, []byte("another object"))
				return next()
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, 6*gib, ossserver.Config{})
			srcCRC := oss.ToString(f.mustHead(t, src).HashCRC64)
			store := &hooked{Store: f.store, complete: func(ctx context.Context, uploadID string, next func() (worker.CopyResult, error)) (worker.CopyResult, error) {
				return tt.complete(t, f, uploadID, next)
			}}
			from := len(f.env.Log.Entries(t))
			res, err := worker.Copy(context.Background(), store, f.job())
			log := f.log(t, from)
			if !tt.ok {
				if !errors.Is(err, osserr.ErrNoSuchUpload) || !strings.Contains(err.Error(), "completing upload "+res.UploadID) {
					t.Fatalf("error %v, want a failed completion with ErrNoSuchUpload", err)
				}
				// The source, then the destination after each completion: an
				// upload gone at completion is replaced, up to 3 times in all.
				if count(log, "HeadObject", 0) != 4 {
					t.Errorf("%d HEADs, want 4", count(log, "HeadObject", 0))
				}
				if n := count(log, "InitiateMultipartUpload", 0); n != 3 {
					t.Errorf("%d InitiateMultipartUpload, want 3", n)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			f.checkCopied(t, res, srcCRC)
			if count(log, "CompleteMultipartUpload", 200) != 1 || count(log, "InitiateMultipartUpload", 0) != 1 {
				t.Errorf("%d completions, %d initiations; want one each", count(log, "CompleteMultipartUpload", 200), count(log, "InitiateMultipartUpload", 0))
			}
		})
	}
}

// TestCompleteAnswerLostSDKVector copies the SDK v1's sample file in the
// parts its own tests use, losing Complete's answer: the copy recognises
// the object by the ETag the real service gave that SDK for those parts.
func TestCompleteAnswerLostSDKVector(t *testing.T) {
	t.Parallel()
	f := setup(t, 0, ossserver.Config{})
	sample := osstest.Sample(t)
	f.put(t, worker.Object{Bucket: srcBkt, Key: "sample.jpg"}, sample)
	store := &hooked{Store: f.store, complete: func(ctx context.Context, uploadID string, next func() (worker.CopyResult, error)) (worker.CopyResult, error) {
		return completedThen(unanswered("CompleteMultipartUpload", syscall.ECONNRESET))(t, f, uploadID, next)
	}}
	job := f.job()
	job.Source.Key, job.PartSize, job.Threshold = "sample.jpg", osstest.SamplePartSize, osstest.SamplePartSize
	res, err := worker.Copy(context.Background(), store, job)
	if err != nil {
		t.Fatal(err)
	}
	if res.Parts != 5 || res.ETag != osstest.SampleMultipartETag {
		t.Errorf("%d parts, ETag %s; want 5 parts and the SDK's %s", res.Parts, res.ETag, osstest.SampleMultipartETag)
	}
	if got := oss.ToString(f.mustHead(t, dst).ETag); got != osstest.SampleMultipartETag {
		t.Errorf("destination ETag %s, want %s", got, osstest.SampleMultipartETag)
	}
}

// TestUploadVanishes: an upload aborted from outside during the copy is
// replaced by a new one, and the copy says so.
func TestUploadVanishes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		times int // how many uploads are aborted after 3 parts each
		ok    bool
	}{
		{name: "aborted once after 3 parts", times: 1, ok: true},
		{name: "aborted on every upload", times: 99},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			const parts = 10
			f := setup(t, parts*gib, ossserver.Config{})
			srcCRC := oss.ToString(f.mustHead(t, src).HashCRC64)
			var mu sync.Mutex
			done := map[string]int{} // parts copied per upload
			var aborted []string
			store := &hooked{Store: f.store, partCopy: func(ctx context.Context, in worker.PartCopyInput, next func() (string, error)) (string, error) {
				etag, err := next()
				mu.Lock()
				defer mu.Unlock()
				if err == nil {
					done[in.UploadID]++
					if done[in.UploadID] == 3 && len(aborted) < tt.times {
						aborted = append(aborted, in.UploadID)
						f.abort(t, in.UploadID)
					}
				}
				return etag, err
			}}
			job := f.job()
			job.Parallel = 2
			var rec recorder
			job.Observer = &rec
			res, err := worker.Copy(context.Background(), store, job)
			log := f.env.Log.Entries(t)
			notes := rec.messages()
			if !tt.ok {
				if !errors.Is(err, osserr.ErrNoSuchUpload) {
					t.Fatalf("error %v, want ErrNoSuchUpload", err)
				}
				if len(aborted) != 3 || count(log, "InitiateMultipartUpload", 0) != 3 || strings.Count(notes, "vanished") != 2 {
					t.Errorf("%d uploads aborted, %d started, notes %q; want 3, 3 and 2 notes", len(aborted), count(log, "InitiateMultipartUpload", 0), notes)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			f.checkCopied(t, res, srcCRC)
			if len(aborted) != 1 || res.UploadID == aborted[0] || count(log, "InitiateMultipartUpload", 0) != 2 {
				t.Errorf("aborted %v, finished with %s after %d initiations", aborted, res.UploadID, count(log, "InitiateMultipartUpload", 0))
			}
			if !strings.Contains(notes, "the upload "+aborted[0]+" vanished during the copy") || !strings.Contains(notes, "starting a new upload") {
				t.Errorf("notes %q", notes)
			}
			if done[res.UploadID] != parts {
				t.Errorf("the new upload got %d parts, want all %d", done[res.UploadID], parts)
			}
		})
	}
}

// TestCompletedByTheLastRun: a run that completed its upload but stopped
// before the proof leaves a checkpoint; the rerun verifies the destination
// instead of copying again, unless the destination is another object.
func TestCompletedByTheLastRun(t *testing.T) {
	t.Parallel()
	const parts = 6
	tests := []struct {
		name        string
		overwritten bool
	}{
		{name: "the destination is the completed upload"},
		{name: "the destination was overwritten meanwhile", overwritten: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, parts*gib, ossserver.Config{})
			srcCRC := oss.ToString(f.mustHead(t, src).HashCRC64)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			killed := false
			store := &hooked{Store: f.store, complete: func(_ context.Context, _ string, next func() (worker.CopyResult, error)) (worker.CopyResult, error) {
				if _, err := next(); err != nil {
					return worker.CopyResult{}, err
				}
				cancel() // interrupted as the answer arrives, and killed before the proof
				killed = true
				return worker.CopyResult{}, cancelled("CompleteMultipartUpload")
			}, head: func(_ context.Context, _ worker.Object, next func() (worker.ObjectInfo, error)) (worker.ObjectInfo, error) {
				if killed {
					return worker.ObjectInfo{}, cancelled(osserr.OpHeadObject)
				}
				return next()
			}}
			job := f.job()
			first, err := worker.Copy(ctx, store, job)
			if !errors.Is(err, worker.ErrInterrupted) {
				t.Fatalf("first run: %v, want ErrInterrupted", err)
			}
			completedETag := oss.ToString(f.mustHead(t, dst).ETag)
			if files := checkpointFiles(t, f.dir); len(files) == 0 {
				t.Fatal("the first run left no checkpoint")
			}
			if tt.overwritten {
				f.put(t, dst, randomBytes(t, mib))
			}

			from := len(f.env.Log.Entries(t))
			var rec recorder
			job.Observer = &rec
			res, err := worker.Copy(context.Background(), f.store, job)
			if err != nil {
				t.Fatal(err)
			}
			log := f.log(t, from) // before checkCopied's own requests
			f.checkCopied(t, res, srcCRC)
			notes := rec.messages()
			if !tt.overwritten {
				if count(log, "UploadPartCopy", 0) != 0 || count(log, "CompleteMultipartUpload", 0) != 0 || count(log, "InitiateMultipartUpload", 0) != 0 {
					t.Errorf("the rerun copied again: %d part copies, %d completes, %d initiations", count(log, "UploadPartCopy", 0),
						count(log, "CompleteMultipartUpload", 0), count(log, "InitiateMultipartUpload", 0))
				}
				if !strings.Contains(notes, "the last run already completed upload "+first.UploadID) {
					t.Errorf("notes %q", notes)
				}
				// One of the source, one of the destination that both finds
				// the upload completed and proves it.
				if n := count(log, "HeadObject", 0); n != 2 {
					t.Errorf("the rerun sent %d HEADs, want 2", n)
				}
				if res.ETag != completedETag || res.UploadID != first.UploadID || res.ResumedParts != parts {
					t.Errorf("Result %+v, want ETag %s of upload %s", res, completedETag, first.UploadID)
				}
				return
			}
			if !strings.Contains(notes, "the upload "+first.UploadID+" of the last run is gone") || strings.Contains(notes, "already completed") {
				t.Errorf("notes %q", notes)
			}
			if res.UploadID == first.UploadID || res.ResumedParts != 0 || count(log, "InitiateMultipartUpload", 200) != 1 ||
				count(log, "UploadPartCopy", 200) != parts || count(log, "CompleteMultipartUpload", 200) != 1 {
				t.Errorf("Result %+v; %d part copies, %d completes", res, count(log, "UploadPartCopy", 200), count(log, "CompleteMultipartUpload", 200))
			}
		})
	}
}
