package ossserver_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/osscopy/osscopy/internal/lab/ossserver"
	"github.com/osscopy/osscopy/internal/lab/osstest"
)

// Helpers of this file are prefixed pst so that they cannot collide with the
// helpers of other test files in the package.

// pstServer is a server on a data directory that a test can stop and start
// again on the same directory.
type pstServer struct {
	t    testing.TB
	srv  *ossserver.Server
	hs   *httptest.Server
	env  *osstest.Env
	once sync.Once
}

func pstCredentials() []ossserver.Credential {
	return []ossserver.Credential{{AccessKeyID: osstest.AccessKeyID, AccessKeySecret: osstest.AccessKeySecret}}
}

func pstStart(t testing.TB, cfg ossserver.Config) *pstServer {
	t.Helper()
	cfg.Credentials = pstCredentials()
	srv, err := ossserver.New(cfg)
	if err != nil {
		t.Fatalf("starting the server on %s: %v", cfg.DataDir, err)
	}
	p := &pstServer{t: t, srv: srv, hs: httptest.NewServer(srv)}
	p.env = &osstest.Env{Endpoint: p.hs.URL, Region: srv.Region(), Server: srv, Local: true}
	p.env.Client = p.env.NewClient(osstest.AccessKeyID, osstest.AccessKeySecret)
	t.Cleanup(p.stop)
	return p
}

// stop ends the HTTP server (waiting for requests in flight) and closes the
// data directory.
func (p *pstServer) stop() {
	p.once.Do(func() {
		p.hs.Close()
		if err := p.srv.Close(); err != nil {
			p.t.Errorf("closing the server: %v", err)
		}
	})
}

func pstPut(t testing.TB, c *oss.Client, req *oss.PutObjectRequest, data []byte) *oss.PutObjectResult {
	t.Helper()
	req.Body = bytes.NewReader(data)
	res, err := c.PutObject(context.Background(), req)
	if err != nil {
		t.Fatalf("PutObject %s/%s: %v", oss.ToString(req.Bucket), oss.ToString(req.Key), err)
	}
	return res
}

func pstPutSimple(t testing.TB, c *oss.Client, bucket, key string, data []byte) *oss.PutObjectResult {
	t.Helper()
	return pstPut(t, c, &oss.PutObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key)}, data)
}

// pstGet returns an object's bytes and headers; versionID and rng may be "".
func pstGet(t testing.TB, c *oss.Client, bucket, key, versionID, rng string) ([]byte, *oss.GetObjectResult, error) {
	t.Helper()
	req := &oss.GetObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key)}
	if versionID != "" {
		req.VersionId = oss.Ptr(versionID)
	}
	if rng != "" {
		req.Range = oss.Ptr(rng)
	}
	res, err := c.GetObject(context.Background(), req)
	if err != nil {
		return nil, nil, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("reading %s/%s: %v", bucket, key, err)
	}
	return data, res, nil
}

// pstMustGet returns an object's bytes, failing the test if it cannot.
func pstMustGet(t testing.TB, c *oss.Client, bucket, key, versionID, rng string) ([]byte, *oss.GetObjectResult) {
	t.Helper()
	data, res, err := pstGet(t, c, bucket, key, versionID, rng)
	if err != nil {
		t.Fatalf("GetObject %s/%s version %q range %q: %v", bucket, key, versionID, rng, err)
	}
	return data, res
}

// pstMissing checks that an object is not there with the given status and code.
func pstMissing(t testing.TB, c *oss.Client, bucket, key, versionID string, status int, code string) {
	t.Helper()
	_, _, err := pstGet(t, c, bucket, key, versionID, "")
	if se := ftServiceError(err); se == nil || se.StatusCode != status || se.Code != code {
		t.Errorf("GetObject %s/%s version %q: got %v, want %d %s", bucket, key, versionID, err, status, code)
	}
}

func pstInitiate(t testing.TB, c *oss.Client, req *oss.InitiateMultipartUploadRequest) string {
	t.Helper()
	res, err := c.InitiateMultipartUpload(context.Background(), req)
	if err != nil {
		t.Fatalf("InitiateMultipartUpload %s: %v", oss.ToString(req.Key), err)
	}
	return oss.ToString(res.UploadId)
}

func pstUploadPart(t testing.TB, c *oss.Client, bucket, key, uploadID string, part int32, data []byte) string {
	t.Helper()
	res, err := c.UploadPart(context.Background(), &oss.UploadPartRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key),
		UploadId: oss.Ptr(uploadID), PartNumber: part, Body: bytes.NewReader(data)})
	if err != nil {
		t.Fatalf("UploadPart %s part %d: %v", key, part, err)
	}
	return oss.ToString(res.ETag)
}

func pstCopyPart(t testing.TB, c *oss.Client, bucket, key, uploadID string, part int32, srcBucket, srcKey string, first, n int64) string {
	t.Helper()
	res, err := c.UploadPartCopy(context.Background(), &oss.UploadPartCopyRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key),
		UploadId: oss.Ptr(uploadID), PartNumber: part, SourceBucket: oss.Ptr(srcBucket), SourceKey: oss.Ptr(srcKey),
		Range: oss.Ptr(fmt.Sprintf("bytes=%d-%d", first, first+n-1))})
	if err != nil {
		t.Fatalf("UploadPartCopy %s part %d: %v", key, part, err)
	}
	return oss.ToString(res.ETag)
}

func pstComplete(t testing.TB, c *oss.Client, bucket, key, uploadID string, etags map[int32]string) *oss.CompleteMultipartUploadResult {
	t.Helper()
	var parts []oss.UploadPart
	for _, n := range slices.Sorted(maps.Keys(etags)) {
		parts = append(parts, oss.UploadPart{PartNumber: n, ETag: oss.Ptr(etags[n])})
	}
	res, err := c.CompleteMultipartUpload(context.Background(), &oss.CompleteMultipartUploadRequest{Bucket: oss.Ptr(bucket),
		Key: oss.Ptr(key), UploadId: oss.Ptr(uploadID), CompleteMultipartUpload: &oss.CompleteMultipartUpload{Parts: parts}})
	if err != nil {
		t.Fatalf("CompleteMultipartUpload %s: %v", key, err)
	}
	return res
}

// pstProbe names an object version (and optionally a range) a view reads.
type pstProbe struct{ bucket, key, versionID, rng string }

