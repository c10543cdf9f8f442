package ossserver

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/signer"
)

// The fuzz targets run requests straight through (*Server).ServeHTTP. Every
// request is signed correctly (unless the input asks for no signature), so
// the fuzzer gets past authentication into the handlers. Each input gets a
// fresh server with a fixed clock, so a failure replays exactly.

const (
	fuzzAccessKeyID     = "LTAIfuzzkeyid"
	fuzzAccessKeySecret = "fuzz-secret"
	fuzzRegion          = "cn-hangzhou"
	fuzzUploadID        = "FUZZUPLOAD0000000000000000000000"
)

var fuzzNow = time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)

var fuzzMethods = []string{
	http.MethodGet, http.MethodPut, http.MethodPost, http.MethodDelete, http.MethodHead,
	http.MethodOptions, http.MethodPatch, "PROPFIND",
}

// fuzzConfig is the configuration of the servers fuzz inputs run against:
// bucket "bkt" with synthetic objects and a versioned bucket "vbkt".
func fuzzConfig(log io.Writer) Config {
	return Config{
		Region:      fuzzRegion,
		Credentials: []Credential{{AccessKeyID: fuzzAccessKeyID, AccessKeySecret: fuzzAccessKeySecret}},
		Buckets:     []string{"bkt", "vbkt"},
		Seeds: []Seed{
			{Bucket: "bkt", Key: "obj", Size: 1000, Seed: 7},
			{Bucket: "bkt", Key: "dir/a", Size: 3, Seed: 8},
			{Bucket: "bkt", Key: "src", Size: 300_000, Seed: 10},
			{Bucket: "vbkt", Key: "obj", Size: 10, Seed: 9},
		},
		MD5Limit:  1 << 10,
		AccessLog: log,
		Now:       func() time.Time { return fuzzNow },
	}
}

// fuzzTemplate is the state of a server made from fuzzConfig, plus
// versioning on "vbkt" and, in "bkt", an upload of key "mp" with a fixed ID
// and one part, so that every operation has something to act on. Making
// synthetic objects costs most of a millisecond, so each input gets a copy
// of this state rather than seeds of its own.
var fuzzTemplate = sync.OnceValues(func() (*state, error) {
	s, err := New(fuzzConfig(nil))
	if err != nil {
		return nil, err
	}
	obj := s.store.st.Buckets["bkt"].current("obj")
	part := obj.Content.slice(0, 200)
	crc := part.crc()
	for _, r := range []record{
		{Op: opVersioning, Bucket: "vbkt", Versioning: "Enabled"},
		{Op: opInitUpload, Bucket: "bkt", Upload: &uploadState{ID: fuzzUploadID, Bucket: "bkt", Key: "mp",
			Initiated: fuzzNow, StorageClass: "Standard", Meta: metadata{ContentType: "application/octet-stream"}}},
		{Op: opPutPart, Bucket: "bkt", UploadID: fuzzUploadID, Part: &partState{Number: 1, Content: part, Size: 200,
			CRC: crc, ETag: part.etag(crc, 200, s.cfg.MD5Limit), LastModified: fuzzNow}},
	} {
		if e := s.store.commit(r); e != nil {
			return nil, e
		}
	}
	return s.store.st, nil
})

// fuzzCopyState deep-copies st; the blobs that contents point into are
// immutable and shared.
func fuzzCopyState(st *state) *state {
	out := newState()
	for name, b := range st.Buckets {
		nb := *b
		nb.index = keyIndex{} // built again from the copied objects
		nb.Objects = map[string][]*objectState{}
		for k, versions := range b.Objects {
			for _, o := range versions {
				no := *o
				no.Content, no.Tags = slices.Clone(o.Content), slices.Clone(o.Tags) // Meta is never changed in place
				nb.Objects[k] = append(nb.Objects[k], &no)
			}
		}
		out.Buckets[name] = &nb
	}
	for id, u := range st.Uploads {
		nu := *u
		nu.Tags, nu.Meta.User = slices.Clone(u.Tags), maps.Clone(u.Meta.User)
		nu.Parts = map[int]*partState{}
		for n, p := range u.Parts {
			np := *p
			np.Content = slices.Clone(p.Content)
			nu.Parts[n] = &np
		}
		out.Uploads[id] = &nu
	}
	return out
}

