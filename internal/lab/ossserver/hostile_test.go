package ossserver_test

import (
	"bytes"
	"cmp"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/signer"

	"github.com/osscopy/osscopy/internal/lab/ossserver"
	"github.com/osscopy/osscopy/internal/lab/osstest"
)

// Hostile input: every request here is malformed, oversized, badly named or
// badly signed. The server must answer each with the documented OSS error
// (status and code) in OSS's XML form, with a request ID, and never crash.

const (
	hostileBucket    = "hostile"
	hostileSmall     = "small" // a 10-byte synthetic object in hostileBucket
	hostileSmallSize = 10
)

type hostileEnv struct {
	*osstest.Env
}

// hostileStart runs a server with hostileBucket and its small object.
func hostileStart(t *testing.T) *hostileEnv {
	t.Helper()
	return &hostileEnv{osstest.Start(t, ossserver.Config{
		Buckets: []string{hostileBucket},
		Seeds:   []ossserver.Seed{{Bucket: hostileBucket, Key: hostileSmall, Size: hostileSmallSize, Seed: 1}},
	})}
}

// hostileAuth is how a request is signed, or mis-signed.
type hostileAuth struct {
	name     string
	unsigned bool
	v1       bool
	id       string        // access key ID; empty: the right one
	secret   string        // empty: the right one
	region   string        // empty: the server's
	skew     time.Duration // added to the signing time
	tamper   bool          // change a signed header after signing
	rescope  bool          // move the V4 credential scope to the day before
	wantCode string        // the code this mis-signing earns
	// wantStatus is the status it earns: 403 unless set (OSS answers a
	// wrong region 400).
	wantStatus int
}

// hostileReq is one raw request. The URL path is /bucket/key unless path is
// set; bucket and key are what the server will find in it, for signing.
type hostileReq struct {
	method      string
	bucket, key string
	path        string
	query       string
	header      map[string]string
	body        []byte
	auth        *hostileAuth // nil: signed correctly with V4
}

type hostileResp struct {
	method string
	status int
	header http.Header
	body   []byte
}

func (e *hostileEnv) do(t *testing.T, rq hostileReq) hostileResp {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), rq.method, e.Endpoint, bytes.NewReader(rq.body))
	if err != nil {
		t.Fatal(err)
	}
	path := rq.path
	if path == "" {
		path = "/" + rq.bucket
		if rq.key != "" {
			path += "/" + rq.key
		}
	}
	req.URL.Path, req.URL.RawPath, req.URL.RawQuery = path, "", rq.query
	for k, v := range rq.header {
		req.Header.Set(k, v)
	}
	a := hostileAuth{}
	if rq.auth != nil {
		a = *rq.auth
	}
	if !a.unsigned {
		hostileSign(t, req, e.Region, rq.bucket, rq.key, a)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", rq.method, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the answer: %v", rq.method, path, err)
	}
	return hostileResp{method: rq.method, status: resp.StatusCode, header: resp.Header, body: body}
}

// hostileSign signs req as the SDK would, with the mistakes a asks for.
func hostileSign(t *testing.T, req *http.Request, region, bucket, key string, a hostileAuth) {
	t.Helper()
	if a.region != "" {
		region = a.region
	}
	id, secret := osstest.AccessKeyID, osstest.AccessKeySecret
	if a.id != "" {
		id = a.id
	}
	if a.secret != "" {
		secret = a.secret
	}
	ctx := &signer.SigningContext{Product: oss.Ptr("oss"), Region: &region, Request: req, Time: time.Now().Add(a.skew),
		Credentials: &credentials.Credentials{AccessKeyID: id, AccessKeySecret: secret}}
	if bucket != "" {
		ctx.Bucket = &bucket
	}
	if key != "" {
		ctx.Key = &key
	}
	var s signer.Signer = &signer.SignerV4{}
	if a.v1 {
		s = &signer.SignerV1{}
	}
	// The signer signs the query as the SDK encodes it; the request still
	// goes out raw, as hostile clients send it, and the server decodes it.
	raw := req.URL.RawQuery
	req.URL.RawQuery = ossserver.SDKEncodedQuery(raw)
	for name := range req.URL.Query() {
		if a.v1 && ossserver.IsV1SubResource(name) {
			ctx.SubResource = append(ctx.SubResource, name) // as the SDK v1 signs them (live, comp, ...)
		}
	}
	err := s.Sign(context.Background(), ctx)
	req.URL.RawQuery = raw
	if err != nil {
		t.Fatal(err)
	}
	if a.tamper {
		req.Header.Set("x-oss-meta-tampered", "after signing")
	}
	if a.rescope {
		day := ctx.Time.UTC().Format("20060102")
		before := ctx.Time.UTC().AddDate(0, 0, -1).Format("20060102")
		req.Header.Set("Authorization", strings.Replace(req.Header.Get("Authorization"), "/"+day+"/", "/"+before+"/", 1))
	}
}

// ossErr returns the OSS error of an answer: its XML body, or for HEAD the
// XML in x-oss-err. It checks the request ID on the way.
func (r hostileResp) ossErr(t *testing.T) (code, message string) {
	t.Helper()
	id := r.header.Get("x-oss-request-id")
	if id == "" {
		t.Fatalf("status %d without x-oss-request-id", r.status)
	}
	raw := r.body
	if r.method == http.MethodHead {
		if len(r.body) != 0 {
			t.Fatalf("HEAD answered with a body: %q", r.body)
		}
		var err error
		if raw, err = base64.StdEncoding.DecodeString(r.header.Get("x-oss-err")); err != nil || len(raw) == 0 {
			t.Fatalf("HEAD status %d: x-oss-err %q is not base64 XML: %v", r.status, r.header.Get("x-oss-err"), err)
		}
	} else if ct := r.header.Get("Content-Type"); ct != "application/xml" {
		t.Fatalf("status %d: Content-Type %q, want application/xml; body %q", r.status, ct, hostileClip(r.body))
	}
	var e struct {
		XMLName   xml.Name `xml:"Error"`
		Code      string   `xml:"Code"`
		Message   string   `xml:"Message"`
		RequestID string   `xml:"RequestId"`
	}
	if err := xml.Unmarshal(raw, &e); err != nil {
		t.Fatalf("status %d: the error is not OSS XML (%v): %q", r.status, err, hostileClip(raw))
	}
	if e.Code == "" || e.RequestID != id {
		t.Fatalf("status %d: error code %q, RequestId %q (x-oss-request-id %q): %q", r.status, e.Code, e.RequestID, id, hostileClip(raw))
	}
	return e.Code, e.Message
}

// wantError checks that the answer is the OSS error status/code.
func (r hostileResp) wantError(t *testing.T, status int, code string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d %s; body %q, x-oss-err %q", r.status, status, code, hostileClip(r.body), r.header.Get("x-oss-err"))
	}
	if got, msg := r.ossErr(t); got != code {
		t.Fatalf("status %d with code %s (%s), want %s", r.status, got, msg, code)
	}
}

