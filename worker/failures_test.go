// Errors from OSS: permanent ones fail fast and keep what can be resumed; transient and throttled ones are retried.

package worker_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/osscopy/osscopy/internal/lab/ossserver"
	"github.com/osscopy/osscopy/internal/osserr"
	"github.com/osscopy/osscopy/worker"
)

func TestPermanentErrorsFailFast(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		secret  string
		modify  func(*worker.Job)
		status  int
		code    string
		message string
	}{
		{name: "403 wrong secret", secret: "wrong-secret", status: 403, code: "SignatureDoesNotMatch"},
		{name: "404 NoSuchKey", modify: func(j *worker.Job) { j.Source.Key = "missing" }, status: 404, code: "NoSuchKey"},
		{name: "404 NoSuchBucket", modify: func(j *worker.Job) { j.Source.Bucket = "missing-bucket" }, status: 404, code: "NoSuchBucket"},
		{name: "an impossible plan", modify: func(j *worker.Job) { j.PartSize = 1024 }, message: "under OSS's minimum"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, 8*gib, ossserver.Config{})
			store := f.store
			if tt.secret != "" {
				store = storeFor(f.env, tt.secret)
			}
			job := f.job()
			if tt.modify != nil {
				tt.modify(&job)
			}
			var rec recorder
			job.Observer = &rec
			start := time.Now()
			res, err := worker.Copy(context.Background(), store, job)
			if err == nil {
				t.Fatal("the copy succeeded")
			}
			if time.Since(start) > 2*time.Second {
				t.Errorf("failing took %s", time.Since(start))
			}
			if tt.status != 0 {
				if e, ok := osserr.As(err); !ok || e.Status != tt.status || e.Code != tt.code || e.Class != osserr.Permanent {
					t.Errorf("error %v, want a permanent %d %s", err, tt.status, tt.code)
				}
			}
			if !strings.Contains(err.Error(), tt.message) || !strings.Contains(err.Error(), job.Source.String()) {
				t.Errorf("error %q does not say %q and name the source", err, tt.message)
			}
			log := f.env.Log.Entries(t)
			if len(log) != 1 || log[0].Op != "HeadObject" {
				t.Errorf("requests %+v, want one HEAD", log)
			}
			if res.UploadID != "" || res.Retries != 0 || res.Parts != 0 || len(rec.retried()) != 0 {
				t.Errorf("Result %+v, %d retries told", res, len(rec.retried()))
			}
			if files := checkpointFiles(t, f.dir); len(files) != 0 {
				t.Errorf("checkpoint files %v", files)
			}
		})
	}
}

// TestPermanentErrorMidCopy: a permanent error on a part stops the copy at
// once, keeps the upload and the checkpoint, and a rerun finishes.
func TestPermanentErrorMidCopy(t *testing.T) {
	t.Parallel()
	f := setup(t, 12*gib, ossserver.Config{Latency: map[string]time.Duration{"UploadPartCopy": 5 * time.Millisecond}})
	srcCRC := oss.ToString(f.mustHead(t, src).HashCRC64)
	var part3 atomic.Int32
	denied := &osserr.Error{Op: osserr.OpUploadPartCopy, Bucket: bkt, Key: dstKey, Part: 3, Status: 403, Code: "AccessDenied",
		Message: "injected", Class: osserr.Permanent}
	store := &hooked{Store: f.store, partCopy: func(ctx context.Context, in worker.PartCopyInput, next func() (string, error)) (string, error) {
		if in.PartNumber == 3 {
			part3.Add(1)
			time.Sleep(50 * time.Millisecond) // parts 1, 2 and 4 finish first
			return "", denied
		}
		return next()
	}}
	job := f.job()
	res, err := worker.Copy(context.Background(), store, job)
	if !errors.Is(err, denied) || !strings.Contains(err.Error(), "part 3 ") || !strings.Contains(err.Error(), "run the same command (without --fresh) to resume") ||
		!strings.Contains(err.Error(), res.UploadID) {
		t.Fatalf("error %v", err)
	}
	if part3.Load() != 1 || res.Retries != 0 {
		t.Errorf("part 3 tried %d times, %d retries; want 1, 0", part3.Load(), res.Retries)
	}
	if ids := f.uploads(t); len(ids) != 1 || ids[0] != res.UploadID {
		t.Errorf("uploads %v, want the kept %s", ids, res.UploadID)
	}
	if len(checkpointFiles(t, f.dir)) == 0 {
		t.Error("the checkpoint was not kept")
	}
	res2, err := worker.Copy(context.Background(), f.store, job)
	if err != nil {
		t.Fatal(err)
	}
	f.checkCopied(t, res2, srcCRC)
	if res2.UploadID != res.UploadID || res2.ResumedParts == 0 {
		t.Errorf("the rerun did not resume: %+v", res2)
	}
}

