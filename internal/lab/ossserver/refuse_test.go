package ossserver_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

// loggedOp is the operation the access log names for the answer r.
func (e *hostileEnv) loggedOp(t *testing.T, r hostileResp) string {
	t.Helper()
	id := r.header.Get("x-oss-request-id")
	for _, le := range e.Log.Entries(t) {
		if le.RequestID == id {
			return le.Op
		}
	}
	t.Fatalf("request %s is not in the access log", id)
	return ""
}

// wantSmallIntact checks that hostileSmall still has its bytes.
func (e *hostileEnv) wantSmallIntact(t *testing.T, before []byte) {
	t.Helper()
	if got := e.smallBytes(t); !bytes.Equal(got, before) {
		t.Fatalf("%s/%s changed: %q, was %q", hostileBucket, hostileSmall, got, before)
	}
}

// TestUnimplementedOperationsNamedAndRefused sends the requests that fell
// through to plain operations before (issue 14) and others the server does
// not implement: each is 501 NotImplemented in OSS's XML, named in the
// access log by its OSS API name, and changes nothing.
func TestUnimplementedOperationsNamedAndRefused(t *testing.T) {
	t.Parallel()
	e := hostileStart(t)
	small := e.smallBytes(t)
	cases := []struct {
		method, bucket, key, query, op string
	}{
		{http.MethodPut, hostileBucket, hostileSmall, "retention", "PutObjectRetention"},
		{http.MethodDelete, hostileBucket, "", "publicAccessBlock", "DeleteBucketPublicAccessBlock"},
		{http.MethodPut, hostileBucket, "", "objectWorm", "PutBucketObjectWormConfiguration"},
		{http.MethodPut, hostileBucket, "", "transferAcceleration", "PutBucketTransferAcceleration"},
		{http.MethodPut, hostileBucket, "", "requestPayment", "PutBucketRequestPayment"},
		{http.MethodGet, hostileBucket, "", "requestPayment", "GetBucketRequestPayment"},
		{http.MethodGet, hostileBucket, "", "transferAcceleration", "GetBucketTransferAcceleration"},
		{http.MethodGet, "", "", "regions", "DescribeRegions"},
		{http.MethodDelete, "", "", "publicAccessBlock", "DeletePublicAccessBlock"},
		{http.MethodPost, hostileBucket, "", "replication&comp=delete", "DeleteBucketReplication"},
		{http.MethodGet, hostileBucket, hostileSmall, "live&comp=stat", "GetLiveChannelStat"},
		{http.MethodPost, hostileBucket, hostileSmall, "x-oss-process=csv/select", "SelectObject"},
		{http.MethodPost, hostileBucket, "", "", "PostObject"},
		// Implemented operations with a parameter they do not honour.
		{http.MethodGet, hostileBucket, hostileSmall, "x-oss-process=image/resize,w_10", "GetObject"},
		{http.MethodGet, hostileBucket, hostileSmall, "x-oss-traffic-limit=819200", "GetObject"},
		{http.MethodPut, hostileBucket, hostileSmall, "callback=e30", "PutObject"},
		{http.MethodDelete, hostileBucket, "", "foo=bar", "DeleteBucket"},
		{http.MethodGet, hostileBucket, "", "list-type=2&versionId=v", "ListObjectsV2"},
		// A parameter OSS does not know, which might be a sub-resource newer
		// than the server's tables, on a write.
		{http.MethodPut, hostileBucket, hostileSmall, "bogus", "PutObject"},
		// Presigned-URL parameters have no place beside an Authorization header.
		{http.MethodDelete, hostileBucket, hostileSmall, "security-token=x", "DeleteObject"},
		// Nothing OSS defines.
		{http.MethodPost, hostileBucket, hostileSmall, "", "Unrecognized"},
		{http.MethodPatch, hostileBucket, hostileSmall, "", "Unrecognized"},
	}
	for _, c := range cases {
		t.Run(c.method+" /"+c.bucket+"/"+c.key+"?"+c.query, func(t *testing.T) {
			r := e.do(t, hostileReq{method: c.method, bucket: c.bucket, key: c.key, query: c.query, body: []byte("<Replaced/>")})
			r.wantError(t, http.StatusNotImplemented, "NotImplemented")
			if got := e.loggedOp(t, r); got != c.op {
				t.Errorf("logged as %s, want %s", got, c.op)
			}
			if ok, err := e.Client.IsBucketExist(context.Background(), hostileBucket); err != nil || !ok {
				t.Fatalf("the bucket is gone: %v, %v", ok, err)
			}
			e.wantSmallIntact(t, small)
		})
	}
}