// wantStatus checks a successful answer.
func (r hostileResp) wantStatus(t *testing.T, status int) {
	t.Helper()
	if r.header.Get("x-oss-request-id") == "" {
		t.Fatalf("status %d without x-oss-request-id", r.status)
	}
	if r.status != status {
		t.Fatalf("status %d, want %d; body %q, x-oss-err %q", r.status, status, hostileClip(r.body), r.header.Get("x-oss-err"))
	}
}

func hostileClip(b []byte) string {
	if len(b) > 400 {
		return string(b[:400]) + "..."
	}
	return string(b)
}

// initiate starts a multipart upload through the SDK and returns its ID.
func (e *hostileEnv) initiate(t *testing.T, key string) string {
	t.Helper()
	res, err := e.Client.InitiateMultipartUpload(context.Background(), &oss.InitiateMultipartUploadRequest{
		Bucket: oss.Ptr(hostileBucket), Key: oss.Ptr(key)})
	if err != nil {
		t.Fatal(err)
	}
	return *res.UploadId
}

// smallBytes returns the bytes of the small object, read through the SDK.
func (e *hostileEnv) smallBytes(t *testing.T) []byte {
	t.Helper()
	res, err := e.Client.GetObject(context.Background(), &oss.GetObjectRequest{Bucket: oss.Ptr(hostileBucket), Key: oss.Ptr(hostileSmall)})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil || len(data) != hostileSmallSize {
		t.Fatalf("reading %s: %d bytes, %v", hostileSmall, len(data), err)
	}
	return data
}

func TestHostileMalformedXML(t *testing.T) {
	t.Parallel()
	e := hostileStart(t)
	uploadID := e.initiate(t, "mp")
	type target struct {
		op          string
		method, key string
		query       string
		root        string // the root element the operation wants
		bucket      func(i int) string
	}
	fixed := func(int) string { return hostileBucket }
	targets := []target{
		{op: "CompleteMultipartUpload", method: http.MethodPost, key: "mp", query: "uploadId=" + uploadID, root: "CompleteMultipartUpload", bucket: fixed},
		{op: "PutObjectTagging", method: http.MethodPut, key: hostileSmall, query: "tagging", root: "Tagging", bucket: fixed},
		{op: "PutBucketVersioning", method: http.MethodPut, query: "versioning", root: "VersioningConfiguration", bucket: fixed},
		{op: "PutBucket", method: http.MethodPut, root: "CreateBucketConfiguration", bucket: func(i int) string { return fmt.Sprintf("xml-bad-%d", i) }},
	}
	// Bodies that are not one well-formed XML document, whatever the
	// operation. (PutBucket takes an empty body: it is not among them.)
	garbage := []struct{ name, body string }{
		{"lone angle bracket", "<"},
		{"plain text", "not xml at all"},
		{"binary", "\x00\x01\x02\xff\xfe"},
		{"unclosed root", "<%s>"},
		{"unclosed child", "<%s><A>"},
		{"mismatched end tag", "<?xml version=\"1.0\"?><%s></Other>"},
		{"undefined entity", "<%s>&bogus;</%s>"},
		{"internal DTD entity", "<!DOCTYPE %s [<!ENTITY x \"y\">]><%s>&x;</%s>"},
		{"external entity", "<!DOCTYPE %s [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><%s>&x;</%s>"},
		{"invalid UTF-8", "<%s>\xff\xfe</%s>"},
		{"NUL in text", "<%s>a\x00b</%s>"},
		{"bad attribute", "<%s a=></%s>"},
		{"nesting 20000 deep", strings.Repeat("<a>", 20000)},
		{"text before the root", "garbage<%s></%s>"},
		{"garbage after the root", "<%s></%s><"},
		{"text after the root", "<%s></%s>trailing"},
		{"two roots", "<%s></%s><%s></%s>"},
		{"only a comment", "<!-- nothing -->"},
		{"only a processing instruction", "<?xml version=\"1.0\"?>"},
	}
	type xmlCase struct {
		name, body string
		status     int
		code       string
	}
	cases := map[string][]xmlCase{}
	for _, tg := range targets {
		for _, g := range garbage {
			body := strings.ReplaceAll(g.body, "%s", tg.root)
			cases[tg.op] = append(cases[tg.op], xmlCase{g.name, body, 400, "MalformedXML"})
		}
	}
	// Well-formed XML that is still wrong for the operation. (No parts at
	// all is right: it makes an empty object, see TestCompleteWithoutParts.)
	cases["CompleteMultipartUpload"] = append(cases["CompleteMultipartUpload"],
		xmlCase{"wrong root", "<Tagging/>", 400, "MalformedXML"},
		xmlCase{"empty body", "", 400, "MalformedXML"},
		xmlCase{"part number not a number", "<CompleteMultipartUpload><Part><PartNumber>abc</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>", 400, "MalformedXML"},
		xmlCase{"part number overflows", "<CompleteMultipartUpload><Part><PartNumber>99999999999999999999</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>", 400, "MalformedXML"},
		xmlCase{"unknown part", "<CompleteMultipartUpload><Part><PartNumber>7</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>", 400, "InvalidPart"},
	)
	cases["PutObjectTagging"] = append(cases["PutObjectTagging"],
		xmlCase{"wrong root", "<Foo/>", 400, "MalformedXML"},
		xmlCase{"empty body", "", 400, "MalformedXML"},
		xmlCase{"blank body", " \n\t ", 400, "MalformedXML"},
		xmlCase{"empty tag key", "<Tagging><TagSet><Tag><Key></Key><Value>v</Value></Tag></TagSet></Tagging>", 400, "InvalidArgument"},
		xmlCase{"eleven tags", "<Tagging><TagSet>" + hostileTags(11) + "</TagSet></Tagging>", 400, "InvalidArgument"},
		xmlCase{"duplicate keys", "<Tagging><TagSet><Tag><Key>k</Key></Tag><Tag><Key>k</Key></Tag></TagSet></Tagging>", 400, "InvalidArgument"},
	)
	cases["PutBucketVersioning"] = append(cases["PutBucketVersioning"],
		xmlCase{"wrong root", "<Foo><Status>Enabled</Status></Foo>", 400, "MalformedXML"},
		xmlCase{"empty body", "", 400, "MalformedXML"},
		xmlCase{"no status", "<VersioningConfiguration/>", 400, "MalformedXML"},
		xmlCase{"unknown status", "<VersioningConfiguration><Status>Maybe</Status></VersioningConfiguration>", 400, "MalformedXML"},
	)
	cases["PutBucket"] = append(cases["PutBucket"],
		xmlCase{"unknown storage class", "<CreateBucketConfiguration><StorageClass>Nope</StorageClass></CreateBucketConfiguration>", 400, "InvalidArgument"},
		xmlCase{"storage class of 64 KB", "<CreateBucketConfiguration><StorageClass>" + strings.Repeat("x", 64<<10) + "</StorageClass></CreateBucketConfiguration>", 400, "InvalidArgument"},
	)
	t.Run("group", func(t *testing.T) {
		n := 0
		for _, tg := range targets {
			for _, c := range cases[tg.op] {
				i := n
				n++
				t.Run(tg.op+"/"+c.name, func(t *testing.T) {
					t.Parallel()
					e.do(t, hostileReq{method: tg.method, bucket: tg.bucket(i), key: tg.key, query: tg.query, body: []byte(c.body)}).
						wantError(t, c.status, c.code)
				})
			}
		}
	})
	// None of it changed anything: no bucket was made, versioning is off,
	// the object has no tags and the upload is still open.
	res, err := e.Client.ListBuckets(context.Background(), &oss.ListBucketsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Buckets) != 1 || *res.Buckets[0].Name != hostileBucket {
		t.Errorf("after malformed PutBucket requests there are %d buckets", len(res.Buckets))
	}
	if v := e.do(t, hostileReq{method: http.MethodGet, bucket: hostileBucket, query: "versioning"}); v.status != 200 || bytes.Contains(v.body, []byte("<Status>")) {
		t.Errorf("after malformed PutBucketVersioning requests: %d %s", v.status, v.body)
	}
	if tags := e.do(t, hostileReq{method: http.MethodGet, bucket: hostileBucket, key: hostileSmall, query: "tagging"}); bytes.Contains(tags.body, []byte("<Tag>")) {
		t.Errorf("malformed PutObjectTagging left tags: %s", tags.body)
	}
	e.do(t, hostileReq{method: http.MethodGet, bucket: hostileBucket, key: "mp", query: "uploadId=" + uploadID}).wantStatus(t, 200)
	// What is well-formed passes: a byte order mark, a declaration, a
	// comment and white space around the root.
	e.do(t, hostileReq{method: http.MethodPut, bucket: hostileBucket, key: hostileSmall, query: "tagging",
		body: []byte("\ufeff<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- tags -->\n<Tagging><TagSet>" + hostileTags(2) + "</TagSet></Tagging>\n\n")}).
		wantStatus(t, 200)
}

