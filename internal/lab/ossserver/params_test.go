package ossserver_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/osscopy/osscopy/internal/lab/ossserver"
	"github.com/osscopy/osscopy/internal/lab/osstest"
)

// TestQueryParametersOSSIgnores sends, signed by the SDK v2, the query
// parameters the SDK v1's own tests send where OSS ignores them: each
// request is answered as if they were not there, and those OSS might act on
// are still refused.
func TestQueryParametersOSSIgnores(t *testing.T) {
	t.Parallel()
	log := &logIndex{}
	env := osstest.Start(t, ossserver.Config{Buckets: []string{"params"}, AccessLog: log})
	env.Bucket = "params"
	putObject(t, env, "present", []byte("present bytes"), nil)
	for _, tc := range []struct {
		name       string
		method     string
		key        string
		params     map[string]string
		body       string
		wantStatus int
		wantOp     string
	}{
		// TestQueryStringAuthV4: made-up parameters on a read.
		{"unknown ones on HeadObject", "HEAD", "missing", map[string]string{"abc": "queryValue1", "|abc": "queryValue2"}, "", 404, "HeadObject"},
		{"unknown one on GetObject", "GET", "present", map[string]string{"abc": "v"}, "", 200, "GetObject"},
		// TestSignURL: response-* on PutObject.
		{"response-* on PutObject", "PUT", "put-with-response", map[string]string{"response-content-encoding": "deflate", "response-expires": "x"}, "stored", 200, "PutObject"},
		// TestVersioningCopyFileCrossBucket: the source's versionId on Initiate.
		{"versionId on InitiateMultipartUpload", "POST", "initiated", map[string]string{"uploads": "", "versionId": "CAEQ"}, "", 200, "InitiateMultipartUpload"},
		// Refused: a made-up parameter on a write; one OSS knows, where OSS might act on it.
		{"unknown one on PutObject", "PUT", "put-with-unknown", map[string]string{"abc": "v"}, "not stored", 501, "PutObject"},
		{"response-* on HeadObject", "HEAD", "present", map[string]string{"response-content-type": "text/html"}, "", 501, "HeadObject"},
		{"versionId on UploadPart", "PUT", "part-target", map[string]string{"partNumber": "1", "uploadId": "X", "versionId": "v"}, "x", 501, "UploadPart"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := &oss.OperationInput{OpName: "Probe", Method: tc.method, Bucket: oss.Ptr(env.Bucket), Key: oss.Ptr(tc.key), Parameters: tc.params}
			if tc.body != "" {
				in.Body = strings.NewReader(tc.body)
			}
			id, status := invoke(t, env.Client, in)
			if e := log.entry(t, id); status != tc.wantStatus || e.Op != tc.wantOp {
				t.Fatalf("%d %s as %s, want %d as %s", status, e.Code, e.Op, tc.wantStatus, tc.wantOp)
			}
			if tc.method != "PUT" {
				return
			}
			enc, got := getObjectBytes(t, env, tc.key)
			if want := map[bool]string{true: tc.body}[status == 200]; got != want || enc != "" {
				t.Errorf("the object holds %q with Content-Encoding %q, want %q and none", got, enc, want)
			}
		})
	}
}

// getObjectBytes returns an object's Content-Encoding and bytes, or "" for
// both when it does not exist.
func getObjectBytes(t *testing.T, env *osstest.Env, key string) (encoding, data string) {
	t.Helper()
	res, err := env.Client.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(env.Bucket), Key: oss.Ptr(key)})
	if err != nil {
		wantError(t, err, 404, "NoSuchKey")
		return "", ""
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.Headers.Get("Content-Encoding"), string(b)
}

// TestPresignedPutIgnoresResponseParameters follows the SDK v1's SignURL
// tests: a presigned PutObject carrying response-content-encoding stores
// the object, and the parameter does not become its Content-Encoding.
func TestPresignedPutIgnoresResponseParameters(t *testing.T) {
	t.Parallel()
	env := osstest.Start(t, ossserver.Config{Buckets: []string{"params"}})
	env.Bucket = "params"
	res, err := env.Client.Presign(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(env.Bucket), Key: oss.Ptr("presigned"),
		RequestCommon: oss.RequestCommon{Parameters: map[string]string{"response-content-encoding": "deflate"}}},
		oss.PresignExpires(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.URL, "response-content-encoding=deflate") {
		t.Fatalf("the presigned URL %s does not carry the parameter", res.URL)
	}
	req, err := http.NewRequest(res.Method, res.URL, bytes.NewReader([]byte("presigned bytes")))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range res.SignedHeaders {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("presigned PUT: %d, want 200", resp.StatusCode)
	}
	if enc, data := getObjectBytes(t, env, "presigned"); data != "presigned bytes" || enc != "" {
		t.Errorf("the object holds %q with Content-Encoding %q, want the bytes PUT and none", data, enc)
	}
}
