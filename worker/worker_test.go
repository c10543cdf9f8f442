package worker_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"golang.org/x/sync/errgroup"

	"github.com/osscopy/osscopy/checkpoint"
	"github.com/osscopy/osscopy/internal/ossclient"
	"github.com/osscopy/osscopy/internal/lab/ossserver"
	"github.com/osscopy/osscopy/internal/lab/osstest"
	"github.com/osscopy/osscopy/planner"
	"github.com/osscopy/osscopy/worker"
)

// The fixture copies between two buckets: within one, OSS's CopyObject
// takes any size and no part would be copied (TestWithinBucket).
const (
	srcBkt = "copy-src"
	bkt    = "copy-bkt" // the destination's
	srcKey = "src/object.bin"
	dstKey = "dst/object.bin"
	gib    = int64(1) << 30
	mib    = int64(1) << 20
)

// src and dst are the objects the fixture's job copies.
var (
	src = worker.Object{Bucket: srcBkt, Key: srcKey}
	dst = worker.Object{Bucket: bkt, Key: dstKey}
)

// fixture is a local OSS server holding srcKey (a synthetic object of the
// given size), a real ossclient.Client for it and a checkpoint directory.
type fixture struct {
	env   *osstest.Env
	store *ossclient.Client
	dir   string
}

func setup(t *testing.T, size int64, cfg ossserver.Config) *fixture {
	t.Helper()
	cfg.Buckets = append(cfg.Buckets, srcBkt, bkt)
	cfg.Seeds = append(cfg.Seeds, ossserver.Seed{Bucket: srcBkt, Key: srcKey, Size: size, Seed: uint64(size) + 1})
	env := osstest.Start(t, cfg)
	return &fixture{env: env, store: storeFor(env, osstest.AccessKeySecret), dir: filepath.Join(t.TempDir(), "checkpoints")}
}

func storeFor(env *osstest.Env, secret string) *ossclient.Client {
	return ossclient.New(ossclient.Settings{Endpoint: env.Endpoint, Region: env.Region, AccessKeyID: osstest.AccessKeyID,
		AccessKeySecret: secret, AddressingStyle: "path"})
}

// fastRetry is the default policy with backoffs short enough for tests.
func fastRetry() worker.RetryPolicy {
	p := worker.DefaultRetryPolicy(ossclient.Classify)
	p.Initial, p.Max = time.Millisecond, 5*time.Millisecond
	return p
}

func (f *fixture) job() worker.Job {
	return worker.Job{Source: src, Dest: dst,
		PartSize: gib, Parallel: 4, CheckpointDir: f.dir, Grace: 5 * time.Second, Retry: fastRetry()}
}

// head returns HEAD of key, or the error (a 404 for a missing object).
func (f *fixture) head(t *testing.T, obj worker.Object) (*oss.HeadObjectResult, error) {
	t.Helper()
	return f.env.Client.HeadObject(context.Background(), &oss.HeadObjectRequest{Bucket: oss.Ptr(obj.Bucket), Key: oss.Ptr(obj.Key)})
}

func (f *fixture) mustHead(t *testing.T, obj worker.Object) *oss.HeadObjectResult {
	t.Helper()
	h, err := f.head(t, obj)
	if err != nil {
		t.Fatalf("HEAD %s: %v", obj, err)
	}
	return h
}

func (f *fixture) wantMissing(t *testing.T, obj worker.Object) {
	t.Helper()
	_, err := f.head(t, obj)
	var se *oss.ServiceError
	if !errors.As(err, &se) || se.StatusCode != 404 {
		t.Errorf("HEAD %s = %v, want 404", obj, err)
	}
}

// uploads lists the multipart uploads left in the bucket.
func (f *fixture) uploads(t *testing.T) []string {
	t.Helper()
	res, err := f.env.Client.ListMultipartUploads(context.Background(), &oss.ListMultipartUploadsRequest{Bucket: oss.Ptr(bkt)})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, u := range res.Uploads {
		ids = append(ids, oss.ToString(u.UploadId))
	}
	return ids
}

// serverParts lists the parts the server holds for an upload of dstKey.
func (f *fixture) serverParts(t *testing.T, uploadID string) map[int32]int64 {
	t.Helper()
	res, err := f.env.Client.ListParts(context.Background(), &oss.ListPartsRequest{Bucket: oss.Ptr(bkt), Key: oss.Ptr(dstKey), UploadId: oss.Ptr(uploadID)})
	if err != nil {
		t.Fatal(err)
	}
	out := map[int32]int64{}
	for _, p := range res.Parts {
		out[p.PartNumber] = p.Size
	}
	return out
}

func (f *fixture) put(t *testing.T, obj worker.Object, body []byte) {
	t.Helper()
	if _, err := f.env.Client.PutObject(context.Background(), &oss.PutObjectRequest{Bucket: oss.Ptr(obj.Bucket), Key: oss.Ptr(obj.Key),
		Body: bytes.NewReader(body)}); err != nil {
		t.Fatalf("PUT %s: %v", obj, err)
	}
}

func (f *fixture) abort(t *testing.T, uploadID string) {
	t.Helper()
	if _, err := f.env.Client.AbortMultipartUpload(context.Background(), &oss.AbortMultipartUploadRequest{Bucket: oss.Ptr(bkt),
		Key: oss.Ptr(dstKey), UploadId: oss.Ptr(uploadID)}); err != nil {
		t.Errorf("aborting %s: %v", uploadID, err)
	}
}

