package ossclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/url"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/osscopy/osscopy/worker"
)

// throttleCodes are the codes OSS throttles with (its 503 answers, and 429
// for clients and servers that use it).
var throttleCodes = map[string]bool{
	"ActiveRequestLimitExceeded": true, "TotalQpsLimitExceeded": true, "MetaOperationQpsLimitExceeded": true,
	"DownloadTrafficRateLimitExceeded": true, "UploadTrafficRateLimitExceeded": true, "CpuLimitExceeded": true,
	"SlowDown": true,
}

// Classify decides retries by the error's type and code, never its text:
// throttling (429, 503 with a throttling code) waits as Retry-After says;
// other 5xx, 408, timeouts of one attempt, and transport failures (resets,
// EOFs, refused connections) are transient; every other answer of the
// service (403, 404, 412, 400, ...) and anything else is permanent.
func Classify(err error) (worker.Class, time.Duration) {
	var se *oss.ServiceError
	if errors.As(err, &se) {
		switch {
		case se.StatusCode == 429 || se.StatusCode == 503 && throttleCodes[se.Code]:
			return worker.Throttled, time.Duration(retryAfter(se)) * time.Second
		case se.StatusCode >= 500 || se.StatusCode == 408:
			return worker.Transient, 0
		}
		return worker.Permanent, 0
	}
	if errors.Is(err, context.Canceled) {
		return worker.Permanent, 0
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return worker.Transient, 0 // one attempt ran out of time; the copy's own deadline is checked first
	}
	if badTLS(err) {
		return worker.Permanent, 0 // a wrong certificate or endpoint does not heal by retrying
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return worker.Transient, 0
	}
	// A connection cut while the answer's body was read: the SDK wraps the
	// read error (a *net.OpError, or an EOF) in a ClientError, not a *url.Error.
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return worker.Transient, 0
	}
	return worker.Permanent, 0
}

// badTLS reports certificate and TLS protocol failures.
func badTLS(err error) bool {
	var unknownAuthority x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var record tls.RecordHeaderError
	var verification *tls.CertificateVerificationError
	return errors.As(err, &unknownAuthority) || errors.As(err, &hostname) || errors.As(err, &invalid) ||
		errors.As(err, &record) || errors.As(err, &verification)
}

// runFatal are the codes that no object of a run can succeed after: the
// bucket is gone, or the credentials or the clock are wrong.
var runFatal = map[string]bool{
	"NoSuchBucket": true, "InvalidAccessKeyId": true, "SignatureDoesNotMatch": true,
	"SecurityTokenExpired": true, "InvalidSecurityToken": true, "RequestTimeTooSkewed": true, "UserDisable": true,
}

// RunFatal reports whether err means that every request of a bulk run
// would fail as well (AccessDenied is not: a policy may deny one key).
func RunFatal(err error) bool { return runFatal[ErrorCode(err)] }

// ErrorCode is the code OSS answered err with, like AccessDenied; "" when
// err is not an answer of OSS.
func ErrorCode(err error) string {
	var se *oss.ServiceError
	if errors.As(err, &se) {
		return se.Code
	}
	return ""
}