// fuzzNewServer returns a fresh server with fuzzTemplate's state.
func fuzzNewServer(tb testing.TB, log io.Writer) *Server {
	tb.Helper()
	tmpl, err := fuzzTemplate()
	if err != nil {
		tb.Fatal(err)
	}
	cfg := fuzzConfig(log)
	cfg.Buckets, cfg.Seeds = nil, nil
	s, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	s.store.st = fuzzCopyState(tmpl)
	return s
}

// Signing modes of a fuzzed request.
const (
	fuzzSignV4 = iota
	fuzzSignV1
	fuzzSignNone // headers as fuzzed, Authorization included
	fuzzSignModes
)

// fuzzSign signs req as a client of s would, for the bucket and key the
// server will find in it.
func fuzzSign(s *Server, req *http.Request, mode int) {
	if mode == fuzzSignNone {
		return
	}
	ctx := &signer.SigningContext{Product: ptr("oss"), Region: ptr(fuzzRegion), Request: req, Time: fuzzNow,
		Credentials: &credentials.Credentials{AccessKeyID: fuzzAccessKeyID, AccessKeySecret: fuzzAccessKeySecret}}
	if bucket, key, e := s.target(req); e == nil {
		if bucket != "" {
			ctx.Bucket = &bucket
		}
		if key != "" {
			ctx.Key = &key
		}
	}
	req.Header.Del("Authorization")
	// The signer signs the query as the SDK encodes it; the request still
	// goes out raw, as ali-oss sends `!'()*`, and the server decodes it.
	raw := req.URL.RawQuery
	req.URL.RawQuery = sdkEncodedQuery(raw)
	defer func() { req.URL.RawQuery = raw }()
	var err error
	if mode == fuzzSignV1 {
		err = (&signer.SignerV1{}).Sign(context.Background(), ctx)
	} else {
		err = (&signer.SignerV4{}).Sign(context.Background(), ctx)
	}
	if err != nil {
		panic(err)
	}
}

// sdkEncodedQuery is raw as the SDK v2 would have sent it: each decoded name
// and value query-escaped, with %20 for a space.
func sdkEncodedQuery(raw string) string {
	pairs := []string{}
	for _, p := range decodeQuery(raw) {
		pair := url.QueryEscape(p.name)
		if p.value != "" {
			pair += "=" + url.QueryEscape(p.value)
		}
		pairs = append(pairs, strings.ReplaceAll(pair, "+", "%20"))
	}
	return strings.Join(pairs, "&")
}

// fuzzHeaderName reports whether name is an HTTP token, as a real server
// requires of header names.
func fuzzHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// fuzzRequest builds a request for the server. extra holds further header
// lines "Name: value".
func fuzzRequest(method, path, query, host string, hdr map[string]string, extra string, body []byte) *http.Request {
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	req := &http.Request{
		Method: method, URL: &url.URL{Path: path, RawQuery: query}, Host: host, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)),
		RemoteAddr: "192.0.2.1:1234",
	}
	for k, v := range hdr {
		if v != "" {
			req.Header.Set(k, v)
		}
	}
	for i, line := range strings.Split(extra, "\n") {
		if i == 32 {
			break
		}
		name, value, _ := strings.Cut(line, ":")
		if name = strings.TrimSpace(name); fuzzHeaderName(name) {
			req.Header.Add(name, strings.TrimSpace(value))
		}
	}
	return req
}

// fuzzResult is what fuzzServe learnt about one request.
type fuzzResult struct {
	status int
	header http.Header
	body   []byte
	log    LogEntry
}