// pstView describes, line by line, everything a client can observe of the
// server: buckets, versioning, listings, uploads and their parts, and for
// each probe the answer's status, headers (all but Date and the request
// ID), a digest of the bytes and the tags.
func pstView(t testing.TB, c *oss.Client, probes []pstProbe) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	buckets, err := c.ListBuckets(ctx, &oss.ListBucketsRequest{MaxKeys: 1000})
	if err != nil || buckets.IsTruncated {
		t.Fatalf("ListBuckets: %v (truncated: %v)", err, buckets != nil && buckets.IsTruncated)
	}
	for _, b := range buckets.Buckets {
		name := oss.ToString(b.Name)
		add("bucket %s created %v class %s", name, oss.ToTime(b.CreationDate), oss.ToString(b.StorageClass))
		v, err := c.GetBucketVersioning(ctx, &oss.GetBucketVersioningRequest{Bucket: oss.Ptr(name)})
		if err != nil {
			t.Fatalf("GetBucketVersioning %s: %v", name, err)
		}
		add("bucket %s versioning %q", name, oss.ToString(v.VersionStatus))
		acl, err := c.GetBucketAcl(ctx, &oss.GetBucketAclRequest{Bucket: oss.Ptr(name)})
		if err != nil {
			t.Fatalf("GetBucketAcl %s: %v", name, err)
		}
		add("bucket %s acl %s", name, oss.ToString(acl.ACL))
		versions, err := c.ListObjectVersions(ctx, &oss.ListObjectVersionsRequest{Bucket: oss.Ptr(name), MaxKeys: 1000, IsMix: true})
		if err != nil || versions.IsTruncated {
			t.Fatalf("ListObjectVersions %s: %v", name, err)
		}
		for _, o := range versions.ObjectVersionsDeleteMarkers {
			add("version %s/%s %s latest %v marker %v etag %s size %d modified %v", name, oss.ToString(o.Key), oss.ToString(o.VersionId),
				o.IsLatest, o.IsDeleteMarker(), oss.ToString(o.ETag), o.Size, oss.ToTime(o.LastModified))
		}
		list, err := c.ListObjectsV2(ctx, &oss.ListObjectsV2Request{Bucket: oss.Ptr(name), MaxKeys: 1000})
		if err != nil || list.IsTruncated {
			t.Fatalf("ListObjectsV2 %s: %v", name, err)
		}
		for _, o := range list.Contents {
			add("object %s/%s etag %s size %d modified %v class %s type %s", name, oss.ToString(o.Key), oss.ToString(o.ETag),
				o.Size, oss.ToTime(o.LastModified), oss.ToString(o.StorageClass), oss.ToString(o.Type))
		}
		uploads, err := c.ListMultipartUploads(ctx, &oss.ListMultipartUploadsRequest{Bucket: oss.Ptr(name)})
		if err != nil || uploads.IsTruncated {
			t.Fatalf("ListMultipartUploads %s: %v", name, err)
		}
		for _, u := range uploads.Uploads {
			add("upload %s/%s id %s initiated %v", name, oss.ToString(u.Key), oss.ToString(u.UploadId), oss.ToTime(u.Initiated))
			parts, err := c.ListParts(ctx, &oss.ListPartsRequest{Bucket: oss.Ptr(name), Key: u.Key, UploadId: u.UploadId})
			if err != nil || parts.IsTruncated {
				t.Fatalf("ListParts %s: %v", oss.ToString(u.Key), err)
			}
			for _, p := range parts.Parts {
				add("part %s/%s #%d etag %s size %d crc %s modified %v", name, oss.ToString(u.Key), p.PartNumber,
					oss.ToString(p.ETag), p.Size, oss.ToString(p.HashCRC64), oss.ToTime(p.LastModified))
			}
		}
	}
	for _, p := range probes {
		data, res, err := pstGet(t, c, p.bucket, p.key, p.versionID, p.rng)
		if err != nil {
			se := ftServiceError(err)
			if se == nil {
				t.Fatalf("GetObject %+v: %v", p, err)
			}
			add("get %+v: %d %s", p, se.StatusCode, se.Code)
			continue
		}
		var headers []string
		for k, vs := range res.Headers {
			if k != "Date" && k != "X-Oss-Request-Id" {
				headers = append(headers, fmt.Sprintf("%s=%q", k, vs))
			}
		}
		sort.Strings(headers)
		add("get %+v: %d %d bytes sha256 %x headers %s", p, res.StatusCode, len(data), sha256.Sum256(data), strings.Join(headers, " "))
		req := &oss.GetObjectTaggingRequest{Bucket: oss.Ptr(p.bucket), Key: oss.Ptr(p.key)}
		if p.versionID != "" {
			req.VersionId = oss.Ptr(p.versionID)
		}
		tags, err := c.GetObjectTagging(ctx, req)
		if err != nil {
			t.Fatalf("GetObjectTagging %+v: %v", p, err)
		}
		acl, err := c.GetObjectAcl(ctx, &oss.GetObjectAclRequest{Bucket: req.Bucket, Key: req.Key, VersionId: req.VersionId})
		if err != nil {
			t.Fatalf("GetObjectAcl %+v: %v", p, err)
		}
		add("acl %+v: %s", p, oss.ToString(acl.ACL))
		for _, tag := range tags.Tags {
			add("tag %+v: %s=%s", p, oss.ToString(tag.Key), oss.ToString(tag.Value))
		}
	}
	return out
}

// pstSameView reports the differences of two views.
func pstSameView(t testing.TB, what string, before, after []string) {
	t.Helper()
	if slices.Equal(before, after) {
		return
	}
	for _, l := range before {
		if !slices.Contains(after, l) {
			t.Errorf("%s: lost: %s", what, l)
		}
	}
	for _, l := range after {
		if !slices.Contains(before, l) {
			t.Errorf("%s: new: %s", what, l)
		}
	}
	if len(before) != len(after) {
		t.Errorf("%s: %d lines before, %d after", what, len(before), len(after))
	}
}

