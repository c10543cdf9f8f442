package ossserver

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"
)

// handler performs one OSS operation.
type handler func(*Server, *request) *ossError

// opSpec is what the server knows about one OSS operation.
type opSpec struct {
	handle handler
	// class groups operations so that latency and faults can be set per
	// class: copy, read, write, list, multipart or bucket.
	class string
	// readsBody: the handler reads the request body. The others' bodies
	// are drained before the simulated latency, because net/http notices a
	// client that left only once the body was read to EOF.
	readsBody bool
	// params are the query parameters the handler reads besides those that
	// identify the operation (apiShapes), space-separated. A request with
	// any other OSS parameter, authentication aside, is refused: it asks
	// for something the handler would silently not do (params.go says
	// which parameters OSS itself ignores).
	params string
}

// ops maps the names of the operations the server implements (apiShapes
// gives every OSS operation's name, ListObjectVersions, DeleteMultipleObjects,
// GetObjectAcl, PutObjectAcl and PutBucketAcl included: implementing one is
// a line here) to their specs. Anything else is refused with 501
// NotImplemented before it can change anything.
var ops map[string]opSpec

const (
	listObjectsParams = "prefix delimiter max-keys encoding-type"
	// responseParams set the headers of GetObject's answer.
	responseParams = "response-content-type response-content-language response-expires " +
		"response-cache-control response-content-disposition response-content-encoding"
	getObjectParams = "versionId " + responseParams
)

func init() {
	ops = map[string]opSpec{
		"ListBuckets":   {(*Server).listBuckets, "list", false, "prefix marker max-keys"},
		"ListObjects":   {(*Server).listObjects, "list", false, listObjectsParams + " marker"},
		"ListObjectsV2": {(*Server).listObjects, "list", false, listObjectsParams + " start-after continuation-token fetch-owner"},
		// max-parts: ossutil 1.x's du sends it here, meaning max-uploads;
		// OSS ignores it, and so does this server.
		"ListMultipartUploads":    {(*Server).listMultipartUploads, "list", false, "prefix delimiter max-uploads key-marker upload-id-marker encoding-type max-parts"},
		"ListParts":               {(*Server).listParts, "list", false, "max-parts part-number-marker encoding-type"},
		"PutBucket":               {(*Server).putBucket, "bucket", true, ""},
		"DeleteBucket":            {(*Server).deleteBucket, "bucket", false, ""},
		"GetBucketInfo":           {(*Server).getBucketInfo, "bucket", false, ""},
		"GetBucketLocation":       {(*Server).getBucketLocation, "bucket", false, ""},
		"ListLiveChannel":         {(*Server).listLiveChannels, "list", false, "prefix marker max-keys"},
		"GetBucketAcl":            {(*Server).getBucketACL, "bucket", false, ""},
		"HeadBucket":              {(*Server).headBucket, "bucket", false, ""},
		"PutBucketVersioning":     {(*Server).putBucketVersioning, "bucket", true, ""},
		"GetBucketVersioning":     {(*Server).getBucketVersioning, "bucket", false, ""},
		"GetObject":               {(*Server).getObject, "read", false, getObjectParams},
		"HeadObject":              {(*Server).headObject, "read", false, "versionId"},
		"GetObjectMeta":           {(*Server).headObject, "read", false, "versionId"},
		"GetObjectTagging":        {(*Server).getObjectTagging, "read", false, "versionId"},
		"PutObject":               {(*Server).putObject, "write", true, ""},
		"UploadPart":              {(*Server).uploadPart, "write", true, ""},
		"DeleteObject":            {(*Server).deleteObject, "write", false, "versionId"},
		"PutObjectTagging":        {(*Server).putObjectTagging, "write", true, "versionId"},
		"DeleteObjectTagging":     {(*Server).deleteObjectTagging, "write", false, "versionId"},
		"CopyObject":              {(*Server).copyObject, "copy", false, ""},
		"UploadPartCopy":          {(*Server).uploadPartCopy, "copy", false, ""},
		"InitiateMultipartUpload": {(*Server).initiateMultipartUpload, "multipart", false, "encoding-type sequential"},
		"AbortMultipartUpload":    {(*Server).abortMultipartUpload, "multipart", false, ""},
		"CompleteMultipartUpload": {(*Server).completeMultipartUpload, "multipart", true, "encoding-type"},
		"ListObjectVersions":      {(*Server).listObjectVersions, "list", false, "prefix delimiter key-marker version-id-marker max-keys encoding-type"},
		"DeleteMultipleObjects":   {(*Server).deleteMultipleObjects, "write", true, "encoding-type"},
		"PutBucketAcl":            {(*Server).putBucketACL, "bucket", false, ""},
		"GetObjectAcl":            {(*Server).getObjectACL, "read", false, "versionId"},
		"PutObjectAcl":            {(*Server).putObjectACL, "write", false, "versionId"},
	}
}

