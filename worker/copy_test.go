// Copies that succeed at the first try: one CopyObject or parts, their Result, requests and the progress told.

package worker_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"golang.org/x/sync/errgroup"

	"github.com/osscopy/osscopy/internal/gate"
	"github.com/osscopy/osscopy/internal/lab/ossserver"
	"github.com/osscopy/osscopy/internal/observe"
	"github.com/osscopy/osscopy/planner"
	"github.com/osscopy/osscopy/worker"
)

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
			job.Observer = &rec
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
			done := rec.parts(false)
			planned := rec.starts()
			if len(planned) != 1 || planned[0].Parts != parts || planned[0].PartSize != plan.PartSize || planned[0].Size != tt.size {
				t.Errorf("plans told %+v", planned)
			}
			if len(done) != parts {
				t.Fatalf("%d part events, want %d", len(done), parts)
			}
			var last observe.Progress
			for _, e := range done {
				if e.PartsDone > last.PartsDone {
					last = e
				}
			}
			if last.PartsDone != parts || last.BytesDone != tt.size || last.PartsTotal != parts || last.BytesTotal != tt.size {
				t.Errorf("last part event %+v", last)
			}
			if notes, resumed := rec.messages(), rec.parts(true); notes != "" || len(resumed) != 0 {
				t.Errorf("unexpected notes %q, resumed parts %+v", notes, resumed)
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
			job.Observer = &rec
			store := &maxInflight{Store: f.store}
			res, err := worker.Copy(context.Background(), store, job)
			if err != nil {
				t.Fatal(err)
			}
			done := rec.parts(false)
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
	shared := gate.New(3, false, nil)
	store := &maxInflight{Store: f.store}
	var g errgroup.Group
	for _, dst := range []string{"dst/a", "dst/b"} {
		g.Go(func() error {
			job := f.job()
			job.Dest.Key, job.Parallel, job.Gate, job.SourceInfo = dst, 8, shared, &info
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
	if st := shared.Stats(); st.Requests != int64(len(log)) || st.InFlight != 0 {
		t.Errorf("gate stats %+v after %d requests", st, len(log))
	}
}
