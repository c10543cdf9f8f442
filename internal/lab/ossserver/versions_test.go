package ossserver_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/osscopy/osscopy/internal/lab/ossserver"
	"github.com/osscopy/osscopy/internal/lab/osstest"
)

// Helpers of this file are prefixed ver.

// verEntry is one listed version as "key version latest kind", kind V
// (a version) or M (a delete marker).
type verEntry struct {
	key, id string
	latest  bool
	marker  bool
}

func (v verEntry) String() string {
	kind := "V"
	if v.marker {
		kind = "M"
	}
	return fmt.Sprintf("%s@%s latest=%v %s", v.key, v.id, v.latest, kind)
}

// verList lists every version of bucket through the SDK's paginator in
// its mixed mode (which keeps OSS's order), maxKeys a page.
func verList(t *testing.T, c *oss.Client, bucket, prefix, delim string, maxKeys int32) (entries []verEntry, prefixes []string) {
	t.Helper()
	p := c.NewListObjectVersionsPaginator(&oss.ListObjectVersionsRequest{Bucket: oss.Ptr(bucket), Prefix: oss.Ptr(prefix),
		Delimiter: oss.Ptr(delim), MaxKeys: maxKeys, IsMix: true})
	for pages := 0; p.HasNext(); pages++ {
		if pages > 100 {
			t.Fatalf("ListObjectVersions of %s never ends", bucket)
		}
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListObjectVersions %s: %v", bucket, err)
		}
		if n := len(page.ObjectVersionsDeleteMarkers) + len(page.CommonPrefixes); n > int(maxKeys) {
			t.Fatalf("a page of max-keys %d has %d entries", maxKeys, n)
		}
		for _, m := range page.ObjectVersionsDeleteMarkers {
			entries = append(entries, verEntry{oss.ToString(m.Key), oss.ToString(m.VersionId), m.IsLatest, m.IsDeleteMarker()})
		}
		for _, cp := range page.CommonPrefixes {
			prefixes = append(prefixes, oss.ToString(cp.Prefix))
		}
	}
	return entries, prefixes
}

func verPut(t *testing.T, c *oss.Client, bucket, key string, data string) string {
	t.Helper()
	res, err := c.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key), Body: strings.NewReader(data)})
	if err != nil {
		t.Fatalf("PutObject %s/%s: %v", bucket, key, err)
	}
	return oss.ToString(res.VersionId)
}

func verDelete(t *testing.T, c *oss.Client, bucket, key string) string {
	t.Helper()
	res, err := c.DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key)})
	if err != nil || !res.DeleteMarker {
		t.Fatalf("DeleteObject %s/%s: %v, delete marker %v", bucket, key, err, res != nil && res.DeleteMarker)
	}
	return oss.ToString(res.VersionId)
}

func verEnable(t *testing.T, c *oss.Client, bucket string) {
	t.Helper()
	if _, err := c.PutBucketVersioning(ctx, &oss.PutBucketVersioningRequest{Bucket: oss.Ptr(bucket),
		VersioningConfiguration: &oss.VersioningConfiguration{Status: oss.VersionEnabled}}); err != nil {
		t.Fatal(err)
	}
}

