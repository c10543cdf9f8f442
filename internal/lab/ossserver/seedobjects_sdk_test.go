package ossserver_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/osscopy/osscopy/internal/lab/ossserver"
	"github.com/osscopy/osscopy/internal/lab/osstest"
)

// A bulk copy inside one bucket, through the SDK: it pages through seeded
// objects under a/ while copying each to b/, and every page carries on
// where the last one stopped however many keys were written meanwhile.
func TestSeedObjectsBulkCopyWithinBucket(t *testing.T) {
	t.Parallel()
	const n = 1000
	env := osstest.Start(t, ossserver.Config{SeedObjects: []ossserver.SeedObjects{
		{Bucket: "bulk", Prefix: "a/", Count: n, MinSize: 1 << 10, MaxSize: 64 << 10, Seed: 3}}})
	ctx := context.Background()
	var listed []string
	sizes := map[string]int64{}
	for p := env.Client.NewListObjectsV2Paginator(&oss.ListObjectsV2Request{Bucket: oss.Ptr("bulk"), Prefix: oss.Ptr("a/"), MaxKeys: 97}); p.HasNext(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Contents {
			key := oss.ToString(o.Key)
			listed = append(listed, key)
			sizes[key] = o.Size
			if _, err := env.Client.CopyObject(ctx, &oss.CopyObjectRequest{Bucket: oss.Ptr("bulk"), Key: oss.Ptr("b/" + key),
				SourceBucket: oss.Ptr("bulk"), SourceKey: o.Key, IfMatch: o.ETag}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(listed) != n || listed[0] != "a/000" || listed[n-1] != "a/999" {
		t.Fatalf("listed %d keys, %q..%q", len(listed), listed[0], listed[len(listed)-1])
	}
	for i, key := range listed {
		if want := fmt.Sprintf("a/%03d", i); key != want {
			t.Fatalf("key %d is %q, want %q", i, key, want)
		}
	}
	res, err := env.Client.ListObjectsV2(ctx, &oss.ListObjectsV2Request{Bucket: oss.Ptr("bulk"), Delimiter: oss.Ptr("/")})
	if err != nil {
		t.Fatal(err)
	}
	var prefixes []string
	for _, cp := range res.CommonPrefixes {
		prefixes = append(prefixes, oss.ToString(cp.Prefix))
	}
	if strings.Join(prefixes, " ") != "a/ b/" || len(res.Contents) != 0 {
		t.Errorf("the bucket's top level lists prefixes %v and %d keys", prefixes, len(res.Contents))
	}
	head, err := env.Client.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr("bulk"), Key: oss.Ptr("b/a/500")})
	if err != nil {
		t.Fatal(err)
	}
	src, err := env.Client.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr("bulk"), Key: oss.Ptr("a/500")})
	if err != nil {
		t.Fatal(err)
	}
	if head.ContentLength != sizes["a/500"] || oss.ToString(head.HashCRC64) == "" || oss.ToString(head.HashCRC64) != oss.ToString(src.HashCRC64) {
		t.Errorf("the copy has %d bytes and CRC64 %q; the source %d and %q", head.ContentLength, oss.ToString(head.HashCRC64),
			sizes["a/500"], oss.ToString(src.HashCRC64))
	}
}
