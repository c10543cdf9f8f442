package ossserver_test

import (
	"crypto/md5"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/osscopy/osscopy/internal/lab/ossserver"
	"github.com/osscopy/osscopy/internal/lab/osstest"
)

// Wire details of existing operations that clients we did not write rely
// on, each checked through the SDK v2 against the local server.

const (
	wireBucket = "wire"
	wireOther  = "wire-other"
	wireBig    = "big.bin" // a Standard synthetic object just over the CopyObject limit
)

func wireStart(t *testing.T) *osstest.Env {
	t.Helper()
	env := osstest.Start(t, ossserver.Config{
		Buckets: []string{wireBucket, wireOther},
		Seeds:   []ossserver.Seed{{Bucket: wireBucket, Key: wireBig, Size: ossserver.CopyObjectMaxSize + 1, Seed: 9}},
	})
	env.Bucket = wireBucket
	return env
}

func base64MD5(b []byte) string {
	sum := md5.Sum(b)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// TestETagHeader: every answer that creates an object or a part carries its
// ETag as a header, and for copies and Complete it is the one in the body
// (ali-oss's multipartUploadCopy reads the header).
func TestETagHeader(t *testing.T) {
	t.Parallel()
	env := wireStart(t)
	data := randomData(21, 200_000)
	put := putObject(t, env, "src", data, nil)
	id := initiate(t, env, "dst", nil)
	part := must[*oss.UploadPartResult](t)(env.Client.UploadPart(ctx, &oss.UploadPartRequest{Bucket: oss.Ptr(wireBucket),
		Key: oss.Ptr("dst"), UploadId: oss.Ptr(id), PartNumber: 1, Body: strings.NewReader(string(data))}))
	partCopy := must[*oss.UploadPartCopyResult](t)(env.Client.UploadPartCopy(ctx, &oss.UploadPartCopyRequest{Bucket: oss.Ptr(wireBucket),
		Key: oss.Ptr("dst"), UploadId: oss.Ptr(id), PartNumber: 2, SourceKey: oss.Ptr("src"), Range: oss.Ptr("bytes=0-99")}))
	completed := must[*oss.CompleteMultipartUploadResult](t)(complete(env, "dst", id, []oss.UploadPart{
		{PartNumber: 1, ETag: part.ETag}, {PartNumber: 2, ETag: partCopy.ETag}}))
	copied := must[*oss.CopyObjectResult](t)(env.Client.CopyObject(ctx, &oss.CopyObjectRequest{Bucket: oss.Ptr(wireBucket),
		Key: oss.Ptr("copy"), SourceKey: oss.Ptr("src")}))
	for _, tc := range []struct {
		op     string
		header http.Header
		want   string
	}{
		{"PutObject", put.Headers, `"` + md5Hex(data) + `"`},
		{"UploadPart", part.Headers, `"` + md5Hex(data) + `"`},
		{"UploadPartCopy", partCopy.Headers, oss.ToString(partCopy.ETag)},
		{"CompleteMultipartUpload", completed.Headers, oss.ToString(completed.ETag)},
		{"CopyObject", copied.Headers, oss.ToString(copied.ETag)},
	} {
		if got := tc.header.Get("ETag"); got == "" || got != tc.want {
			t.Errorf("%s: ETag header %q, want %q (the body's)", tc.op, got, tc.want)
		}
	}
	if want := `"` + md5Hex(data[:100]) + `"`; oss.ToString(partCopy.ETag) != want {
		t.Errorf("UploadPartCopy body ETag %s, want %s", oss.ToString(partCopy.ETag), want)
	}
}

// TestCopySourceEscaping: OSS decodes x-oss-copy-source as a query string.
// The SDK v1 and ossutil 1.x send a key's spaces as '+' and its '+' as %2B;
// the SDK v2 percent-encodes both. Both find the same source.
func TestCopySourceEscaping(t *testing.T) {
	t.Parallel()
	env := wireStart(t)
	for i, key := range []string{"a b", "a+b", "dir/a b+c%d ü?x=1&y", "++", " "} {
		data := randomData(uint64(30+i), 1000)
		putObject(t, env, key, data, nil)
		for _, tc := range []struct {
			client string
			header map[string]string // nil: what the SDK v2 sends itself
		}{
			{"SDK v2", nil},
			{"SDK v1", map[string]string{"x-oss-copy-source": "/" + wireBucket + "/" + url.QueryEscape(key)}},
		} {
			t.Run(tc.client+"/"+key, func(t *testing.T) {
				t.Parallel()
				dst := "copy of " + tc.client + "/" + key
				_, err := env.Client.CopyObject(ctx, &oss.CopyObjectRequest{Bucket: oss.Ptr(wireBucket), Key: oss.Ptr(dst),
					SourceKey: oss.Ptr(key), RequestCommon: oss.RequestCommon{Headers: tc.header}})
				if err != nil {
					t.Fatalf("CopyObject of %q: %v", key, err)
				}
				if _, got := getBytes(t, env, wireBucket, dst, nil); string(got) != string(data) {
					t.Errorf("CopyObject of %q copied %d other bytes", key, len(got))
				}
				id := initiate(t, env, dst, nil)
				cp, err := env.Client.UploadPartCopy(ctx, &oss.UploadPartCopyRequest{Bucket: oss.Ptr(wireBucket), Key: oss.Ptr(dst),
					UploadId: oss.Ptr(id), PartNumber: 1, SourceKey: oss.Ptr(key), RequestCommon: oss.RequestCommon{Headers: tc.header}})
				if err != nil {
					t.Fatalf("UploadPartCopy of %q: %v", key, err)
				}
				if want := `"` + md5Hex(data) + `"`; oss.ToString(cp.ETag) != want {
					t.Errorf("UploadPartCopy of %q: ETag %s, want %s", key, oss.ToString(cp.ETag), want)
				}
			})
		}
	}
	// A raw '+' is a space: "a+b" sent unescaped names "a b", not "a+b".
	_, err := env.Client.CopyObject(ctx, &oss.CopyObjectRequest{Bucket: oss.Ptr(wireBucket), Key: oss.Ptr("plus"),
		SourceKey: oss.Ptr("ignored"), RequestCommon: oss.RequestCommon{Headers: map[string]string{"x-oss-copy-source": "/" + wireBucket + "/a+b"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, got := getBytes(t, env, wireBucket, "plus", nil); string(got) != string(randomData(30, 1000)) {
		t.Error(`x-oss-copy-source "/wire/a+b" did not copy the key "a b"`)
	}
}

// TestCompleteWithoutParts: a Complete that lists no parts makes an empty
// object, as OSS does (the SDK v2's uploader relies on it), with or without
// x-oss-complete-all.
func TestCompleteWithoutParts(t *testing.T) {
	t.Parallel()
	env := wireStart(t)
	for _, all := range []bool{false, true} {
		key := "empty-" + map[bool]string{false: "listed", true: "all"}[all]
		id := initiate(t, env, key, nil)
		req := &oss.CompleteMultipartUploadRequest{Bucket: oss.Ptr(wireBucket), Key: oss.Ptr(key), UploadId: oss.Ptr(id),
			CompleteMultipartUpload: &oss.CompleteMultipartUpload{}}
		if all {
			req.CompleteMultipartUpload, req.CompleteAll = nil, oss.Ptr("yes")
		}
		res := must[*oss.CompleteMultipartUploadResult](t)(env.Client.CompleteMultipartUpload(ctx, req))
		head := must[*oss.HeadObjectResult](t)(env.Client.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(wireBucket), Key: oss.Ptr(key)}))
		if head.ContentLength != 0 || oss.ToString(head.ObjectType) != "Multipart" || oss.ToString(head.ETag) != oss.ToString(res.ETag) ||
			oss.ToString(res.HashCRC64) != "0" {
			t.Errorf("%s: size %d type %s ETag %s (Complete said %s) CRC %s", key, head.ContentLength, oss.ToString(head.ObjectType),
				oss.ToString(head.ETag), oss.ToString(res.ETag), oss.ToString(res.HashCRC64))
		}
		if _, got := getBytes(t, env, wireBucket, key, nil); len(got) != 0 {
			t.Errorf("%s: GET returned %d bytes", key, len(got))
		}
	}
}

// TestVersionNull: an object written before versioning was enabled is the
// "null" version once it is: HEAD, GET and GetObjectMeta say so, and
// versionId=null reads and deletes it.
func TestVersionNull(t *testing.T) {
	t.Parallel()
	env := wireStart(t)
	putObject(t, env, "k", []byte("before"), nil)
	putObject(t, env, "s", []byte("old"), nil)
	versioning := func(status oss.VersioningStatusType) {
		must[*oss.PutBucketVersioningResult](t)(env.Client.PutBucketVersioning(ctx, &oss.PutBucketVersioningRequest{Bucket: oss.Ptr(wireBucket),
			VersioningConfiguration: &oss.VersioningConfiguration{Status: status}}))
	}
	versioning(oss.VersionEnabled)
	head := must[*oss.HeadObjectResult](t)(env.Client.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(wireBucket), Key: oss.Ptr("k")}))
	meta := must[*oss.GetObjectMetaResult](t)(env.Client.GetObjectMeta(ctx, &oss.GetObjectMetaRequest{Bucket: oss.Ptr(wireBucket), Key: oss.Ptr("k")}))
	res, _ := getBytes(t, env, wireBucket, "k", nil)
	for op, got := range map[string]string{"HEAD": oss.ToString(head.VersionId), "GetObjectMeta": oss.ToString(meta.VersionId), "GET": oss.ToString(res.VersionId)} {
		if got != "null" {
			t.Errorf("%s of an object from before versioning: version %q, want null", op, got)
		}
	}
	newer := putObject(t, env, "k", []byte("after"), nil)
	if v := oss.ToString(newer.VersionId); v == "" || v == "null" {
		t.Fatalf("PUT with versioning enabled got version %q", v)
	}
	if res, got := getBytes(t, env, wireBucket, "k", func(r *oss.GetObjectRequest) { r.VersionId = oss.Ptr("null") }); string(got) != "before" ||
		oss.ToString(res.VersionId) != "null" {
		t.Errorf("GET versionId=null = %q, version %q", got, oss.ToString(res.VersionId))
	}
	del := must[*oss.DeleteObjectResult](t)(env.Client.DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: oss.Ptr(wireBucket), Key: oss.Ptr("k"),
		VersionId: oss.Ptr("null")}))
	if oss.ToString(del.VersionId) != "null" || del.DeleteMarker {
		t.Errorf("DELETE versionId=null: version %q, delete marker %v", oss.ToString(del.VersionId), del.DeleteMarker)
	}
	_, err := env.Client.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(wireBucket), Key: oss.Ptr("k"), VersionId: oss.Ptr("null")})
	wantError(t, err, 404, "NoSuchVersion")
	if _, got := getBytes(t, env, wireBucket, "k", nil); string(got) != "after" {
		t.Errorf("current version after deleting the null one = %q", got)
	}
	// Suspended, a write replaces the null version, including one from
	// before versioning.
	versioning(oss.VersionSuspended)
	putObject(t, env, "s", []byte("new"), nil)
	if _, got := getBytes(t, env, wireBucket, "s", func(r *oss.GetObjectRequest) { r.VersionId = oss.Ptr("null") }); string(got) != "new" {
		t.Errorf("null version after a suspended write = %q", got)
	}
}