// fuzzServe runs req through s and checks what every answer must satisfy:
// no panic (the recover in ServeHTTP would hide it as a 500, or after the
// status line as a truncated body, so the access log is checked too), a
// request ID, a 500 only as an OSS error, errors in OSS's XML form (for
// HEAD in x-oss-err), XML answers well-formed, Content-Length right, and
// an operation that reads an XML body succeeding only on one well-formed
// XML document (or, where the body is optional, none).
func fuzzServe(t *testing.T, s *Server, logBuf *bytes.Buffer, req *http.Request) fuzzResult {
	t.Helper()
	body, _ := io.ReadAll(req.Body)
	req.Body = io.NopCloser(bytes.NewReader(body))
	logBuf.Reset()
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	res := fuzzResult{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	describe := func() string {
		return req.Method + " " + req.URL.Path + "?" + req.URL.RawQuery + " -> " + strconv.Itoa(rec.Code) + " " + truncate(string(res.body), 300)
	}
	if err := json.Unmarshal(logBuf.Bytes(), &res.log); err != nil {
		t.Fatalf("%s: access log %q: %v", describe(), logBuf.String(), err)
	}
	if strings.HasPrefix(res.log.Fault, "panic") || bytes.Contains(res.body, []byte("failed on this request")) {
		t.Fatalf("%s: the handler panicked: %s", describe(), res.log.Fault)
	}
	id := res.header.Get("x-oss-request-id")
	if id == "" || id != res.log.RequestID {
		t.Fatalf("%s: x-oss-request-id %q, logged %q", describe(), id, res.log.RequestID)
	}
	if res.status < 100 || res.status > 599 {
		t.Fatalf("%s: status %d", describe(), res.status)
	}
	if req.Method == http.MethodHead && len(res.body) > 0 {
		t.Fatalf("%s: HEAD answered with a body", describe())
	}
	if cl := res.header.Get("Content-Length"); cl != "" && req.Method != http.MethodHead && cl != strconv.Itoa(len(res.body)) {
		t.Fatalf("%s: Content-Length %s but %d bytes of body", describe(), cl, len(res.body))
	}
	if res.status >= 300 && res.status != http.StatusNotModified {
		raw := res.body
		if req.Method == http.MethodHead {
			var err error
			if raw, err = base64.StdEncoding.DecodeString(res.header.Get("x-oss-err")); err != nil {
				t.Fatalf("%s: x-oss-err %q is not base64: %v", describe(), res.header.Get("x-oss-err"), err)
			}
		}
		var eb errorBody
		if err := xml.Unmarshal(raw, &eb); err != nil || eb.Code == "" || eb.RequestID != id {
			t.Fatalf("%s: status %d without an OSS error (code %q, request ID %q): %v", describe(), res.status, eb.Code, eb.RequestID, err)
		}
		if eb.Code != res.log.Code {
			t.Fatalf("%s: answered %s but logged %s", describe(), eb.Code, res.log.Code)
		}
	}
	if strings.Contains(res.header.Get("Content-Type"), "xml") && len(res.body) > 0 && res.header.Get("x-oss-object-type") == "" {
		if err := fuzzWellFormed(res.body); err != nil {
			t.Fatalf("%s: the XML answer is not well-formed: %v", describe(), err)
		}
	}
	if fuzzXMLBodyOps[res.log.Op] && res.status < 300 && len(bytes.TrimSpace(body)) > 0 {
		if err := fuzzXMLDocument(body); err != nil {
			t.Fatalf("%s: %s succeeded with a body that is not one XML document (%v): %q", describe(), res.log.Op, err, truncate(string(body), 300))
		}
	}
	return res
}

// fuzzXMLBodyOps are the operations that read an XML request body.
var fuzzXMLBodyOps = map[string]bool{"PutBucket": true, "PutBucketVersioning": true,
	"PutObjectTagging": true, "CompleteMultipartUpload": true}

// fuzzXMLDocument checks that b is one well-formed XML document: a single
// root element with only white space, comments, processing instructions
// and directives around it, after an optional byte order mark.
func fuzzXMLDocument(b []byte) error {
	d := xml.NewDecoder(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff"))))
	depth, roots := 0, 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			if roots != 1 {
				return errors.New("no root element")
			}
			return nil
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				roots++
			}
			if roots > 1 {
				return errors.New("more than one root element")
			}
			depth++
		case xml.EndElement:
			depth--
		case xml.CharData:
			if depth == 0 && len(bytes.TrimSpace(t)) > 0 {
				return errors.New("text outside the root element")
			}
		}
	}
}

