package ossserver

import (
	"crypto/subtle"
	"net/http"
	"strings"
	"time"
)

// authenticate checks a request's signature in whichever form it carries
// one: an Authorization header (V4 OSS4-HMAC-SHA256, V2 OSS2 or V1 OSS) or a
// presigned URL's query string (presign.go).
func (s *Server) authenticate(r *http.Request, bucket, key string) *ossError {
	params := decodeQuery(r.URL.RawQuery)
	auth := r.Header.Get("Authorization")
	version, versioned := paramValue(params, "x-oss-signature-version")
	switch {
	case strings.HasPrefix(auth, "OSS4-HMAC-SHA256 "):
		return s.verifyV4Header(r, bucket, key, auth, params)
	case strings.HasPrefix(auth, "OSS2 "):
		return s.verifyV2Header(r, bucket, key, auth, params)
	case strings.HasPrefix(auth, "OSS "):
		return s.verifyV1Header(r, bucket, key, auth, params)
	case auth != "":
		return errInvalidArgument("Authorization header %q is none of OSS4-HMAC-SHA256, OSS2 and OSS.", truncate(auth, 40)).withEC("0002-00000061")
	case versioned && version == "OSS2":
		return s.verifyV2Query(r, bucket, key, params)
	case versioned:
		return s.verifyV4Query(r, bucket, key, params)
	case hasParam(params, "OSSAccessKeyId") || hasParam(params, "Signature"):
		return s.verifyV1Query(r, bucket, key, params)
	}
	return newErr(http.StatusForbidden, "AccessDenied",
		"You have no right to access this object because of bucket acl.").withEC("0003-00000001")
}

// checkBucketExists answers NoSuchBucket for a request to a bucket that does
// not exist before any signature check, as OSS does: the SDK v2's own tests
// expect NoSuchBucket, not InvalidAccessKeyId, from a client with an unknown
// key. PutBucket is the one operation on a bucket that is not there yet.
func (s *Server) checkBucketExists(op, bucket string) *ossError {
	if region, ok := s.cfg.Elsewhere[bucket]; ok {
		return errWrongEndpoint(bucket, region)
	}
	if bucket == "" || op == "PutBucket" {
		return nil
	}
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	_, e := s.bucket(bucket)
	return e
}

func (s *Server) verifyV4Header(r *http.Request, bucket, key, auth string, params []queryParam) *ossError {
	a, e := parseV4Authorization(auth)
	if e != nil {
		return e
	}
	cred, e := s.credential(a.scope.id, r.Header.Get("x-oss-security-token"))
	if e != nil {
		return e
	}
	timestamp, when, e := requestTime(r.Header)
	if e != nil {
		return e
	}
	if e := s.checkSkew(when); e != nil {
		return e
	}
	return s.verifyV4(r, bucket, key, cred, a, timestamp, when, params, v4HeaderAdditionalECs.missing)
}

// verifyV4 checks a parsed V4 signature: its scope, its additional headers
// and the signature itself. timestamp is the signing time as sent; params are
// the query's parameters without the signature.
func (s *Server) verifyV4(r *http.Request, bucket, key string, cred Credential, a v4Auth, timestamp string, when time.Time, params []queryParam, missingHeaderEC string) *ossError {
	if a.scope.day != when.UTC().Format("20060102") {
		// The signing key derives from the scope's day, so without this
		// check any day in the credential scope would pass.
		return newErr(http.StatusForbidden, "SignatureDoesNotMatch",
			"The credential scope date %q is not the day of the signing time %q.", a.scope.day, timestamp).withEC("0002-00000040")
	}
	if a.scope.region != s.cfg.Region {
		return errSigningRegion()
	}
	if e := checkAdditionalHeaders(r, a.additional, missingHeaderEC); e != nil {
		return e
	}
	want := v4Signature(cred.AccessKeySecret, a.scope, timestamp, v4CanonicalRequest(r, bucket, key, params, a.additional))
	return compareSignature(a.signature, want)
}

func (s *Server) verifyV1Header(r *http.Request, bucket, key, auth string, params []queryParam) *ossError {
	id, sig, ok := strings.Cut(strings.TrimPrefix(auth, "OSS "), ":")
	if !ok {
		return errInvalidArgument("Authorization header is malformed: want OSS AccessKeyId:Signature.")
	}
	cred, e := s.credential(id, r.Header.Get("x-oss-security-token"))
	if e != nil {
		return e
	}
	date, e := s.headerDateLine(r)
	if e != nil {
		return e
	}
	return compareSignature(sig, v1Signature(cred.AccessKeySecret, v1StringToSign(r, date, v1Resource(bucket, key, params))))
}

