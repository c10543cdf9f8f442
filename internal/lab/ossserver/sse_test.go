package ossserver_test

import (
	"bytes"
	"fmt"
	"net/http"
	"regexp"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/osscopy/osscopy/internal/lab/ossserver"
	"github.com/osscopy/osscopy/internal/lab/osstest"
)

// Helpers of this file are prefixed sse.

// sseHeaders describes the encryption headers of an answer.
func sseHeaders(h http.Header) string {
	return fmt.Sprintf("alg=%q key=%q data=%q", h.Get("x-oss-server-side-encryption"),
		h.Get("x-oss-server-side-encryption-key-id"), h.Get("x-oss-server-side-data-encryption"))
}

// sseRequest is the encryption a write asks for, as request headers.
type sseRequest struct{ alg, keyID, data string }

func (r sseRequest) headers() map[string]string {
	h := map[string]string{}
	for name, v := range map[string]string{"x-oss-server-side-encryption": r.alg,
		"x-oss-server-side-encryption-key-id": r.keyID, "x-oss-server-side-data-encryption": r.data} {
		if v != "" {
			h[name] = v
		}
	}
	return h
}

var sseGeneratedKey = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// want is the description of the headers OSS answers with; a KMS key the
// request did not name is the one the first answer gave.
func (r sseRequest) want(t *testing.T, first http.Header) string {
	t.Helper()
	key := r.keyID
	if r.alg == "KMS" && key == "" {
		key = first.Get("x-oss-server-side-encryption-key-id")
		if !sseGeneratedKey.MatchString(key) {
			t.Errorf("KMS without a key ID: the answer names key %q, want an ID OSS made", key)
		}
	}
	return fmt.Sprintf("alg=%q key=%q data=%q", r.alg, key, r.data)
}

// The encryption a PutObject, CopyObject or multipart upload asks for is
// kept with the object and returned on HEAD and GET and in the answers to
// the writes (parts included); it changes neither the bytes read back, nor
// their CRC64, nor the ETag.
func TestServerSideEncryption(t *testing.T) {
	t.Parallel()
	env := osstest.Start(t, ossserver.Config{Buckets: []string{"sse"}})
	env.Bucket = "sse"
	c, bucket := env.Client, oss.Ptr("sse")
	data := randomData(7, 200<<10)
	plain := putObject(t, env, "plain", data, nil)
	for i, enc := range []sseRequest{
		{alg: "AES256"}, {alg: "SM4"}, {alg: "KMS"}, {alg: "KMS", keyID: "9468da86-3509-4f8d-a61e-6eab1eac1234"},
		{alg: "KMS", data: "SM4"}, {alg: "KMS", keyID: "my-key", data: "SM4"},
	} {
		t.Run(fmt.Sprintf("%d %+v", i, enc), func(t *testing.T) {
			t.Parallel()
			key := fmt.Sprintf("obj-%d", i)
			put, err := c.PutObject(ctx, &oss.PutObjectRequest{Bucket: bucket, Key: oss.Ptr(key), Body: bytes.NewReader(data),
				RequestCommon: oss.RequestCommon{Headers: enc.headers()}})
			if err != nil {
				t.Fatal(err)
			}
			want := enc.want(t, put.Headers)
			check := func(what string, h http.Header) {
				t.Helper()
				if got := sseHeaders(h); got != want {
					t.Errorf("%s: %s, want %s", what, got, want)
				}
			}
			check("PutObject", put.Headers)
			if oss.ToString(put.ETag) != oss.ToString(plain.ETag) || oss.ToString(put.HashCRC64) != oss.ToString(plain.HashCRC64) {
				t.Errorf("encrypted ETag %s CRC %s; unencrypted %s %s", oss.ToString(put.ETag), oss.ToString(put.HashCRC64),
					oss.ToString(plain.ETag), oss.ToString(plain.HashCRC64))
			}
			head, err := c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: bucket, Key: oss.Ptr(key)})
			if err != nil {
				t.Fatal(err)
			}
			check("HeadObject", head.Headers)
			get, got := getBytes(t, env, "sse", key, nil)
			check("GetObject", get.Headers)
			if !bytes.Equal(got, data) {
				t.Error("GetObject returned other bytes")
			}

			// A copy is encrypted as its request says, whatever its source.
			cp, err := c.CopyObject(ctx, &oss.CopyObjectRequest{Bucket: bucket, Key: oss.Ptr(key + "-copy"), SourceKey: oss.Ptr("plain"),
				RequestCommon: oss.RequestCommon{Headers: enc.headers()}})
			if err != nil {
				t.Fatal(err)
			}
			want = enc.want(t, cp.Headers)
			check("CopyObject", cp.Headers)
			head, err = c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: bucket, Key: oss.Ptr(key + "-copy")})
			if err != nil {
				t.Fatal(err)
			}
			check("HeadObject of the copy", head.Headers)
			plainCopy, err := c.CopyObject(ctx, &oss.CopyObjectRequest{Bucket: bucket, Key: oss.Ptr(key + "-plain-copy"), SourceKey: oss.Ptr(key)})
			if err != nil {
				t.Fatal(err)
			}
			if got := sseHeaders(plainCopy.Headers); got != sseHeaders(nil) {
				t.Errorf("a copy that asks for no encryption answered %s", got)
			}

			// A multipart upload encrypts its parts and object as Initiate said.
			init, err := c.InitiateMultipartUpload(ctx, &oss.InitiateMultipartUploadRequest{Bucket: bucket, Key: oss.Ptr(key + "-mp"),
				RequestCommon: oss.RequestCommon{Headers: enc.headers()}})
			if err != nil {
				t.Fatal(err)
			}
			want = enc.want(t, init.Headers)
			check("InitiateMultipartUpload", init.Headers)
			up, err := c.UploadPart(ctx, &oss.UploadPartRequest{Bucket: bucket, Key: oss.Ptr(key + "-mp"), UploadId: init.UploadId,
				PartNumber: 1, Body: bytes.NewReader(data)})
			if err != nil {
				t.Fatal(err)
			}
			check("UploadPart", up.Headers)
			upc, err := c.UploadPartCopy(ctx, &oss.UploadPartCopyRequest{Bucket: bucket, Key: oss.Ptr(key + "-mp"), UploadId: init.UploadId,
				PartNumber: 2, SourceKey: oss.Ptr("plain")})
			if err != nil {
				t.Fatal(err)
			}
			check("UploadPartCopy", upc.Headers)
			done, err := c.CompleteMultipartUpload(ctx, &oss.CompleteMultipartUploadRequest{Bucket: bucket, Key: oss.Ptr(key + "-mp"),
				UploadId: init.UploadId, CompleteMultipartUpload: &oss.CompleteMultipartUpload{Parts: []oss.UploadPart{
					{PartNumber: 1, ETag: up.ETag}, {PartNumber: 2, ETag: upc.ETag}}}})
			if err != nil {
				t.Fatal(err)
			}
			check("CompleteMultipartUpload", done.Headers)
			if wantETag := multipartETag(oss.ToString(up.ETag), oss.ToString(upc.ETag)); oss.ToString(done.ETag) != wantETag {
				t.Errorf("encrypted multipart ETag %s, want %s", oss.ToString(done.ETag), wantETag)
			}
			head, err = c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: bucket, Key: oss.Ptr(key + "-mp")})
			if err != nil {
				t.Fatal(err)
			}
			check("HeadObject of the multipart object", head.Headers)
			if oss.ToString(head.HashCRC64) != crcOf(append(append([]byte(nil), data...), data...)) {
				t.Errorf("encrypted multipart CRC64 %s, want that of the bytes", oss.ToString(head.HashCRC64))
			}
		})
	}
	if got := sseHeaders(plain.Headers); got != sseHeaders(nil) {
		t.Errorf("an unencrypted PutObject answered %s", got)
	}
}