// hostileTags returns n distinct tags in XML.
func hostileTags(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "<Tag><Key>k%d</Key><Value>v</Value></Tag>", i)
	}
	return b.String()
}

func TestHostileOversizedXML(t *testing.T) {
	t.Parallel()
	e := hostileStart(t)
	uploadID := e.initiate(t, "mp")
	// Well-formed openings padded with whitespace past 4 MiB.
	pad := func(open string) []byte {
		return append([]byte(open), bytes.Repeat([]byte(" "), 4<<20+1-len(open))...)
	}
	cases := []hostileReq{
		{method: http.MethodPost, bucket: hostileBucket, key: "mp", query: "uploadId=" + uploadID, body: pad("<CompleteMultipartUpload>")},
		{method: http.MethodPut, bucket: hostileBucket, key: hostileSmall, query: "tagging", body: pad("<Tagging>")},
		{method: http.MethodPut, bucket: hostileBucket, query: "versioning", body: pad("<VersioningConfiguration>")},
		{method: http.MethodPut, bucket: "xml-too-big", body: pad("<CreateBucketConfiguration>")},
	}
	for _, rq := range cases {
		t.Run(rq.method+" "+rq.bucket+"?"+strings.Split(rq.query, "=")[0], func(t *testing.T) {
			t.Parallel()
			e.do(t, rq).wantError(t, 400, "EntityTooLarge")
		})
	}
	t.Run("exactly 4 MiB is read", func(t *testing.T) {
		t.Parallel()
		body := append([]byte("<Tagging>"), bytes.Repeat([]byte(" "), 4<<20-len("<Tagging>"))...)
		e.do(t, hostileReq{method: http.MethodPut, bucket: hostileBucket, key: "nokey", query: "tagging", body: body}).
			wantError(t, 400, "MalformedXML") // read whole, found unclosed: not too large
	})
}

func TestHostileUnknownSubResources(t *testing.T) {
	t.Parallel()
	e := hostileStart(t)
	cases := []struct{ method, key, query string }{
		{http.MethodPut, hostileSmall, "restore"},
		{http.MethodPut, hostileSmall, "symlink"},
		{http.MethodPost, hostileSmall, "append&position=0"},
		{http.MethodPost, hostileSmall, "restore"},
		{http.MethodGet, hostileSmall, "restore"},
		{http.MethodGet, hostileSmall, "symlink"},
		{http.MethodGet, hostileSmall, "x-oss-process=image/resize,w_100"},
		{http.MethodDelete, hostileSmall, "acl"},
		{http.MethodHead, hostileSmall, "acl"},
		{http.MethodPost, hostileSmall, ""},
		{http.MethodPut, "", "encryption"},
		{http.MethodGet, "", "cors"},
		{http.MethodPut, "", "lifecycle"},
		{http.MethodDelete, "", "policy"},
		{http.MethodPost, "", "inventory"},
		{http.MethodGet, "", "replication"},
		{http.MethodHead, "", "logging"},
		{http.MethodPatch, hostileSmall, ""},
		{http.MethodOptions, "", ""},
		{http.MethodPut, "", ""}, // PUT / (no bucket)
	}
	for _, c := range cases {
		bucket := hostileBucket
		if c.method == http.MethodPut && c.key == "" && c.query == "" {
			bucket = ""
		}
		t.Run(c.method+" "+bucket+"/"+c.key+"?"+c.query, func(t *testing.T) {
			t.Parallel()
			r := e.do(t, hostileReq{method: c.method, bucket: bucket, key: c.key, query: c.query})
			r.wantError(t, 501, "NotImplemented")
		})
	}
}

