package ossserver_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/osscopy/osscopy/internal/lab/ossserver"
	"github.com/osscopy/osscopy/internal/lab/osstest"
)

// Helpers of this file are prefixed acl.

func aclOfObject(t *testing.T, c *oss.Client, bucket, key, versionID string) string {
	t.Helper()
	req := &oss.GetObjectAclRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key)}
	if versionID != "" {
		req.VersionId = oss.Ptr(versionID)
	}
	res, err := c.GetObjectAcl(ctx, req)
	if err != nil {
		t.Fatalf("GetObjectAcl %s/%s: %v", bucket, key, err)
	}
	if res.Owner == nil || oss.ToString(res.Owner.ID) == "" || oss.ToString(res.Owner.DisplayName) == "" {
		t.Errorf("GetObjectAcl %s/%s names no owner", bucket, key)
	}
	return oss.ToString(res.ACL)
}

func aclOfBucket(t *testing.T, c *oss.Client, bucket string) (acl, info string) {
	t.Helper()
	res, err := c.GetBucketAcl(ctx, &oss.GetBucketAclRequest{Bucket: oss.Ptr(bucket)})
	if err != nil {
		t.Fatalf("GetBucketAcl %s: %v", bucket, err)
	}
	bi, err := c.GetBucketInfo(ctx, &oss.GetBucketInfoRequest{Bucket: oss.Ptr(bucket)})
	if err != nil {
		t.Fatalf("GetBucketInfo %s: %v", bucket, err)
	}
	return oss.ToString(res.ACL), oss.ToString(bi.BucketInfo.ACL)
}

// An object's ACL is what the write that made it said (x-oss-object-acl on
// PutObject, CopyObject, InitiateMultipartUpload or, overriding it,
// CompleteMultipartUpload), "default" when it said none, and what
// PutObjectAcl set since, for the version it names.
func TestObjectACL(t *testing.T) {
	t.Parallel()
	env := osstest.Start(t, ossserver.Config{Buckets: []string{"acl-obj"}})
	env.Bucket = "acl-obj"
	c, bucket := env.Client, oss.Ptr(env.Bucket)
	put := func(key string, acl oss.ObjectACLType) {
		t.Helper()
		if _, err := c.PutObject(ctx, &oss.PutObjectRequest{Bucket: bucket, Key: oss.Ptr(key), Acl: acl, Body: strings.NewReader(key)}); err != nil {
			t.Fatal(err)
		}
	}
	multipart := func(key string, initACL, completeACL oss.ObjectACLType) {
		t.Helper()
		id := initiate(t, env, key, func(r *oss.InitiateMultipartUploadRequest) { // the SDK v2 has no field for it
			r.Headers = map[string]string{"x-oss-object-acl": string(initACL)}
		})
		part := uploadPart(t, env, key, id, 1, []byte("part"))
		if _, err := c.CompleteMultipartUpload(ctx, &oss.CompleteMultipartUploadRequest{Bucket: bucket, Key: oss.Ptr(key), UploadId: oss.Ptr(id),
			Acl: completeACL, CompleteMultipartUpload: &oss.CompleteMultipartUpload{Parts: []oss.UploadPart{part}}}); err != nil {
			t.Fatal(err)
		}
	}
	put("none", "")
	put("private", oss.ObjectACLPrivate)
	put("public", oss.ObjectACLPublicRead)
	put("changed", oss.ObjectACLPublicReadWrite)
	if _, err := c.PutObjectAcl(ctx, &oss.PutObjectAclRequest{Bucket: bucket, Key: oss.Ptr("changed"), Acl: oss.ObjectACLPrivate}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CopyObject(ctx, &oss.CopyObjectRequest{Bucket: bucket, Key: oss.Ptr("copy"), SourceKey: oss.Ptr("public"),
		Acl: oss.ObjectACLPublicReadWrite}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CopyObject(ctx, &oss.CopyObjectRequest{Bucket: bucket, Key: oss.Ptr("copy-plain"), SourceKey: oss.Ptr("public")}); err != nil {
		t.Fatal(err)
	}
	multipart("mp", oss.ObjectACLPublicRead, "")
	multipart("mp-override", oss.ObjectACLPublicRead, oss.ObjectACLPrivate)
	for key, want := range map[string]string{"none": "default", "private": "private", "public": "public-read", "changed": "private",
		"copy": "public-read-write", "copy-plain": "default", "mp": "public-read", "mp-override": "private"} {
		if got := aclOfObject(t, c, "acl-obj", key, ""); got != want {
			t.Errorf("ACL of %s: %q, want %q", key, got, want)
		}
	}

	t.Run("versions", func(t *testing.T) {
		verEnable(t, c, "acl-obj")
		v1 := verPut(t, c, "acl-obj", "versioned", "one")
		v2 := verPut(t, c, "acl-obj", "versioned", "two")
		res, err := c.PutObjectAcl(ctx, &oss.PutObjectAclRequest{Bucket: bucket, Key: oss.Ptr("versioned"), VersionId: oss.Ptr(v1), Acl: oss.ObjectACLPublicRead})
		if err != nil || oss.ToString(res.VersionId) != v1 {
			t.Fatalf("PutObjectAcl of version %s: %v, version %q", v1, err, oss.ToString(res.VersionId))
		}
		if got1, got2 := aclOfObject(t, c, "acl-obj", "versioned", v1), aclOfObject(t, c, "acl-obj", "versioned", v2); got1 != "public-read" || got2 != "default" {
			t.Errorf("ACLs of versions: %q and %q, want public-read and default", got1, got2)
		}
	})

	t.Run("errors", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			call   func() error
			status int
			code   string
		}{
			{"invalid ACL on PutObject", func() error {
				_, err := c.PutObject(ctx, &oss.PutObjectRequest{Bucket: bucket, Key: oss.Ptr("bad"), Acl: "everyone", Body: strings.NewReader("x")})
				return err
			}, 400, "InvalidArgument"},
			{"invalid ACL on PutObjectAcl", func() error {
				_, err := c.PutObjectAcl(ctx, &oss.PutObjectAclRequest{Bucket: bucket, Key: oss.Ptr("none"), Acl: "everyone"})
				return err
			}, 400, "InvalidArgument"},
			{"PutObjectAcl of a missing object", func() error {
				_, err := c.PutObjectAcl(ctx, &oss.PutObjectAclRequest{Bucket: bucket, Key: oss.Ptr("missing"), Acl: oss.ObjectACLPrivate})
				return err
			}, 404, "NoSuchKey"},
			{"GetObjectAcl of a missing object", func() error {
				_, err := c.GetObjectAcl(ctx, &oss.GetObjectAclRequest{Bucket: bucket, Key: oss.Ptr("missing")})
				return err
			}, 404, "NoSuchKey"},
			{"GetObjectAcl in a missing bucket", func() error {
				_, err := c.GetObjectAcl(ctx, &oss.GetObjectAclRequest{Bucket: oss.Ptr("acl-none"), Key: oss.Ptr("none")})
				return err
			}, 404, "NoSuchBucket"},
		} {
			t.Run(tc.name, func(t *testing.T) { wantError(t, tc.call(), tc.status, tc.code) })
		}
		if got := aclOfObject(t, c, "acl-obj", "none", ""); got != "default" {
			t.Errorf("a refused PutObjectAcl changed the ACL to %q", got)
		}
	})
}

