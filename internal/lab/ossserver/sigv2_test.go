package ossserver_test

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/osscopy/osscopy/internal/lab/osstest"
)

// v2Signer signs requests with OSS signature version 2 by hand, as the SDK
// v1's AuthV2 does (oss/auth.go getSignedStr, oss/conn.go getResource,
// getSubResource and signURL; the SDK v1 is no dependency of this module,
// and its tests publish no fixed V2 signature): base64(HMAC-SHA256) over
// the method, Content-MD5, Content-Type, a date line, the x-oss-* and
// additional headers, the additional headers' names, and a resource in
// which "/bucket/key" and every query parameter are URL-encoded, the
// parameters sorted by encoded name.
type v2Signer struct{ id, secret, token string }

// v2Escape is the SDK v1's encoding: query escaping, with %20 for a space.
func v2Escape(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }

// stringToSign is what r, addressed to bucket and key, signs; date is the
// Date header or a presigned URL's x-oss-expires.
func (s v2Signer) stringToSign(r *http.Request, bucket, key, date string, additional []string) string {
	var params []string
	for name, values := range r.URL.Query() {
		if name == "x-oss-signature" {
			continue
		}
		p := v2Escape(name)
		if values[0] != "" {
			p += "=" + v2Escape(values[0])
		}
		params = append(params, p)
	}
	sort.Strings(params) // '=' sorts before the letters a longer name goes on with
	resource := v2Escape("/" + bucket + "/" + key)
	if len(params) > 0 {
		resource += "?" + strings.Join(params, "&")
	}
	var headers []string
	for name, values := range r.Header {
		low := strings.ToLower(name)
		if strings.HasPrefix(low, "x-oss-") || contains(additional, low) {
			headers = append(headers, low+":"+values[0]+"\n")
		}
	}
	if contains(additional, "host") {
		headers = append(headers, "host:"+r.URL.Host+"\n")
	}
	sort.Strings(headers)
	return r.Method + "\n" + r.Header.Get("Content-MD5") + "\n" + r.Header.Get("Content-Type") + "\n" + date + "\n" +
		strings.Join(headers, "") + strings.Join(additional, ";") + "\n" + resource
}