func TestHostileGetRange(t *testing.T) {
	t.Parallel()
	e := hostileStart(t)
	whole := e.smallBytes(t)
	cases := []struct {
		rng      string
		standard bool
		status   int
		first    int // for 206: the first byte and how many
		n        int
		code     string
	}{
		{rng: "bytes=abc", status: 200},
		{rng: "bytes=5-2", status: 200},
		{rng: "bytes=", status: 200},
		{rng: "bytes=-", status: 200},
		{rng: "bytes=-0", status: 200},
		{rng: "bytes=--3", status: 200},
		{rng: "bytes=1-2-3", status: 200},
		{rng: "bytes=0-1,3-4", status: 200},
		{rng: "items=0-1", status: 200},
		{rng: "bytes=99999999999999999999-", status: 200},
		{rng: "bytes=\xff-\xfe", status: 200},
		{rng: strings.Repeat("bytes=0-1", 1000), status: 200},
		{rng: "bytes=999999-", status: 416, code: "InvalidRange"},
		{rng: "bytes=10-", status: 416, code: "InvalidRange"},
		{rng: "bytes=10-20", status: 416, code: "InvalidRange"},
		{rng: "bytes=9223372036854775807-9223372036854775807", status: 416, code: "InvalidRange"},
		{rng: "bytes=2-4", status: 206, first: 2, n: 3},
		{rng: "bytes=-3", status: 206, first: 7, n: 3},
		{rng: "bytes=-999999", status: 206, first: 0, n: 10},
		{rng: "bytes=5-999999", status: 206, first: 5, n: 5},
		{rng: "bytes=0-9223372036854775807", status: 206, first: 0, n: 10},
		{rng: "bytes=9-", status: 206, first: 9, n: 1},
		{rng: "bytes=abc", standard: true, status: 416, code: "InvalidRange"},
		{rng: "bytes=5-2", standard: true, status: 416, code: "InvalidRange"},
		{rng: "bytes=0-1,3-4", standard: true, status: 416, code: "InvalidRange"},
		{rng: "bytes=999999-", standard: true, status: 416, code: "InvalidRange"},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("GET %q standard=%v", hostileClip([]byte(c.rng)), c.standard), func(t *testing.T) {
			t.Parallel()
			h := map[string]string{"Range": c.rng}
			if c.standard {
				h["x-oss-range-behavior"] = "standard"
			}
			r := e.do(t, hostileReq{method: http.MethodGet, bucket: hostileBucket, key: hostileSmall, header: h})
			if c.code != "" {
				r.wantError(t, c.status, c.code)
				return
			}
			r.wantStatus(t, c.status)
			want := whole
			if c.status == 206 {
				want = whole[c.first : c.first+c.n]
				if cr, wantCR := r.header.Get("Content-Range"), fmt.Sprintf("bytes %d-%d/%d", c.first, c.first+c.n-1, len(whole)); cr != wantCR {
					t.Fatalf("Content-Range %q, want %q", cr, wantCR)
				}
			} else if cr := r.header.Get("Content-Range"); cr != "" {
				t.Fatalf("a whole-object answer with Content-Range %q", cr)
			}
			if cl := r.header.Get("Content-Length"); cl != strconv.Itoa(len(want)) {
				t.Fatalf("Content-Length %s, want %d", cl, len(want))
			}
			if !bytes.Equal(r.body, want) {
				t.Fatalf("body %x, want %x", r.body, want)
			}
		})
	}
	// HeadObject takes no Range (as in OSS): it describes the whole object
	// whatever the header says.
	for _, c := range cases {
		t.Run(fmt.Sprintf("HEAD %q standard=%v", hostileClip([]byte(c.rng)), c.standard), func(t *testing.T) {
			t.Parallel()
			h := map[string]string{"Range": c.rng}
			if c.standard {
				h["x-oss-range-behavior"] = "standard"
			}
			r := e.do(t, hostileReq{method: http.MethodHead, bucket: hostileBucket, key: hostileSmall, header: h})
			r.wantStatus(t, 200)
			if cl := r.header.Get("Content-Length"); cl != strconv.Itoa(hostileSmallSize) {
				t.Fatalf("Content-Length %s, want %d", cl, hostileSmallSize)
			}
		})
	}
}

func TestHostileCopySourceRange(t *testing.T) {
	t.Parallel()
	e := hostileStart(t)
	uploadID := e.initiate(t, "mpcopy")
	cases := []struct {
		rng    string
		status int
		code   string
	}{
		{"bytes=9-3", 400, "InvalidArgument"},
		{"bytes=0-999999", 400, "InvalidArgument"},
		{"nonsense", 400, "InvalidArgument"},
		{"bytes=10-10", 400, "InvalidArgument"},
		{"bytes=0-10", 400, "InvalidArgument"},
		{"bytes=-3", 400, "InvalidArgument"},
		{"bytes=3-", 400, "InvalidArgument"},
		{"bytes=-1-2", 400, "InvalidArgument"},
		{"bytes=a-b", 400, "InvalidArgument"},
		{"bytes=0-1,2-3", 400, "InvalidArgument"},
		{"bytes=99999999999999999999-99999999999999999999", 400, "InvalidArgument"},
		{"bytes=0-9223372036854775807", 400, "InvalidArgument"},
		{"0-3", 400, "InvalidArgument"},
		{"bytes=0-9", 200, ""},
		{"bytes=2-2", 200, ""},
		{"bytes=9-9", 200, ""},
	}
	for i, c := range cases {
		t.Run(c.rng, func(t *testing.T) {
			t.Parallel()
			r := e.do(t, hostileReq{method: http.MethodPut, bucket: hostileBucket, key: "mpcopy",
				query:  fmt.Sprintf("partNumber=%d&uploadId=%s", i+1, uploadID),
				header: map[string]string{"x-oss-copy-source": "/" + hostileBucket + "/" + hostileSmall, "x-oss-copy-source-range": c.rng}})
			if c.code != "" {
				r.wantError(t, c.status, c.code)
			} else {
				r.wantStatus(t, c.status)
			}
		})
	}
}

func TestHostileHugeHeaders(t *testing.T) {
	t.Parallel()
	e := hostileStart(t)
	uploadID := e.initiate(t, "mp")
	meta := func(n, size int) map[string]string {
		h := map[string]string{}
		for i := range n {
			h[fmt.Sprintf("x-oss-meta-h%03d", i)] = strings.Repeat("v", size)
		}
		return h
	}
	with := func(h map[string]string, k, v string) map[string]string {
		out := map[string]string{k: v}
		for hk, hv := range h {
			out[hk] = hv
		}
		return out
	}
	copySrc := "/" + hostileBucket + "/" + hostileSmall
	cases := []struct {
		name   string
		rq     hostileReq
		status int
		code   string
	}{
		{"PutObject with 100 KB of x-oss-meta-*", hostileReq{method: http.MethodPut, key: "huge", header: meta(100, 1000)}, 400, "InvalidArgument"},
		{"PutObject with one 100 KB x-oss-meta header", hostileReq{method: http.MethodPut, key: "huge", header: meta(1, 100<<10)}, 400, "InvalidArgument"},
		{"PutObject with 500 KB of headers", hostileReq{method: http.MethodPut, key: "huge", header: meta(500, 1000)}, 400, "InvalidArgument"},
		{"GetObject with a 100 KB header", hostileReq{method: http.MethodGet, key: hostileSmall, header: map[string]string{"X-Junk": strings.Repeat("j", 100<<10)}}, 400, "InvalidArgument"},
		{"HeadObject with a 100 KB header", hostileReq{method: http.MethodHead, key: hostileSmall, header: map[string]string{"X-Junk": strings.Repeat("j", 100<<10)}}, 400, "InvalidArgument"},
		{"ListObjects with a 100 KB header", hostileReq{method: http.MethodGet, header: meta(100, 1000)}, 400, "InvalidArgument"},
		{"UploadPart with 100 KB of x-oss-meta-*", hostileReq{method: http.MethodPut, key: "mp", query: "partNumber=1&uploadId=" + uploadID, header: meta(100, 1000)}, 400, "InvalidArgument"},
		{"PutObject with 9 KB of user metadata", hostileReq{method: http.MethodPut, key: "meta9k", header: meta(9, 1000)}, 400, "InvalidArgument"},
		{"PutObject with one 8200-byte metadata value", hostileReq{method: http.MethodPut, key: "meta8k", header: meta(1, 8200)}, 400, "InvalidArgument"},
		{"InitiateMultipartUpload with 9 KB of user metadata", hostileReq{method: http.MethodPost, key: "meta9k", query: "uploads", header: meta(9, 1000)}, 400, "InvalidArgument"},
		{"CopyObject REPLACE with 9 KB of user metadata", hostileReq{method: http.MethodPut, key: "meta9k",
			header: with(with(meta(9, 1000), "x-oss-copy-source", copySrc), "x-oss-metadata-directive", "REPLACE")}, 400, "InvalidArgument"},
		{"PutObject with 8000 bytes of user metadata", hostileReq{method: http.MethodPut, key: "meta8000", header: meta(8, 985)}, 200, ""},
		{"CopyObject COPY ignores the request's metadata", hostileReq{method: http.MethodPut, key: "metacopy",
			header: with(meta(9, 1000), "x-oss-copy-source", copySrc)}, 200, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.rq.bucket = hostileBucket
			r := e.do(t, c.rq)
			if c.code != "" {
				r.wantError(t, c.status, c.code)
			} else {
				r.wantStatus(t, c.status)
			}
		})
	}
}