func fuzzWellFormed(b []byte) error {
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		if _, err := d.Token(); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

// FuzzServeHTTP sends arbitrary requests: method (index into fuzzMethods),
// path, raw query, Range, x-oss-copy-source, further header lines, body and
// a mode (bits 0-1: sign with V4, V1 or not at all; bit 2: virtual-hosted).
func FuzzServeHTTP(f *testing.F) {
	add := func(method int, path, query, rng, src, extra, body string, mode uint8) {
		f.Add(uint8(method), path, query, rng, src, extra, []byte(body), mode)
	}
	const get, put, post, del, head = 0, 1, 2, 3, 4
	add(get, "/", "", "", "", "", "", 0)
	add(get, "/", "max-keys=1&prefix=b&marker=a", "", "", "", "", 0)
	add(get, "/bkt/obj", "", "bytes=2-9", "", "If-None-Match: x", "", 0)
	add(get, "/bkt/obj", "response-content-type=a%0d%0ab", "bytes=-3", "", "x-oss-range-behavior: standard", "", 1)
	add(get, "/bkt/obj", "", "bytes=999999-", "", "", "", 0)
	add(head, "/bkt/obj", "objectMeta", "", "", "", "", 0)
	add(head, "/bkt/nokey", "", "", "", "", "", 0)
	add(get, "/bkt", "list-type=2&delimiter=/&max-keys=1&encoding-type=url", "", "", "", "", 0)
	add(get, "/bkt", "list-type=2&continuation-token=ZGly", "", "", "", "", 0)
	add(get, "/bkt", "prefix=%ff&delimiter=%00", "", "", "", "", 0)
	add(get, "/bkt", "uploads&prefix=m&delimiter=p", "", "", "", "", 0)
	add(get, "/bkt", "bucketInfo", "", "", "", "", 0)
	add(get, "/bkt", "location", "", "", "", "", 0)
	add(get, "/bkt", "acl", "", "", "", "", 0)
	add(get, "/vbkt", "versioning", "", "", "", "", 0)
	add(head, "/bkt", "", "", "", "", "", 0)
	add(put, "/newbkt", "", "", "", "", "<CreateBucketConfiguration><StorageClass>IA</StorageClass></CreateBucketConfiguration>", 0)
	add(put, "/bkt", "versioning", "", "", "", "<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>", 0)
	add(del, "/vbkt", "", "", "", "", "", 0)
	add(put, "/bkt/new", "", "", "", "x-oss-meta-a: b\nContent-MD5: 1B2M2Y8AsgTpgAmY7PhCfg==\nx-oss-tagging: a=b&c=d", "", 0)
	add(put, "/vbkt/obj", "", "", "", "x-oss-forbid-overwrite: true", "data", 0)
	add(put, "/bkt/copy", "", "", "/bkt/obj", "x-oss-metadata-directive: REPLACE\nx-oss-copy-source-if-match: x", "", 0)
	add(put, "/bkt/copy", "", "", "/vbkt/obj?versionId=null", "", "", 0)
	add(put, "/bkt/obj", "tagging", "", "", "", "<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>", 0)
	add(get, "/bkt/obj", "tagging", "", "", "", "", 0)
	add(del, "/bkt/obj", "tagging", "", "", "", "", 0)
	add(del, "/vbkt/obj", "", "", "", "", "", 0)
	add(del, "/vbkt/obj", "versionId=abc", "", "", "", "", 0)
	add(post, "/bkt/mp2", "uploads", "", "", "x-oss-storage-class: Archive", "", 0)
	add(put, "/bkt/mp", "partNumber=2&uploadId="+fuzzUploadID, "", "", "", "part two", 0)
	add(put, "/bkt/mp", "partNumber=3&uploadId="+fuzzUploadID, "", "/bkt/obj", "x-oss-copy-source-range: bytes=0-99", "", 0)
	add(get, "/bkt/mp", "uploadId="+fuzzUploadID+"&max-parts=1", "", "", "", "", 0)
	add(del, "/bkt/mp", "uploadId="+fuzzUploadID, "", "", "", "", 0)
	add(post, "/bkt/mp", "uploadId="+fuzzUploadID, "", "", "x-oss-complete-all: yes", "", 0)
	add(post, "/bkt/mp", "uploadId="+fuzzUploadID, "", "", "", "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>", 0)
	add(put, "/bkt/obj", "acl", "", "", "x-oss-object-acl: public-read", "", 0)
	add(get, "/vbkt/obj", "acl&versionId=null", "", "", "", "", 0)
	add(put, "/bkt", "acl", "", "", "x-oss-acl: public-read-write", "", 0)
	add(get, "/vbkt", "versions&max-keys=1&key-marker=obj&version-id-marker=null&encoding-type=url", "", "", "", "", 0)
	add(get, "/bkt", "versions&delimiter=/&prefix=d", "", "", "", "", 0)
	add(post, "/vbkt", "delete&encoding-type=url", "", "", "Content-MD5: 4Tder/VPx+1AIngrxwHEpQ==",
		"<Delete><Object><Key>obj</Key><VersionId>null</VersionId></Object><Object><Key>a&#x01;</Key></Object></Delete>", 0)
	add(put, "/bkt/enc", "", "", "", "x-oss-server-side-encryption: KMS\nx-oss-server-side-data-encryption: SM4", "data", 0)
	add(post, "/bkt/mp3", "uploads", "", "", "x-oss-server-side-encryption: SM4\nx-oss-object-acl: private", "", 0)
	add(get, "/obj", "", "", "", "", "", 4)
	add(get, "/bkt/a/../b", "", "", "", "", "", 0)
	add(get, "/bkt/obj", "", "", "", "Authorization: OSS4-HMAC-SHA256 Credential=LTAIfuzzkeyid/20250304/cn-hangzhou/oss/aliyun_v4_request,Signature=00\nx-oss-date: 20250304T050607Z", "", 2)
	add(get, "/bkt/obj", "", "", "", "Authorization: OSS LTAIfuzzkeyid:abc\nDate: Tue, 04 Mar 2025 05:06:07 GMT", "", 2)
	f.Fuzz(func(t *testing.T, method uint8, path, query, rng, src, extra string, body []byte, mode uint8) {
		var logBuf bytes.Buffer
		s := fuzzNewServer(t, &logBuf)
		host := "127.0.0.1:8080"
		if mode&4 != 0 {
			host = "bkt.localhost:8080"
		}
		req := fuzzRequest(fuzzMethods[int(method)%len(fuzzMethods)], path, query, host,
			map[string]string{"Range": rng, "x-oss-copy-source": src}, extra, body)
		fuzzSign(s, req, int(mode&3)%fuzzSignModes)
		fuzzServe(t, s, &logBuf, req)
	})
}

// FuzzParseCopySource checks that parseCopySource never panics, that what it
// accepts names a valid bucket and key, and that it reads back the same
// source from what each client writes for it: the SDK v1's query escaping
// (a space as '+') and the SDK v2's percent-encoding of all but unreserved
// bytes and '/'.
func FuzzParseCopySource(f *testing.F) {
	for _, s := range []string{
		"/bkt/obj", "/bkt/dir/a%20b", "/bkt/obj?versionId=v1", "bkt/obj", "/bkt", "/bkt/", "/bkt/%zz",
		"/bkt/obj?foo=bar", "/bkt/obj?versionId=", "/bkt/obj?versionId=a&x=y", "/Bad_Bucket/obj", "/bkt/a%00b",
		"/bkt/%2Fabs", "/bkt/a/../b", "/bkt/%ff", "/bkt/obj?", "/bkt/obj?%zz", "//obj", "/",
		"/bkt/a+b", "/bkt/a%2Bb", "/bkt%2Fa+b%2Bc", "/bkt/+", "/bkt/%2F",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		src, e := parseCopySource(v)
		if e != nil {
			if e.Status != http.StatusBadRequest || e.Code == "" {
				t.Fatalf("parseCopySource(%q): %d %s, want a 400 with a code", v, e.Status, e.Code)
			}
			return
		}
		if e := validBucketName(src.bucket); e != nil {
			t.Fatalf("parseCopySource(%q) accepted bucket %q: %s", v, src.bucket, e.Message)
		}
		if e := validKey(src.key); e != nil {
			t.Fatalf("parseCopySource(%q) accepted key %q: %s", v, src.key, e.Message)
		}
		for _, escape := range []func(string) string{url.QueryEscape, percentEncodeKey} {
			again := "/" + src.bucket + "/" + escape(src.key)
			if src.versionID != "" {
				again += "?versionId=" + url.QueryEscape(src.versionID)
			}
			if got, e := parseCopySource(again); e != nil || got != src {
				t.Fatalf("parseCopySource(%q) = %+v, but a client's form of it, %q, gives %+v, %v", v, src, again, got, e)
			}
		}
	})
}

