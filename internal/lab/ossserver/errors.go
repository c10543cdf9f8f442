package ossserver

import (
	"fmt"
	"net/http"
)

// ossError is an error answer in OSS's form.
type ossError struct {
	Status  int
	Code    string
	Message string
	EC      string
	Header  string // the request header an error is about, when it is about one
	// Bucket and Endpoint name, for a request sent to the wrong endpoint,
	// the bucket and the endpoint that serves it.
	Bucket, Endpoint string
	// headers go on the error answer as response headers.
	headers http.Header
}

func (e *ossError) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

func newErr(status int, code, format string, args ...any) *ossError {
	return &ossError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

func (e *ossError) withEC(ec string) *ossError { e.EC = ec; return e }

// withHeader adds a response header to the error answer.
func (e *ossError) withHeader(name, value string) *ossError {
	if e.headers == nil {
		e.headers = http.Header{}
	}
	e.headers.Set(name, value)
	return e
}

// The messages of the "no such" errors are OSS's own words: the SDKs' tests
// compare them.

func errNoSuchBucket() *ossError {
	return newErr(http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist.").withEC("0015-00000101")
}

func errNoSuchKey() *ossError {
	return newErr(http.StatusNotFound, "NoSuchKey", "The specified key does not exist.").withEC("0026-00000001")
}

// noSuchUploadEC is the EC OSS gives NoSuchUpload in each operation, as the
// SDK v2's integration tests assert it (UploadPart, UploadPartCopy,
// AbortMultipartUpload, ListParts). OSS's page for 0042-00000002 names it
// for AbortMultipartUpload "and other multipart requests", so
// CompleteMultipartUpload gets it too.
var noSuchUploadEC = map[string]string{"UploadPart": "0042-00000104", "UploadPartCopy": "0042-00000311"}

func errNoSuchUpload(op string) *ossError {
	ec, ok := noSuchUploadEC[op]
	if !ok {
		ec = "0042-00000002"
	}
	return newErr(http.StatusNotFound, "NoSuchUpload",
		"The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.").withEC(ec)
}

func errInvalidArgument(format string, args ...any) *ossError {
	return newErr(http.StatusBadRequest, "InvalidArgument", format, args...)
}

func errPrecondition(format string, args ...any) *ossError {
	return newErr(http.StatusPreconditionFailed, "PreconditionFailed", format, args...)
}

// errNotModified has no body on the wire; the SDK still sees status 304.
var errNotModified = &ossError{Status: http.StatusNotModified, Code: "NotModified", Message: "The source was not modified."}

// errMalformedXML is OSS's answer to a request body that is not the XML the
// operation takes; like OSS, it does not say what is wrong with it.
func errMalformedXML() *ossError {
	return newErr(http.StatusBadRequest, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema.")
}

// errSigningRegion is OSS's answer to a V4 signature for a region other
// than the endpoint's: 400 InvalidArgument with EC 0002-00000226 (OSS's
// page for that EC: the region in the credential does not match the Host's).
func errSigningRegion() *ossError {
	return errInvalidArgument("Invalid signing region in Authorization header.").withEC("0002-00000226")
}

// errWrongEndpoint is OSS's answer to a request for a bucket of another
// region (EC 0003-00000001): 403 AccessDenied naming the bucket and the
// endpoint to send it to.
func errWrongEndpoint(bucket, region string) *ossError {
	e := newErr(http.StatusForbidden, "AccessDenied",
		"The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.").withEC("0003-00000001")
	e.Bucket, e.Endpoint = bucket, ossEndpoint(region)
	return e
}

// ossEndpoint is the public endpoint of an OSS region.
func ossEndpoint(region string) string { return "oss-" + region + ".aliyuncs.com" }