// TestContentMD5: OSS returns the Content-MD5 of objects PutObject wrote on
// GET and HEAD (the SDK v2's tests read it), whether or not the client sent
// one, but not for a range nor for multipart objects.
func TestContentMD5(t *testing.T) {
	t.Parallel()
	env := wireStart(t)
	data := randomData(40, 150_000)
	putObject(t, env, "plain", data, nil)
	putObject(t, env, "checked", data, func(r *oss.PutObjectRequest) { r.ContentMD5 = oss.Ptr(base64MD5(data)) })
	id := initiate(t, env, "multipart", nil)
	must[*oss.CompleteMultipartUploadResult](t)(complete(env, "multipart", id, []oss.UploadPart{uploadPart(t, env, "multipart", id, 1, data)}))
	for _, tc := range []struct {
		key, rng, want string
	}{
		{"plain", "", base64MD5(data)},
		{"checked", "", base64MD5(data)},
		{"plain", "bytes=0-9", ""},
		{"multipart", "", ""},
	} {
		res, _ := getBytes(t, env, wireBucket, tc.key, func(r *oss.GetObjectRequest) {
			if tc.rng != "" {
				r.Range = oss.Ptr(tc.rng)
			}
		})
		if got := oss.ToString(res.ContentMD5); got != tc.want {
			t.Errorf("GET %s %s: Content-MD5 %q, want %q", tc.key, tc.rng, got, tc.want)
		}
		if tc.rng != "" {
			continue
		}
		head := must[*oss.HeadObjectResult](t)(env.Client.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(wireBucket), Key: oss.Ptr(tc.key)}))
		if got := oss.ToString(head.ContentMD5); got != tc.want {
			t.Errorf("HEAD %s: Content-MD5 %q, want %q", tc.key, got, tc.want)
		}
	}
}

