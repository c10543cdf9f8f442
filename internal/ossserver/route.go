package ossserver

import (
	"net/http"
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
}

// ops maps OSS API names to their specs; identify picks the name.
var ops map[string]opSpec

func init() {
	ops = map[string]opSpec{
		"ListBuckets":             {(*Server).listBuckets, "list", false},
		"ListObjects":             {(*Server).listObjects, "list", false},
		"ListObjectsV2":           {(*Server).listObjects, "list", false},
		"ListMultipartUploads":    {(*Server).listMultipartUploads, "list", false},
		"ListParts":               {(*Server).listParts, "list", false},
		"PutBucket":               {(*Server).putBucket, "bucket", true},
		"DeleteBucket":            {(*Server).deleteBucket, "bucket", false},
		"GetBucketInfo":           {(*Server).getBucketInfo, "bucket", false},
		"GetBucketLocation":       {(*Server).getBucketLocation, "bucket", false},
		"GetBucketAcl":            {(*Server).getBucketACL, "bucket", false},
		"HeadBucket":              {(*Server).headBucket, "bucket", false},
		"PutBucketVersioning":     {(*Server).putBucketVersioning, "bucket", true},
		"GetBucketVersioning":     {(*Server).getBucketVersioning, "bucket", false},
		"GetObject":               {(*Server).getObject, "read", false},
		"HeadObject":              {(*Server).headObject, "read", false},
		"GetObjectMeta":           {(*Server).headObject, "read", false},
		"GetObjectTagging":        {(*Server).getObjectTagging, "read", false},
		"PutObject":               {(*Server).putObject, "write", true},
		"UploadPart":              {(*Server).uploadPart, "write", true},
		"DeleteObject":            {(*Server).deleteObject, "write", false},
		"PutObjectTagging":        {(*Server).putObjectTagging, "write", true},
		"DeleteObjectTagging":     {(*Server).deleteObjectTagging, "write", false},
		"CopyObject":              {(*Server).copyObject, "copy", false},
		"UploadPartCopy":          {(*Server).uploadPartCopy, "copy", false},
		"InitiateMultipartUpload": {(*Server).initiateMultipartUpload, "multipart", false},
		"AbortMultipartUpload":    {(*Server).abortMultipartUpload, "multipart", false},
		"CompleteMultipartUpload": {(*Server).completeMultipartUpload, "multipart", true},
		"ListObjectVersions":      {(*Server).listObjectVersions, "list", false},
		"DeleteMultipleObjects":   {(*Server).deleteMultipleObjects, "write", true},
		"PutBucketAcl":            {(*Server).putBucketACL, "bucket", false},
		"GetObjectAcl":            {(*Server).getObjectACL, "read", false},
		"PutObjectAcl":            {(*Server).putObjectACL, "write", false},
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

// identify names the OSS operation a request asks for.
func identify(r *http.Request, bucket, key string) (string, *ossError) {
	q := r.URL.Query()
	copySource := r.Header.Get("x-oss-copy-source") != ""
	var op string
	switch {
	case bucket == "":
		if key != "" { // path-style "//key": a key in no bucket
			return "", validBucketName(bucket)
		}
		if r.Method == http.MethodGet {
			op = "ListBuckets"
		}
	case key == "":
		op = bucketOp(r.Method, q.Has)
	default:
		op = objectOp(r.Method, q.Has, copySource)
	}
	if op == "" {
		return "", newErr(http.StatusNotImplemented, "NotImplemented",
			"osscopy server does not implement %s %s with sub-resources %q.", r.Method, targetName(bucket, key), subResources(q.Has))
	}
	return op, nil
}

func bucketOp(method string, has func(string) bool) string {
	switch method {
	case http.MethodPut:
		switch {
		case has("versioning"):
			return "PutBucketVersioning"
		case has("acl"):
			return "PutBucketAcl"
		case !anySubResource(has):
			return "PutBucket"
		}
	case http.MethodGet:
		switch {
		case has("bucketInfo"):
			return "GetBucketInfo"
		case has("location"):
			return "GetBucketLocation"
		case has("acl"):
			return "GetBucketAcl"
		case has("versioning"):
			return "GetBucketVersioning"
		case has("uploads"):
			return "ListMultipartUploads"
		case has("versions"):
			return "ListObjectVersions"
		case has("list-type"):
			return "ListObjectsV2"
		case !anySubResource(has):
			return "ListObjects"
		}
	case http.MethodHead:
		if !anySubResource(has) {
			return "HeadBucket"
		}
	case http.MethodDelete:
		if !anySubResource(has) {
			return "DeleteBucket"
		}
	case http.MethodPost:
		if has("delete") {
			return "DeleteMultipleObjects"
		}
	}
	return ""
}

func objectOp(method string, has func(string) bool, copySource bool) string {
	switch method {
	case http.MethodPut:
		switch {
		case has("partNumber") && has("uploadId") && copySource:
			return "UploadPartCopy"
		case has("partNumber") && has("uploadId"):
			return "UploadPart"
		case has("tagging"):
			return "PutObjectTagging"
		case has("acl"):
			return "PutObjectAcl"
		case anySubResource(has):
			return ""
		case copySource:
			return "CopyObject"
		default:
			return "PutObject"
		}
	case http.MethodGet:
		switch {
		case has("tagging"):
			return "GetObjectTagging"
		case has("acl"):
			return "GetObjectAcl"
		case has("uploadId"):
			return "ListParts"
		case !anySubResource(has):
			return "GetObject"
		}
	case http.MethodHead:
		switch {
		case has("objectMeta"):
			return "GetObjectMeta"
		case !anySubResource(has):
			return "HeadObject"
		}
	case http.MethodDelete:
		switch {
		case has("uploadId"):
			return "AbortMultipartUpload"
		case has("tagging"):
			return "DeleteObjectTagging"
		case !anySubResource(has):
			return "DeleteObject"
		}
	case http.MethodPost:
		switch {
		case has("uploads"):
			return "InitiateMultipartUpload"
		case has("uploadId"):
			return "CompleteMultipartUpload"
		}
	}
	return ""
}

// knownSubResources are sub-resources OSS defines that this server does not
// implement: a request naming one gets NotImplemented rather than being
// mistaken for a plain GET or PUT.
var knownSubResources = []string{
	"acl", "append", "symlink", "restore", "cors", "lifecycle", "logging", "website",
	"referer", "policy", "replication", "encryption", "worm", "inventory", "qos",
	"stat", "delete", "versions", "select", "x-oss-process", "objectMeta", "tagging",
	"uploads", "uploadId", "partNumber", "location", "bucketInfo", "versioning",
}

func anySubResource(has func(string) bool) bool {
	for _, s := range knownSubResources {
		if has(s) {
			return true
		}
	}
	return false
}

func subResources(has func(string) bool) []string {
	var out []string
	for _, s := range knownSubResources {
		if has(s) {
			out = append(out, s)
		}
	}
	return out
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

// validKey follows OSS: 1-1023 bytes of UTF-8, not starting with '/' or '\'.
// This server also refuses NUL, other control bytes and "." or ".." path
// segments, which no tool can write to a file system safely.
func validKey(key string) *ossError {
	bad := func(why string) *ossError {
		return newErr(http.StatusBadRequest, "InvalidObjectName", "The specified object name is not valid: %s.", why)
	}
	switch {
	case len(key) == 0:
		return bad("it is empty")
	case len(key) > MaxKeyLength:
		return bad("it is longer than 1023 bytes")
	case !utf8.ValidString(key):
		return bad("it is not valid UTF-8")
	case key[0] == '/' || key[0] == '\\':
		return bad("it starts with '/' or '\\'")
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x20 && key[i] != '\t' || key[i] == 0x7f {
			return bad("it contains a control character")
		}
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "." || seg == ".." {
			return bad(`it contains a "." or ".." path segment`)
		}
	}
	return nil
}