func TestHostileKeys(t *testing.T) {
	t.Parallel()
	e := hostileStart(t)
	// What OSS refuses: not 1-1023 bytes of UTF-8, or a leading '/' or '\'.
	bad := []struct{ name, key string }{
		{"invalid UTF-8", "a\xffb"},
		{"truncated UTF-8", "a\xc3"},
		{"overlong UTF-8", "\xc0\xaf"},
		{"UTF-16 surrogate", "\xed\xa0\x80"},
		{"1024 bytes", strings.Repeat("k", 1024)},
		{"1024 bytes of two-byte runes", strings.Repeat("é", 512)},
		{"4096 bytes", strings.Repeat("k", 4096)},
		{"leading slash", "/a"},
		{"only a slash", "/"},
		{"leading backslash", `\a`},
	}
	methods := []struct{ method, query string }{
		{http.MethodPut, ""}, {http.MethodGet, ""}, {http.MethodHead, ""}, {http.MethodDelete, ""},
		{http.MethodPost, "uploads"}, {http.MethodPut, "tagging"},
	}
	for _, k := range bad {
		for _, m := range methods {
			t.Run(k.name+"/"+m.method+"?"+m.query, func(t *testing.T) {
				t.Parallel()
				r := e.do(t, hostileReq{method: m.method, bucket: hostileBucket, key: k.key, query: m.query, body: []byte("x")})
				r.wantError(t, 400, "InvalidObjectName")
			})
		}
	}
	// Through the SDK too, which sends any non-empty key as it is.
	for _, k := range bad {
		t.Run(k.name+"/SDK PutObject", func(t *testing.T) {
			t.Parallel()
			_, err := e.Client.PutObject(context.Background(), &oss.PutObjectRequest{Bucket: oss.Ptr(hostileBucket), Key: oss.Ptr(k.key), Body: strings.NewReader("x")})
			var se *oss.ServiceError
			if !errors.As(err, &se) || se.StatusCode != 400 || se.Code != "InvalidObjectName" || se.RequestID == "" {
				t.Fatalf("got %v, want 400 InvalidObjectName", err)
			}
		})
	}
	// Keys near the rules, and odd keys OSS accepts as any other: it
	// allows any UTF-8 key, control characters and "." segments included.
	good := []struct{ name, key string }{
		{"dot dot", ".."},
		{"dot", "."},
		{"dot dot segment", "a/../b"},
		{"leading dot dot", "../a"},
		{"trailing dot dot", "a/.."},
		{"dot slash", "./a"},
		{"dot segment", "a/./b"},
		{"trailing dot segment", "a/."},
		{"NUL", "a\x00b"},
		{"SOH", "\x01"},
		{"unit separator", "a\x1fb"},
		{"newline", "a\nb"},
		{"carriage return", "a\rb"},
		{"CR LF", "a\r\nX-Injected: 1"},
		{"DEL", "a\x7fb"},
		{"1023 bytes", strings.Repeat("k", 1023)},
		{"1023 bytes with slashes", strings.Repeat("d/", 511) + "k"},
		{"1023 bytes of three-byte runes", strings.Repeat("字", 341)},
		{"dots inside names", "a..b/.c/d./..."},
		{"tab", "a\tb"},
		{"percent and question mark", "100%?x=1&y#z"},
		{"plus and spaces", "a+b c"},
		{"trailing slash", "dir/"},
		{"double slash inside", "a//b"},
	}
	for _, k := range good {
		t.Run("valid "+k.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			data := []byte("content of " + k.name)
			if _, err := e.Client.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(hostileBucket), Key: oss.Ptr(k.key), Body: bytes.NewReader(data)}); err != nil {
				t.Fatal(err)
			}
			res, err := e.Client.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(hostileBucket), Key: oss.Ptr(k.key)})
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(res.Body)
			res.Body.Close()
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("read back %q, %v", got, err)
			}
			e.do(t, hostileReq{method: http.MethodHead, bucket: hostileBucket, key: k.key}).wantStatus(t, 200)
		})
	}
}

func TestHostileBucketNames(t *testing.T) {
	t.Parallel()
	e := hostileStart(t)
	bad := []struct{ name, bucket string }{
		{"uppercase", "UPPER"},
		{"one uppercase letter", "hostilE"},
		{"underscore", "under_score"},
		{"two characters", "ab"},
		{"one character", "a"},
		{"64 characters", strings.Repeat("b", 64)},
		{"1000 characters", strings.Repeat("b", 1000)},
		{"leading dash", "-lead"},
		{"trailing dash", "trail-"},
		{"only dashes", "---"},
		{"dot", "dot.ted"},
		{"space", "sp ace"},
		{"NUL", "nu\x00l"},
		{"non-ASCII", "bücket"},
		{"invalid UTF-8", "bu\xffck"},
		{"dot dot", ".."},
	}
	methods := []struct{ method, key, query string }{
		{http.MethodPut, "", ""}, {http.MethodGet, "", ""}, {http.MethodHead, "", ""}, {http.MethodDelete, "", ""},
		{http.MethodGet, "", "bucketInfo"}, {http.MethodPut, "", "versioning"},
		{http.MethodGet, "obj", ""}, {http.MethodPut, "obj", ""}, {http.MethodHead, "obj", ""},
	}
	for _, b := range bad {
		for _, m := range methods {
			t.Run(b.name+"/"+m.method+" "+m.key+"?"+m.query, func(t *testing.T) {
				t.Parallel()
				r := e.do(t, hostileReq{method: m.method, bucket: b.bucket, key: m.key, query: m.query})
				r.wantError(t, 400, "InvalidBucketName")
			})
		}
	}
	// Path-style "//key" names a key but no bucket.
	for _, key := range []string{hostileSmall, "a/b"} {
		for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodHead, http.MethodDelete, http.MethodPost} {
			t.Run(fmt.Sprintf("empty/%s /%s", m, key), func(t *testing.T) {
				t.Parallel()
				e.do(t, hostileReq{method: m, key: key}).wantError(t, 400, "InvalidBucketName")
			})
		}
	}
	for _, name := range []string{"abc", strings.Repeat("b", 63), "a-b", "0-9", "123"} {
		t.Run("valid "+name, func(t *testing.T) {
			t.Parallel()
			e.do(t, hostileReq{method: http.MethodPut, bucket: name}).wantStatus(t, 200)
			e.do(t, hostileReq{method: http.MethodHead, bucket: name}).wantStatus(t, 200)
		})
	}
}