// TestGetObjectMetaHeaders: GetObjectMeta returns the few headers its API
// reference lists (and the CRC64 the SDK reads), not HeadObject's.
func TestGetObjectMetaHeaders(t *testing.T) {
	t.Parallel()
	env := wireStart(t)
	data := []byte("meta")
	putObject(t, env, "m", data, func(r *oss.PutObjectRequest) {
		r.ContentType, r.Metadata, r.Tagging = oss.Ptr("text/plain"), map[string]string{"a": "b"}, oss.Ptr("t=1")
	})
	res := must[*oss.GetObjectMetaResult](t)(env.Client.GetObjectMeta(ctx, &oss.GetObjectMetaRequest{Bucket: oss.Ptr(wireBucket), Key: oss.Ptr("m"),
		RequestCommon: oss.RequestCommon{Headers: map[string]string{"If-Match": `"0000"`}}}))
	if res.ContentLength != int64(len(data)) || oss.ToString(res.ETag) != `"`+md5Hex(data)+`"` || res.LastModified == nil ||
		oss.ToString(res.HashCRC64) != crcOf(data) || res.VersionId != nil {
		t.Errorf("GetObjectMeta: size %d ETag %s modified %v CRC %s version %v", res.ContentLength, oss.ToString(res.ETag),
			res.LastModified, oss.ToString(res.HashCRC64), res.VersionId)
	}
	for _, name := range []string{"Content-Type", "x-oss-meta-a", "x-oss-object-type", "x-oss-storage-class", "x-oss-tagging-count",
		"Content-MD5", "Accept-Ranges"} {
		if v := res.Headers.Get(name); v != "" {
			t.Errorf("GetObjectMeta returned HeadObject's header %s: %q", name, v)
		}
	}
}

