package ossserver_test

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"

	"github.com/osscopy/osscopy/internal/lab/ossserver"
	"github.com/osscopy/osscopy/internal/lab/osstest"
)

// presignEnv is a server whose clock a test can move, with a plain key pair
// and a temporary (STS) one.
type presignEnv struct {
	*osstest.Env
	skew atomic.Int64 // added to the server's clock, in nanoseconds
}

func startPresign(t *testing.T) *presignEnv {
	t.Helper()
	e := &presignEnv{}
	e.Env = osstest.Start(t, ossserver.Config{
		Buckets: []string{"presign"},
		Now:     func() time.Time { return time.Now().Add(time.Duration(e.skew.Load())) },
		Credentials: []ossserver.Credential{
			{AccessKeyID: osstest.AccessKeyID, AccessKeySecret: osstest.AccessKeySecret},
			{AccessKeyID: "STS.presign", AccessKeySecret: "sts-secret", SecurityToken: "sts-token", Expiration: time.Now().Add(time.Hour)},
		},
	})
	return e
}

// client presigns with signature version v, as the STS pair when sts is set;
// opts come last, so they may replace the credentials.
func (e *presignEnv) client(v oss.SignatureVersionType, sts bool, opts ...func(*oss.Config)) *oss.Client {
	id, secret, token := osstest.AccessKeyID, osstest.AccessKeySecret, ""
	if sts {
		id, secret, token = "STS.presign", "sts-secret", "sts-token"
	}
	return e.NewClient(id, secret, append([]func(*oss.Config){func(c *oss.Config) {
		c.WithSignatureVersion(v).WithCredentialsProvider(credentials.NewStaticCredentialsProvider(id, secret, token))
	}}, opts...)...)
}

// send fetches a presigned URL over plain HTTP, as a browser or curl would.
func send(t *testing.T, method, rawURL string, body []byte, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, rawURL, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, data
}

// ossError reads an error answer: its XML body, or for HEAD x-oss-err.
func ossError(t *testing.T, resp *http.Response, body []byte) (code, message, ec string) {
	t.Helper()
	if resp.Request.Method == http.MethodHead {
		body, _ = base64.StdEncoding.DecodeString(resp.Header.Get("x-oss-err"))
	}
	var e struct{ Code, Message, EC string }
	if err := xml.Unmarshal(body, &e); err != nil {
		t.Fatalf("status %d with no OSS error: %q", resp.StatusCode, body)
	}
	return e.Code, e.Message, e.EC
}

var signatureVersions = map[string]oss.SignatureVersionType{"V1": oss.SignatureVersionV1, "V4": oss.SignatureVersionV4}

// PUT, GET and HEAD through URLs the SDK v2 presigned, with plain and STS
// credentials, fetched with net/http.
func TestPresignedPutGetHead(t *testing.T) {
	t.Parallel()
	e := startPresign(t)
	for name, v := range signatureVersions {
		for _, sts := range []bool{false, true} {
			t.Run(name+map[bool]string{false: "", true: "/STS"}[sts], func(t *testing.T) {
				t.Parallel()
				c := e.client(v, sts)
				key := oss.Ptr("dir/" + name + map[bool]string{false: " plain", true: " sts"}[sts] + " (1).txt")
				data := []byte("presigned " + name)
				put, err := c.Presign(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr("presign"), Key: key, ContentType: oss.Ptr("text/plain")})
				if err != nil {
					t.Fatal(err)
				}
				if resp, body := send(t, put.Method, put.URL, data, put.SignedHeaders); resp.StatusCode != 200 {
					t.Fatalf("presigned PUT: %d %s", resp.StatusCode, body)
				}
				get, err := c.Presign(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr("presign"), Key: key})
				if err != nil {
					t.Fatal(err)
				}
				if resp, body := send(t, get.Method, get.URL, nil, nil); resp.StatusCode != 200 || !bytes.Equal(body, data) || resp.Header.Get("Content-Type") != "text/plain" {
					t.Fatalf("presigned GET: %d %q %s", resp.StatusCode, body, resp.Header.Get("Content-Type"))
				}
				head, err := c.Presign(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr("presign"), Key: key})
				if err != nil {
					t.Fatal(err)
				}
				if resp, _ := send(t, head.Method, head.URL, nil, nil); resp.StatusCode != 200 || resp.ContentLength != int64(len(data)) {
					t.Fatalf("presigned HEAD: %d, length %d", resp.StatusCode, resp.ContentLength)
				}
			})
		}
	}
}