// A versioned bucket lists keys ascending, each key's versions newest
// first, delete markers among them; objects written before versioning was
// enabled have version "null". Every page size gives the same listing.
func TestListObjectVersions(t *testing.T) {
	t.Parallel()
	env := osstest.Start(t, ossserver.Config{Buckets: []string{"ver", "plain"}})
	c := env.Client
	verPut(t, c, "ver", "a", "a before versioning")
	verEnable(t, c, "ver")
	a1 := verPut(t, c, "ver", "a", "a 1")
	a2 := verPut(t, c, "ver", "a", "a 2")
	b1 := verPut(t, c, "ver", "b +&<é", "b 1")
	bm := verDelete(t, c, "ver", "b +&<é")
	d1 := verPut(t, c, "ver", "dir/x", "x 1")
	d2 := verPut(t, c, "ver", "dir/y", "y 1")
	dm := verDelete(t, c, "ver", "dir/y")
	z1 := verPut(t, c, "ver", "z", "z 1")
	all := []verEntry{
		{"a", a2, true, false}, {"a", a1, false, false}, {"a", "null", false, false},
		{"b +&<é", bm, true, true}, {"b +&<é", b1, false, false},
		{"dir/x", d1, true, false}, {"dir/y", dm, true, true}, {"dir/y", d2, false, false},
		{"z", z1, true, false},
	}
	for _, tc := range []struct {
		name          string
		prefix, delim string
		want          []verEntry
		wantPrefixes  []string
	}{
		{name: "everything", want: all},
		{name: "prefix", prefix: "dir/", want: all[5:8]},
		{name: "delimiter", delim: "/", want: slices.Concat(all[:5], all[8:]), wantPrefixes: []string{"dir/"}},
		{name: "prefix without match", prefix: "nothing"},
	} {
		for _, maxKeys := range []int32{1, 2, 3, 1000} {
			t.Run(fmt.Sprintf("%s/max-keys %d", tc.name, maxKeys), func(t *testing.T) {
				t.Parallel()
				got, prefixes := verList(t, c, "ver", tc.prefix, tc.delim, maxKeys)
				if !slices.Equal(got, tc.want) || !slices.Equal(prefixes, tc.wantPrefixes) {
					t.Errorf("got\n%v %q\nwant\n%v %q", got, prefixes, tc.want, tc.wantPrefixes)
				}
			})
		}
	}

	t.Run("fields", func(t *testing.T) {
		t.Parallel()
		res, err := c.ListObjectVersions(ctx, &oss.ListObjectVersionsRequest{Bucket: oss.Ptr("ver"), Prefix: oss.Ptr("b")})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.ObjectVersions) != 1 || len(res.ObjectDeleteMarkers) != 1 {
			t.Fatalf("%d versions and %d delete markers, want 1 and 1", len(res.ObjectVersions), len(res.ObjectDeleteMarkers))
		}
		v, m := res.ObjectVersions[0], res.ObjectDeleteMarkers[0]
		if oss.ToString(v.ETag) != ftETag([]byte("b 1")) || v.Size != 3 || oss.ToString(v.StorageClass) != "Standard" ||
			oss.ToString(v.Type) != "Normal" || v.Owner == nil || oss.ToString(v.Owner.ID) == "" || v.LastModified == nil || v.IsLatest {
			t.Errorf("version %+v", v)
		}
		if oss.ToString(m.VersionId) != bm || !m.IsLatest || m.Owner == nil || m.LastModified == nil {
			t.Errorf("delete marker %+v", m)
		}
	})

	t.Run("version-id-marker", func(t *testing.T) {
		t.Parallel()
		res, err := c.ListObjectVersions(ctx, &oss.ListObjectVersionsRequest{Bucket: oss.Ptr("ver"), KeyMarker: oss.Ptr("a"),
			VersionIdMarker: oss.Ptr(a2), MaxKeys: 2, IsMix: true})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, m := range res.ObjectVersionsDeleteMarkers {
			got = append(got, oss.ToString(m.VersionId))
		}
		if !slices.Equal(got, []string{a1, "null"}) || !res.IsTruncated || oss.ToString(res.NextKeyMarker) != "a" ||
			oss.ToString(res.NextVersionIdMarker) != "null" {
			t.Errorf("after a@%s: %q truncated %v next %s@%s", a2, got, res.IsTruncated, oss.ToString(res.NextKeyMarker), oss.ToString(res.NextVersionIdMarker))
		}
	})

	t.Run("unversioned bucket", func(t *testing.T) {
		t.Parallel()
		verPut(t, c, "plain", "k", "plain")
		got, _ := verList(t, c, "plain", "", "", 100)
		if want := []verEntry{{"k", "null", true, false}}; !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})

	t.Run("errors", func(t *testing.T) {
		t.Parallel()
		_, err := c.ListObjectVersions(ctx, &oss.ListObjectVersionsRequest{Bucket: oss.Ptr("no-such-bucket")})
		wantError(t, err, http.StatusNotFound, "NoSuchBucket")
		_, err = c.ListObjectVersions(ctx, &oss.ListObjectVersionsRequest{Bucket: oss.Ptr("ver"), MaxKeys: 1001})
		wantError(t, err, http.StatusBadRequest, "InvalidArgument")
	})
}