// TestGetBucketInfoFields: every field OSS documents, as the SDKs' tests
// expect them of a new bucket.
func TestGetBucketInfoFields(t *testing.T) {
	t.Parallel()
	env := wireStart(t)
	info := must[*oss.GetBucketInfoResult](t)(env.Client.GetBucketInfo(ctx, &oss.GetBucketInfoRequest{Bucket: oss.Ptr(wireBucket)})).BucketInfo
	location := "oss-" + env.Region
	for _, tc := range []struct {
		field string
		got   *string
		want  string
	}{
		{"Name", info.Name, wireBucket},
		{"AccessMonitor", info.AccessMonitor, "Disabled"},
		{"Location", info.Location, location},
		{"ExtranetEndpoint", info.ExtranetEndpoint, location + ".aliyuncs.com"},
		{"IntranetEndpoint", info.IntranetEndpoint, location + "-internal.aliyuncs.com"},
		{"StorageClass", info.StorageClass, "Standard"},
		{"TransferAcceleration", info.TransferAcceleration, "Disabled"},
		{"CrossRegionReplication", info.CrossRegionReplication, "Disabled"},
		{"DataRedundancyType", info.DataRedundancyType, "LRS"},
		{"AccessControlList", info.ACL, "private"},
		{"SSEAlgorithm (None, which the SDK makes empty)", info.SseRule.SSEAlgorithm, ""},
	} {
		if tc.got == nil || *tc.got != tc.want {
			t.Errorf("GetBucketInfo %s = %v, want %q", tc.field, oss.ToString(tc.got), tc.want)
		}
	}
	if oss.ToString(info.ResourceGroupId) == "" || info.Owner == nil || oss.ToString(info.Owner.DisplayName) == "" || oss.ToString(info.Owner.ID) == "" ||
		info.CreationDate == nil || info.BlockPublicAccess == nil || !*info.BlockPublicAccess || info.Versioning != nil {
		t.Errorf("GetBucketInfo: resource group %q owner %+v created %v block public access %v versioning %v",
			oss.ToString(info.ResourceGroupId), info.Owner, info.CreationDate, info.BlockPublicAccess, info.Versioning)
	}
}