// Everything a client can see survives Close and New on the same data
// directory, byte for byte and header for header, without the buckets and
// seeds being given again; an upload in progress can be completed after it.
func TestPersistRestartKeepsEverything(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	seed := ossserver.Seed{Bucket: "pst-a", Key: "seed.bin", Size: 10 << 30, Seed: 3}
	s1 := pstStart(t, ossserver.Config{DataDir: dir, Buckets: []string{"pst-a", "pst-v"}, Seeds: []ossserver.Seed{seed}})
	c := s1.env.Client
	ctx := context.Background()

	// Plain objects with metadata, tags, overwrites, deletes, no bytes.
	small := []byte("hello, persistent world\n")
	putSmall := pstPut(t, c, &oss.PutObjectRequest{Bucket: oss.Ptr("pst-a"), Key: oss.Ptr("dir/small.txt"),
		ContentType: oss.Ptr("text/plain"), CacheControl: oss.Ptr("no-cache"), ContentDisposition: oss.Ptr("attachment"),
		Metadata: map[string]string{"owner": "alice", "project": "x"}, Tagging: oss.Ptr("a=1&b=two")}, small)
	random := ftRandom(t, 300<<10)
	pstPutSimple(t, c, "pst-a", "random.bin", random)
	pstPutSimple(t, c, "pst-a", "over.bin", ftRandom(t, 1000))
	over := ftRandom(t, 150<<10)
	pstPutSimple(t, c, "pst-a", "over.bin", over)
	pstPutSimple(t, c, "pst-a", "gone.bin", []byte("soon gone"))
	if _, err := c.DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: oss.Ptr("pst-a"), Key: oss.Ptr("gone.bin")}); err != nil {
		t.Fatal(err)
	}
	pstPutSimple(t, c, "pst-a", "empty", nil)
	pstPutSimple(t, c, "pst-a", "tagged-later", []byte("tags come later"))
	if _, err := c.PutObjectTagging(ctx, &oss.PutObjectTaggingRequest{Bucket: oss.Ptr("pst-a"), Key: oss.Ptr("tagged-later"),
		Tagging: &oss.Tagging{TagSet: &oss.TagSet{Tags: []oss.Tag{{Key: oss.Ptr("state"), Value: oss.Ptr("late")}}}}}); err != nil {
		t.Fatal(err)
	}

	// Ranges of the synthetic object that parts copy, read for reference.
	const doneOff2, doneN2 = 7_000_000_001, 3<<20 + 5 // above the MD5 limit: CRC digest ETag
	const doneOff3, doneN3 = 123, 512 << 10           // below it: MD5 ETag
	const openOff2, openN2 = 9<<30 + 77, 2 << 20
	const openOff5, openN5 = 4_444_444, 500 << 10
	seedRange := func(first, n int64) []byte {
		data, _ := pstMustGet(t, c, "pst-a", "seed.bin", "", fmt.Sprintf("bytes=%d-%d", first, first+n-1))
		if int64(len(data)) != n {
			t.Fatalf("seed range %d+%d returned %d bytes", first, n, len(data))
		}
		return data
	}

	// A completed multipart upload of real and copied parts.
	donePart1, donePart4 := ftRandom(t, 200<<10), []byte("last part")
	doneID := pstInitiate(t, c, &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr("pst-a"), Key: oss.Ptr("mp-done"),
		ContentType: oss.Ptr("application/x-done"), Metadata: map[string]string{"kind": "done"}})
	doneETags := map[int32]string{
		1: pstUploadPart(t, c, "pst-a", "mp-done", doneID, 1, donePart1),
		2: pstCopyPart(t, c, "pst-a", "mp-done", doneID, 2, "pst-a", "seed.bin", doneOff2, doneN2),
		3: pstCopyPart(t, c, "pst-a", "mp-done", doneID, 3, "pst-a", "seed.bin", doneOff3, doneN3),
		4: pstUploadPart(t, c, "pst-a", "mp-done", doneID, 4, donePart4),
	}
	doneRes := pstComplete(t, c, "pst-a", "mp-done", doneID, doneETags)
	doneBytes := slices.Concat(donePart1, seedRange(doneOff2, doneN2), seedRange(doneOff3, doneN3), donePart4)
	if got := oss.ToString(doneRes.HashCRC64); got != ftCRC(doneBytes) {
		t.Errorf("mp-done CRC64 %s, bytes say %s", got, ftCRC(doneBytes))
	}

	// An upload in progress, with metadata and tags for the object to be.
	openPart1 := ftRandom(t, 150<<10)
	openID := pstInitiate(t, c, &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr("pst-a"), Key: oss.Ptr("mp-open"),
		ContentType: oss.Ptr("application/x-open"), Metadata: map[string]string{"kind": "open"}, Tagging: oss.Ptr("phase=open")})
	openETags := map[int32]string{
		1: pstUploadPart(t, c, "pst-a", "mp-open", openID, 1, openPart1),
		2: pstCopyPart(t, c, "pst-a", "mp-open", openID, 2, "pst-a", "seed.bin", openOff2, openN2),
		5: pstCopyPart(t, c, "pst-a", "mp-open", openID, 5, "pst-a", "seed.bin", openOff5, openN5),
	}
	openBytes := slices.Concat(openPart1, seedRange(openOff2, openN2), seedRange(openOff5, openN5))

	// An aborted upload leaves nothing.
	abortedID := pstInitiate(t, c, &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr("pst-a"), Key: oss.Ptr("mp-aborted")})
	pstUploadPart(t, c, "pst-a", "mp-aborted", abortedID, 1, ftRandom(t, 100<<10))
	if _, err := c.AbortMultipartUpload(ctx, &oss.AbortMultipartUploadRequest{Bucket: oss.Ptr("pst-a"), Key: oss.Ptr("mp-aborted"),
		UploadId: oss.Ptr(abortedID)}); err != nil {
		t.Fatal(err)
	}

	// A versioned bucket: versions, a delete marker, a deleted version and
	// tags on an old version.
	if _, err := c.PutBucketVersioning(ctx, &oss.PutBucketVersioningRequest{Bucket: oss.Ptr("pst-v"),
		VersioningConfiguration: &oss.VersioningConfiguration{Status: oss.VersionEnabled}}); err != nil {
		t.Fatal(err)
	}
	docV1, docV2 := []byte("doc version 1"), []byte("doc version 2, longer")
	doc1 := oss.ToString(pstPutSimple(t, c, "pst-v", "doc", docV1).VersionId)
	doc2 := oss.ToString(pstPutSimple(t, c, "pst-v", "doc", docV2).VersionId)
	del, err := c.DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: oss.Ptr("pst-v"), Key: oss.Ptr("doc")})
	if err != nil || !del.DeleteMarker || oss.ToString(del.VersionId) == "" {
		t.Fatalf("DeleteObject pst-v/doc: %v, want a delete marker", err)
	}
	marker := oss.ToString(del.VersionId)
	keep1 := oss.ToString(pstPutSimple(t, c, "pst-v", "keep", []byte("keep 1")).VersionId)
	keep2 := oss.ToString(pstPutSimple(t, c, "pst-v", "keep", []byte("keep 2")).VersionId)
	if _, err := c.PutObjectTagging(ctx, &oss.PutObjectTaggingRequest{Bucket: oss.Ptr("pst-v"), Key: oss.Ptr("keep"), VersionId: oss.Ptr(keep1),
		Tagging: &oss.Tagging{TagSet: &oss.TagSet{Tags: []oss.Tag{{Key: oss.Ptr("old"), Value: oss.Ptr("yes")}}}}}); err != nil {
		t.Fatal(err)
	}
	vdel1 := oss.ToString(pstPutSimple(t, c, "pst-v", "vdel", []byte("vdel 1")).VersionId)
	vdel2 := oss.ToString(pstPutSimple(t, c, "pst-v", "vdel", []byte("vdel 2")).VersionId)
	if _, err := c.DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: oss.Ptr("pst-v"), Key: oss.Ptr("vdel"), VersionId: oss.Ptr(vdel1)}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{doc1, doc2, marker, keep1, keep2, vdel1, vdel2} {
		if id == "" || id == "null" {
			t.Fatalf("versioned writes returned version IDs %q", []string{doc1, doc2, marker, keep1, keep2, vdel1, vdel2})
		}
	}

	// ACLs, encryption and a DeleteMultipleObjects of plain keys and of
	// versions (one durable record for many deletions).
	if _, err := c.PutBucketAcl(ctx, &oss.PutBucketAclRequest{Bucket: oss.Ptr("pst-a"), Acl: oss.BucketACLPublicRead}); err != nil {
		t.Fatal(err)
	}
	pstPut(t, c, &oss.PutObjectRequest{Bucket: oss.Ptr("pst-a"), Key: oss.Ptr("secret"), Acl: oss.ObjectACLPrivate,
		RequestCommon: oss.RequestCommon{Headers: map[string]string{"x-oss-server-side-encryption": "KMS", "x-oss-server-side-data-encryption": "SM4"}}},
		[]byte("encrypted with a key OSS made"))
	if _, err := c.PutObjectAcl(ctx, &oss.PutObjectAclRequest{Bucket: oss.Ptr("pst-a"), Key: oss.Ptr("tagged-later"), Acl: oss.ObjectACLPublicRead}); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"multi-1", "multi-2"} {
		pstPutSimple(t, c, "pst-a", k, []byte(k))
	}
	if _, err := c.DeleteMultipleObjects(ctx, &oss.DeleteMultipleObjectsRequest{Bucket: oss.Ptr("pst-a"),
		Objects: []oss.DeleteObject{{Key: oss.Ptr("multi-1")}, {Key: oss.Ptr("multi-2")}, {Key: oss.Ptr("multi-none")}}}); err != nil {
		t.Fatal(err)
	}
	pstPutSimple(t, c, "pst-v", "multi-v", []byte("multi-v 1"))
	multiV2 := oss.ToString(pstPutSimple(t, c, "pst-v", "multi-v", []byte("multi-v 2")).VersionId)
	pstPutSimple(t, c, "pst-v", "multi-m", []byte("multi-m gets a delete marker"))
	if _, err := c.DeleteMultipleObjects(ctx, &oss.DeleteMultipleObjectsRequest{Bucket: oss.Ptr("pst-v"),
		Objects: []oss.DeleteObject{{Key: oss.Ptr("multi-v"), VersionId: oss.Ptr(multiV2)}, {Key: oss.Ptr("multi-m")}}}); err != nil {
		t.Fatal(err)
	}
	sseID := pstInitiate(t, c, &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr("pst-a"), Key: oss.Ptr("mp-sse"),
		RequestCommon: oss.RequestCommon{Headers: map[string]string{"x-oss-server-side-encryption": "AES256", "x-oss-object-acl": "public-read-write"}}})
	sseETags := map[int32]string{1: pstUploadPart(t, c, "pst-a", "mp-sse", sseID, 1, []byte("encrypted part"))}

	probes := []pstProbe{
		{"pst-a", "secret", "", ""}, {"pst-a", "multi-1", "", ""}, {"pst-v", "multi-v", "", ""}, {"pst-v", "multi-m", "", ""},
		{"pst-a", "dir/small.txt", "", ""}, {"pst-a", "random.bin", "", ""}, {"pst-a", "over.bin", "", ""},
		{"pst-a", "gone.bin", "", ""}, {"pst-a", "empty", "", ""}, {"pst-a", "tagged-later", "", ""},
		{"pst-a", "mp-done", "", ""}, {"pst-a", "mp-aborted", "", ""}, {"pst-a", "mp-open", "", ""},
		{"pst-a", "seed.bin", "", "bytes=0-99999"}, {"pst-a", "seed.bin", "", fmt.Sprintf("bytes=%d-%d", seed.Size-70000, seed.Size-1)},
		{"pst-v", "doc", "", ""}, {"pst-v", "doc", doc1, ""}, {"pst-v", "doc", doc2, ""}, {"pst-v", "doc", marker, ""},
		{"pst-v", "keep", "", ""}, {"pst-v", "keep", keep1, ""}, {"pst-v", "keep", keep2, ""},
		{"pst-v", "vdel", "", ""}, {"pst-v", "vdel", vdel1, ""}, {"pst-v", "vdel", vdel2, ""},
	}
	before := pstView(t, c, probes)
	s1.stop()

	// The second server is given nothing but the data directory.
	s2 := pstStart(t, ossserver.Config{DataDir: dir})
	c = s2.env.Client
	pstSameView(t, "after restart", before, pstView(t, c, probes))

	// The view also says what was written, exactly.
	got, res := pstMustGet(t, c, "pst-a", "dir/small.txt", "", "")
	if !bytes.Equal(got, small) || oss.ToString(res.ETag) != ftETag(small) || oss.ToString(res.ETag) != oss.ToString(putSmall.ETag) ||
		oss.ToString(res.HashCRC64) != ftCRC(small) || oss.ToString(res.ContentType) != "text/plain" ||
		res.Headers.Get("Cache-Control") != "no-cache" || res.Headers.Get("Content-Disposition") != "attachment" ||
		res.Metadata["owner"] != "alice" || res.Metadata["project"] != "x" || res.TaggingCount != 2 {
		t.Errorf("dir/small.txt after restart: %q ETag %s CRC %s type %s cache %s disposition %s meta %v tags %d",
			got, oss.ToString(res.ETag), oss.ToString(res.HashCRC64), oss.ToString(res.ContentType), res.Headers.Get("Cache-Control"),
			res.Headers.Get("Content-Disposition"), res.Metadata, res.TaggingCount)
	}
	for key, want := range map[string][]byte{"random.bin": random, "over.bin": over, "empty": {}, "tagged-later": []byte("tags come later")} {
		got, res := pstMustGet(t, c, "pst-a", key, "", "")
		if !bytes.Equal(got, want) || oss.ToString(res.ETag) != ftETag(want) || oss.ToString(res.HashCRC64) != ftCRC(want) {
			t.Errorf("pst-a/%s after restart: %d bytes ETag %s CRC %s, want %d bytes %s %s", key, len(got),
				oss.ToString(res.ETag), oss.ToString(res.HashCRC64), len(want), ftETag(want), ftCRC(want))
		}
	}
	pstMissing(t, c, "pst-a", "gone.bin", "", 404, "NoSuchKey")
	pstMissing(t, c, "pst-a", "mp-aborted", "", 404, "NoSuchKey")
	got, res = pstMustGet(t, c, "pst-a", "mp-done", "", "")
	wantDoneETag := multipartETag(doneETags[1], doneETags[2], doneETags[3], doneETags[4])
	if !bytes.Equal(got, doneBytes) || oss.ToString(res.ETag) != wantDoneETag || oss.ToString(res.HashCRC64) != ftCRC(doneBytes) ||
		oss.ToString(res.ContentType) != "application/x-done" || res.Metadata["kind"] != "done" || oss.ToString(res.ObjectType) != "Multipart" {
		t.Errorf("mp-done after restart: %d bytes ETag %s CRC %s type %s meta %v object type %s; want %d bytes %s %s",
			len(got), oss.ToString(res.ETag), oss.ToString(res.HashCRC64), oss.ToString(res.ContentType), res.Metadata,
			oss.ToString(res.ObjectType), len(doneBytes), wantDoneETag, ftCRC(doneBytes))
	}
	pstMissing(t, c, "pst-v", "doc", "", 404, "NoSuchKey")
	pstMissing(t, c, "pst-v", "vdel", vdel1, 404, "NoSuchVersion")
	for _, v := range []struct {
		key, id string
		want    []byte
	}{{"doc", doc1, docV1}, {"doc", doc2, docV2}, {"keep", "", []byte("keep 2")}, {"keep", keep1, []byte("keep 1")}, {"vdel", "", []byte("vdel 2")}} {
		got, res := pstMustGet(t, c, "pst-v", v.key, v.id, "")
		if !bytes.Equal(got, v.want) || oss.ToString(res.ETag) != ftETag(v.want) || v.id != "" && oss.ToString(res.VersionId) != v.id {
			t.Errorf("pst-v/%s version %q after restart: %q ETag %s version %s, want %q", v.key, v.id, got, oss.ToString(res.ETag), oss.ToString(res.VersionId), v.want)
		}
	}

	// The upload in progress kept its parts and completes into the right
	// object, with the metadata and tags given when it was initiated.
	parts := map[int32]string{}
	listed, err := c.ListParts(ctx, &oss.ListPartsRequest{Bucket: oss.Ptr("pst-a"), Key: oss.Ptr("mp-open"), UploadId: oss.Ptr(openID)})
	if err != nil {
		t.Fatal(err)
	}
	wantPart := map[int32][]byte{1: openPart1, 2: openBytes[150<<10 : 150<<10+openN2], 5: openBytes[150<<10+openN2:]}
	for _, p := range listed.Parts {
		parts[p.PartNumber] = oss.ToString(p.ETag)
		if w := wantPart[p.PartNumber]; p.Size != int64(len(w)) || oss.ToString(p.HashCRC64) != ftCRC(w) {
			t.Errorf("mp-open part %d after restart: size %d CRC %s, want %d %s", p.PartNumber, p.Size, oss.ToString(p.HashCRC64), len(w), ftCRC(w))
		}
	}
	if len(parts) != 3 || parts[1] != openETags[1] || parts[2] != openETags[2] || parts[5] != openETags[5] || parts[1] != ftETag(openPart1) {
		t.Fatalf("mp-open parts after restart %v, want %v", parts, openETags)
	}
	openRes := pstComplete(t, c, "pst-a", "mp-open", openID, openETags)
	got, res = pstMustGet(t, c, "pst-a", "mp-open", "", "")
	wantOpenETag := multipartETag(openETags[1], openETags[2], openETags[5])
	if !bytes.Equal(got, openBytes) || oss.ToString(res.ETag) != wantOpenETag || oss.ToString(res.HashCRC64) != ftCRC(openBytes) ||
		oss.ToString(openRes.HashCRC64) != ftCRC(openBytes) || oss.ToString(res.ContentType) != "application/x-open" ||
		res.Metadata["kind"] != "open" || res.TaggingCount != 1 {
		t.Errorf("mp-open completed after restart: %d bytes ETag %s CRC %s type %s meta %v tags %d; want %d bytes %s %s",
			len(got), oss.ToString(res.ETag), oss.ToString(res.HashCRC64), oss.ToString(res.ContentType), res.Metadata,
			res.TaggingCount, len(openBytes), wantOpenETag, ftCRC(openBytes))
	}

	// The upload's encryption and ACL reach the object completed after the restart.
	sseRes := pstComplete(t, c, "pst-a", "mp-sse", sseID, sseETags)
	sseACL, err := c.GetObjectAcl(ctx, &oss.GetObjectAclRequest{Bucket: oss.Ptr("pst-a"), Key: oss.Ptr("mp-sse")})
	if err != nil || sseRes.Headers.Get("x-oss-server-side-encryption") != "AES256" || oss.ToString(sseACL.ACL) != "public-read-write" {
		t.Errorf("mp-sse completed after restart: encryption %q, ACL %v (%v)", sseRes.Headers.Get("x-oss-server-side-encryption"), sseACL, err)
	}
	_, res = pstMustGet(t, c, "pst-a", "secret", "", "")
	if oss.ToString(res.ServerSideEncryption) != "KMS" || oss.ToString(res.ServerSideDataEncryption) != "SM4" || oss.ToString(res.ServerSideEncryptionKeyId) == "" {
		t.Errorf("secret after restart: encryption %q data %q key %q", oss.ToString(res.ServerSideEncryption),
			oss.ToString(res.ServerSideDataEncryption), oss.ToString(res.ServerSideEncryptionKeyId))
	}

	// What the second server recorded survives a third start too.
	probes = append(probes, pstProbe{"pst-a", "mp-open", "", ""}, pstProbe{"pst-a", "mp-sse", "", ""})
	before = pstView(t, c, probes)
	s2.stop()
	s3 := pstStart(t, ossserver.Config{DataDir: dir})
	pstSameView(t, "after second restart", before, pstView(t, s3.env.Client, probes))
}