// The SDK v2's integration tests clean every bucket they made with
// ListObjects and DeleteMultipleObjects, then ListObjectVersions and
// DeleteObject of each version, then DeleteBucket (cleanObjects in
// client_integration_test.go). That sequence empties a versioned bucket.
func TestListObjectVersionsCleanupOfTheSDKTests(t *testing.T) {
	t.Parallel()
	env := osstest.Start(t, ossserver.Config{Buckets: []string{"cleanup"}})
	c, bucket := env.Client, oss.Ptr("cleanup")
	verPut(t, c, "cleanup", "old", "before versioning")
	verEnable(t, c, "cleanup")
	for i := range 150 { // more than a page of 100
		key := fmt.Sprintf("k%03d", i)
		verPut(t, c, "cleanup", key, "one")
		verPut(t, c, "cleanup", key, "two")
	}
	verDelete(t, c, "cleanup", "k007")
	if _, err := c.InitiateMultipartUpload(ctx, &oss.InitiateMultipartUploadRequest{Bucket: bucket, Key: oss.Ptr("mp")}); err != nil {
		t.Fatal(err)
	}
	for marker := ""; ; {
		lor, err := c.ListObjects(ctx, &oss.ListObjectsRequest{Bucket: bucket, Marker: oss.Ptr(marker)})
		if err != nil {
			t.Fatal(err)
		}
		var objects []oss.DeleteObject
		for _, o := range lor.Contents {
			objects = append(objects, oss.DeleteObject{Key: o.Key})
		}
		if len(objects) > 0 {
			if _, err := c.DeleteMultipleObjects(ctx, &oss.DeleteMultipleObjectsRequest{Bucket: bucket, Objects: objects}); err != nil {
				t.Fatal(err)
			}
		}
		if !lor.IsTruncated {
			break
		}
		marker = oss.ToString(lor.NextMarker)
	}
	uploads, err := c.ListMultipartUploads(ctx, &oss.ListMultipartUploadsRequest{Bucket: bucket})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range uploads.Uploads {
		if _, err := c.AbortMultipartUpload(ctx, &oss.AbortMultipartUploadRequest{Bucket: bucket, Key: u.Key, UploadId: u.UploadId}); err != nil {
			t.Fatal(err)
		}
	}
	deleted := 0
	for keyMarker, idMarker := "", ""; ; {
		res, err := c.ListObjectVersions(ctx, &oss.ListObjectVersionsRequest{Bucket: bucket, KeyMarker: oss.Ptr(keyMarker), VersionIdMarker: oss.Ptr(idMarker)})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range res.ObjectDeleteMarkers {
			if _, err := c.DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: bucket, Key: m.Key, VersionId: m.VersionId}); err != nil {
				t.Fatal(err)
			}
			deleted++
		}
		for _, v := range res.ObjectVersions {
			if _, err := c.DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: bucket, Key: v.Key, VersionId: v.VersionId}); err != nil {
				t.Fatal(err)
			}
			deleted++
		}
		if !res.IsTruncated {
			break
		}
		keyMarker, idMarker = oss.ToString(res.NextKeyMarker), oss.ToString(res.NextVersionIdMarker)
	}
	// The null version of "old", 300 versions, the delete marker of k007 and
	// those DeleteMultipleObjects put on the 150 other current objects.
	if want := 1 + 300 + 1 + 150; deleted != want {
		t.Errorf("the cleanup deleted %d versions and markers, want %d", deleted, want)
	}
	if _, err := c.DeleteBucket(ctx, &oss.DeleteBucketRequest{Bucket: bucket}); err != nil {
		t.Fatalf("DeleteBucket after the cleanup: %v", err)
	}
}