// TestErrorsAsOSSGivesThem: the Code, Message and EC of errors the SDKs'
// own tests compare, made where each operation makes them.
func TestErrorsAsOSSGivesThem(t *testing.T) {
	t.Parallel()
	env := wireStart(t)
	const (
		noBucket = "The specified bucket does not exist."
		noKey    = "The specified key does not exist."
		noUpload = "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed."
	)
	putObject(t, env, "src", []byte("x"), nil)
	gone := initiate(t, env, "k", nil)
	must[*oss.AbortMultipartUploadResult](t)(env.Client.AbortMultipartUpload(ctx, &oss.AbortMultipartUploadRequest{Bucket: oss.Ptr(wireBucket),
		Key: oss.Ptr("k"), UploadId: oss.Ptr(gone)}))
	open := initiate(t, env, "k", nil)
	b, missing := oss.Ptr(wireBucket), oss.Ptr("no-such-bucket-here")
	for _, tc := range []struct {
		op                  string
		call                func() error
		status              int
		code, message, ecID string
	}{
		{"GetObject, no bucket", func() error {
			_, err := env.Client.GetObject(ctx, &oss.GetObjectRequest{Bucket: missing, Key: oss.Ptr("k")})
			return err
		},
			404, "NoSuchBucket", noBucket, "0015-00000101"},
		{"HeadObject, no bucket", func() error {
			_, err := env.Client.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: missing, Key: oss.Ptr("k")})
			return err
		}, 404, "NoSuchBucket", noBucket, "0015-00000101"},
		{"GetObject, no key", func() error {
			_, err := env.Client.GetObject(ctx, &oss.GetObjectRequest{Bucket: b, Key: oss.Ptr("nope")})
			return err
		},
			404, "NoSuchKey", noKey, "0026-00000001"},
		{"UploadPart", func() error {
			_, err := env.Client.UploadPart(ctx, &oss.UploadPartRequest{Bucket: b, Key: oss.Ptr("k"), UploadId: oss.Ptr(gone), PartNumber: 1,
				Body: strings.NewReader("x")})
			return err
		}, 404, "NoSuchUpload", noUpload, "0042-00000104"},
		{"UploadPartCopy", func() error {
			_, err := env.Client.UploadPartCopy(ctx, &oss.UploadPartCopyRequest{Bucket: b, Key: oss.Ptr("k"), UploadId: oss.Ptr(gone), PartNumber: 1,
				SourceKey: oss.Ptr("src")})
			return err
		}, 404, "NoSuchUpload", noUpload, "0042-00000311"},
		{"AbortMultipartUpload", func() error {
			_, err := env.Client.AbortMultipartUpload(ctx, &oss.AbortMultipartUploadRequest{Bucket: b, Key: oss.Ptr("k"), UploadId: oss.Ptr(gone)})
			return err
		}, 404, "NoSuchUpload", noUpload, "0042-00000002"},
		{"ListParts", func() error {
			_, err := env.Client.ListParts(ctx, &oss.ListPartsRequest{Bucket: b, Key: oss.Ptr("k"), UploadId: oss.Ptr(gone)})
			return err
		}, 404, "NoSuchUpload", noUpload, "0042-00000002"},
		{"CompleteMultipartUpload", func() error {
			_, err := env.Client.CompleteMultipartUpload(ctx, &oss.CompleteMultipartUploadRequest{Bucket: b, Key: oss.Ptr("k"), UploadId: oss.Ptr(gone),
				CompleteAll: oss.Ptr("yes")})
			return err
		}, 404, "NoSuchUpload", noUpload, "0042-00000002"},
		{"CompleteMultipartUpload, complete-all and a body", func() error {
			_, err := env.Client.CompleteMultipartUpload(ctx, &oss.CompleteMultipartUploadRequest{Bucket: b, Key: oss.Ptr("k"), UploadId: oss.Ptr(open),
				CompleteAll: oss.Ptr("yes"), CompleteMultipartUpload: &oss.CompleteMultipartUpload{Parts: []oss.UploadPart{{PartNumber: 1, ETag: oss.Ptr(`"00"`)}}}})
			return err
		}, 400, "InvalidArgument", "Should not speficy both complete all header and http body.", "0042-00000216"},
		{"PutBucketVersioning, bad XML", func() error {
			_, err := env.Client.PutBucketVersioning(ctx, &oss.PutBucketVersioningRequest{Bucket: b,
				VersioningConfiguration: &oss.VersioningConfiguration{}})
			return err
		}, 400, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema.", ""},
	} {
		var se *oss.ServiceError
		if err := tc.call(); !errors.As(err, &se) {
			t.Errorf("%s: want %s, got %v", tc.op, tc.code, err)
			continue
		}
		got := []any{se.StatusCode, se.Code, se.Message, se.EC}
		if want := []any{tc.status, tc.code, tc.message, tc.ecID}; !slices.Equal(got, want) {
			t.Errorf("%s:\n got %v\nwant %v", tc.op, got, want)
		}
	}
}