// log returns the access log from entry from on (from: a len of an earlier call).
func (f *fixture) log(t *testing.T, from int) []ossserver.LogEntry {
	t.Helper()
	return f.env.Log.Entries(t)[from:]
}

func count(entries []ossserver.LogEntry, op string, status int) int {
	n := 0
	for _, e := range entries {
		if e.Op == op && (status == 0 || e.Status == status) {
			n++
		}
	}
	return n
}

// checkpointFiles lists the state files (.json, .parts) in dir.
func checkpointFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	for _, ext := range []string{"*.json", "*.parts"} {
		m, err := filepath.Glob(filepath.Join(dir, ext))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m...)
	}
	return out
}

func randomBytes(t *testing.T, n int64) []byte {
	t.Helper()
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// recorder keeps the events of a copy; then, when set, sees each one after.
type recorder struct {
	mu     sync.Mutex
	events []worker.Event
	then   func(worker.Event)
}

func (r *recorder) record(e worker.Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
	if r.then != nil {
		r.then(e)
	}
}

func (r *recorder) of(kind worker.EventKind) []worker.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []worker.Event
	for _, e := range r.events {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

func (r *recorder) messages(kind worker.EventKind) string {
	var b strings.Builder
	for _, e := range r.of(kind) {
		b.WriteString(e.Message + "\n")
	}
	return b.String()
}

// hooked is a Store that delegates to a real one; a hook that is set sees
// each call first and decides whether and how to make it (next).
type hooked struct {
	worker.Store
	copyObject func(ctx context.Context, in worker.CopyObjectInput, next func() (worker.CopyResult, error)) (worker.CopyResult, error)
	initiate   func(ctx context.Context, next func() (string, error)) (string, error)
	partCopy   func(ctx context.Context, in worker.PartCopyInput, next func() (string, error)) (string, error)
	complete   func(ctx context.Context, uploadID string, next func() (worker.CopyResult, error)) (worker.CopyResult, error)
	head       func(ctx context.Context, obj worker.Object, next func() (worker.ObjectInfo, error)) (worker.ObjectInfo, error)
}

func (h *hooked) Head(ctx context.Context, obj worker.Object) (worker.ObjectInfo, error) {
	next := func() (worker.ObjectInfo, error) { return h.Store.Head(ctx, obj) }
	if h.head != nil {
		return h.head(ctx, obj, next)
	}
	return next()
}

func (h *hooked) CopyObject(ctx context.Context, in worker.CopyObjectInput) (worker.CopyResult, error) {
	next := func() (worker.CopyResult, error) { return h.Store.CopyObject(ctx, in) }
	if h.copyObject != nil {
		return h.copyObject(ctx, in, next)
	}
	return next()
}

func (h *hooked) Initiate(ctx context.Context, dst worker.Object, attrs worker.Attributes) (string, error) {
	next := func() (string, error) { return h.Store.Initiate(ctx, dst, attrs) }
	if h.initiate != nil {
		return h.initiate(ctx, next)
	}
	return next()
}

func (h *hooked) UploadPartCopy(ctx context.Context, in worker.PartCopyInput) (string, error) {
	next := func() (string, error) { return h.Store.UploadPartCopy(ctx, in) }
	if h.partCopy != nil {
		return h.partCopy(ctx, in, next)
	}
	return next()
}

func (h *hooked) Complete(ctx context.Context, dst worker.Object, uploadID string, parts []worker.PartETag) (worker.CopyResult, error) {
	next := func() (worker.CopyResult, error) { return h.Store.Complete(ctx, dst, uploadID, parts) }
	if h.complete != nil {
		return h.complete(ctx, uploadID, next)
	}
	return next()
}

// checkCopied proves the destination equals the source and that nothing
// (upload, checkpoint) is left behind.
func (f *fixture) checkCopied(t *testing.T, res worker.Result, srcCRC string) {
	t.Helper()
	d := f.mustHead(t, dst)
	if got := oss.ToString(d.HashCRC64); got != srcCRC || res.CRC64 != srcCRC {
		t.Errorf("destination CRC64 %s, Result.CRC64 %s, source %s", got, res.CRC64, srcCRC)
	}
	if d.ContentLength != res.Size {
		t.Errorf("destination has %d bytes, Result.Size %d", d.ContentLength, res.Size)
	}
	if oss.ToString(d.ETag) != res.ETag {
		t.Errorf("destination ETag %s, Result.ETag %s", oss.ToString(d.ETag), res.ETag)
	}
	if ids := f.uploads(t); len(ids) != 0 {
		t.Errorf("uploads left: %v", ids)
	}
	if files := checkpointFiles(t, f.dir); len(files) != 0 {
		t.Errorf("checkpoint files left: %v", files)
	}
}

func TestCopySingle(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		size      int64
		threshold int64
		modify    func(*worker.Job)
		check     func(t *testing.T, f *fixture)
	}{
		{name: "1 MiB", size: mib},
		{name: "empty", size: 0},
		{name: "exactly the threshold", size: 4 * mib, threshold: 4 * mib},
		{name: "1 GiB, the default threshold", size: gib},
		{name: "replaced metadata and tags", size: 3 * mib,
			modify: func(j *worker.Job) {
				j.ReplaceMetadata, j.ReplaceTagging = true, true
				j.Attributes = worker.Attributes{ContentType: "text/plain", CacheControl: "no-cache", Meta: map[string]string{"owner": "tests"}, Tagging: "a=1&b=2"}
			},
			check: func(t *testing.T, f *fixture) {
				d := f.mustHead(t, dst)
				if oss.ToString(d.ContentType) != "text/plain" || oss.ToString(d.CacheControl) != "no-cache" || d.Metadata["owner"] != "tests" || d.TaggingCount != 2 {
					t.Errorf("destination attributes: type %q cache %q meta %v tags %d", oss.ToString(d.ContentType),
						oss.ToString(d.CacheControl), d.Metadata, d.TaggingCount)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, tt.size, ossserver.Config{})
			srcCRC := oss.ToString(f.mustHead(t, src).HashCRC64)
			job := f.job()
			job.Threshold = tt.threshold
			if tt.modify != nil {
				tt.modify(&job)
			}
			from := len(f.env.Log.Entries(t))
			res, err := worker.Copy(context.Background(), f.store, job)
			if err != nil {
				t.Fatal(err)
			}
			log := f.log(t, from)
			if !res.Single || res.Parts != 0 || res.UploadID != "" || res.Size != tt.size || res.ResumedParts != 0 || res.Retries != 0 || res.CheckpointBytes != 0 {
				t.Errorf("Result = %+v", res)
			}
			if res.Source != "oss://"+srcBkt+"/"+srcKey || res.Destination != "oss://"+bkt+"/"+dstKey {
				t.Errorf("Result names %s -> %s", res.Source, res.Destination)
			}
			if srcCRC == "" {
				t.Fatal("the server gave no CRC64 for the source")
			}
			f.checkCopied(t, res, srcCRC)
			// HEAD source, CopyObject, whose CRC64 proves the copy: nothing else.
			if len(log) != 2 || count(log, "HeadObject", 200) != 1 || count(log, "CopyObject", 200) != 1 {
				t.Errorf("requests: %+v", log)
			}
			if tt.check != nil {
				tt.check(t, f)
			}
		})
	}
}

// maxInflight is a Store that measures how many part copies run at once.
type maxInflight struct {
	worker.Store
	now, max atomic.Int64
}

func (m *maxInflight) UploadPartCopy(ctx context.Context, in worker.PartCopyInput) (string, error) {
	n := m.now.Add(1)
	defer m.now.Add(-1)
	for {
		old := m.max.Load()
		if n <= old || m.max.CompareAndSwap(old, n) {
			break
		}
	}
	return m.Store.UploadPartCopy(ctx, in)
}

func TestCopyMultipart(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		size     int64
		partSize int64
		parallel int
		tags     bool
	}{
		{name: "50 GiB in 1 GiB parts, 8 at once", size: 50 * gib, partSize: gib, parallel: 8},
		{name: "a short last part", size: 10*gib + 12345, partSize: gib, parallel: 4},
		{name: "the default part size", size: 20 * gib, parallel: 4},
		{name: "one at a time", size: 3*gib + 1, partSize: gib, parallel: 1},
		{name: "the source's tags are carried", size: 3 * gib, partSize: gib, parallel: 2, tags: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, tt.size, ossserver.Config{Latency: map[string]time.Duration{"UploadPartCopy": 20 * time.Millisecond}})
			ctx := context.Background()
			if tt.tags {
				if _, err := f.env.Client.PutObjectTagging(ctx, &oss.PutObjectTaggingRequest{Bucket: oss.Ptr(srcBkt), Key: oss.Ptr(srcKey),
					Tagging: &oss.Tagging{TagSet: &oss.TagSet{Tags: []oss.Tag{{Key: oss.Ptr("team"), Value: oss.Ptr("storage")}}}}}); err != nil {
					t.Fatal(err)
				}
			}
			srcHead := f.mustHead(t, src)
			plan, err := planner.New(tt.size, planner.Options{PartSize: tt.partSize, Parallel: tt.parallel})
			if err != nil {
				t.Fatal(err)
			}
			parts := len(plan.Parts)
			job := f.job()
			job.PartSize, job.Parallel = tt.partSize, tt.parallel
			var rec recorder
			job.Events = rec.record
			store := &maxInflight{Store: f.store}
			res, err := worker.Copy(ctx, store, job)
			if err != nil {
				t.Fatal(err)
			}
			f.checkCopied(t, res, oss.ToString(srcHead.HashCRC64))
			if res.Single || res.Size != tt.size || res.Parts != parts || res.PartSize != plan.PartSize || res.UploadID == "" ||
				res.ResumedParts != 0 || res.Retries != 0 || res.CheckpointBytes <= 0 || res.Seconds <= 0 ||
				!strings.HasSuffix(res.ETag, fmt.Sprintf(`-%d"`, parts)) {
				t.Errorf("Result = %+v (want %d parts of %d)", res, parts, plan.PartSize)
			}
			t.Logf("%d parts of %d bytes: %d checkpoint bytes, %.3f s", parts, plan.PartSize, res.CheckpointBytes, res.Seconds)
			log := f.env.Log.Entries(t)
			for op, want := range map[string]int{"UploadPartCopy": parts, "InitiateMultipartUpload": 1, "CompleteMultipartUpload": 1,
				"ListParts": 0, "AbortMultipartUpload": 0, "CopyObject": 0, "GetObjectTagging": map[bool]int{true: 1}[tt.tags]} {
				if got := count(log, op, 0); got != want {
					t.Errorf("%d %s requests, want %d", got, op, want)
				}
			}
			if got := store.max.Load(); got != int64(min(tt.parallel, parts)) {
				t.Errorf("%d part copies ran at once, want %d", got, min(tt.parallel, parts))
			}
			done := rec.of(worker.EventPartDone)
			planned := rec.of(worker.EventPlanned)
			if len(planned) != 1 || planned[0].PartsTotal != parts || planned[0].BytesTotal != tt.size {
				t.Errorf("planned events %+v", planned)
			}
			if len(done) != parts {
				t.Fatalf("%d part events, want %d", len(done), parts)
			}
			var last worker.Event
			for _, e := range done {
				if e.PartsDone > last.PartsDone {
					last = e
				}
			}
			if last.PartsDone != parts || last.BytesDone != tt.size || last.PartsTotal != parts || last.BytesTotal != tt.size {
				t.Errorf("last part event %+v", last)
			}
			if notes := rec.messages(worker.EventNote) + rec.messages(worker.EventResuming); notes != "" {
				t.Errorf("unexpected notes: %s", notes)
			}
			if tt.tags {
				tags, err := f.env.Client.GetObjectTagging(ctx, &oss.GetObjectTaggingRequest{Bucket: oss.Ptr(bkt), Key: oss.Ptr(dstKey)})
				if err != nil || len(tags.Tags) != 1 || oss.ToString(tags.Tags[0].Value) != "storage" {
					t.Errorf("destination tags %+v, %v", tags, err)
				}
			}
		})
	}
}