// Encryption values OSS does not know are refused with its errors, on
// every write that takes them, and a part may not name its own.
func TestServerSideEncryptionRefusals(t *testing.T) {
	t.Parallel()
	env := osstest.Start(t, ossserver.Config{Buckets: []string{"sse-bad"}})
	env.Bucket = "sse-bad"
	c, bucket := env.Client, oss.Ptr("sse-bad")
	putObject(t, env, "src", []byte("source"), nil)
	for _, tc := range []struct {
		enc  sseRequest
		code string
	}{
		{sseRequest{alg: "DES"}, "InvalidEncryptionAlgorithmError"},
		{sseRequest{alg: "aes256"}, "InvalidEncryptionAlgorithmError"},
		{sseRequest{alg: "AES256", keyID: "k"}, "InvalidArgument"},
		{sseRequest{alg: "SM4", data: "SM4"}, "InvalidArgument"},
		{sseRequest{alg: "KMS", data: "AES128"}, "InvalidArgument"},
		{sseRequest{keyID: "k"}, "InvalidArgument"},
	} {
		t.Run(fmt.Sprintf("%+v", tc.enc), func(t *testing.T) {
			t.Parallel()
			headers := oss.RequestCommon{Headers: tc.enc.headers()}
			_, err := c.PutObject(ctx, &oss.PutObjectRequest{Bucket: bucket, Key: oss.Ptr("put"), Body: bytes.NewReader(nil), RequestCommon: headers})
			wantError(t, err, http.StatusBadRequest, tc.code)
			_, err = c.CopyObject(ctx, &oss.CopyObjectRequest{Bucket: bucket, Key: oss.Ptr("copy"), SourceKey: oss.Ptr("src"), RequestCommon: headers})
			wantError(t, err, http.StatusBadRequest, tc.code)
			_, err = c.InitiateMultipartUpload(ctx, &oss.InitiateMultipartUploadRequest{Bucket: bucket, Key: oss.Ptr("mp"), RequestCommon: headers})
			wantError(t, err, http.StatusBadRequest, tc.code)
		})
	}
	t.Run("empty KMS key ID", func(t *testing.T) {
		t.Parallel()
		h := hostileStart(t)
		r := h.do(t, hostileReq{method: http.MethodPut, bucket: hostileBucket, key: "k", body: []byte("x"),
			header: map[string]string{"x-oss-server-side-encryption": "KMS", "x-oss-server-side-encryption-key-id": ""}})
		r.wantError(t, http.StatusBadRequest, "InvalidArgument")
	})
	t.Run("part with its own encryption", func(t *testing.T) {
		t.Parallel()
		id := initiate(t, env, "part-sse", nil)
		_, err := c.UploadPart(ctx, &oss.UploadPartRequest{Bucket: bucket, Key: oss.Ptr("part-sse"), UploadId: oss.Ptr(id), PartNumber: 1,
			Body: bytes.NewReader([]byte("p")), RequestCommon: oss.RequestCommon{Headers: map[string]string{"x-oss-server-side-encryption": "AES256"}}})
		wantError(t, err, http.StatusBadRequest, "InvalidArgument")
	})
	for _, key := range []string{"put", "copy"} {
		if dmExists(t, c, "sse-bad", key) {
			t.Errorf("a refused write created %s", key)
		}
	}
}