// OpNames lists the operations the server implements (for --help and tests).
func OpNames() []string {
	names := make([]string, 0, len(ops))
	for n := range ops {
		names = append(names, n)
	}
	return names
}

// lookupOp finds the setting for op: by name, then class, then "*".
func lookupOp[T any](m map[string]T, op string) T {
	if v, ok := m[op]; ok {
		return v
	}
	if v, ok := m[ops[op].class]; ok {
		return v
	}
	return m["*"]
}

// authParams are the query parameters of presigned URLs (V1, V2 and V4): they
// authenticate any operation and ask for nothing else. A request signed in
// its Authorization header has no use for them, so there they are refused
// like any unknown parameter.
var authParams = map[string]bool{
	"OSSAccessKeyId": true, "Expires": true, "Signature": true, "security-token": true,
	"x-oss-signature-version": true, "x-oss-credential": true, "x-oss-date": true, "x-oss-expires": true,
	"x-oss-signature": true, "x-oss-additional-headers": true, "x-oss-security-token": true,
	"x-oss-access-key-id": true,
}

// unrecognizedOp is what the access log calls a request that has the shape
// of no OSS operation.
const unrecognizedOp = "Unrecognized"

// identify names the OSS operation a request asks for, and refuses it
// unless the server implements that operation with every query parameter
// and option header the request carries. The name comes back with the
// refusal, for the access log.
func identify(r *http.Request, bucket, key string) (string, *ossError) {
	if bucket == "" && key != "" { // path-style "//key": a key in no bucket
		return unrecognizedOp, validBucketName(bucket)
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	shape := apiShapeOf(r.Method, targetOf(bucket, key), q, r.Header)
	switch {
	case err != nil: // r.URL.Query() would drop the pair (a bad escape, a ';') and serve the rest
		return shape.opName(), errInvalidArgument("The query string is not valid: %v.", err)
	case shape == nil:
		return unrecognizedOp, notImplemented("No OSS operation is %s %s with the query parameters %q.", r.Method, targetName(bucket, key), queryNames(q))
	}
	return shape.name, implemented(shape, r, q)
}

// implemented refuses a request for an operation the server does not
// implement, or with a query parameter or header its handler would ignore
// where OSS might not (see params.go).
func implemented(shape *apiShape, r *http.Request, q url.Values) *ossError {
	spec, ok := ops[shape.name]
	if !ok {
		return notImplemented("osscopy server does not implement %s.", shape.name)
	}
	presigned := r.Header.Get("Authorization") == ""
	for _, name := range queryNames(q) {
		if !shape.identifies(name) && !(presigned && authParams[name]) && !slices.Contains(strings.Fields(spec.params), name) &&
			!acceptedParam(shape.name, r.Method, name) {
			return notImplemented("osscopy server does not implement the query parameter %q of %s.", name, shape.name)
		}
	}
	return refusedHeader(shape.name, r.Header)
}

func notImplemented(format string, args ...any) *ossError {
	return newErr(http.StatusNotImplemented, "NotImplemented", format, args...)
}

func queryNames(q url.Values) []string {
	return slices.Sorted(maps.Keys(q))
}

func targetName(bucket, key string) string {
	if key == "" {
		return "/" + bucket
	}
	return "/" + bucket + "/" + key
}

// validBucketName follows OSS: 3-63 characters of a-z, 0-9 and '-', starting
// and ending with a letter or digit.
func validBucketName(name string) *ossError {
	ok := len(name) >= 3 && len(name) <= 63 && name[0] != '-' && name[len(name)-1] != '-'
	for i := 0; ok && i < len(name); i++ {
		c := name[i]
		ok = c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-'
	}
	if !ok {
		return newErr(http.StatusBadRequest, "InvalidBucketName",
			"The specified bucket name %q is not valid: use 3 to 63 characters of a-z, 0-9 and '-', starting and ending with a letter or digit.", name)
	}
	return nil
}

// bucketNamePrefix tells whether some valid bucket name begins with
// prefix: OSS refuses ListBuckets with any other prefix (EC 0017-00000290;
// the SDK v1's IsBucketExist test expects an error for "BucketNameInvalid").
func bucketNamePrefix(prefix string) bool {
	if prefix == "" || validBucketName(prefix) == nil {
		return true
	}
	name := prefix + "0" // a name may end in a digit, and not in '-'
	name += strings.Repeat("0", max(0, 3-len(name)))
	return validBucketName(name) == nil
}

// validKey follows OSS: 1-1023 bytes of UTF-8, not starting with '/' or
// '\'. Anything else is a key, control characters and "." or ".." segments
// included: keys live in memory and in the journal's JSON, never in a path.
func validKey(key string) *ossError {
	bad := func(ec, why string) *ossError {
		return newErr(http.StatusBadRequest, "InvalidObjectName", "The specified object name is not valid: %s.", why).withEC(ec)
	}
	switch {
	case len(key) == 0:
		return bad("0016-00000001", "it is empty")
	case len(key) > MaxKeyLength:
		return bad("0016-00000003", "it is longer than 1023 bytes")
	case !utf8.ValidString(key):
		return bad("0016-00000002", "it is not valid UTF-8")
	case key[0] == '/' || key[0] == '\\':
		return bad("0016-00000005", "it starts with '/' or '\\'")
	}
	return nil
}

// headerRefusal is a request header an operation does not honour: the
// request is refused rather than the header ignored.
type headerRefusal struct {
	header string
	status int
	ec     string
}

// Conditional headers: OSS's PutObject refuses them (400 NotImplemented, EC
// 0017-00000245, with the header named). Callbacks: OSS stores the object,
// then calls the callback URL and answers 203 CallbackFailed if that fails;
// this server makes no callbacks, so it refuses them before storing
// anything (501) rather than answer as if one had been made or tried.
var (
	conditionalRefusals = []headerRefusal{
		{"If-Modified-Since", http.StatusBadRequest, "0017-00000245"},
		{"If-Unmodified-Since", http.StatusBadRequest, "0017-00000245"},
		{"If-Match", http.StatusBadRequest, "0017-00000245"},
		{"If-None-Match", http.StatusBadRequest, "0017-00000245"},
	}
	callbackRefusals = []headerRefusal{
		{"x-oss-callback", http.StatusNotImplemented, ""},
		{"x-oss-callback-var", http.StatusNotImplemented, ""},
	}
	refusedHeaders = map[string][]headerRefusal{
		"PutObject":               slices.Concat(conditionalRefusals, callbackRefusals),
		"CompleteMultipartUpload": callbackRefusals,
	}
)

func refusedHeader(op string, h http.Header) *ossError {
	for _, rf := range refusedHeaders[op] {
		if len(h.Values(rf.header)) > 0 {
			e := newErr(rf.status, "NotImplemented", "A header you provided implies functionality that is not implemented.").withEC(rf.ec)
			e.Header = rf.header
			return e
		}
	}
	return nil
}