// interrupt runs job until k parts are done, then cancels its context.
func interrupt(t *testing.T, f *fixture, store worker.Store, job worker.Job, k int) (worker.Result, error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rec := &recorder{then: func(e worker.Event) {
		if e.Kind == worker.EventPartDone && e.PartsDone >= k {
			cancel()
		}
	}}
	job.Events = rec.record
	res, err := worker.Copy(ctx, store, job)
	if !errors.Is(err, worker.ErrInterrupted) {
		t.Fatalf("the interrupted run returned %v, want ErrInterrupted", err)
	}
	if res.UploadID == "" {
		t.Fatal("the interrupted run reports no upload")
	}
	if files := checkpointFiles(t, f.dir); len(files) == 0 {
		t.Fatal("the interrupted run left no checkpoint")
	}
	return res, err
}

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
			job.Events = rec.record
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
			resuming := rec.of(worker.EventResuming)
			if len(resuming) != 1 || resuming[0].PartsDone != copied1 || resuming[0].PartsTotal != parts ||
				resuming[0].BytesDone != int64(copied1)*gib || !strings.Contains(resuming[0].Message, first.UploadID) {
				t.Errorf("resuming events %+v", resuming)
			}
			if done := rec.of(worker.EventPartDone); len(done) != parts-copied1 {
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
		note      string // in the notes or the resuming message
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
			job.Events = rec.record
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
			if msgs := rec.messages(worker.EventNote) + rec.messages(worker.EventResuming); !strings.Contains(msgs, tt.note) {
				t.Errorf("messages %q do not say %q", msgs, tt.note)
			}
		})
	}
}

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
			job.Events = rec.record
			res, err := worker.Copy(context.Background(), f.store, job)
			if err != nil {
				t.Fatal(err)
			}
			f.checkCopied(t, res, srcCRC)
			log := f.log(t, from)
			notes := rec.messages(worker.EventNote)
			if tt.note == "" {
				if res.ResumedParts < k || res.UploadID != first.UploadID || notes != "" || count(log, "AbortMultipartUpload", 0) != 0 {
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
			job.Events = rec.record
			start := time.Now()
			res, err := worker.Copy(context.Background(), store, job)
			if err == nil {
				t.Fatal("the copy succeeded")
			}
			if time.Since(start) > 2*time.Second {
				t.Errorf("failing took %s", time.Since(start))
			}
			if tt.status != 0 {
				var se *oss.ServiceError
				if !errors.As(err, &se) || se.StatusCode != tt.status || se.Code != tt.code {
					t.Errorf("error %v, want %d %s", err, tt.status, tt.code)
				}
				if class, _ := ossclient.Classify(err); class != worker.Permanent {
					t.Errorf("classified %v", class)
				}
			}
			if !strings.Contains(err.Error(), tt.message) || !strings.Contains(err.Error(), job.Source.String()) {
				t.Errorf("error %q does not say %q and name the source", err, tt.message)
			}
			log := f.env.Log.Entries(t)
			if len(log) != 1 || log[0].Op != "HeadObject" {
				t.Errorf("requests %+v, want one HEAD", log)
			}
			if res.UploadID != "" || res.Retries != 0 || res.Parts != 0 || len(rec.of(worker.EventRetry)) != 0 {
				t.Errorf("Result %+v, %d retries", res, len(rec.of(worker.EventRetry)))
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
	denied := &oss.ServiceError{StatusCode: 403, Code: "AccessDenied", Message: "injected"}
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
			if tt.hook {
				store = &hooked{Store: f.store, partCopy: func(ctx context.Context, in worker.PartCopyInput, next func() (string, error)) (string, error) {
					if in.PartNumber == 3 && calls3.Add(1) == 1 {
						return "", &oss.ServiceError{StatusCode: 503, Code: "ServiceUnavailable", Message: "injected"}
					}
					return next()
				}}
			}
			job := f.job()
			var waits []time.Duration
			var mu sync.Mutex
			job.Retry.OnRetry = func(op string, err error, wait time.Duration) {
				mu.Lock()
				waits = append(waits, wait)
				mu.Unlock()
			}
			var rec recorder
			job.Events = rec.record
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
			if res.Retries == 0 || int(res.Retries) != len(rec.of(worker.EventRetry)) || int(res.Retries) != len(waits) {
				t.Errorf("Result.Retries %d, %d retry events, OnRetry called %d times", res.Retries, len(rec.of(worker.EventRetry)), len(waits))
			}
			if tt.hook {
				if res.Retries != 1 || calls3.Load() != 2 || attempts[3] != 1 ||
					!strings.Contains(rec.messages(worker.EventRetry), "UploadPartCopy failed") {
					t.Errorf("retries %d, part 3 called %d times (%d reached the server), retry events %q",
						res.Retries, calls3.Load(), attempts[3], rec.messages(worker.EventRetry))
				}
			} else if int(res.Retries) != failed {
				t.Errorf("Result.Retries %d, but the server failed %d requests", res.Retries, failed)
			}
			for n := 1; n <= parts; n++ {
				if attempts[n] < 1 || attempts[n] > job.Retry.Attempts {
					t.Errorf("part %d: %d attempts, want 1..%d", n, attempts[n], job.Retry.Attempts)
				}
			}
			for _, w := range waits {
				if w > job.Retry.Max*2 {
					t.Errorf("waited %s, more than the policy's Max %s allows", w, job.Retry.Max)
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
	type retry struct {
		err  error
		wait time.Duration
	}
	var mu sync.Mutex
	var retries []retry
	job.Retry.OnRetry = func(op string, err error, wait time.Duration) {
		mu.Lock()
		retries = append(retries, retry{err, wait})
		mu.Unlock()
	}
	start := time.Now()
	res, err := worker.Copy(context.Background(), f.store, job)
	if err != nil {
		t.Fatal(err)
	}
	f.checkCopied(t, res, srcCRC)
	log := f.env.Log.Entries(t)
	throttled := count(log, "UploadPartCopy", 503)
	t.Logf("%d throttled, %d retries, %s", throttled, res.Retries, time.Since(start).Round(time.Millisecond))
	if throttled == 0 || int(res.Retries) < throttled || int(res.Retries) != len(retries) {
		t.Errorf("%d UploadPartCopy throttled, %d retries, OnRetry called %d times", throttled, res.Retries, len(retries))
	}
	for _, r := range retries {
		if class, after := ossclient.Classify(r.err); class == worker.Throttled && (after != time.Second || r.wait < time.Second) {
			t.Errorf("throttled with Retry-After %s, waited %s", after, r.wait)
		}
	}
	for _, e := range log {
		if e.Status == 503 && e.Code != "ActiveRequestLimitExceeded" {
			t.Errorf("unexpected 503 %s", e.Code)
		}
	}
}

// TestSourceChangedMidCopy: an overwritten source fails the copy with
// ErrSourceChanged and leaves nothing behind.
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
			job.Events = func(e worker.Event) {
				if e.Kind == worker.EventPartDone && e.PartsDone >= n {
					once.Do(func() { change(t, f) })
				}
			}
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

// staggered delays every part but part 1 before it reaches the server and
// counts the part copies started and finished, so that the first event
// comes while exactly the other parts of the first wave are in flight.
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
		job.Events = func(e worker.Event) {
			if e.Kind == worker.EventPartDone {
				once.Do(func() {
					doneAtCancel, inflightAtCancel = e.PartsDone, int(store.started.Load()-store.finished.Load())
					cancelled = time.Now()
					cancel()
				})
			}
		}
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

		job.Events = nil
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

// completedThen makes a Complete hook whose every attempt reaches the
// server, the first completing the upload and the others finding it gone,
// but reports err: every answer is lost that way.
func completedThen(err error) func(*testing.T, *fixture, string, func() (worker.CopyResult, error)) (worker.CopyResult, error) {
	return func(t *testing.T, f *fixture, uploadID string, next func() (worker.CopyResult, error)) (worker.CopyResult, error) {
		_, _ = next()
		return worker.CopyResult{}, err
	}
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
		{name: "completed, answer lost to a reset: success", ok: true, complete: completedThen(syscall.ECONNRESET)},
		{name: "completed, answer timed out: success", ok: true, complete: completedThen(context.DeadlineExceeded)},
		{name: "completed, a 503 whose body was not read: success", ok: true,
			complete: completedThen(fmt.Errorf("Error returned by Service. Http Status Code: 503. %w", io.ErrUnexpectedEOF))},
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
				if !errors.Is(err, worker.ErrNoSuchUpload) || !strings.Contains(err.Error(), "completing upload "+res.UploadID) {
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
		return completedThen(syscall.ECONNRESET)(t, f, uploadID, next)
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
			job.Events = rec.record
			res, err := worker.Copy(context.Background(), store, job)
			log := f.env.Log.Entries(t)
			notes := rec.messages(worker.EventNote)
			if !tt.ok {
				if !errors.Is(err, worker.ErrNoSuchUpload) {
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

// attrsOf reads what a copy must carry or replace on obj.
func (f *fixture) attrsOf(t *testing.T, obj worker.Object) string {
	t.Helper()
	h := f.mustHead(t, obj)
	tags, err := f.env.Client.GetObjectTagging(context.Background(), &oss.GetObjectTaggingRequest{Bucket: oss.Ptr(obj.Bucket), Key: oss.Ptr(obj.Key)})
	if err != nil {
		t.Fatal(err)
	}
	var tagList []string
	for _, tag := range tags.Tags {
		tagList = append(tagList, oss.ToString(tag.Key)+"="+oss.ToString(tag.Value))
	}
	return fmt.Sprintf("type=%q cache=%q disposition=%q encoding=%q expires=%q meta=%v class=%q tags=%v",
		oss.ToString(h.ContentType), oss.ToString(h.CacheControl), oss.ToString(h.ContentDisposition),
		oss.ToString(h.ContentEncoding), oss.ToString(h.Expires), h.Metadata, oss.ToString(h.StorageClass), tagList)
}

// TestAttributesSingleEqualsMultipart: a multipart copy gives the
// destination the metadata and tags that CopyObject's directives give it.
func TestAttributesSingleEqualsMultipart(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		modify func(*worker.Job)
		want   string
	}{
		{name: "carried from the source",
			want: `type="text/csv" cache="max-age=60" disposition="attachment; filename=\"a.csv\"" encoding="identity" expires="" meta=map[owner:alice] class="Standard" tags=[project=x team=storage]`},
		{name: "metadata replaced, tags carried",
			modify: func(j *worker.Job) {
				j.ReplaceMetadata = true
				j.Attributes = worker.Attributes{ContentType: "text/plain", Meta: map[string]string{"new": "1"}, Tagging: "ignored=1"}
			},
			want: `type="text/plain" cache="" disposition="" encoding="" expires="" meta=map[new:1] class="Standard" tags=[project=x team=storage]`},
		{name: "tags replaced, metadata carried",
			modify: func(j *worker.Job) { j.ReplaceTagging, j.Attributes = true, worker.Attributes{Tagging: "a=b"} },
			want:   `type="text/csv" cache="max-age=60" disposition="attachment; filename=\"a.csv\"" encoding="identity" expires="" meta=map[owner:alice] class="Standard" tags=[a=b]`},
		{name: "tags removed",
			modify: func(j *worker.Job) { j.ReplaceTagging = true },
			want:   `type="text/csv" cache="max-age=60" disposition="attachment; filename=\"a.csv\"" encoding="identity" expires="" meta=map[owner:alice] class="Standard" tags=[]`},
		{name: "storage class, metadata carried",
			modify: func(j *worker.Job) { j.Attributes = worker.Attributes{StorageClass: "IA", ContentType: "ignored/x"} },
			want:   `type="text/csv" cache="max-age=60" disposition="attachment; filename=\"a.csv\"" encoding="identity" expires="" meta=map[owner:alice] class="IA" tags=[project=x team=storage]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, 0, ossserver.Config{})
			ctx := context.Background()
			if _, err := f.env.Client.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(srcBkt), Key: oss.Ptr(srcKey),
				Body: bytes.NewReader(randomBytes(t, 3*mib)), ContentType: oss.Ptr("text/csv"), CacheControl: oss.Ptr("max-age=60"),
				ContentDisposition: oss.Ptr(`attachment; filename="a.csv"`), ContentEncoding: oss.Ptr("identity"),
				Metadata: map[string]string{"owner": "alice"}, Tagging: oss.Ptr("team=storage&project=x")}); err != nil {
				t.Fatal(err)
			}
			srcCRC := oss.ToString(f.mustHead(t, src).HashCRC64)
			got := map[bool]string{}
			for _, multipart := range []bool{false, true} {
				job := f.job()
				job.PartSize = mib
				if multipart {
					job.Threshold = mib
				}
				if tt.modify != nil {
					tt.modify(&job)
				}
				res, err := worker.Copy(ctx, f.store, job)
				if err != nil {
					t.Fatal(err)
				}
				if res.Single == multipart || res.CRC64 != srcCRC {
					t.Fatalf("Result %+v", res)
				}
				got[multipart] = f.attrsOf(t, dst)
			}
			if got[false] != tt.want || got[true] != tt.want {
				t.Errorf("destination attributes\nCopyObject: %s\nmultipart:  %s\nwant:       %s", got[false], got[true], tt.want)
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
	job.Events = func(e worker.Event) {
		if e.Kind == worker.EventPartDone && e.PartsDone >= 2 {
			once.Do(func() { f.put(t, src, []byte("a newer version")) })
		}
	}
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

// TestAwkwardKeys: keys that need escaping survive both paths and get
// distinct checkpoints.
func TestAwkwardKeys(t *testing.T) {
	t.Parallel()
	for _, key := range []string{"dir/a b+c?d=e&f#g.bin", "ünï/cødé/文件.bin", "trailing/slash-in-name/", "%2F/percent%20key"} {
		for _, multipart := range []bool{false, true} {
			t.Run(fmt.Sprintf("%q multipart=%v", key, multipart), func(t *testing.T) {
				t.Parallel()
				f := setup(t, 0, ossserver.Config{Seeds: []ossserver.Seed{{Bucket: srcBkt, Key: key, Size: 5 * mib, Seed: 3}}})
				srcCRC := oss.ToString(f.mustHead(t, worker.Object{Bucket: srcBkt, Key: key}).HashCRC64)
				job := f.job()
				job.Source.Key, job.Dest.Key = key, key+".copy"
				job.PartSize = mib
				if multipart {
					job.Threshold = mib
				}
				res, err := worker.Copy(context.Background(), f.store, job)
				if err != nil {
					t.Fatal(err)
				}
				if res.Single == multipart || res.CRC64 != srcCRC || oss.ToString(f.mustHead(t, worker.Object{Bucket: bkt, Key: key + ".copy"}).HashCRC64) != srcCRC {
					t.Errorf("Result %+v, source CRC64 %s", res, srcCRC)
				}
			})
		}
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
	rec := &recorder{}
	job := f.job()
	job.Events = rec.record
	res, err := worker.Copy(context.Background(), f.store, job)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Single {
		t.Error("a 1000-byte source was not copied with one CopyObject")
	}
	if msg := rec.messages(worker.EventNote); !strings.Contains(msg, first.UploadID) {
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

// cpName is the checkpoint name of the fixture's copy.
func cpName() string {
	return checkpoint.Name(checkpoint.Source{Bucket: srcBkt, Key: srcKey}, checkpoint.Destination{Bucket: bkt, Key: dstKey})
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
			job.Events = rec.record
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
			if notes := rec.messages(worker.EventNote); notes != "" {
				t.Errorf("notes %q", notes)
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
				return worker.CopyResult{}, context.Canceled
			}, head: func(_ context.Context, _ worker.Object, next func() (worker.ObjectInfo, error)) (worker.ObjectInfo, error) {
				if killed {
					return worker.ObjectInfo{}, context.Canceled
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
			job.Events = rec.record
			res, err := worker.Copy(context.Background(), f.store, job)
			if err != nil {
				t.Fatal(err)
			}
			log := f.log(t, from) // before checkCopied's own requests
			f.checkCopied(t, res, srcCRC)
			notes := rec.messages(worker.EventNote)
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
			job.Events, job.Fresh = rec.record, fresh
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
			notes := rec.messages(worker.EventNote)
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
	job.Events = rec.record
	res, err := worker.Copy(context.Background(), store, job)
	if err != nil {
		t.Fatal(err)
	}
	f.checkCopied(t, res, srcCRC)
	resuming := rec.of(worker.EventResuming)
	if len(resuming) != 1 || resuming[0].PartsDone != copied1 {
		t.Errorf("resuming events %+v, want one with %d parts", resuming, copied1)
	}
	if !strings.Contains(rec.messages(worker.EventNote), "the upload "+first.UploadID+" vanished during the copy") {
		t.Errorf("notes %q", rec.messages(worker.EventNote))
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

// noCRC is a Store whose HEAD of the source reports no CRC64.
type noCRC struct{ worker.Store }

func (s noCRC) Head(ctx context.Context, obj worker.Object) (worker.ObjectInfo, error) {
	info, err := s.Store.Head(ctx, obj)
	if obj.Key == srcKey {
		info.CRC64 = ""
	}
	return info, err
}

// TestSourceWithoutCRC64: a source without CRC64 cannot be proven copied,
// so nothing is written.
func TestSourceWithoutCRC64(t *testing.T) {
	t.Parallel()
	for _, size := range []int64{8 * mib, 4 * gib} {
		t.Run(fmt.Sprintf("%d bytes", size), func(t *testing.T) {
			t.Parallel()
			f := setup(t, size, ossserver.Config{})
			from := len(f.env.Log.Entries(t))
			res, err := worker.Copy(context.Background(), noCRC{f.store}, f.job())
			if !errors.Is(err, worker.ErrVerify) || !strings.Contains(err.Error(), "nothing was written") {
				t.Fatalf("error %v, want ErrVerify", err)
			}
			log := f.log(t, from)
			if len(log) != 1 || count(log, "HeadObject", 200) != 1 {
				t.Errorf("requests %+v, want only the source's HEAD", log)
			}
			if count(log, "InitiateMultipartUpload", 0)+count(log, "CopyObject", 0)+count(log, "UploadPartCopy", 0) != 0 {
				t.Errorf("requests %+v", log)
			}
			if res.UploadID != "" || res.ETag != "" {
				t.Errorf("Result %+v", res)
			}
			f.wantMissing(t, dst)
			if files := checkpointFiles(t, f.dir); len(files) != 0 {
				t.Errorf("checkpoint files: %v", files)
			}
		})
	}
}

// TestProgressInOrder: part events leave in order although parts finish
// concurrently: each one counts exactly one more part.
func TestProgressInOrder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		parts    int
		parallel int
	}{
		{name: "64 parts, 16 at once", parts: 64, parallel: 16},
		{name: "128 parts, 32 at once", parts: 128, parallel: 32},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			size := int64(tt.parts) * gib
			f := setup(t, size, ossserver.Config{Latency: map[string]time.Duration{"UploadPartCopy": 2 * time.Millisecond}})
			job := f.job()
			job.Parallel = tt.parallel
			var rec recorder
			job.Events = rec.record
			store := &maxInflight{Store: f.store}
			res, err := worker.Copy(context.Background(), store, job)
			if err != nil {
				t.Fatal(err)
			}
			done := rec.of(worker.EventPartDone)
			if len(done) != tt.parts || res.Parts != tt.parts {
				t.Fatalf("%d part events, Result %+v; want %d", len(done), res, tt.parts)
			}
			for i, e := range done {
				if e.PartsDone != i+1 || e.BytesDone != int64(i+1)*gib || e.PartsTotal != tt.parts || e.BytesTotal != size {
					t.Fatalf("event %d: %+v, want %d parts and %d bytes done", i, e, i+1, int64(i+1)*gib)
				}
			}
			if last := done[len(done)-1]; last.PartsDone != last.PartsTotal || last.BytesDone != last.BytesTotal {
				t.Errorf("last event %+v", last)
			}
			t.Logf("at most %d parts in flight", store.max.Load())
			if store.max.Load() < 2 {
				t.Errorf("at most %d parts in flight: no concurrency to test", store.max.Load())
			}
		})
	}
}

// TestProvenBeforeCheckpointRemoved: Job.Proven receives the proven result
// while the checkpoint still exists, so that a kill between the two leaves
// a checkpoint (whose rerun only verifies) or a reported success, never a
// finished copy nobody was told of. Found by a kill -9 test (internal/lab/e2e).
func TestProvenBeforeCheckpointRemoved(t *testing.T) {
	t.Parallel()
	f := setup(t, 6*gib, ossserver.Config{})
	job := f.job()
	var proven []worker.Result
	job.Proven = func(r worker.Result) {
		states, _ := filepath.Glob(filepath.Join(f.dir, "*.json"))
		if len(states) != 1 {
			t.Errorf("when the result was reported, the checkpoint dir held %q, want its state file", states)
		}
		proven = append(proven, r)
	}
	res, err := worker.Copy(context.Background(), f.store, job)
	if err != nil {
		t.Fatal(err)
	}
	if len(proven) != 1 || proven[0].CRC64 != res.CRC64 || proven[0].ETag != res.ETag || proven[0].Seconds <= 0 || proven[0].CheckpointBytes <= 0 {
		t.Errorf("Proven saw %+v; Copy returned %+v", proven, res)
	}
	if states, _ := filepath.Glob(filepath.Join(f.dir, "*.json")); len(states) != 0 {
		t.Errorf("after the copy the checkpoint dir holds %q", states)
	}
}

// writtenCRC is a Store whose CopyObject and Complete report crc as the
// CRC64 of what they wrote.
type writtenCRC struct {
	worker.Store
	crc string
}

func (s writtenCRC) CopyObject(ctx context.Context, in worker.CopyObjectInput) (worker.CopyResult, error) {
	res, err := s.Store.CopyObject(ctx, in)
	res.CRC64 = s.crc
	return res, err
}

func (s writtenCRC) Complete(ctx context.Context, dst worker.Object, uploadID string, parts []worker.PartETag) (worker.CopyResult, error) {
	res, err := s.Store.Complete(ctx, dst, uploadID, parts)
	res.CRC64 = s.crc
	return res, err
}

// TestProofWithoutWrittenCRC64: a copy is proven by the CRC64 the write
// returned when it equals the source's; when the write gave none, or
// another, the destination's HEAD decides.
func TestProofWithoutWrittenCRC64(t *testing.T) {
	t.Parallel()
	for _, size := range []int64{8 * mib, 4 * gib} {
		for _, crc := range []string{"", "12345"} {
			t.Run(fmt.Sprintf("%d bytes, CRC64 %q", size, crc), func(t *testing.T) {
				t.Parallel()
				f := setup(t, size, ossserver.Config{})
				srcCRC := oss.ToString(f.mustHead(t, src).HashCRC64)
				from := len(f.env.Log.Entries(t))
				res, err := worker.Copy(context.Background(), writtenCRC{f.store, crc}, f.job())
				if err != nil {
					t.Fatal(err)
				}
				log := f.log(t, from) // before checkCopied's own requests
				f.checkCopied(t, res, srcCRC)
				var destHeads int
				for _, e := range log {
					if e.Op == "HeadObject" && e.Key == dstKey {
						destHeads++
					}
				}
				if destHeads != 1 {
					t.Errorf("%d HEADs of the destination, want 1: %+v", destHeads, log)
				}
			})
		}
	}
}

// Two copies sharing one Gate stay within its limit together, whatever
// their own Parallel, and a copy given SourceInfo sends no HEAD of its
// source (the bulk run read it already).
func TestSharedGateAndSourceInfo(t *testing.T) {
	t.Parallel()
	f := setup(t, 8*gib, ossserver.Config{Latency: map[string]time.Duration{"UploadPartCopy": 10 * time.Millisecond}})
	ctx := context.Background()
	info, err := f.store.Head(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	from := len(f.env.Log.Entries(t))
	gate := worker.NewGate(3, false, ossclient.Classify)
	store := &maxInflight{Store: f.store}
	var g errgroup.Group
	for _, dst := range []string{"dst/a", "dst/b"} {
		g.Go(func() error {
			job := f.job()
			job.Dest.Key, job.Parallel, job.Gate, job.SourceInfo = dst, 8, gate, &info
			_, err := worker.Copy(ctx, store, job)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	if got := store.max.Load(); got > 3 || got < 2 {
		t.Errorf("%d part copies were in flight at most, want 2 or 3 under a gate of 3 (each copy alone would send 8)", got)
	}
	log := f.log(t, from)
	if n := count(log, "HeadObject", 0); n != 0 {
		t.Errorf("%d HEADs sent; the copies were given the source and prove by the completion's CRC64", n)
	}
	if n := count(log, "UploadPartCopy", 200); n != 16 {
		t.Errorf("%d parts copied, want 2 x 8", n)
	}
	if st := gate.Stats(); st.Requests != int64(len(log)) || st.InFlight != 0 {
		t.Errorf("gate stats %+v after %d requests", st, len(log))
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
	job.Events = (&recorder{then: func(e worker.Event) {
		if e.Kind == worker.EventPartDone && e.PartsDone == e.PartsTotal {
			cancel()
		}
	}}).record
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
