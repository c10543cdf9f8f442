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
}

func (e *ossError) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

func newErr(status int, code, format string, args ...any) *ossError {
	return &ossError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

func (e *ossError) withEC(ec string) *ossError { e.EC = ec; return e }

func errNoSuchBucket(bucket string) *ossError {
	return newErr(http.StatusNotFound, "NoSuchBucket", "The specified bucket %q does not exist.", bucket).withEC("0015-00000101")
}

func errNoSuchKey(key string) *ossError {
	return newErr(http.StatusNotFound, "NoSuchKey", "The specified key does not exist.").withEC("0026-00000001")
}

func errNoSuchUpload() *ossError {
	return newErr(http.StatusNotFound, "NoSuchUpload",
		"The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.").withEC("0042-00000311")
}

func errInvalidArgument(format string, args ...any) *ossError {
	return newErr(http.StatusBadRequest, "InvalidArgument", format, args...)
}

func errPrecondition(format string, args ...any) *ossError {
	return newErr(http.StatusPreconditionFailed, "PreconditionFailed", format, args...)
}

// errNotModified has no body on the wire; the SDK still sees status 304.
var errNotModified = &ossError{Status: http.StatusNotModified, Code: "NotModified", Message: "The source was not modified."}

func errMalformedXML(err error) *ossError {
	return newErr(http.StatusBadRequest, "MalformedXML", "The XML you provided was not well-formed or did not validate: %v", err)
}