func TestHostileCopySource(t *testing.T) {
	t.Parallel()
	e := hostileStart(t)
	uploadID := e.initiate(t, "mp")
	cases := []struct {
		source string
		status int
		code   string
	}{
		{"hostile/small", 400, "InvalidArgument"},
		{"small", 400, "InvalidArgument"},
		{"%2Fhostile%2Fsmall", 400, "InvalidArgument"},
		{"/hostile/sm%zzall", 400, "InvalidArgument"},
		{"/hostile/small%", 400, "InvalidArgument"},
		{"/hostile/small%4", 400, "InvalidArgument"},
		{"/hostile", 400, "InvalidArgument"},
		{"/hostile/", 400, "InvalidArgument"},
		{"/", 400, "InvalidArgument"},
		{"/hostile/small?foo=bar", 400, "InvalidArgument"},
		{"/hostile/small?versionId=v&foo=bar", 400, "InvalidArgument"},
		{"/hostile/small?versionId=", 400, "InvalidArgument"},
		{"/hostile/small?versionId", 400, "InvalidArgument"},
		{"/hostile/small?versionId=%zz", 400, "InvalidArgument"},
		{"/hostile/small?versionId=a;b", 400, "InvalidArgument"},
		{"/hostile/small?acl", 400, "InvalidArgument"},
		{"/Hostile/small", 400, "InvalidBucketName"},
		{"/ho_stile/small", 400, "InvalidBucketName"},
		{"//small", 400, "InvalidBucketName"},
		{"/hostile/a%00b", 404, "NoSuchKey"},
		{"/hostile/a/../small", 404, "NoSuchKey"},
		{"/hostile/%2Fsmall", 400, "InvalidObjectName"},
		{"/hostile/%ff", 400, "InvalidObjectName"},
		{"/hostile/" + strings.Repeat("k", 1024), 400, "InvalidObjectName"},
		{"/hostile/missing", 404, "NoSuchKey"},
		{"/nosuchbucket/small", 404, "NoSuchBucket"},
		{"/hostile/small?versionId=v1", 404, "NoSuchVersion"},
		{"/hostile/small", 200, ""},
		{"/hostile/%73mall", 200, ""},
	}
	for _, op := range []string{"CopyObject", "UploadPartCopy"} {
		for i, c := range cases {
			t.Run(op+"/"+c.source, func(t *testing.T) {
				t.Parallel()
				rq := hostileReq{method: http.MethodPut, bucket: hostileBucket, key: fmt.Sprintf("copy-%d", i),
					header: map[string]string{"x-oss-copy-source": c.source}}
				if op == "UploadPartCopy" {
					rq.key, rq.query = "mp", fmt.Sprintf("partNumber=%d&uploadId=%s", i+1, uploadID)
				}
				r := e.do(t, rq)
				if c.code != "" {
					r.wantError(t, c.status, c.code)
				} else {
					r.wantStatus(t, c.status)
				}
			})
		}
	}
}

func TestHostilePartNumbers(t *testing.T) {
	t.Parallel()
	e := hostileStart(t)
	uploadID := e.initiate(t, "mp")
	cases := []struct {
		part   string
		status int
	}{
		{"0", 400}, {"10001", 400}, {"-1", 400}, {"abc", 400}, {"", 400}, {"1.5", 400}, {"1e3", 400},
		{"0x10", 400}, {"99999999999999999999", 400}, {"-9223372036854775808", 400}, {"%00", 400},
		{"1", 200}, {"10000", 200}, {"0005", 200},
	}
	for _, copyPart := range []bool{false, true} {
		for _, c := range cases {
			t.Run(fmt.Sprintf("copy=%v/%q", copyPart, c.part), func(t *testing.T) {
				t.Parallel()
				rq := hostileReq{method: http.MethodPut, bucket: hostileBucket, key: "mp",
					query: "partNumber=" + c.part + "&uploadId=" + uploadID, body: []byte("part")}
				if copyPart {
					rq.body, rq.header = nil, map[string]string{"x-oss-copy-source": "/" + hostileBucket + "/" + hostileSmall}
				}
				r := e.do(t, rq)
				if c.status != 200 {
					r.wantError(t, c.status, "InvalidArgument")
				} else {
					r.wantStatus(t, c.status)
				}
			})
		}
	}
}

func TestHostileQueryParameters(t *testing.T) {
	t.Parallel()
	e := hostileStart(t)
	uploadID := e.initiate(t, "mp")
	cases := []struct {
		method, key, query string
	}{
		{http.MethodGet, "", "max-keys=-1"},
		{http.MethodGet, "", "max-keys=1001"},
		{http.MethodGet, "", "max-keys=abc"},
		{http.MethodGet, "", "list-type=2&max-keys=99999999999999999999"},
		{http.MethodGet, "", "encoding-type=base64"},
		{http.MethodGet, "", "list-type=2&continuation-token=%21%21%21"},
		{http.MethodGet, "", "uploads&max-uploads=0"},
		{http.MethodGet, "", "uploads&encoding-type=xml"},
		{http.MethodGet, "mp", "uploadId=" + uploadID + "&max-parts=0"},
		{http.MethodGet, "mp", "uploadId=" + uploadID + "&part-number-marker=-1"},
		{http.MethodGet, "mp", "uploadId=" + uploadID + "&encoding-type=zip"},
		{http.MethodPost, "new", "uploads&encoding-type=zip"},
		{http.MethodPost, "mp", "uploadId=" + uploadID + "&encoding-type=zip"},
	}
	for _, c := range cases {
		t.Run(c.method+" "+c.key+"?"+c.query, func(t *testing.T) {
			t.Parallel()
			e.do(t, hostileReq{method: c.method, bucket: hostileBucket, key: c.key, query: c.query}).wantError(t, 400, "InvalidArgument")
		})
	}
	// Requests GET / with bucket-level parameters is ListBuckets, whose
	// max-keys is checked too.
	t.Run("ListBuckets max-keys=0", func(t *testing.T) {
		t.Parallel()
		e.do(t, hostileReq{method: http.MethodGet, query: "max-keys=0"}).wantError(t, 400, "InvalidArgument")
	})
}

