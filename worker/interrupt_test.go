// Interruptions: the grace for parts in flight, and a cancel before the parts, during the initiation and after the last part.

package worker_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/osscopy/osscopy/checkpoint"
	"github.com/osscopy/osscopy/internal/lab/ossserver"
	"github.com/osscopy/osscopy/internal/observe"
	"github.com/osscopy/osscopy/worker"
)

// staggered delays every part but part 1 before it reaches the server and
// counts the part copies started and finished, so that the first part
// done is told while exactly the other parts of the first wave are in flight.
type staggered struct {
	worker.Store
	delay             time.Duration
	started, finished atomic.Int32
	onStart           func(n int32)
}

func (s *staggered) UploadPartCopy(ctx context.Context, in worker.PartCopyInput) (string, error) {
	if in.PartNumber != 1 {
		time.Sleep(s.delay)
	}
	n := s.started.Add(1)
	if s.onStart != nil {
		s.onStart(n)
	}
	defer s.finished.Add(1)
	return s.Store.UploadPartCopy(ctx, in)
}

func TestGrace(t *testing.T) {
	t.Parallel()
	const parts, parallel = 12, 4

	t.Run("parts in flight finish and are recorded", func(t *testing.T) {
		t.Parallel()
		f := setup(t, parts*gib, ossserver.Config{Latency: map[string]time.Duration{"UploadPartCopy": 200 * time.Millisecond}})
		srcCRC := oss.ToString(f.mustHead(t, src).HashCRC64)
		job := f.job()
		job.Parallel, job.Grace = parallel, 5*time.Second
		store := &staggered{Store: f.store, delay: 100 * time.Millisecond}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var doneAtCancel, inflightAtCancel int
		var cancelled time.Time
		var once sync.Once
		job.Observer = &recorder{onPart: func(p observe.Progress) {
			once.Do(func() {
				doneAtCancel, inflightAtCancel = p.PartsDone, int(store.started.Load()-store.finished.Load())
				cancelled = time.Now()
				cancel()
			})
		}}
		_, err := worker.Copy(ctx, store, job)
		if !errors.Is(err, worker.ErrInterrupted) {
			t.Fatalf("error %v, want ErrInterrupted", err)
		}
		waited := time.Since(cancelled)
		copied := count(f.env.Log.Entries(t), "UploadPartCopy", 200)
		t.Logf("at cancel: %d done, %d in flight; grace took %s; %d parts copied", doneAtCancel, inflightAtCancel, waited.Round(time.Millisecond), copied)
		if inflightAtCancel != parallel-1 || waited > 2*time.Second {
			t.Errorf("%d parts were in flight at cancel (want %d), grace took %s", inflightAtCancel, parallel-1, waited)
		}
		if count(f.env.Log.Entries(t), "UploadPartCopy", 0) != copied {
			t.Error("a part copy was cut off despite the grace")
		}

		job.Observer = nil
		res, err := worker.Copy(context.Background(), f.store, job)
		if err != nil {
			t.Fatal(err)
		}
		f.checkCopied(t, res, srcCRC)
		if res.ResumedParts != doneAtCancel+inflightAtCancel || res.ResumedParts != copied {
			t.Errorf("ResumedParts %d, want %d done + %d in flight at cancel (%d copied)", res.ResumedParts, doneAtCancel, inflightAtCancel, copied)
		}
	})

	t.Run("a short grace cuts parts off", func(t *testing.T) {
		t.Parallel()
		f := setup(t, parts*gib, ossserver.Config{Latency: map[string]time.Duration{"UploadPartCopy": 5 * time.Second}})
		job := f.job()
		job.Parallel, job.Grace = parallel, time.Millisecond
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var cancelled atomic.Int64
		store := &staggered{Store: f.store, onStart: func(n int32) {
			if n == parallel {
				time.AfterFunc(100*time.Millisecond, func() {
					cancelled.Store(time.Now().UnixNano())
					cancel()
				})
			}
		}}
		start := time.Now()
		res, err := worker.Copy(ctx, store, job)
		if !errors.Is(err, worker.ErrInterrupted) {
			t.Fatalf("error %v, want ErrInterrupted", err)
		}
		afterCancel := time.Since(time.Unix(0, cancelled.Load()))
		t.Logf("returned %s after the cancel, %s in all: %v", afterCancel.Round(time.Millisecond), time.Since(start).Round(time.Millisecond), err)
		if afterCancel > time.Second || time.Since(start) > 3*time.Second {
			t.Errorf("returned %s after the cancel (%s in all)", afterCancel, time.Since(start))
		}
		if !strings.Contains(err.Error(), "0 of 12 parts") {
			t.Errorf("error %q does not say that no part is recorded", err)
		}
		if on := f.serverParts(t, res.UploadID); len(on) != 0 {
			t.Errorf("the server holds parts %v", on)
		}
		cp, saved, err := checkpoint.Open(f.dir, checkpoint.Name(checkpoint.Source{Bucket: srcBkt, Key: srcKey}, checkpoint.Destination{Bucket: bkt, Key: dstKey}))
		if err != nil {
			t.Fatal(err)
		}
		defer cp.Close()
		if saved == nil || saved.UploadID != res.UploadID || len(saved.Parts) != 0 {
			t.Errorf("checkpoint %+v", saved)
		}
		// The server logs a request once it sees the client leave.
		deadline := time.Now().Add(2 * time.Second)
		for count(f.env.Log.Entries(t), "UploadPartCopy", 499) != parallel && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if got := count(f.env.Log.Entries(t), "UploadPartCopy", 499); got != parallel {
			t.Errorf("%d part copies cut off, want %d", got, parallel)
		}
	})
}