// percentEncodeKey escapes a key as the SDK v2 does in x-oss-copy-source.
func percentEncodeKey(key string) string {
	var b strings.Builder
	for i := 0; i < len(key); i++ {
		c := key[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~/", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// FuzzCompleteXML completes a real upload (created, with its parts, through
// ServeHTTP) with arbitrary bodies. In a body, $1, $2 and $3 stand for the
// ETags of parts 1 to 3, so the fuzzer can reach success as easily as
// failure. Whatever the body, the answer is never a 500, and a success
// leaves an object whose CRC is the one announced.
func FuzzCompleteXML(f *testing.F) {
	part := func(n int, etag string) string {
		return "<Part><PartNumber>" + strconv.Itoa(n) + "</PartNumber><ETag>" + etag + "</ETag></Part>"
	}
	complete := func(parts ...string) string {
		return "<CompleteMultipartUpload>" + strings.Join(parts, "") + "</CompleteMultipartUpload>"
	}
	for _, body := range []string{
		complete(part(1, "$1"), part(2, "$2"), part(3, "$3")),
		complete(part(1, `"$1"`), part(3, "$3")),
		complete(part(2, "$2"), part(1, "$1")),
		complete(part(1, "$1"), part(1, "$1")),
		complete(part(3, "$3"), part(3, "$3")),
		complete(part(3, "$3")),
		complete(part(3, "$3"), part(4, "$3")),
		complete(),
		complete(part(1, "$2")),
		complete(part(0, "$1")),
		complete(part(-1, "$1")),
		complete(part(10001, "$1")),
		"<CompleteMultipartUpload><Part><PartNumber>abc</PartNumber></Part></CompleteMultipartUpload>",
		"<CompleteMultipartUpload><Part><PartNumber>99999999999999999999</PartNumber></Part></CompleteMultipartUpload>",
		"<Tagging/>", "<", "", "   ", "\x00", "<CompleteMultipartUpload>", "<!DOCTYPE x [<!ENTITY e \"$1\">]><CompleteMultipartUpload>&e;</CompleteMultipartUpload>",
	} {
		f.Add([]byte(body), false, false)
	}
	f.Add([]byte(""), true, false)
	f.Add([]byte(complete(part(1, "$1"))), true, true)
	f.Add([]byte(complete(part(1, "$1"), part(2, "$2"), part(3, "$3"))), false, true)
	f.Fuzz(func(t *testing.T, body []byte, completeAll, urlEncoding bool) {
		var logBuf bytes.Buffer
		s := fuzzNewServer(t, &logBuf)
		do := func(method, path, query string, hdr map[string]string, body []byte) fuzzResult {
			req := fuzzRequest(method, path, query, "127.0.0.1:8080", hdr, "", body)
			fuzzSign(s, req, fuzzSignV4)
			return fuzzServe(t, s, &logBuf, req)
		}
		init := do(http.MethodPost, "/bkt/big", "uploads", nil, nil)
		var ir struct {
			UploadID string `xml:"UploadId"`
		}
		if err := xml.Unmarshal(init.body, &ir); err != nil || ir.UploadID == "" {
			t.Fatalf("InitiateMultipartUpload: %d %s", init.status, init.body)
		}
		upload := "&uploadId=" + url.QueryEscape(ir.UploadID)
		etags := map[string]string{}
		for n, r := range []string{"bytes=0-102399", "bytes=102400-204799"} {
			res := do(http.MethodPut, "/bkt/big", "partNumber="+strconv.Itoa(n+1)+upload,
				map[string]string{"x-oss-copy-source": "/bkt/src", "x-oss-copy-source-range": r}, nil)
			var cr struct {
				ETag string `xml:"ETag"`
			}
			if err := xml.Unmarshal(res.body, &cr); err != nil || res.status != http.StatusOK {
				t.Fatalf("UploadPartCopy %s: %d %s", r, res.status, res.body)
			}
			etags["$"+strconv.Itoa(n+1)] = strings.Trim(cr.ETag, `"`)
		}
		res := do(http.MethodPut, "/bkt/big", "partNumber=3"+upload, nil, []byte("the last part"))
		if res.status != http.StatusOK {
			t.Fatalf("UploadPart: %d %s", res.status, res.body)
		}
		etags["$3"] = strings.Trim(res.header.Get("ETag"), `"`)
		for k, v := range etags {
			body = bytes.ReplaceAll(body, []byte(k), []byte(v))
		}
		hdr := map[string]string{}
		if completeAll {
			hdr["x-oss-complete-all"] = "yes"
		}
		query := "uploadId=" + url.QueryEscape(ir.UploadID)
		if urlEncoding {
			query += "&encoding-type=url"
		}
		res = do(http.MethodPost, "/bkt/big", query, hdr, body)
		if res.status >= 500 {
			t.Fatalf("CompleteMultipartUpload with %q: %d %s", body, res.status, res.body)
		}
		if res.status != http.StatusOK {
			return
		}
		got := do(http.MethodHead, "/bkt/big", "", nil, nil)
		if got.status != http.StatusOK || got.header.Get("x-oss-hash-crc64ecma") != res.header.Get("x-oss-hash-crc64ecma") {
			t.Fatalf("after a completed upload, HEAD answered %d with CRC %s; Complete said %s",
				got.status, got.header.Get("x-oss-hash-crc64ecma"), res.header.Get("x-oss-hash-crc64ecma"))
		}
	})
}