// A crash while a record was being appended leaves a torn last line, for a
// request that was never answered: loading ignores it.
func TestPersistTornLastJournalLineIsIgnored(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	s1 := pstStart(t, ossserver.Config{DataDir: dir, Buckets: []string{"pst-a"}})
	pstPutSimple(t, s1.env.Client, "pst-a", "a", []byte("alpha"))
	pstPutSimple(t, s1.env.Client, "pst-a", "b", []byte("beta"))
	s1.stop()

	journal := filepath.Join(dir, "journal.jsonl")
	f, err := os.OpenFile(journal, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	const torn = `{"op":"put-object","bucket":"pst-a","object":{"key":"torn","size":5,"et`
	if _, err := f.WriteString(torn); err != nil {
		t.Fatal(err)
	}
	f.Close()

	s2 := pstStart(t, ossserver.Config{DataDir: dir})
	c := s2.env.Client
	for key, want := range map[string]string{"a": "alpha", "b": "beta"} {
		if got, _ := pstMustGet(t, c, "pst-a", key, "", ""); string(got) != want {
			t.Errorf("pst-a/%s = %q, want %q", key, got, want)
		}
	}
	pstMissing(t, c, "pst-a", "torn", "", 404, "NoSuchKey")
	pstPutSimple(t, c, "pst-a", "c", []byte("gamma"))
	s2.stop()
	if data, err := os.ReadFile(journal); err != nil || bytes.Contains(data, []byte(`"torn"`)) {
		t.Errorf("the journal still holds the torn line after a restart (%v):\n%s", err, data)
	}

	s3 := pstStart(t, ossserver.Config{DataDir: dir})
	for key, want := range map[string]string{"a": "alpha", "b": "beta", "c": "gamma"} {
		if got, _ := pstMustGet(t, s3.env.Client, "pst-a", key, "", ""); string(got) != want {
			t.Errorf("after a second restart pst-a/%s = %q, want %q", key, got, want)
		}
	}
}

// Loading writes the new snapshot, then empties the journal. A crash between
// the two leaves records that the snapshot already holds: loading again must
// not apply them twice (parts of an upload that was completed since, a
// second delete marker...).
func TestPersistCrashBeforeJournalWasEmptied(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	s1 := pstStart(t, ossserver.Config{DataDir: dir, Buckets: []string{"pst-a", "pst-v"}})
	c := s1.env.Client
	ctx := context.Background()
	if _, err := c.PutBucketVersioning(ctx, &oss.PutBucketVersioningRequest{Bucket: oss.Ptr("pst-v"),
		VersioningConfiguration: &oss.VersioningConfiguration{Status: oss.VersionEnabled}}); err != nil {
		t.Fatal(err)
	}
	id := pstInitiate(t, c, &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr("pst-a"), Key: oss.Ptr("mp")})
	etags := map[int32]string{1: pstUploadPart(t, c, "pst-a", "mp", id, 1, ftRandom(t, 100<<10))}
	v1 := oss.ToString(pstPutSimple(t, c, "pst-v", "doc", []byte("version 1")).VersionId)
	s1.stop()

	// The second server's journal: a part, the completion, versions.
	s2 := pstStart(t, ossserver.Config{DataDir: dir})
	c = s2.env.Client
	etags[2] = pstUploadPart(t, c, "pst-a", "mp", id, 2, []byte("the last part"))
	pstComplete(t, c, "pst-a", "mp", id, etags)
	v2 := oss.ToString(pstPutSimple(t, c, "pst-v", "doc", []byte("version 2")).VersionId)
	if _, err := c.DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: oss.Ptr("pst-v"), Key: oss.Ptr("doc"), VersionId: oss.Ptr(v1)}); err != nil {
		t.Fatal(err)
	}
	pstPutSimple(t, c, "pst-a", "x", []byte("x"))
	probes := []pstProbe{{"pst-a", "mp", "", ""}, {"pst-a", "x", "", ""}, {"pst-v", "doc", "", ""},
		{"pst-v", "doc", v1, ""}, {"pst-v", "doc", v2, ""}}
	before := pstView(t, c, probes)
	s2.stop()
	journal := filepath.Join(dir, "journal.jsonl")
	records, err := os.ReadFile(journal)
	if err != nil || bytes.Count(records, []byte("\n")) != 5 {
		t.Fatalf("the second journal holds %q (%v), want 5 records", records, err)
	}

	// A third start folds them into the snapshot; put the journal back as
	// a crash before it was emptied would have left it.
	pstStart(t, ossserver.Config{DataDir: dir}).stop()
	if err := os.WriteFile(journal, records, 0o600); err != nil {
		t.Fatal(err)
	}
	s4 := pstStart(t, ossserver.Config{DataDir: dir})
	pstSameView(t, "after the crash", before, pstView(t, s4.env.Client, probes))
	// A write after that is not taken for one already applied.
	pstPutSimple(t, s4.env.Client, "pst-a", "after", []byte("after the crash"))
	probes = append(probes, pstProbe{"pst-a", "after", "", ""})
	before = pstView(t, s4.env.Client, probes)
	s4.stop()
	s5 := pstStart(t, ossserver.Config{DataDir: dir})
	pstSameView(t, "after another restart", before, pstView(t, s5.env.Client, probes))
}