// TestTransientErrorsAreRetried: failures that may pass are retried within
// the policy and the copy completes.
func TestTransientErrorsAreRetried(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  ossserver.Config
		hook bool // part 3 fails once in the Store double
	}{
		{name: "part 3 fails once", hook: true},
		{name: "30% of UploadPartCopy answer 500/503", cfg: ossserver.Config{ErrorRate: map[string]float64{"UploadPartCopy": 0.3}, FaultSeed: 42}},
		{name: "30% of UploadPartCopy are reset after copying", cfg: ossserver.Config{ResetRate: map[string]float64{"UploadPartCopy": 0.3}, FaultSeed: 7}},
		{name: "20% of copy and multipart requests answer 500/503", cfg: ossserver.Config{ErrorRate: map[string]float64{"copy": 0.2, "multipart": 0.2}, FaultSeed: 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			const parts = 20
			f := setup(t, parts*gib, tt.cfg)
			srcCRC := oss.ToString(f.mustHead(t, src).HashCRC64)
			var store worker.Store = f.store
			var calls3 atomic.Int32
			unavailable := &osserr.Error{Op: osserr.OpUploadPartCopy, Bucket: bkt, Key: dstKey, Part: 3, Status: 503, Code: "ServiceUnavailable",
				Message: "injected", Class: osserr.Transient}
			if tt.hook {
				store = &hooked{Store: f.store, partCopy: func(ctx context.Context, in worker.PartCopyInput, next func() (string, error)) (string, error) {
					if in.PartNumber == 3 && calls3.Add(1) == 1 {
						return "", unavailable
					}
					return next()
				}}
			}
			job := f.job()
			var rec recorder
			job.Observer = &rec
			res, err := worker.Copy(context.Background(), store, job)
			if err != nil {
				t.Fatal(err)
			}
			f.checkCopied(t, res, srcCRC)
			log := f.env.Log.Entries(t)
			failed := 0
			attempts := map[int]int{}
			for _, e := range log {
				if e.Status == 0 || e.Status >= 500 {
					failed++
				}
				if e.Op == "UploadPartCopy" {
					attempts[e.PartNumber]++
				}
			}
			t.Logf("%d retries; %d failed requests of %d", res.Retries, failed, len(log))
			retries := rec.retried()
			if res.Retries == 0 || int(res.Retries) != len(retries) {
				t.Errorf("Result.Retries %d, %d retries told", res.Retries, len(retries))
			}
			if tt.hook {
				if res.Retries != 1 || calls3.Load() != 2 || attempts[3] != 1 ||
					len(retries) != 1 || retries[0].Op != "UploadPartCopy" || !errors.Is(retries[0].Err, unavailable) {
					t.Errorf("retries %d, part 3 called %d times (%d reached the server), retries told %+v",
						res.Retries, calls3.Load(), attempts[3], retries)
				}
			} else if int(res.Retries) != failed {
				t.Errorf("Result.Retries %d, but the server failed %d requests", res.Retries, failed)
			}
			for n := 1; n <= parts; n++ {
				if attempts[n] < 1 || attempts[n] > job.Retry.Attempts {
					t.Errorf("part %d: %d attempts, want 1..%d", n, attempts[n], job.Retry.Attempts)
				}
			}
			for _, r := range retries {
				if r.Wait > job.Retry.Max*2 {
					t.Errorf("waited %s, more than the policy's Max %s allows", r.Wait, job.Retry.Max)
				}
			}
		})
	}
}

// TestThrottled: a server that takes 2 requests at once, asked for 8,
// throttles with Retry-After; the copy waits as told and completes.
func TestThrottled(t *testing.T) {
	t.Parallel()
	const parts = 16
	f := setup(t, parts*gib, ossserver.Config{MaxInflight: 2, Latency: map[string]time.Duration{"UploadPartCopy": 20 * time.Millisecond}})
	srcCRC := oss.ToString(f.mustHead(t, src).HashCRC64)
	job := f.job()
	job.Parallel = 8
	var rec recorder
	job.Observer = &rec
	start := time.Now()
	res, err := worker.Copy(context.Background(), f.store, job)
	if err != nil {
		t.Fatal(err)
	}
	f.checkCopied(t, res, srcCRC)
	log := f.env.Log.Entries(t)
	throttled := count(log, "UploadPartCopy", 503)
	t.Logf("%d throttled, %d retries, %s", throttled, res.Retries, time.Since(start).Round(time.Millisecond))
	retries := rec.retried()
	if throttled == 0 || int(res.Retries) < throttled || int(res.Retries) != len(retries) {
		t.Errorf("%d UploadPartCopy throttled, %d retries, %d told", throttled, res.Retries, len(retries))
	}
	for _, r := range retries {
		if class, after := osserr.ClassOf(r.Err); class == osserr.Throttled && (after != time.Second || r.Wait < time.Second) {
			t.Errorf("throttled with Retry-After %s, waited %s", after, r.Wait)
		}
	}
	for _, e := range log {
		if e.Status == 503 && e.Code != "ActiveRequestLimitExceeded" {
			t.Errorf("unexpected 503 %s", e.Code)
		}
	}
}