// Cancelled before any part (while reading the source), a copy still
// reports an interruption, so the command prints how to resume.
func TestCancelledBeforeThePool(t *testing.T) {
	t.Parallel()
	f := setup(t, 8*gib, ossserver.Config{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := worker.Copy(ctx, f.store, f.job()); !errors.Is(err, worker.ErrInterrupted) {
		t.Fatalf("Copy with a cancelled context = %v, want ErrInterrupted", err)
	}
}

// An interruption that arrives while the upload is being initiated lets
// the initiation finish and be saved: the upload is in the checkpoint, not
// left behind unknown, and the next run resumes it.
func TestInterruptedDuringInitiate(t *testing.T) {
	t.Parallel()
	f := setup(t, 3*gib, ossserver.Config{})
	ctx, cancel := context.WithCancel(context.Background())
	store := &hooked{Store: f.store, initiate: func(ictx context.Context, next func() (string, error)) (string, error) {
		cancel() // the signal arrives while the request is in flight
		return next()
	}}
	_, err := worker.Copy(ctx, store, f.job())
	if !errors.Is(err, worker.ErrInterrupted) {
		t.Fatalf("Copy = %v, want ErrInterrupted", err)
	}
	uploads := f.uploads(t)
	saved, lerr := checkpoint.UploadIDs(f.dir)
	if lerr != nil || len(uploads) != 1 || saved[uploads[0]] == "" {
		t.Fatalf("uploads on the server %v, in checkpoints %v (%v); want the one upload recorded", uploads, saved, lerr)
	}
	res, err := worker.Copy(context.Background(), f.store, f.job())
	if err != nil {
		t.Fatal(err)
	}
	if res.UploadID != uploads[0] {
		t.Errorf("the rerun used upload %s, want the saved %s", res.UploadID, uploads[0])
	}
}

// Cancelled after the last part: every part is paid for, so the
// completion runs in the grace and the copy ends proven, not interrupted
// with its completion left to a rerun.
func TestCancelledAfterLastPartCompletes(t *testing.T) {
	t.Parallel()
	f := setup(t, 12*gib, ossserver.Config{})
	srcCRC := oss.ToString(f.mustHead(t, src).HashCRC64)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	job := f.job()
	job.Observer = &recorder{onPart: func(p observe.Progress) {
		if p.PartsDone == p.PartsTotal {
			cancel()
		}
	}}
	res, err := worker.Copy(ctx, f.store, job)
	if err != nil {
		t.Fatalf("Copy = %v, want the completion to finish in the grace", err)
	}
	f.checkCopied(t, res, srcCRC)
	if n := count(f.env.Log.Entries(t), "CompleteMultipartUpload", 200); n != 1 {
		t.Errorf("%d completions, want 1", n)
	}
	if files := checkpointFiles(t, f.dir); len(files) != 0 {
		t.Errorf("checkpoint files %v left after a proven copy", files)
	}
}