// Expired and wrongly signed presigned URLs get OSS's errors, and none of
// them changes the object.
func TestPresignedRefusals(t *testing.T) {
	t.Parallel()
	e := startPresign(t)
	if _, err := e.Client.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr("presign"), Key: oss.Ptr("k"), Body: strings.NewReader("kept")}); err != nil {
		t.Fatal(err)
	}
	putURL := func(t *testing.T, v oss.SignatureVersionType, key string, opts ...func(*oss.Config)) string {
		res, err := e.client(v, false, opts...).Presign(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr("presign"), Key: oss.Ptr(key)},
			oss.PresignExpires(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		return res.URL
	}
	withQuery := func(t *testing.T, rawURL string, edit func(url.Values)) string {
		u, err := url.Parse(rawURL)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		edit(q)
		u.RawQuery = q.Encode()
		return u.String()
	}
	for name, v := range signatureVersions {
		t.Run(name, func(t *testing.T) {
			sigParam := map[string]string{"V1": "Signature", "V4": "x-oss-signature"}[name]
			cases := []struct {
				name        string
				url         string
				header      map[string]string
				status      int
				code, ec    string
				later       time.Duration // how far the server's clock moves first
				wantMessage string
			}{
				{name: "expired", url: putURL(t, v, "k"), later: 2 * time.Minute, status: 403, code: "AccessDenied",
					ec: map[string]string{"V1": "0002-00000069", "V4": "0002-00000236"}[name], wantMessage: "Request has expired."},
				{name: "signed for another key", url: strings.Replace(putURL(t, v, "other"), "/other?", "/k?", 1), status: 403, code: "SignatureDoesNotMatch", ec: "0002-00000040"},
				{name: "signed with another secret", url: putURL(t, v, "k", func(c *oss.Config) {
					c.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(osstest.AccessKeyID, "wrong"))
				}), status: 403, code: "SignatureDoesNotMatch", ec: "0002-00000040"},
				{name: "with a header the signature does not cover", url: putURL(t, v, "k"), header: map[string]string{"x-oss-meta-added": "1"},
					status: 403, code: "SignatureDoesNotMatch"},
				{name: "with an unknown key ID", url: withQuery(t, putURL(t, v, "k"), func(q url.Values) {
					if name == "V1" {
						q.Set("OSSAccessKeyId", "nobody")
					} else {
						q.Set("x-oss-credential", strings.Replace(q.Get("x-oss-credential"), osstest.AccessKeyID, "nobody", 1))
					}
				}), status: 403, code: "InvalidAccessKeyId", ec: "0002-00000902"},
				{name: "without its signature", url: withQuery(t, putURL(t, v, "k"), func(q url.Values) { q.Del(sigParam) }),
					status: map[string]int{"V1": 403, "V4": 400}[name], code: map[string]string{"V1": "SignatureDoesNotMatch", "V4": "InvalidArgument"}[name]},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					if c.later != 0 {
						e.skew.Add(int64(c.later))
						defer e.skew.Add(-int64(c.later))
					}
					resp, body := send(t, http.MethodPut, c.url, []byte("overwritten"), c.header)
					code, msg, ec := ossError(t, resp, body)
					if resp.StatusCode != c.status || code != c.code || c.ec != "" && ec != c.ec || c.wantMessage != "" && msg != c.wantMessage {
						t.Errorf("%d %s %q EC %s; want %d %s %q EC %s", resp.StatusCode, code, msg, ec, c.status, c.code, c.wantMessage, c.ec)
					}
				})
			}
		})
	}
	got, err := e.Client.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr("presign"), Key: oss.Ptr("k")})
	if err != nil {
		t.Fatal(err)
	}
	defer got.Body.Close()
	if data, _ := io.ReadAll(got.Body); string(data) != "kept" {
		t.Errorf("a refused presigned PUT changed the object to %q", data)
	}
}

