// The metadata, tags and storage class a copy gives the destination, the same by CopyObject and by parts.

package worker_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/osscopy/osscopy/internal/lab/ossserver"
	"github.com/osscopy/osscopy/worker"
)

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