// A damaged line that is not the last cannot come from a crash: New
// refuses the directory, names the file and line, and changes nothing.
func TestPersistDamagedJournalFailsNew(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		file     string
		line     int // 1-based line of journal.jsonl to replace; 0 replaces state.json
		damaged  string
		wantText string
	}{
		{"garbage", "journal.jsonl", 2, "this is not JSON", "line 2 is damaged"},
		{"half a record", "journal.jsonl", 3, `{"op":"put-object","bucket":"pst-a","obj`, "line 3 is damaged"},
		{"unknown record", "journal.jsonl", 2, `{"op":"teleport","bucket":"pst-a"}`, "line 2"},
		{"record for no bucket", "journal.jsonl", 3, `{"op":"delete-object","bucket":"nowhere","key":"x"}`, "line 3"},
		{"damaged last complete line", "journal.jsonl", 4, `{"op":`, "line 4 is damaged"},
		{"damaged snapshot", "state.json", 0, `{"buckets": [`, "is damaged"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "data")
			s1 := pstStart(t, ossserver.Config{DataDir: dir, Buckets: []string{"pst-a"}})
			for _, key := range []string{"a", "b", "c"} {
				pstPutSimple(t, s1.env.Client, "pst-a", key, []byte("data of "+key))
			}
			s1.stop()

			path := filepath.Join(dir, tc.file)
			if tc.line == 0 {
				if err := os.WriteFile(path, []byte(tc.damaged), 0o600); err != nil {
					t.Fatal(err)
				}
			} else {
				data, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				lines := strings.Split(string(data), "\n")
				if len(lines) != 5 || lines[4] != "" { // put-bucket, 3 put-objects, newline at the end
					t.Fatalf("journal has unexpected lines %q", lines)
				}
				lines[tc.line-1] = tc.damaged
				if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			snapshot := pstReadAll(t, dir)

			srv, err := ossserver.New(ossserver.Config{DataDir: dir, Credentials: pstCredentials()})
			if err == nil {
				srv.Close()
				t.Fatalf("New accepted a data directory whose %s has a damaged line", tc.file)
			}
			if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tc.wantText) {
				t.Errorf("New failed with %q; want it to name %s and say %q", err, path, tc.wantText)
			}
			if after := pstReadAll(t, dir); !maps.Equal(snapshot, after) {
				t.Error("a failed New changed the data directory")
			}
		})
	}
}