// TestCopyObjectSizeLimit: OSS limits the size of a CopyObject only when it
// copies to another bucket or changes the storage class or encryption; a
// copy within one bucket that changes neither (an in-place metadata change)
// has no limit.
func TestCopyObjectSizeLimit(t *testing.T) {
	t.Parallel()
	env := wireStart(t)
	for _, tc := range []struct {
		name   string
		bucket string
		header map[string]string
		ok     bool
	}{
		{"same bucket", wireBucket, nil, true},
		{"same bucket, metadata replaced", wireBucket, map[string]string{"x-oss-metadata-directive": "REPLACE", "x-oss-meta-k": "v"}, true},
		{"same bucket, same storage class named", wireBucket, map[string]string{"x-oss-storage-class": "Standard"}, true},
		{"same bucket, other storage class", wireBucket, map[string]string{"x-oss-storage-class": "IA"}, false},
		{"same bucket, encryption", wireBucket, map[string]string{"x-oss-server-side-encryption": "AES256"}, false},
		{"other bucket", wireOther, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := env.Client.CopyObject(ctx, &oss.CopyObjectRequest{Bucket: oss.Ptr(tc.bucket), Key: oss.Ptr("copy/" + tc.name),
				SourceBucket: oss.Ptr(wireBucket), SourceKey: oss.Ptr(wireBig), RequestCommon: oss.RequestCommon{Headers: tc.header}})
			if !tc.ok {
				wantError(t, err, 400, "EntityTooLarge")
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			head := must[*oss.HeadObjectResult](t)(env.Client.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(tc.bucket), Key: oss.Ptr("copy/" + tc.name)}))
			if head.ContentLength != ossserver.CopyObjectMaxSize+1 {
				t.Errorf("copy has %d bytes", head.ContentLength)
			}
		})
	}
}
