package ossserver

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
)

// fuzzServedParams are the query parameters that an operation this server
// implements is identified by or reads, written out here apart from
// route.go's tables. (versions, version-id-marker and delete are for
// ListObjectVersions and DeleteMultipleObjects.)
var fuzzServedParams = map[string]bool{
	"prefix": true, "marker": true, "max-keys": true, "delimiter": true, "encoding-type": true,
	"list-type": true, "start-after": true, "continuation-token": true, "fetch-owner": true,
	"uploads": true, "uploadId": true, "partNumber": true, "versionId": true, "tagging": true,
	"acl": true, "location": true, "bucketInfo": true, "versioning": true, "objectMeta": true,
	"max-parts": true, "part-number-marker": true, "max-uploads": true, "key-marker": true,
	"upload-id-marker": true, "response-content-type": true, "response-content-language": true,
	"response-expires": true, "response-cache-control": true, "response-content-disposition": true,
	"response-content-encoding": true, "versions": true, "version-id-marker": true, "delete": true,
}

// FuzzSubResource sends a request with any query parameter (name and
// value, plus any raw query text) and any method to a bucket or an object,
// signed in its Authorization header. A parameter no implemented operation
// knows must get 501 NotImplemented, unless OSS does not know it either and
// the request is a read (GET, HEAD), which OSS answers ignoring it; a query
// that does not parse, 400; and whatever the answer, an error, a GET or a
// HEAD commits nothing.
func FuzzSubResource(f *testing.F) {
	for _, seed := range []struct {
		method      uint8
		object      bool
		name, value string
		raw         string
	}{
		{1, true, "retention", "", ""},
		{3, false, "publicAccessBlock", "", ""},
		{1, false, "objectWorm", "", ""},
		{0, false, "requestPayment", "", ""},
		{0, false, "list-type", "2", "max-keys=1"},
		{1, true, "tagging", "", ""},
		{2, true, "uploads", "", ""},
		{3, true, "versionId", "null", ""},
		{0, true, "response-content-type", "text/plain", "x-oss-process=image/resize"},
		{1, true, "partNumber", "1", "uploadId=" + fuzzUploadID},
		{1, true, "retention", "", "a;b"},
		{0, true, "x", "", "%zz"},
		{4, true, "abc", "v", "%7Cabc=w"},
		{1, true, "abc", "v", ""},
		{1, true, "security-token", "t", ""},
	} {
		f.Add(seed.method, seed.object, seed.name, seed.value, seed.raw)
	}
	f.Fuzz(func(t *testing.T, method uint8, object bool, name, value, raw string) {
		var logBuf bytes.Buffer
		s := fuzzNewServer(t, &logBuf)
		path := "/bkt"
		if object {
			path = "/bkt/obj"
		}
		query := url.QueryEscape(name) + "=" + url.QueryEscape(value)
		if raw != "" {
			query += "&" + raw
		}
		m := fuzzMethods[int(method)%len(fuzzMethods)]
		req := fuzzRequest(m, path, query, "127.0.0.1:8080", nil, "", []byte("<Fuzz/>"))
		fuzzSign(s, req, fuzzSignV4)
		before, _ := json.Marshal(s.store.st)
		res := fuzzServe(t, s, &logBuf, req)
		after, _ := json.Marshal(s.store.st)
		describe := m + " " + path + "?" + query
		values, parseErr := url.ParseQuery(query)
		switch {
		case res.log.Op == "":
			t.Fatalf("%s: the access log names no operation", describe)
		case parseErr != nil && res.status != http.StatusBadRequest:
			t.Fatalf("%s: the query does not parse (%v) but was answered %d %s", describe, parseErr, res.status, res.log.Code)
		case parseErr == nil && !fuzzRepeated(values) && !fuzzAllServed(values) && !fuzzIgnorable(m, values) &&
			(res.status != http.StatusNotImplemented || res.log.Code != "NotImplemented"):
			t.Fatalf("%s: a parameter no implemented operation knows, answered %d %s as %s", describe, res.status, res.log.Code, res.log.Op)
		}
		if (res.status >= 300 || m == http.MethodGet || m == http.MethodHead) && !bytes.Equal(before, after) {
			t.Fatalf("%s: answered %d %s as %s, and the state changed", describe, res.status, res.log.Code, res.log.Op)
		}
	})
}

// fuzzRepeated tells whether a parameter name repeats. The SDK v2's V4
// signer, which signs the fuzzed requests, keeps one value per name, so it
// signs such a query as no server reads it: its answer is 403.
func fuzzRepeated(q url.Values) bool {
	for _, vs := range q {
		if len(vs) > 1 {
			return true
		}
	}
	return false
}

// fuzzIgnorable tells whether the request is a read whose parameters that
// no implemented operation knows are none OSS knows.
func fuzzIgnorable(method string, q url.Values) bool {
	if method != http.MethodGet && method != http.MethodHead {
		return false
	}
	for name := range q {
		if !fuzzServedParams[name] && isOSSParam(name) {
			return false
		}
	}
	return true
}

func fuzzAllServed(q url.Values) bool {
	for name := range q {
		if !fuzzServedParams[name] {
			return false
		}
	}
	return true
}