func (s *Server) verifyV2Header(r *http.Request, bucket, key, auth string, params []queryParam) *ossError {
	a, e := parseV2Authorization(auth)
	if e != nil {
		return e
	}
	cred, e := s.credential(a.id, r.Header.Get("x-oss-security-token"))
	if e != nil {
		return e
	}
	date, e := s.headerDateLine(r)
	if e != nil {
		return e
	}
	return verifyV2(r, bucket, key, cred, a, date, params, v2HeaderAdditionalECs.missing)
}

// verifyV2 checks a parsed V2 signature: its additional headers and the
// signature itself. date is the string to sign's date line; params are the
// query's parameters without the signature.
func verifyV2(r *http.Request, bucket, key string, cred Credential, a v2Auth, date string, params []queryParam, missingHeaderEC string) *ossError {
	if e := checkAdditionalHeaders(r, a.additional, missingHeaderEC); e != nil {
		return e
	}
	want := v2Signature(cred.AccessKeySecret, v2StringToSign(r, date, a.additional, v2Resource(bucket, key, params)))
	return compareSignature(a.signature, want)
}

// checkAdditionalHeaders refuses a signature whose additional headers the
// request does not carry, or that name a header with '_', as OSS does.
func checkAdditionalHeaders(r *http.Request, additional []string, missingEC string) *ossError {
	for _, h := range additional {
		if strings.Contains(h, "_") || len(headerValues(r, h)) == 0 {
			return errInvalidArgument("The additional header %q the signature covers is not in the request.", truncate(h, 40)).withEC(missingEC)
		}
	}
	return nil
}

// headerDateLine checks the signing time of a V1 or V2 header-signed request
// and returns the string to sign's date line: the Date header, or when
// there is none the x-oss-date header, as ali-oss signs V1.
func (s *Server) headerDateLine(r *http.Request) (string, *ossError) {
	ossDate, when, e := requestTime(r.Header)
	if e != nil {
		return "", e
	}
	if e := s.checkSkew(when); e != nil {
		return "", e
	}
	if date := r.Header.Get("Date"); date != "" {
		return date, nil
	}
	return ossDate, nil
}

// requestTime is the signing time of a header-signed request: x-oss-date
// when present (ISO 8601 as V4 clients send it, or an HTTP date as ali-oss
// sends it with V1), else Date. raw is the header's value as sent, which is
// what V4 signs (the SDK v1 signs V4 requests with Date alone).
func requestTime(h http.Header) (raw string, when time.Time, e *ossError) {
	raw = h.Get("x-oss-date")
	if raw == "" {
		raw = h.Get("Date")
	}
	if raw == "" {
		return "", time.Time{}, errNoDate("0002-00000503")
	}
	if when, err := time.Parse(iso8601Basic, raw); err == nil {
		return raw, when, nil
	}
	if when, err := http.ParseTime(raw); err == nil {
		return raw, when, nil
	}
	return "", time.Time{}, errNoDate("0002-00000502")
}

const iso8601Basic = "20060102T150405Z"

// credential finds the key pair and checks the security token the request
// carries against it, and its expiry.
func (s *Server) credential(id, token string) (Credential, *ossError) {
	cred, ok := s.creds[id]
	if !ok {
		return cred, newErr(http.StatusForbidden, "InvalidAccessKeyId",
			"The OSS Access Key Id you provided does not exist in our records.").withEC("0002-00000902")
	}
	if cred.SecurityToken != "" {
		if subtle.ConstantTimeCompare([]byte(token), []byte(cred.SecurityToken)) != 1 {
			return cred, newErr(http.StatusForbidden, "InvalidSecurityToken", "The security token you provided is not valid.")
		}
		if !cred.Expiration.IsZero() && s.cfg.Now().After(cred.Expiration) {
			return cred, newErr(http.StatusForbidden, "SecurityTokenExpired",
				"The security token you provided has expired: get new temporary credentials.").withEC("0002-00000007")
		}
	}
	return cred, nil
}

func (s *Server) checkSkew(when time.Time) *ossError {
	if d := s.cfg.Now().Sub(when); d > maxClockSkew || d < -maxClockSkew {
		return newErr(http.StatusForbidden, "RequestTimeTooSkewed",
			"The difference between the request time and the server's time is too large: check the client's clock.")
	}
	return nil
}

func compareSignature(got, want string) *ossError {
	if subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return newErr(http.StatusForbidden, "SignatureDoesNotMatch",
			"The request signature we calculated does not match the signature you provided. Check your key and signing method.").withEC("0002-00000040")
	}
	return nil
}

// errNoDate is OSS's answer to a signed request without a usable date.
func errNoDate(ec string) *ossError {
	return newErr(http.StatusForbidden, "AccessDenied", "OSS authentication requires a valid Date.").withEC(ec)
}

func ptr[T any](v T) *T { return &v }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
