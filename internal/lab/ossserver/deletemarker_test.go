package ossserver_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/osscopy/osscopy/internal/lab/ossserver"
	"github.com/osscopy/osscopy/internal/lab/osstest"
)

// TestNoSuchKeyNamesTheDeleteMarker: as on OSS (and as the SDK v1's
// TestVersioningDeleteDefaultVersionObject expects), a GET or HEAD of a key
// whose current version is a delete marker is 404 NoSuchKey with
// x-oss-delete-marker: true and the marker's version ID; a key that never
// existed gets neither header.
func TestNoSuchKeyNamesTheDeleteMarker(t *testing.T) {
	t.Parallel()
	env := osstest.Start(t, ossserver.Config{Buckets: []string{"markers"}})
	env.Bucket = "markers"
	must[*oss.PutBucketVersioningResult](t)(env.Client.PutBucketVersioning(ctx, &oss.PutBucketVersioningRequest{Bucket: oss.Ptr(env.Bucket),
		VersioningConfiguration: &oss.VersioningConfiguration{Status: oss.VersionEnabled}}))
	putObject(t, env, "deleted", []byte("v1"), nil)
	del := must[*oss.DeleteObjectResult](t)(env.Client.DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: oss.Ptr(env.Bucket), Key: oss.Ptr("deleted")}))
	if !del.DeleteMarker || oss.ToString(del.VersionId) == "" {
		t.Fatalf("DeleteObject made no delete marker: %+v", del)
	}
	for _, tc := range []struct {
		method, key        string
		wantMarker, wantID string
	}{
		{http.MethodGet, "deleted", "true", oss.ToString(del.VersionId)},
		{http.MethodHead, "deleted", "true", oss.ToString(del.VersionId)},
		{http.MethodGet, "never-existed", "", ""},
		{http.MethodHead, "never-existed", "", ""},
	} {
		t.Run(tc.method+" "+tc.key, func(t *testing.T) {
			_, err := env.Client.InvokeOperation(context.Background(), &oss.OperationInput{OpName: "Probe", Method: tc.method,
				Bucket: oss.Ptr(env.Bucket), Key: oss.Ptr(tc.key)})
			se := wantError(t, err, http.StatusNotFound, "NoSuchKey")
			if got := se.Headers.Get("x-oss-delete-marker"); got != tc.wantMarker {
				t.Errorf("x-oss-delete-marker %q, want %q", got, tc.wantMarker)
			}
			if got := se.Headers.Get("x-oss-version-id"); got != tc.wantID {
				t.Errorf("x-oss-version-id %q, want %q", got, tc.wantID)
			}
		})
	}
}
