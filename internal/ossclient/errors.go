package ossclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/osscopy/osscopy/internal/osserr"
)

// request names a request for its error: the operation and what it named.
type request struct {
	op          string
	bucket, key string
	part        int32
}

// fail turns the error a request ended with into an *osserr.Error: the
// only place that reads the SDK's errors. nil stays nil.
func (r request) fail(err error) error {
	if err == nil {
		return nil
	}
	if e, ok := osserr.As(err); ok {
		return e // made here already (an answer that is not OSS's)
	}
	e := &osserr.Error{Op: r.op, Bucket: r.bucket, Key: r.key, Part: r.part, Err: err}
	var de *oss.DeserializationError
	if errors.As(err, &de) {
		// The SDK could not read the answer as the XML it expected.
		e.Err = said("an answer that is not OSS's XML ("+excerpt(de.Snapshot)+")", err)
		e.Class, e.EndsRun, e.Hint = osserr.Permanent, true, notOSSHint
		return e
	}
	var se *oss.ServiceError
	if errors.As(err, &se) {
		e.Status, e.Code, e.Message, e.EC, e.RequestID = se.StatusCode, se.Code, se.Message, se.EC, se.RequestID
		e.Class, e.RetryAfter = classifyAnswer(se)
		e.EndsRun = endsRun[e.Code]
		return e
	}
	e.Class = classifyFailure(err)
	var ue *url.Error
	if errors.As(err, &ue) {
		// The transport's own words (the method, the URL, what failed),
		// without the SDK's wrapping around them.
		e.Err = ue
	}
	return e
}

// throttleCodes are the codes OSS throttles with (its 503 answers, and 429
// for clients and servers that use it).
var throttleCodes = map[string]bool{
	"ActiveRequestLimitExceeded": true, "TotalQpsLimitExceeded": true, "MetaOperationQpsLimitExceeded": true,
	"DownloadTrafficRateLimitExceeded": true, "UploadTrafficRateLimitExceeded": true, "CpuLimitExceeded": true,
	"SlowDown": true,
}

// classifyAnswer decides retries of an answer by its status and code:
// throttling (429, 503 with a throttling code) waits as Retry-After says;
// other 5xx and 408 are transient; every other answer (403, 404, 412,
// 400, ...) is permanent.
func classifyAnswer(se *oss.ServiceError) (osserr.Class, time.Duration) {
	switch {
	case se.StatusCode == http.StatusTooManyRequests || se.StatusCode == http.StatusServiceUnavailable && throttleCodes[se.Code]:
		return osserr.Throttled, retryAfter(se.Headers)
	case se.StatusCode >= 500 || se.StatusCode == http.StatusRequestTimeout:
		return osserr.Transient, 0
	}
	return osserr.Permanent, 0
}

// classifyFailure decides retries of a request that got no answer, by the
// error's type: timeouts of one attempt and transport failures (resets,
// EOFs, refused connections) are transient; a cancelled context, a header
// no request can carry, a bad certificate and anything else are permanent.
func classifyFailure(err error) osserr.Class {
	var badHeader *invalidHeaderError
	switch {
	case errors.Is(err, context.Canceled):
		return osserr.Permanent
	case errors.As(err, &badHeader):
		return osserr.Permanent // every attempt would carry it again
	case errors.Is(err, context.DeadlineExceeded):
		return osserr.Transient // one attempt ran out of time; the copy's own deadline is checked first
	case badTLS(err):
		return osserr.Permanent // a wrong certificate or endpoint does not heal by retrying
	}
	// A connection cut while the answer's body was read: the SDK wraps the
	// read error (a *net.OpError, or an EOF) in a ClientError, not a *url.Error.
	var ue *url.Error
	var ne net.Error
	if errors.As(err, &ue) || errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return osserr.Transient
	}
	return osserr.Permanent
}

// badTLS reports certificate and TLS protocol failures, and a plain HTTP
// server given as https.
func badTLS(err error) bool {
	var unknownAuthority x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var record tls.RecordHeaderError
	var verification *tls.CertificateVerificationError
	return errors.As(err, &unknownAuthority) || errors.As(err, &hostname) || errors.As(err, &invalid) ||
		errors.As(err, &record) || errors.As(err, &verification) || errors.Is(err, http.ErrSchemeMismatch)
}

// endsRun are the codes that no request of a run can succeed after: the
// bucket is gone, or the credentials or the clock are wrong (AccessDenied
// is not: a policy may deny one key).
var endsRun = map[string]bool{
	"NoSuchBucket": true, "InvalidAccessKeyId": true, "SignatureDoesNotMatch": true,
	"SecurityTokenExpired": true, "InvalidSecurityToken": true, "RequestTimeTooSkewed": true, "UserDisable": true,
}

// retryAfter reads a Retry-After header in seconds.
func retryAfter(h http.Header) time.Duration {
	n, err := strconv.Atoi(strings.TrimSpace(h.Get("Retry-After")))
	if err != nil || n < 0 {
		return 0
	}
	return time.Duration(n) * time.Second
}
