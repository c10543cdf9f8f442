package ossserver

import (
	"net/http"
	"time"
)

// Presigned URLs (query-string authentication) carry their signature in
// these query parameters, which are neither sub-resources nor operations:
// V1 OSSAccessKeyId, Expires, Signature and security-token; V2
// x-oss-signature-version=OSS2, x-oss-access-key-id, x-oss-expires,
// x-oss-signature, x-oss-additional-headers and security-token; V4
// x-oss-signature-version, x-oss-credential, x-oss-date, x-oss-expires,
// x-oss-signature, x-oss-additional-headers and x-oss-security-token.
// Everything else a presigned request carries (method, headers, other
// parameters) is signed as in the header forms.

func (s *Server) verifyV4Query(r *http.Request, bucket, key string, params []queryParam) *ossError {
	p, e := parseV4Presign(params)
	if e != nil {
		return e
	}
	token, _ := paramValue(params, "x-oss-security-token")
	cred, e := s.credential(p.scope.id, token)
	if e != nil {
		return e
	}
	now := s.cfg.Now()
	if now.Before(p.when.Add(-maxClockSkew)) {
		return newErr(http.StatusForbidden, "AccessDenied", "Request is not valid yet: x-oss-date %q is in the future.", p.date).withEC("0002-00000235")
	}
	if now.After(p.when.Add(p.expires)) {
		return errExpired("0002-00000236")
	}
	return s.verifyV4(r, bucket, key, cred, p.v4Auth, p.date, p.when, withoutParam(params, "x-oss-signature"), presignAdditionalECs.missing)
}

func (s *Server) verifyV1Query(r *http.Request, bucket, key string, params []queryParam) *ossError {
	p, e := parseV1Presign(params)
	if e != nil {
		return e
	}
	cred, e := s.presignedCredential(p.id, p.deadline, params)
	if e != nil {
		return e
	}
	// The signed resource leaves out OSSAccessKeyId, Expires and Signature:
	// they are not sub-resources. security-token is one.
	want := v1Signature(cred.AccessKeySecret, v1StringToSign(r, p.expires, v1Resource(bucket, key, params)))
	return compareSignature(p.signature, want)
}

func (s *Server) verifyV2Query(r *http.Request, bucket, key string, params []queryParam) *ossError {
	p, e := parseV2Presign(params)
	if e != nil {
		return e
	}
	cred, e := s.presignedCredential(p.id, p.deadline, params)
	if e != nil {
		return e
	}
	// The signed resource has every parameter but the signature itself.
	return verifyV2(r, bucket, key, cred, p.v2Auth, p.expires, withoutParam(params, "x-oss-signature"), presignAdditionalECs.missing)
}

// errExpired is OSS's answer to a presigned URL used after it expired.
func errExpired(ec string) *ossError {
	return newErr(http.StatusForbidden, "AccessDenied", "Request has expired.").withEC(ec)
}

// presignedCredential finds the key pair of a V1 or V2 presigned URL, with
// the security token it carries, and refuses the URL once its deadline
// has passed.
func (s *Server) presignedCredential(id string, deadline time.Time, params []queryParam) (Credential, *ossError) {
	token, _ := paramValue(params, "security-token")
	cred, e := s.credential(id, token)
	if e != nil {
		return cred, e
	}
	if s.cfg.Now().After(deadline) {
		return cred, errExpired("0002-00000069")
	}
	return cred, nil
}
