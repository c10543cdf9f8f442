package ossserver_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/osscopy/osscopy/internal/lab/ossserver"
	"github.com/osscopy/osscopy/internal/lab/osstest"
)

// ptCopyPart copies the first 200 KB of src/k as part 1 with extra headers.
func ptCopyPart(c *oss.Client, uploadID string, headers map[string]string) error {
	_, err := c.UploadPartCopy(context.Background(), &oss.UploadPartCopyRequest{Bucket: oss.Ptr("pt-dst"), Key: oss.Ptr("obj"),
		UploadId: oss.Ptr(uploadID), PartNumber: 1, SourceBucket: oss.Ptr("pt-src"), SourceKey: oss.Ptr("k"),
		Range: oss.Ptr("bytes=0-204799"), RequestCommon: oss.RequestCommon{Headers: headers}})
	return err
}

func ptInitiate(t *testing.T, c *oss.Client, tagging string) string {
	t.Helper()
	res, err := c.InitiateMultipartUpload(context.Background(), &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr("pt-dst"),
		Key: oss.Ptr("obj"), Tagging: oss.Ptr(tagging)})
	if err != nil {
		t.Fatal(err)
	}
	return *res.UploadId
}

// ptCompleteTags completes the upload and returns the object's tags as k=v.
func ptCompleteTags(t *testing.T, c *oss.Client, uploadID string) []string {
	t.Helper()
	ctx := context.Background()
	if _, err := c.CompleteMultipartUpload(ctx, &oss.CompleteMultipartUploadRequest{Bucket: oss.Ptr("pt-dst"), Key: oss.Ptr("obj"),
		UploadId: oss.Ptr(uploadID), CompleteAll: oss.Ptr("yes")}); err != nil {
		t.Fatal(err)
	}
	res, err := c.GetObjectTagging(ctx, &oss.GetObjectTaggingRequest{Bucket: oss.Ptr("pt-dst"), Key: oss.Ptr("obj")})
	if err != nil {
		t.Fatal(err)
	}
	var tags []string
	for _, tg := range res.Tags {
		tags = append(tags, *tg.Key+"="+*tg.Value)
	}
	slices.Sort(tags)
	return tags
}

// UploadPartCopy's tagging headers, which ossutil sends and its page says
// replace the tags, set the completed object's tags unless the server is
// told to ignore them as the API reference (which lists none) suggests.
func TestUploadPartCopyTagging(t *testing.T) {
	t.Parallel()
	replace := map[string]string{"x-oss-tagging-directive": "Replace", "x-oss-tagging": "TagA=A&TagB=B"}
	tests := []struct {
		name    string
		ignore  bool
		headers map[string]string
		want    []string
	}{
		{"replace", false, replace, []string{"TagA=A", "TagB=B"}},
		{"replace, any case", false, map[string]string{"x-oss-tagging-directive": "REPLACE", "x-oss-tagging": "x=1"}, []string{"x=1"}},
		{"replace with none", false, map[string]string{"x-oss-tagging-directive": "replace"}, nil},
		{"copy keeps the upload's", false, map[string]string{"x-oss-tagging-directive": "Copy", "x-oss-tagging": "x=1"}, []string{"init=1"}},
		{"no headers", false, nil, []string{"init=1"}},
		{"ignored", true, replace, []string{"init=1"}},
		{"ignored, even malformed", true, map[string]string{"x-oss-tagging-directive": "Keep", "x-oss-metadata-directive": "?"}, []string{"init=1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := osstest.Start(t, ossserver.Config{IgnorePartCopyTagging: tt.ignore, Buckets: []string{"pt-dst"},
				Seeds: []ossserver.Seed{{Bucket: "pt-src", Key: "k", Size: 300 << 10, Seed: 1}}})
			id := ptInitiate(t, env.Client, "init=1")
			if err := ptCopyPart(env.Client, id, tt.headers); err != nil {
				t.Fatal(err)
			}
			if got := ptCompleteTags(t, env.Client, id); !slices.Equal(got, tt.want) {
				t.Errorf("tags %v, want %v", got, tt.want)
			}
		})
	}
}

func TestUploadPartCopyTaggingRejectsBadHeaders(t *testing.T) {
	t.Parallel()
	env := osstest.Start(t, ossserver.Config{Buckets: []string{"pt-dst"},
		Seeds: []ossserver.Seed{{Bucket: "pt-src", Key: "k", Size: 300 << 10, Seed: 1}}})
	id := ptInitiate(t, env.Client, "")
	for _, h := range []map[string]string{
		{"x-oss-tagging-directive": "Keep"},
		{"x-oss-metadata-directive": "Keep"},
		{"x-oss-tagging-directive": "Replace", "x-oss-tagging": "a=%zz"},
	} {
		var se *oss.ServiceError
		if err := ptCopyPart(env.Client, id, h); !errors.As(err, &se) || se.StatusCode != 400 || se.Code != "InvalidArgument" {
			t.Errorf("headers %v: got %v, want 400 InvalidArgument", h, err)
		}
	}
	if n := env.Log.Count(t, "UploadPartCopy", 200); n != 0 {
		t.Errorf("%d part copies succeeded with bad headers", n)
	}
}

// The tags a part copy sets survive a restart before the upload completes.
func TestUploadPartCopyTaggingPersists(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	cfg := ossserver.Config{DataDir: dir, Buckets: []string{"pt-dst"},
		Seeds: []ossserver.Seed{{Bucket: "pt-src", Key: "k", Size: 300 << 10, Seed: 1}}}
	s1 := pstStart(t, cfg)
	id := ptInitiate(t, s1.env.Client, "init=1")
	if err := ptCopyPart(s1.env.Client, id, map[string]string{"x-oss-tagging-directive": "Replace", "x-oss-tagging": "after=restart"}); err != nil {
		t.Fatal(err)
	}
	s1.stop()
	cfg.Seeds = nil // already in the data directory
	s2 := pstStart(t, cfg)
	if got := ptCompleteTags(t, s2.env.Client, id); !slices.Equal(got, []string{"after=restart"}) {
		t.Errorf("tags after restart %v, want [after=restart]", got)
	}
}
