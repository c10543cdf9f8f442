// The fixture every copy test runs on: a local OSS server holding the source, and checks of what a copy left there.

package worker_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/osscopy/osscopy/internal/lab/ossserver"
	"github.com/osscopy/osscopy/internal/lab/osstest"
	"github.com/osscopy/osscopy/internal/observe"
	"github.com/osscopy/osscopy/internal/ossclient"
	"github.com/osscopy/osscopy/internal/retry"
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
func fastRetry() retry.Policy {
	p := retry.Default()
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

// interrupt runs job until k parts are done, then cancels its context.
func interrupt(t *testing.T, f *fixture, store worker.Store, job worker.Job, k int) (worker.Result, error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	job.Observer = &recorder{onPart: func(p observe.Progress) {
		if p.PartsDone >= k {
			cancel()
		}
	}}
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
