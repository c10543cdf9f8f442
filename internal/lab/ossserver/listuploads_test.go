package ossserver_test

import (
	"context"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/osscopy/osscopy/internal/lab/ossserver"
	"github.com/osscopy/osscopy/internal/lab/osstest"
)

// Paging through uploads grouped by a delimiter moves past each common
// prefix: a marker that is a prefix must not bring the same prefix back.
func TestListMultipartUploadsPagesPastCommonPrefixes(t *testing.T) {
	t.Parallel()
	env := osstest.Start(t, ossserver.Config{Buckets: []string{"lu-b"}})
	ctx := context.Background()
	for _, key := range []string{"backups/a/1", "backups/a/2", "backups/b/1", "backups/c", "other"} {
		if _, err := env.Client.InitiateMultipartUpload(ctx, &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr("lu-b"), Key: oss.Ptr(key)}); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	req := &oss.ListMultipartUploadsRequest{Bucket: oss.Ptr("lu-b"), Prefix: oss.Ptr("backups/"), Delimiter: oss.Ptr("/"), MaxUploads: 1}
	for page := 0; ; page++ {
		if page == 10 {
			t.Fatalf("still listing after 10 pages: %v", got)
		}
		res, err := env.Client.ListMultipartUploads(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range res.Uploads {
			got = append(got, *u.Key)
		}
		// The SDK drops CommonPrefixes; a page without uploads gave a prefix.
		if len(res.Uploads) == 0 && res.NextKeyMarker != nil {
			got = append(got, *res.NextKeyMarker)
		}
		if !res.IsTruncated {
			break
		}
		req.KeyMarker, req.UploadIdMarker = res.NextKeyMarker, res.NextUploadIdMarker
	}
	want := []string{"backups/a/", "backups/b/", "backups/c"}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("pages gave %v, want %v", got, want)
	}
}