// TestHostileAuthorizationHeaders sends Authorization headers and dates that
// do not parse.
func TestHostileAuthorizationHeaders(t *testing.T) {
	t.Parallel()
	e := hostileStart(t)
	v4Date := time.Now().UTC().Format("20060102T150405Z")
	cred := osstest.AccessKeyID + "/" + v4Date[:8] + "/" + e.Region + "/oss/aliyun_v4_request"
	cases := []struct {
		name   string
		header map[string]string
		status int
		code   string
	}{
		{"bearer token", map[string]string{"Authorization": "Bearer abc"}, 400, "InvalidArgument"},
		{"AWS V4", map[string]string{"Authorization": "AWS4-HMAC-SHA256 Credential=x"}, 400, "InvalidArgument"},
		{"OSS4 without fields", map[string]string{"Authorization": "OSS4-HMAC-SHA256 ", "x-oss-date": v4Date}, 400, "InvalidArgument"},
		{"OSS4 short scope", map[string]string{"Authorization": "OSS4-HMAC-SHA256 Credential=a/b,Signature=00", "x-oss-date": v4Date}, 400, "InvalidArgument"},
		{"OSS4 without signature", map[string]string{"Authorization": "OSS4-HMAC-SHA256 Credential=" + cred, "x-oss-date": v4Date}, 400, "InvalidArgument"},
		{"OSS4 wrong product", map[string]string{"Authorization": "OSS4-HMAC-SHA256 Credential=" + strings.Replace(cred, "/oss/", "/s3/", 1) + ",Signature=00", "x-oss-date": v4Date}, 400, "InvalidArgument"},
		{"OSS4 without a date", map[string]string{"Authorization": "OSS4-HMAC-SHA256 Credential=" + cred + ",Signature=00"}, 403, "AccessDenied"},
		{"OSS4 with a garbage x-oss-date", map[string]string{"Authorization": "OSS4-HMAC-SHA256 Credential=" + cred + ",Signature=00", "x-oss-date": "yesterday"}, 403, "AccessDenied"},
		{"OSS4 with a bad signature", map[string]string{"Authorization": "OSS4-HMAC-SHA256 Credential=" + cred + ",Signature=00", "x-oss-date": v4Date}, 403, "SignatureDoesNotMatch"},
		{"OSS4 with an empty access key", map[string]string{"Authorization": "OSS4-HMAC-SHA256 Credential=/" + v4Date[:8] + "/" + e.Region + "/oss/aliyun_v4_request,Signature=00", "x-oss-date": v4Date}, 403, "InvalidAccessKeyId"},
		{"OSS4 with an empty additional header", map[string]string{"Authorization": "OSS4-HMAC-SHA256 Credential=" + cred + ",AdditionalHeaders=;;host;\xff,Signature=00", "x-oss-date": v4Date}, 400, "InvalidArgument"},
		{"OSS4 with a missing additional header", map[string]string{"Authorization": "OSS4-HMAC-SHA256 Credential=" + cred + ",AdditionalHeaders=range,Signature=00", "x-oss-date": v4Date}, 400, "InvalidArgument"},
		{"OSS1 without colon", map[string]string{"Authorization": "OSS " + osstest.AccessKeyID}, 400, "InvalidArgument"},
		{"OSS1 without Date", map[string]string{"Authorization": "OSS " + osstest.AccessKeyID + ":abc"}, 403, "AccessDenied"},
		{"OSS1 with a garbage Date", map[string]string{"Authorization": "OSS " + osstest.AccessKeyID + ":abc", "Date": "soon"}, 403, "AccessDenied"},
		{"OSS1 with a bad signature", map[string]string{"Authorization": "OSS " + osstest.AccessKeyID + ":abc", "Date": time.Now().UTC().Format(http.TimeFormat)}, 403, "SignatureDoesNotMatch"},
		{"OSS1 with an empty signature", map[string]string{"Authorization": "OSS " + osstest.AccessKeyID + ":", "Date": time.Now().UTC().Format(http.TimeFormat)}, 403, "SignatureDoesNotMatch"},
		{"OSS1 with a Date in 1970", map[string]string{"Authorization": "OSS " + osstest.AccessKeyID + ":abc", "Date": "Thu, 01 Jan 1970 00:00:00 GMT"}, 403, "RequestTimeTooSkewed"},
		{"OSS1 with an unknown key", map[string]string{"Authorization": "OSS nobody:abc", "Date": time.Now().UTC().Format(http.TimeFormat)}, 403, "InvalidAccessKeyId"},
	}
	for _, c := range cases {
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			t.Run(c.name+"/"+method, func(t *testing.T) {
				t.Parallel()
				r := e.do(t, hostileReq{method: method, bucket: hostileBucket, key: hostileSmall, header: c.header, auth: &hostileAuth{unsigned: true}})
				r.wantError(t, c.status, c.code)
			})
		}
	}
}