// pstReadAll returns every file under dir by relative path.
func pstReadAll(t testing.TB, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		rel, _ := filepath.Rel(dir, path)
		out[rel] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Blobs that no object or part points at any more (overwritten, deleted,
// aborted, refused for a bad digest, or not blobs at all) are removed when
// the directory is loaded; the ones in use stay and still read right.
func TestPersistRestartRemovesUnusedBlobs(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	blobs := filepath.Join(dir, "blobs")
	s1 := pstStart(t, ossserver.Config{DataDir: dir, Buckets: []string{"pst-a"}})
	c := s1.env.Client
	ctx := context.Background()
	pstPutSimple(t, c, "pst-a", "a", []byte("first content of a"))
	second := []byte("second content of a")
	pstPutSimple(t, c, "pst-a", "a", second)
	pstPutSimple(t, c, "pst-a", "b", []byte("b is deleted"))
	if _, err := c.DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: oss.Ptr("pst-a"), Key: oss.Ptr("b")}); err != nil {
		t.Fatal(err)
	}
	abortID := pstInitiate(t, c, &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr("pst-a"), Key: oss.Ptr("aborted")})
	pstUploadPart(t, c, "pst-a", "aborted", abortID, 1, ftRandom(t, 100<<10))
	if _, err := c.AbortMultipartUpload(ctx, &oss.AbortMultipartUploadRequest{Bucket: oss.Ptr("pst-a"), Key: oss.Ptr("aborted"), UploadId: oss.Ptr(abortID)}); err != nil {
		t.Fatal(err)
	}
	openID := pstInitiate(t, c, &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr("pst-a"), Key: oss.Ptr("open")})
	openPart := ftRandom(t, 120<<10)
	openETag := pstUploadPart(t, c, "pst-a", "open", openID, 1, openPart)
	_, err := c.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr("pst-a"), Key: oss.Ptr("bad"),
		ContentMD5: oss.Ptr("AAAAAAAAAAAAAAAAAAAAAA=="), Body: strings.NewReader("the digest does not match")})
	if se := ftServiceError(err); se == nil || se.Code != "BadDigest" {
		t.Fatalf("PutObject with a wrong Content-MD5: %v, want BadDigest", err)
	}
	for name, data := range map[string]string{"b0123456789abcdef01234567": "stray", "not-a-blob.txt": "junk"} {
		if err := os.WriteFile(filepath.Join(blobs, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(pstReadAll(t, blobs)); n < 5 {
		t.Fatalf("the blob directory holds %d files before the restart, want at least 5", n)
	}
	s1.stop()

	s2 := pstStart(t, ossserver.Config{DataDir: dir})
	var contents []string
	for _, data := range pstReadAll(t, blobs) {
		contents = append(contents, string(data))
	}
	sort.Strings(contents)
	want := []string{string(openPart), string(second)}
	sort.Strings(want)
	if !slices.Equal(contents, want) {
		t.Errorf("after the restart the blob directory holds %d files, want exactly the 2 in use (a's second content and open's part)", len(contents))
	}
	c = s2.env.Client
	if got, _ := pstMustGet(t, c, "pst-a", "a", "", ""); !bytes.Equal(got, second) {
		t.Errorf("pst-a/a = %q, want %q", got, second)
	}
	res := pstComplete(t, c, "pst-a", "open", openID, map[int32]string{1: openETag})
	if got, _ := pstMustGet(t, c, "pst-a", "open", "", ""); !bytes.Equal(got, openPart) || oss.ToString(res.HashCRC64) != ftCRC(openPart) {
		t.Errorf("the upload kept through the restart completed into %d bytes CRC %s, want %d bytes %s",
			len(got), oss.ToString(res.HashCRC64), len(openPart), ftCRC(openPart))
	}
}

// The data directory is private: directories 0700, files 0600.
func TestPersistFilesArePrivate(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	s1 := pstStart(t, ossserver.Config{DataDir: dir, Buckets: []string{"pst-a"},
		Seeds: []ossserver.Seed{{Bucket: "pst-a", Key: "seed.bin", Size: 1 << 30, Seed: 1}}})
	c := s1.env.Client
	pstPutSimple(t, c, "pst-a", "a", []byte("private bytes"))
	id := pstInitiate(t, c, &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr("pst-a"), Key: oss.Ptr("mp")})
	pstUploadPart(t, c, "pst-a", "mp", id, 1, ftRandom(t, 100<<10))
	pstCopyPart(t, c, "pst-a", "mp", id, 2, "pst-a", "seed.bin", 0, 100<<10)
	check := func(when string) {
		t.Helper()
		var files, dirs int
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			want := fs.FileMode(0o600)
			if d.IsDir() {
				want = 0o700 | fs.ModeDir
				dirs++
			} else {
				files++
			}
			if info.Mode() != want {
				t.Errorf("%s: %s has mode %v, want %v", when, path, info.Mode(), want)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if dirs != 2 || files < 3 { // data, data/blobs; state.json, journal.jsonl, blobs
			t.Errorf("%s: found %d directories and %d files, want 2 and at least 3", when, dirs, files)
		}
	}
	check("while running")
	s1.stop()
	pstStart(t, ossserver.Config{DataDir: dir}).stop()
	check("after a restart")
}

// The crash test runs the server in a child process (this test binary,
// re-executed) so that it can be killed with SIGKILL mid-write.
const pstChildDirEnv = "OSSSERVER_PERSIST_CHILD_DIR"

const pstChildAddrPrefix = "OSSSERVER-CHILD-ADDR "

func pstChildConfig(dir string) ossserver.Config {
	return ossserver.Config{DataDir: dir, Credentials: pstCredentials(), Buckets: []string{"crash"},
		Seeds: []ossserver.Seed{{Bucket: "crash", Key: "seed.bin", Size: 5 << 40, Seed: 9}}}
}

// TestMain runs the server process of TestPersistSurvivesKill when this
// test binary is started as that child, and the tests otherwise.
func TestMain(m *testing.M) {
	if dir := os.Getenv(pstChildDirEnv); dir != "" {
		pstRunChild(dir)
	}
	os.Exit(m.Run())
}

// pstRunChild serves a data directory until the process is killed.
func pstRunChild(dir string) {
	srv, err := ossserver.New(pstChildConfig(dir))
	if err != nil {
		fmt.Fprintln(os.Stderr, "child: New:", err)
		os.Exit(3)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "child: listen:", err)
		os.Exit(3)
	}
	fmt.Printf("%s%s\n", pstChildAddrPrefix, ln.Addr())
	err = http.Serve(ln, srv) // until killed
	fmt.Fprintln(os.Stderr, "child: serve:", err)
	os.Exit(3)
}

// pstLockedBuffer collects a child's output; addr receives the address it
// prints.
type pstLockedBuffer struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	addr chan string
	sent bool
}