// A bucket's ACL is private unless PutBucket's x-oss-acl or PutBucketAcl
// said otherwise; GetBucketAcl and GetBucketInfo both report it.
func TestBucketACL(t *testing.T) {
	t.Parallel()
	env := osstest.Start(t, ossserver.Config{Buckets: []string{"acl-plain"}})
	c := env.Client
	if _, err := c.PutBucket(ctx, &oss.PutBucketRequest{Bucket: oss.Ptr("acl-public"), Acl: oss.BucketACLPublicRead}); err != nil {
		t.Fatal(err)
	}
	for bucket, want := range map[string]string{"acl-plain": "private", "acl-public": "public-read"} {
		if acl, info := aclOfBucket(t, c, bucket); acl != want || info != want {
			t.Errorf("%s: GetBucketAcl %q, GetBucketInfo %q; want %q", bucket, acl, info, want)
		}
	}
	for _, acl := range []oss.BucketACLType{oss.BucketACLPublicReadWrite, oss.BucketACLPrivate} {
		if _, err := c.PutBucketAcl(ctx, &oss.PutBucketAclRequest{Bucket: oss.Ptr("acl-public"), Acl: acl}); err != nil {
			t.Fatal(err)
		}
		if got, info := aclOfBucket(t, c, "acl-public"); got != string(acl) || info != string(acl) {
			t.Errorf("after PutBucketAcl %s: GetBucketAcl %q, GetBucketInfo %q", acl, got, info)
		}
	}
	_, err := c.PutBucketAcl(ctx, &oss.PutBucketAclRequest{Bucket: oss.Ptr("acl-plain"), Acl: "default"})
	wantError(t, err, http.StatusBadRequest, "InvalidArgument")
	_, err = c.PutBucket(ctx, &oss.PutBucketRequest{Bucket: oss.Ptr("acl-bad"), Acl: "everyone"})
	wantError(t, err, http.StatusBadRequest, "InvalidArgument")
	_, err = c.GetBucketAcl(ctx, &oss.GetBucketAclRequest{Bucket: oss.Ptr("acl-bad")})
	wantError(t, err, http.StatusNotFound, "NoSuchBucket")
	_, err = c.PutBucketAcl(ctx, &oss.PutBucketAclRequest{Bucket: oss.Ptr("acl-none"), Acl: oss.BucketACLPrivate})
	wantError(t, err, http.StatusNotFound, "NoSuchBucket")
}