// hostileOpRequests has one representative request for every operation the
// server implements, in a bucket "authbkt" holding the object "obj".
func hostileOpRequests() map[string]hostileReq {
	const b, upload = "authbkt", "partNumber=1&uploadId=0123456789ABCDEF"
	tagging := []byte("<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>")
	src := map[string]string{"x-oss-copy-source": "/authbkt/obj"}
	deletion := []byte("<Delete><Quiet>true</Quiet><Object><Key>gone</Key></Object></Delete>")
	deletionMD5 := md5.Sum(deletion)
	return map[string]hostileReq{
		"ListBuckets":             {method: http.MethodGet},
		"PutBucket":               {method: http.MethodPut, bucket: "authbkt-new"},
		"DeleteBucket":            {method: http.MethodDelete, bucket: b},
		"GetBucketInfo":           {method: http.MethodGet, bucket: b, query: "bucketInfo"},
		"GetBucketLocation":       {method: http.MethodGet, bucket: b, query: "location"},
		"GetBucketAcl":            {method: http.MethodGet, bucket: b, query: "acl"},
		"HeadBucket":              {method: http.MethodHead, bucket: b},
		"PutBucketVersioning":     {method: http.MethodPut, bucket: b, query: "versioning", body: []byte("<VersioningConfiguration><Status>Suspended</Status></VersioningConfiguration>")},
		"GetBucketVersioning":     {method: http.MethodGet, bucket: b, query: "versioning"},
		"ListObjects":             {method: http.MethodGet, bucket: b, query: "prefix=o"},
		"ListObjectsV2":           {method: http.MethodGet, bucket: b, query: "list-type=2"},
		"ListMultipartUploads":    {method: http.MethodGet, bucket: b, query: "uploads"},
		"PutObject":               {method: http.MethodPut, bucket: b, key: "put", body: []byte("data")},
		"CopyObject":              {method: http.MethodPut, bucket: b, key: "copy", header: src},
		"GetObject":               {method: http.MethodGet, bucket: b, key: "obj"},
		"HeadObject":              {method: http.MethodHead, bucket: b, key: "obj"},
		"GetObjectMeta":           {method: http.MethodHead, bucket: b, key: "obj", query: "objectMeta"},
		"DeleteObject":            {method: http.MethodDelete, bucket: b, key: "gone"},
		"PutObjectTagging":        {method: http.MethodPut, bucket: b, key: "obj", query: "tagging", body: tagging},
		"GetObjectTagging":        {method: http.MethodGet, bucket: b, key: "obj", query: "tagging"},
		"DeleteObjectTagging":     {method: http.MethodDelete, bucket: b, key: "obj", query: "tagging"},
		"InitiateMultipartUpload": {method: http.MethodPost, bucket: b, key: "mp", query: "uploads"},
		"UploadPart":              {method: http.MethodPut, bucket: b, key: "mp", query: upload, body: []byte("part")},
		"UploadPartCopy":          {method: http.MethodPut, bucket: b, key: "mp", query: upload, header: src},
		"ListParts":               {method: http.MethodGet, bucket: b, key: "mp", query: "uploadId=0123456789ABCDEF"},
		"AbortMultipartUpload":    {method: http.MethodDelete, bucket: b, key: "mp", query: "uploadId=0123456789ABCDEF"},
		"CompleteMultipartUpload": {method: http.MethodPost, bucket: b, key: "mp", query: "uploadId=0123456789ABCDEF",
			body: []byte("<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>")},
		"ListObjectVersions": {method: http.MethodGet, bucket: b, query: "versions"},
		"ListLiveChannel":    {method: http.MethodGet, bucket: b, query: "live"},
		"DeleteMultipleObjects": {method: http.MethodPost, bucket: b, query: "delete", body: deletion,
			header: map[string]string{"Content-MD5": base64.StdEncoding.EncodeToString(deletionMD5[:])}},
		"PutBucketAcl": {method: http.MethodPut, bucket: b, query: "acl", header: map[string]string{"x-oss-acl": "private"}},
		"GetObjectAcl": {method: http.MethodGet, bucket: b, key: "obj", query: "acl"},
		"PutObjectAcl": {method: http.MethodPut, bucket: b, key: "obj", query: "acl", header: map[string]string{"x-oss-object-acl": "private"}},
	}
}

// TestHostileAuthEveryOperation mis-signs a request of every operation in
// every way and wants the right 403 each time; the access log shows that
// each request was taken for the operation it stands for.
func TestHostileAuthEveryOperation(t *testing.T) {
	t.Parallel()
	e := &hostileEnv{osstest.Start(t, ossserver.Config{
		Buckets: []string{"authbkt"},
		Seeds:   []ossserver.Seed{{Bucket: "authbkt", Key: "obj", Size: 10, Seed: 2}},
	})}
	ops := hostileOpRequests()
	names := ossserver.OpNames()
	slices.Sort(names)
	for _, op := range names {
		if _, ok := ops[op]; !ok {
			t.Errorf("no representative request for operation %s: add one to hostileOpRequests", op)
		}
	}
	for op := range ops {
		if !slices.Contains(names, op) {
			t.Errorf("hostileOpRequests has %s, which the server does not implement", op)
		}
	}
	auths := []hostileAuth{
		{name: "unsigned", unsigned: true, wantCode: "AccessDenied"},
		{name: "unknown access key", id: "LTAInobodyhere", wantCode: "InvalidAccessKeyId"},
		{name: "wrong secret", secret: "not-the-secret", wantCode: "SignatureDoesNotMatch"},
		{name: "wrong region", region: "cn-shanghai", wantCode: "InvalidArgument", wantStatus: http.StatusBadRequest},
		{name: "x-oss-date 20 minutes behind", skew: -20 * time.Minute, wantCode: "RequestTimeTooSkewed"},
		{name: "x-oss-date 20 minutes ahead", skew: 20 * time.Minute, wantCode: "RequestTimeTooSkewed"},
		{name: "tampered after signing", tamper: true, wantCode: "SignatureDoesNotMatch"},
		{name: "credential scope of another day", rescope: true, wantCode: "SignatureDoesNotMatch"},
		{name: "V1 wrong secret", v1: true, secret: "not-the-secret", wantCode: "SignatureDoesNotMatch"},
		{name: "V1 unknown access key", v1: true, id: "LTAInobodyhere", wantCode: "InvalidAccessKeyId"},
		{name: "V1 Date 20 minutes behind", v1: true, skew: -20 * time.Minute, wantCode: "RequestTimeTooSkewed"},
		{name: "V1 tampered after signing", v1: true, tamper: true, wantCode: "SignatureDoesNotMatch"},
	}
	type sent struct{ op, id string }
	ids := make(chan sent, len(names)*len(auths))
	t.Run("group", func(t *testing.T) {
		for _, op := range names {
			for _, a := range auths {
				t.Run(op+"/"+a.name, func(t *testing.T) {
					t.Parallel()
					rq := ops[op]
					rq.auth = &a
					r := e.do(t, rq)
					r.wantError(t, cmp.Or(a.wantStatus, http.StatusForbidden), a.wantCode)
					ids <- sent{op, r.header.Get("x-oss-request-id")}
				})
			}
		}
	})
	close(ids)
	// The access log line is written as the handler returns, which may be
	// just after the client has its answer.
	deadline := time.Now().Add(2 * time.Second)
	var logged map[string]string
	var want []sent
	for s := range ids {
		want = append(want, s)
	}
	for {
		logged = map[string]string{}
		for _, le := range e.Log.Entries(t) {
			logged[le.RequestID] = le.Op
		}
		missing := 0
		for _, s := range want {
			if _, ok := logged[s.id]; !ok {
				missing++
			}
		}
		if missing == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, s := range want {
		if got := logged[s.id]; got != s.op {
			t.Errorf("request %s meant as %s was logged as %q", s.id, s.op, got)
		}
	}
	// Signed correctly, in V4 and in V1, every representative request gets
	// past authentication.
	for _, a := range []hostileAuth{{name: "V4"}, {name: "V1", v1: true}} {
		for _, op := range names {
			rq := ops[op]
			rq.auth = &a
			if r := e.do(t, rq); r.status == http.StatusForbidden || r.status >= 500 {
				code := ""
				if r.status >= 400 {
					code, _ = r.ossErr(t)
				}
				t.Errorf("%s signed correctly with %s: %d %s", op, a.name, r.status, code)
			}
		}
	}
}