func (b *pstLockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	if b.addr != nil && !b.sent {
		for _, line := range strings.SplitAfter(b.buf.String(), "\n") {
			if rest, ok := strings.CutPrefix(line, pstChildAddrPrefix); ok && strings.HasSuffix(rest, "\n") {
				b.addr <- strings.TrimSpace(rest)
				b.sent = true
			}
		}
	}
	return len(p), nil
}

func (b *pstLockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type pstChild struct {
	cmd    *exec.Cmd
	client *oss.Client
	stderr *pstLockedBuffer
	done   chan struct{}
}

// pstSpawn starts a server process on dir and returns a client for it.
func pstSpawn(t *testing.T, dir string) *pstChild {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), pstChildDirEnv+"="+dir)
	stdout := &pstLockedBuffer{addr: make(chan string, 1)}
	ch := &pstChild{cmd: cmd, stderr: &pstLockedBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = stdout, ch.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = cmd.Wait()
		close(ch.done)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-ch.done
	})
	select {
	case addr := <-stdout.addr:
		env := &osstest.Env{Endpoint: "http://" + addr, Region: ossserver.DefaultRegion, Local: true}
		ch.client = env.NewClient(osstest.AccessKeyID, osstest.AccessKeySecret)
		return ch
	case <-ch.done:
		t.Fatalf("the server process ended before listening: %v\nstdout: %s\nstderr: %s", cmd.ProcessState, stdout.String(), ch.stderr.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("the server process did not print its address\nstdout: %s\nstderr: %s", stdout.String(), ch.stderr.String())
	}
	return nil
}

// kill ends the server process with SIGKILL and waits until it is gone.
func (ch *pstChild) kill(t *testing.T) {
	t.Helper()
	if err := ch.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-ch.done
	if ws := ch.cmd.ProcessState; ws.Success() || ws.ExitCode() != -1 {
		t.Fatalf("the server process ended with %v, not by the kill; stderr:\n%s", ws, ch.stderr.String())
	}
}