func (s v2Signer) signature(stringToSign string) string {
	mac := hmac.New(sha256.New, []byte(s.secret))
	mac.Write([]byte(stringToSign))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// signHeader signs r in its Authorization header, dated now.
func (s v2Signer) signHeader(r *http.Request, bucket, key string, additional []string) {
	r.Header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	if s.token != "" {
		r.Header.Set("x-oss-security-token", s.token)
	}
	sig := s.signature(s.stringToSign(r, bucket, key, r.Header.Get("Date"), additional))
	auth := "OSS2 AccessKeyId:" + s.id + ",Signature:" + sig
	if len(additional) > 0 {
		auth = "OSS2 AccessKeyId:" + s.id + ",AdditionalHeaders:" + strings.Join(additional, ";") + ",Signature:" + sig
	}
	r.Header.Set("Authorization", auth)
}

// presign turns r into a V2 presigned URL's request, valid until expires;
// the headers r carries are those the URL is used with.
func (s v2Signer) presign(r *http.Request, bucket, key string, expires time.Time, additional []string) {
	q := r.URL.Query()
	q.Set("x-oss-signature-version", "OSS2")
	q.Set("x-oss-expires", fmt.Sprint(expires.Unix()))
	q.Set("x-oss-access-key-id", s.id)
	if len(additional) > 0 {
		q.Set("x-oss-additional-headers", strings.Join(additional, ";"))
	}
	if s.token != "" {
		q.Set("security-token", s.token)
	}
	r.URL.RawQuery = q.Encode()
	q.Set("x-oss-signature", s.signature(s.stringToSign(r, bucket, key, q.Get("x-oss-expires"), additional)))
	r.URL.RawQuery = q.Encode()
}

// v2Request is one request of a V2 test: what it is, how it is signed, and
// what it is answered.
type v2Request struct {
	name          string
	method        string
	key           string // in the bucket "presign"; "" addresses the bucket
	query         string // raw, before signing
	header        map[string]string
	body          string
	additional    []string
	signer        v2Signer
	after         func(*http.Request) // changes the request once it is signed
	status        int
	code, ec, msg string // of an error answer
	wantBody      string // of a successful GET
}

func (e *presignEnv) do(t *testing.T, rq v2Request, sign func(v2Signer, *http.Request, string, []string)) {
	t.Helper()
	target := e.Endpoint + "/presign"
	if rq.key != "" {
		target += "/" + strings.ReplaceAll(url.PathEscape(rq.key), "%2F", "/")
	}
	if rq.query != "" {
		target += "?" + rq.query
	}
	r, err := http.NewRequest(rq.method, target, strings.NewReader(rq.body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range rq.header {
		r.Header.Set(k, v)
	}
	sign(rq.signer, r, rq.key, rq.additional)
	if rq.after != nil {
		rq.after(r)
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != rq.status {
		t.Fatalf("%s: %d %s, want %d", rq.name, resp.StatusCode, body, rq.status)
	}
	if rq.code != "" {
		code, msg, ec := ossError(t, resp, body)
		if code != rq.code || ec != rq.ec || rq.msg != "" && msg != rq.msg {
			t.Errorf("%s: %s %q EC %s, want %s %q EC %s", rq.name, code, msg, ec, rq.code, rq.msg, rq.ec)
		}
	}
	if rq.wantBody != "" && string(body) != rq.wantBody {
		t.Errorf("%s: body %q, want %q", rq.name, body, rq.wantBody)
	}
}

var (
	plainV2 = v2Signer{id: osstest.AccessKeyID, secret: osstest.AccessKeySecret}
	stsV2   = v2Signer{id: "STS.presign", secret: "sts-secret", token: "sts-token"}
	// v2Key has what encodings disagree on: '/', a space, '+', '~', '*',
	// `!'()`, '%', '?', '&', '=' and non-ASCII.
	v2Key = "v2/a b+c~*!'()%?&=风吹.txt"
)

func md5Base64(s string) string {
	sum := md5.Sum([]byte(s))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// V2 signatures in the Authorization header (the SDK v1's AuthV2) verify
// for writes, reads, listings and additional headers, with plain and STS
// keys; each request in turn depends on the one before it.
func TestV2HeaderSigned(t *testing.T) {
	t.Parallel()
	e := startPresign(t)
	sign := func(s v2Signer, r *http.Request, key string, additional []string) {
		s.signHeader(r, "presign", key, additional)
	}
	for _, rq := range []v2Request{
		{name: "PutObject", method: "PUT", key: v2Key, body: "0123456789", signer: plainV2, status: 200,
			header: map[string]string{"Content-Type": "text/plain", "Content-MD5": md5Base64("0123456789"), "x-oss-meta-Who": "v2"}},
		{name: "GetObject as STS", method: "GET", key: v2Key, signer: stsV2, status: 200, wantBody: "0123456789"},
		{name: "GetObject with host and range signed", method: "GET", key: v2Key, header: map[string]string{"Range": "bytes=2-4"},
			additional: []string{"host", "range"}, signer: plainV2, status: 206, wantBody: "234"},
		{name: "GetObject with response headers asked", method: "GET", key: v2Key, query: "response-content-type=a%2Fb%20c&response-cache-control=no-cache",
			signer: plainV2, status: 200, wantBody: "0123456789"},
		{name: "ListObjects", method: "GET", query: "prefix=v2%2Fa%20b&max-keys=5&encoding-type=url", signer: plainV2, status: 200},
		{name: "ListMultipartUploads", method: "GET", query: "uploads", signer: plainV2, status: 200},
		{name: "DeleteObject", method: "DELETE", key: v2Key, signer: plainV2, status: 204},
	} {
		e.do(t, rq, sign)
	}
}

// Wrongly signed and malformed V2 Authorization headers get OSS's errors
// and change nothing.
func TestV2HeaderRefusals(t *testing.T) {
	t.Parallel()
	e := startPresign(t)
	sign := func(s v2Signer, r *http.Request, key string, additional []string) {
		s.signHeader(r, "presign", key, additional)
	}
	e.do(t, v2Request{name: "PutObject", method: "PUT", key: "kept", body: "kept", signer: plainV2, status: 200}, sign)
	setAuth := func(auth string) func(*http.Request) {
		return func(r *http.Request) { r.Header.Set("Authorization", auth) }
	}
	mismatch := func(name string, signer v2Signer, after func(*http.Request)) v2Request {
		return v2Request{name: name, method: "PUT", key: "kept", body: "changed", signer: signer, after: after,
			status: 403, code: "SignatureDoesNotMatch", ec: "0002-00000040"}
	}
	malformed := func(name, auth, ec string) v2Request {
		return v2Request{name: name, method: "PUT", key: "kept", body: "changed", signer: plainV2, after: setAuth(auth),
			status: 400, code: "InvalidArgument", ec: ec}
	}
	for _, rq := range []v2Request{
		mismatch("signed with another secret", v2Signer{id: plainV2.id, secret: "wrong"}, nil),
		mismatch("signed for another key", plainV2, func(r *http.Request) { r.URL.Path = "/presign/other" }),
		mismatch("with a header the signature does not cover", plainV2, func(r *http.Request) { r.Header.Set("x-oss-meta-added", "1") }),
		mismatch("with a query parameter the signature does not cover", plainV2, func(r *http.Request) { r.URL.RawQuery = "x-oss-traffic-limit=819200" }),
		mismatch("signed as V1 signs the resource", plainV2, func(r *http.Request) {
			// V1 leaves the resource unencoded and signs no additional-header line.
			date := r.Header.Get("Date")
			sig := plainV2.signature("PUT\n\n\n" + date + "\n/presign/kept")
			r.Header.Set("Authorization", "OSS2 AccessKeyId:"+plainV2.id+",Signature:"+sig)
		}),
		{name: "an additional header the request lacks", method: "PUT", key: "kept", body: "changed", signer: plainV2,
			additional: []string{"range"}, status: 400, code: "InvalidArgument", ec: "0002-00000112"},
		{name: "an unknown key ID", method: "PUT", key: "kept", body: "changed", signer: v2Signer{id: "nobody", secret: "x"},
			status: 403, code: "InvalidAccessKeyId", ec: "0002-00000902"},
		{name: "an STS key without its token", method: "PUT", key: "kept", body: "changed", signer: v2Signer{id: stsV2.id, secret: stsV2.secret},
			status: 403, code: "InvalidSecurityToken"},
		{name: "dated 20 minutes ago", method: "PUT", key: "kept", body: "changed", signer: plainV2, after: func(r *http.Request) {
			r.Header.Set("Date", time.Now().Add(-20*time.Minute).UTC().Format(http.TimeFormat))
		}, status: 403, code: "RequestTimeTooSkewed"},
		malformed("one field", "OSS2 AccessKeyId:"+plainV2.id, "0002-00000102"),
		malformed("a trailing comma", "OSS2 AccessKeyId:"+plainV2.id+",", "0002-00000102"),
		malformed("four fields", "OSS2 AccessKeyId:a,AdditionalHeaders:host,Signature:s,Signature:s", "0002-00000102"),
		malformed("a field twice", "OSS2 AccessKeyId:a,AccessKeyId:b,Signature:s", "0002-00000102"),
		malformed("a field without a colon", "OSS2 AccessKeyId:a,AdditionalHeadershost,Signature:s", "0002-00000103"),
		malformed("an unknown field", "OSS2 AccessKeyId:a,Signature:s,UnknownKey:ABC", "0002-00000104"),
		malformed("no AccessKeyId", "OSS2 AdditionalHeaders:host,Signature:s", "0002-00000105"),
		malformed("an empty AccessKeyId", "OSS2 AccessKeyId:,Signature:s", "0002-00000106"),
		malformed("no Signature", "OSS2 AccessKeyId:a,AdditionalHeaders:host", "0002-00000108"),
		malformed("an empty Signature", "OSS2 AccessKeyId:a,Signature:", "0002-00000109"),
		malformed("empty AdditionalHeaders", "OSS2 AccessKeyId:a,AdditionalHeaders:,Signature:s", "0002-00000110"),
		malformed("an empty additional header", "OSS2 AccessKeyId:a,AdditionalHeaders:host;,Signature:s", "0002-00000111"),
	} {
		e.do(t, rq, sign)
	}
	e.do(t, v2Request{name: "GetObject", method: "GET", key: "kept", signer: plainV2, status: 200, wantBody: "kept"}, sign)
}

// V2 presigned URLs (the SDK v1's SignURL with AuthV2) work for PUT, GET
// and HEAD with plain and STS keys and with additional headers; expired,
// wrongly signed and incomplete ones get OSS's errors and change nothing.
func TestV2Presigned(t *testing.T) {
	t.Parallel()
	e := startPresign(t)
	in := func(d time.Duration) func(v2Signer, *http.Request, string, []string) {
		return func(s v2Signer, r *http.Request, key string, additional []string) {
			s.presign(r, "presign", key, time.Now().Add(d), additional)
		}
	}
	edit := func(f func(url.Values)) func(*http.Request) {
		return func(r *http.Request) {
			q := r.URL.Query()
			f(q)
			r.URL.RawQuery = q.Encode()
		}
	}
	set := func(name, value string) func(*http.Request) { return edit(func(q url.Values) { q.Set(name, value) }) }
	del := func(name string) func(*http.Request) { return edit(func(q url.Values) { q.Del(name) }) }
	refused := func(name string, after func(*http.Request), ec string) v2Request {
		return v2Request{name: name, method: "PUT", key: v2Key, body: "changed", signer: plainV2, after: after,
			status: 400, code: "InvalidArgument", ec: ec}
	}
	for _, rq := range []v2Request{
		{name: "PUT", method: "PUT", key: v2Key, body: "presigned v2", header: map[string]string{"Content-Type": "text/plain"},
			signer: plainV2, status: 200},
		{name: "GET as STS", method: "GET", key: v2Key, signer: stsV2, status: 200, wantBody: "presigned v2"},
		{name: "HEAD", method: "HEAD", key: v2Key, signer: plainV2, status: 200},
		{name: "GET with range signed", method: "GET", key: v2Key, header: map[string]string{"Range": "bytes=0-8"},
			additional: []string{"range"}, signer: plainV2, status: 206, wantBody: "presigned"},
		{name: "with range signed but not sent", method: "GET", key: v2Key, header: map[string]string{"Range": "bytes=0-8"},
			additional: []string{"range"}, signer: plainV2, after: func(r *http.Request) { r.Header.Del("Range") },
			status: 400, code: "InvalidArgument", ec: "0002-00000078"},
		{name: "signed with another secret", method: "PUT", key: v2Key, body: "changed", signer: v2Signer{id: plainV2.id, secret: "wrong"},
			status: 403, code: "SignatureDoesNotMatch", ec: "0002-00000040"},
		{name: "with its expiry moved", method: "PUT", key: v2Key, body: "changed", signer: plainV2,
			after: set("x-oss-expires", fmt.Sprint(time.Now().Add(time.Hour).Unix())), status: 403, code: "SignatureDoesNotMatch", ec: "0002-00000040"},
		{name: "with a header the signature does not cover", method: "PUT", key: v2Key, body: "changed", signer: plainV2,
			after: func(r *http.Request) { r.Header.Set("x-oss-meta-added", "1") }, status: 403, code: "SignatureDoesNotMatch", ec: "0002-00000040"},
		{name: "an STS URL without its token", method: "PUT", key: v2Key, body: "changed", signer: stsV2,
			after: del("security-token"), status: 403, code: "InvalidSecurityToken"},
		{name: "an unknown key ID", method: "PUT", key: v2Key, body: "changed", signer: plainV2,
			after: set("x-oss-access-key-id", "nobody"), status: 403, code: "InvalidAccessKeyId", ec: "0002-00000902"},
		refused("another signature version", set("x-oss-signature-version", "OSS3"), "0002-00000066"),
		refused("no x-oss-expires", del("x-oss-expires"), "0002-00000113"),
		refused("an empty x-oss-expires", set("x-oss-expires", ""), "0002-00000114"),
		refused("an x-oss-expires that is no time", set("x-oss-expires", "abc"), "0002-00000070"),
		refused("no x-oss-access-key-id", del("x-oss-access-key-id"), "0002-00000115"),
		refused("an empty x-oss-access-key-id", set("x-oss-access-key-id", ""), "0002-00000116"),
		refused("no x-oss-signature", del("x-oss-signature"), "0002-00000117"),
		refused("an empty x-oss-signature", set("x-oss-signature", ""), "0002-00000118"),
		refused("empty x-oss-additional-headers", set("x-oss-additional-headers", ""), "0002-00000076"),
		refused("an empty additional header", set("x-oss-additional-headers", "host;"), "0002-00000077"),
		{name: "GET unchanged", method: "GET", key: v2Key, signer: plainV2, status: 200, wantBody: "presigned v2"},
	} {
		e.do(t, rq, in(time.Minute))
	}
	e.skew.Add(int64(2 * time.Minute))
	e.do(t, v2Request{name: "expired", method: "PUT", key: v2Key, body: "changed", signer: plainV2,
		status: 403, code: "AccessDenied", ec: "0002-00000069", msg: "Request has expired."}, in(time.Minute))
	e.skew.Add(-int64(2 * time.Minute))
	e.do(t, v2Request{name: "GET still unchanged", method: "GET", key: v2Key, signer: plainV2, status: 200, wantBody: "presigned v2"}, in(time.Minute))
}

// A presigned URL signs its query as decoded: sent with `!'()*` raw or
// percent-encoded, spaces as '+' or %20, it verifies the same.
func TestV2PresignedQueryEncodings(t *testing.T) {
	t.Parallel()
	e := startPresign(t)
	sign := func(s v2Signer, r *http.Request, key string, additional []string) {
		s.presign(r, "presign", key, time.Now().Add(time.Minute), additional)
	}
	e.do(t, v2Request{name: "PUT", method: "PUT", key: "enc", body: "x", signer: plainV2, status: 200}, sign)
	for name, rewrite := range map[string]*strings.Replacer{
		"as encoded":         strings.NewReplacer(),
		"reserved sent raw":  strings.NewReplacer("%21", "!", "%27", "'", "%28", "(", "%29", ")", "%2A", "*"),
		"spaces sent as %20": strings.NewReplacer("+", "%20"),
	} {
		e.do(t, v2Request{name: name, method: "GET", key: "enc", query: "response-content-disposition=" + url.QueryEscape("it's (a) *b* !"),
			signer: plainV2, after: func(r *http.Request) {
				sent := rewrite.Replace(r.URL.RawQuery)
				if name != "as encoded" && sent == r.URL.RawQuery {
					t.Errorf("%s: the query %q was sent as signed: the case proves nothing", name, sent)
				}
				r.URL.RawQuery = sent
			}, status: 200, wantBody: "x"}, sign)
	}
}