// V4 presigned URLs may sign additional headers (the SDK v2's own presign
// tests): a request must carry them, with the signed values.
func TestPresignedAdditionalHeaders(t *testing.T) {
	t.Parallel()
	e := startPresign(t)
	c := e.client(oss.SignatureVersionV4, false, func(c *oss.Config) { c.WithAdditionalHeaders([]string{"content-length", "email"}) })
	res, err := c.Presign(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr("presign"), Key: oss.Ptr("extra"),
		RequestCommon: oss.RequestCommon{Headers: map[string]string{"content-length": "5", "email": "a@b.c"}}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.URL, "x-oss-additional-headers=content-length%3Bemail") {
		t.Fatalf("the SDK signed no additional headers: %s", res.URL)
	}
	for _, tc := range []struct {
		name   string
		body   string
		header map[string]string
		status int
	}{
		{"as signed", "12345", map[string]string{"email": "a@b.c"}, 200},
		{"another length", "123456", map[string]string{"email": "a@b.c"}, 403},
		{"another value", "12345", map[string]string{"email": "x@b.c"}, 403},
		{"without the header", "12345", nil, 400},
	} {
		resp, body := send(t, res.Method, res.URL, []byte(tc.body), tc.header)
		if resp.StatusCode != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.name, resp.StatusCode, body, tc.status)
		}
	}
}

// The SDK v1's published V4 vectors (oss/conn_test.go: TestAuthV4Header,
// TestAuthV4SignURL) verify against a server whose clock and key pair are
// theirs: the canonical URI, query ('+' and '|' in names, names without
// values) and headers are built as the official client builds them.
func TestSDKv1PublishedV4Vectors(t *testing.T) {
	t.Parallel()
	const (
		key   = "/bucket/1234%2B-%2F123%2F1.txt"
		query = "%2Bparam1=value3&%2Bparam2&param1=value1&param2&%7Cparam1=value4&%7Cparam2"
	)
	cases := []struct {
		name   string
		now    int64
		query  string
		header map[string]string
	}{
		{"header", 1702743657, query, map[string]string{
			"x-oss-head1": "value", "abc": "value", "ZAbc": "value", "XYZ": "value", "Content-Type": "text/plain",
			"x-oss-content-sha256": "UNSIGNED-PAYLOAD", "x-oss-date": "20231216T162057Z", "Date": "Sat, 16 Dec 2023 16:20:57 GMT",
			"Authorization": "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,Signature=e21d18daa82167720f9b1047ae7e7f1ce7cb77a31e8203a7d5f4624fa0284afe",
		}},
		{"presigned URL", 1702781677, query + "&x-oss-credential=ak%2F20231217%2Fcn-hangzhou%2Foss%2Faliyun_v4_request&x-oss-date=20231217T025437Z" +
			"&x-oss-expires=599&x-oss-signature=a39966c61718be0d5b14e668088b3fa07601033f6518ac7b523100014269c0fe&x-oss-signature-version=OSS4-HMAC-SHA256",
			map[string]string{"x-oss-head1": "value", "abc": "value", "ZAbc": "value", "XYZ": "value", "Content-Type": "application/octet-stream"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			env := osstest.Start(t, ossserver.Config{Region: "cn-hangzhou", Buckets: []string{"bucket"},
				Now:         func() time.Time { return time.Unix(c.now+30, 0) },
				Credentials: []ossserver.Credential{{AccessKeyID: "ak", AccessKeySecret: "sk"}}})
			// The vector's made-up query parameters are no PutObject's: a
			// request that verifies is then refused as not implemented.
			resp, body := send(t, http.MethodPut, env.Endpoint+key+"?"+c.query, nil, c.header)
			if resp.StatusCode != http.StatusNotImplemented {
				t.Fatalf("the SDK v1's vector: %d %s, want 501 after the signature verified", resp.StatusCode, body)
			}
			c.header["x-oss-head1"] = "changed"
			if resp, _ := send(t, http.MethodPut, env.Endpoint+key+"?"+c.query, nil, c.header); resp.StatusCode != 403 {
				t.Errorf("the vector with a signed header changed: %d, want 403", resp.StatusCode)
			}
		})
	}
}
