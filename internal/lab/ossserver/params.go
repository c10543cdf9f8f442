package ossserver

import (
	"net/http"
	"strings"
	"sync"
)

// Which query parameters a request may carry beyond those its operation's
// handler reads (opSpec.params). OSS acts on its own parameters and ignores
// any other: the SDK v1's own tests sign a HeadObject with made-up
// parameters ("abc", "|abc") and get the object's 404. The server ignores a
// parameter OSS does not know on a read (GET, HEAD) as OSS does; on a write
// it refuses it (501), because a parameter unknown here may be a newer OSS
// sub-resource that would make the request no plain write, and the issue
// that made these tables saw such requests destroy data. A parameter OSS
// knows is refused on an operation whose handler does not read it, since
// OSS might act on it there, unless OSS is known to ignore it on that
// operation (ignoredParams).

// ignoredParams are OSS parameters that OSS ignores on an operation although
// the SDKs send them there, by operation: the SDK v1's SignURL tests presign
// a PutObject with response-content-encoding and expect it to store the
// object (the response-* parameters only shape GetObject's answer, as
// OSS's GetObject page says), and its CopyFile passes the source's versionId
// on to InitiateMultipartUpload, which has no such parameter, and expects
// the copy to succeed. The SDK v2's uploader sends the parameters of a
// sequential upload (sequential.go) with its Complete and Abort as well as
// with its Initiate, where alone the parameter means something.
var ignoredParams = map[string]map[string]bool{
	"PutObject":               toSet(strings.Fields(responseParams)...),
	"InitiateMultipartUpload": toSet("versionId"),
	"CompleteMultipartUpload": toSet("sequential"),
	"AbortMultipartUpload":    toSet("sequential"),
}

// ossParamPrefixes name families of OSS parameters.
var ossParamPrefixes = []string{"x-oss-", "response-"}

// ossParams are the query parameters OSS knows, besides ossParamPrefixes:
// every sub-resource a V1 signature covers (v1SubResources), every
// parameter that identifies an operation (apiShapes), those the server's
// handlers read (ops), those of presigned URLs (authParams), and the
// remaining ones the SDKs send (the SDK v2's `input:"query,..."` fields and
// the SDK v1's addParam options and params). It is built on first use, when
// the tables it reads are filled in.
var ossParams = sync.OnceValue(func() map[string]bool {
	known := toSet("list-type", "tag-key", "tag-value", "category", "mode", "rule-id",
		"wildcard", "accessmonitor", "sequential", "withHashContext")
	for _, set := range []map[string]bool{v1SubResources, authParams} {
		for name := range set {
			known[name] = true
		}
	}
	for _, shapes := range shapesBy {
		for _, a := range shapes {
			for _, p := range a.params {
				known[p.name] = true
			}
		}
	}
	for _, spec := range ops {
		for _, name := range strings.Fields(spec.params) {
			known[name] = true
		}
	}
	return known
})

// isOSSParam tells whether OSS knows the query parameter name.
func isOSSParam(name string) bool {
	if ossParams()[name] {
		return true
	}
	for _, prefix := range ossParamPrefixes {
		if strings.HasPrefix(name, prefix) {
			return true
		}
	}
	return false
}

// acceptedParam tells whether a request for op with method may carry the
// query parameter name without op's handler reading it.
func acceptedParam(op, method, name string) bool {
	read := method == http.MethodGet || method == http.MethodHead
	return ignoredParams[op][name] || read && !isOSSParam(name)
}