// TestPutObjectConditionsRefused: OSS's PutObject does not implement
// conditional headers and says so (400 NotImplemented, EC 0017-00000245,
// the header named); nothing is written.
func TestPutObjectConditionsRefused(t *testing.T) {
	t.Parallel()
	e := hostileStart(t)
	small := e.smallBytes(t)
	for _, h := range []string{"If-Modified-Since", "If-Unmodified-Since", "If-Match", "If-None-Match"} {
		t.Run(h, func(t *testing.T) {
			value := "Thu, 09 Feb 2023 06:41:44 GMT"
			if strings.HasSuffix(h, "Match") {
				value = `"ABC"`
			}
			r := e.do(t, hostileReq{method: http.MethodPut, bucket: hostileBucket, key: hostileSmall,
				header: map[string]string{h: value}, body: []byte("replaced")})
			r.wantError(t, http.StatusBadRequest, "NotImplemented")
			var body struct {
				Header string `xml:"Header"`
				EC     string `xml:"EC"`
			}
			if err := xml.Unmarshal(r.body, &body); err != nil || body.Header != h || body.EC != "0017-00000245" || r.header.Get("x-oss-ec") != "0017-00000245" {
				t.Errorf("error body %q (%v), x-oss-ec %q: want Header %s and EC 0017-00000245", r.body, err, r.header.Get("x-oss-ec"), h)
			}
			e.wantSmallIntact(t, small)
		})
	}
}

// TestCallbacksRefused: this server makes no upload callbacks, so a
// PutObject or CompleteMultipartUpload that asks for one is refused (501)
// before anything is stored, rather than answered as if it had been made.
func TestCallbacksRefused(t *testing.T) {
	t.Parallel()
	e := hostileStart(t)
	ctx := context.Background()
	callback := oss.Ptr(base64.StdEncoding.EncodeToString([]byte(`{"callbackUrl":"http://127.0.0.1:1/cb","callbackBody":"bucket=${bucket}"}`)))
	wantRefused := func(t *testing.T, err error) {
		t.Helper()
		var se *oss.ServiceError
		if !errors.As(err, &se) || se.StatusCode != http.StatusNotImplemented || se.Code != "NotImplemented" {
			t.Fatalf("got %v, want 501 NotImplemented", err)
		}
	}
	t.Run("PutObject", func(t *testing.T) {
		_, err := e.Client.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(hostileBucket), Key: oss.Ptr("cb-put"),
			Body: strings.NewReader("data"), Callback: callback})
		wantRefused(t, err)
		if _, err := e.Client.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(hostileBucket), Key: oss.Ptr("cb-put")}); err == nil {
			t.Error("the refused PutObject stored the object")
		}
	})
	t.Run("CompleteMultipartUpload", func(t *testing.T) {
		id := e.initiate(t, "cb-mp")
		part, err := e.Client.UploadPart(ctx, &oss.UploadPartRequest{Bucket: oss.Ptr(hostileBucket), Key: oss.Ptr("cb-mp"),
			UploadId: oss.Ptr(id), PartNumber: 1, Body: strings.NewReader("part")})
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.Client.CompleteMultipartUpload(ctx, &oss.CompleteMultipartUploadRequest{Bucket: oss.Ptr(hostileBucket), Key: oss.Ptr("cb-mp"),
			UploadId: oss.Ptr(id), Callback: callback, CompleteMultipartUpload: &oss.CompleteMultipartUpload{
				Parts: []oss.UploadPart{{PartNumber: 1, ETag: part.ETag}}}})
		wantRefused(t, err)
		if _, err := e.Client.ListParts(ctx, &oss.ListPartsRequest{Bucket: oss.Ptr(hostileBucket), Key: oss.Ptr("cb-mp"), UploadId: oss.Ptr(id)}); err != nil {
			t.Errorf("the upload is gone after the refused Complete: %v", err)
		}
		if _, err := e.Client.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(hostileBucket), Key: oss.Ptr("cb-mp")}); err == nil {
			t.Error("the refused Complete made the object")
		}
	})
	t.Run("PutObject with the callback in the query", func(t *testing.T) {
		r := e.do(t, hostileReq{method: http.MethodPut, bucket: hostileBucket, key: "cb-query", query: "callback=" + *callback, body: []byte("data")})
		r.wantError(t, http.StatusNotImplemented, "NotImplemented")
		got := e.do(t, hostileReq{method: http.MethodGet, bucket: hostileBucket, key: "cb-query"})
		got.wantError(t, http.StatusNotFound, "NoSuchKey")
	})
}