// Every write acknowledged before a SIGKILL is there after a restart on the
// same data directory; writes in flight at the kill are there whole or not
// at all.
func TestPersistSurvivesKill(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	child := pstSpawn(t, dir)
	c := child.client
	ctx := context.Background()

	// Acknowledged writes of every kind, one after another.
	objects := map[string][]byte{}
	for i := range 8 {
		key := fmt.Sprintf("seq/%d", i)
		objects[key] = ftRandom(t, 1+i*37_000)
		pstPutSimple(t, c, "crash", key, objects[key])
	}
	pstPutSimple(t, c, "crash", "seq/deleted", []byte("deleted before the kill"))
	if _, err := c.DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: oss.Ptr("crash"), Key: oss.Ptr("seq/deleted")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutObjectTagging(ctx, &oss.PutObjectTaggingRequest{Bucket: oss.Ptr("crash"), Key: oss.Ptr("seq/3"),
		Tagging: &oss.Tagging{TagSet: &oss.TagSet{Tags: []oss.Tag{{Key: oss.Ptr("acked"), Value: oss.Ptr("yes")}}}}}); err != nil {
		t.Fatal(err)
	}
	uploadID := pstInitiate(t, c, &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr("crash"), Key: oss.Ptr("mp")})
	part1 := ftRandom(t, 100<<10)
	etags := map[int32]string{
		1: pstUploadPart(t, c, "crash", "mp", uploadID, 1, part1),
		2: pstCopyPart(t, c, "crash", "mp", uploadID, 2, "crash", "seed.bin", 3<<40+11, 5<<30),
	}

	// Then writers that keep going until the kill cuts them off.
	type write struct {
		key  string
		data []byte
	}
	var (
		mu       sync.Mutex
		acked    []write
		inFlight []write
		wg       sync.WaitGroup
	)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				w := write{fmt.Sprintf("w/%d/%d", g, i), make([]byte, 32<<10+i)}
				_, _ = rand.Read(w.data)
				mu.Lock()
				inFlight = append(inFlight, w)
				mu.Unlock()
				_, err := c.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr("crash"), Key: oss.Ptr(w.key), Body: bytes.NewReader(w.data)})
				if err != nil {
					return // the server is gone
				}
				mu.Lock()
				acked = append(acked, w)
				mu.Unlock()
			}
		}()
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(time.Millisecond) {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 40 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d concurrent writes were acknowledged in 30 s", n)
		}
	}
	child.kill(t)
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	t.Logf("killed the server after %d concurrent writes were acknowledged, %d attempted", len(acked), len(inFlight))

	child = pstSpawn(t, dir)
	c = child.client
	for key, want := range objects {
		got, res := pstMustGet(t, c, "crash", key, "", "")
		if !bytes.Equal(got, want) || oss.ToString(res.ETag) != ftETag(want) || oss.ToString(res.HashCRC64) != ftCRC(want) {
			t.Errorf("%s after the kill: %d bytes ETag %s CRC %s, want %d bytes %s %s", key, len(got),
				oss.ToString(res.ETag), oss.ToString(res.HashCRC64), len(want), ftETag(want), ftCRC(want))
		}
	}
	pstMissing(t, c, "crash", "seq/deleted", "", 404, "NoSuchKey")
	tags, err := c.GetObjectTagging(ctx, &oss.GetObjectTaggingRequest{Bucket: oss.Ptr("crash"), Key: oss.Ptr("seq/3")})
	if err != nil || len(tags.Tags) != 1 || oss.ToString(tags.Tags[0].Key) != "acked" || oss.ToString(tags.Tags[0].Value) != "yes" {
		t.Errorf("tags of seq/3 after the kill: %v %v, want acked=yes", tags, err)
	}
	ackedKeys := map[string]bool{}
	for _, w := range acked {
		ackedKeys[w.key] = true
		got, res := pstMustGet(t, c, "crash", w.key, "", "")
		if !bytes.Equal(got, w.data) || oss.ToString(res.ETag) != ftETag(w.data) || oss.ToString(res.HashCRC64) != ftCRC(w.data) {
			t.Errorf("acknowledged %s after the kill: %d bytes, want %d", w.key, len(got), len(w.data))
		}
	}
	for _, w := range inFlight {
		if ackedKeys[w.key] {
			continue
		}
		got, res, err := pstGet(t, c, "crash", w.key, "", "")
		switch se := ftServiceError(err); {
		case se != nil && se.StatusCode == 404:
		case err != nil:
			t.Errorf("unacknowledged %s after the kill: %v", w.key, err)
		case !bytes.Equal(got, w.data) || oss.ToString(res.ETag) != ftETag(w.data):
			t.Errorf("unacknowledged %s is there but not whole: %d bytes of %d", w.key, len(got), len(w.data))
		}
	}
	listed, err := c.ListParts(ctx, &oss.ListPartsRequest{Bucket: oss.Ptr("crash"), Key: oss.Ptr("mp"), UploadId: oss.Ptr(uploadID)})
	if err != nil {
		t.Fatalf("ListParts of the upload begun before the kill: %v", err)
	}
	if len(listed.Parts) != 2 || oss.ToString(listed.Parts[0].ETag) != etags[1] || oss.ToString(listed.Parts[1].ETag) != etags[2] ||
		listed.Parts[1].Size != 5<<30 {
		t.Errorf("parts after the kill: %+v, want parts 1 and 2 with ETags %v", listed.Parts, etags)
	}
	res := pstComplete(t, c, "crash", "mp", uploadID, etags)
	head, err := c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr("crash"), Key: oss.Ptr("mp")})
	if err != nil || head.ContentLength != 100<<10+5<<30 || oss.ToString(head.HashCRC64) != oss.ToString(res.HashCRC64) {
		t.Errorf("the upload completed after the kill: %v size %d CRC %s (Complete said %s)", err, head.ContentLength,
			oss.ToString(head.HashCRC64), oss.ToString(res.HashCRC64))
	}
	if oss.ToString(head.ETag) != multipartETag(etags[1], etags[2]) {
		t.Errorf("completed ETag %s, want %s", oss.ToString(head.ETag), multipartETag(etags[1], etags[2]))
	}
}

// Restarting with the same --seed-object flags keeps the seeded object as
// it was: same LastModified, no new version.
func TestPersistSeedsAreNotRewrittenOnRestart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := ossserver.Config{DataDir: dir, Seeds: []ossserver.Seed{{Bucket: "seeded", Key: "big", Size: 3 << 30, Seed: 9}}}
	first := osstest.Start(t, cfg)
	before, err := first.Client.HeadObject(context.Background(), &oss.HeadObjectRequest{Bucket: oss.Ptr("seeded"), Key: oss.Ptr("big")})
	if err != nil {
		t.Fatal(err)
	}
	first.Server.Close()
	time.Sleep(1100 * time.Millisecond) // LastModified has a resolution of one second
	second := osstest.Start(t, cfg)
	after, err := second.Client.HeadObject(context.Background(), &oss.HeadObjectRequest{Bucket: oss.Ptr("seeded"), Key: oss.Ptr("big")})
	if err != nil {
		t.Fatal(err)
	}
	if !after.LastModified.Equal(*before.LastModified) || oss.ToString(after.ETag) != oss.ToString(before.ETag) {
		t.Errorf("restart rewrote the seed: LastModified %v -> %v, ETag %s -> %s", before.LastModified, after.LastModified,
			oss.ToString(before.ETag), oss.ToString(after.ETag))
	}
}
