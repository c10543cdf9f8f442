package ossserver

import (
	"context"
	"crypto/subtle"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/signer"
)

// authenticate checks a request's V4 (OSS4-HMAC-SHA256) or V1 signature by
// signing a copy of it with the SDK's own signer and comparing.
func (s *Server) authenticate(r *http.Request, bucket, key string) *ossError {
	auth := r.Header.Get("Authorization")
	switch {
	case auth == "":
		return newErr(http.StatusForbidden, "AccessDenied",
			"AccessDenied: the request is not signed. Sign it with an access key pair this server knows.").withEC("0003-00000001")
	case strings.HasPrefix(auth, "OSS4-HMAC-SHA256 "):
		return s.verifyV4(r, bucket, key, auth)
	case strings.HasPrefix(auth, "OSS "):
		return s.verifyV1(r, bucket, key, auth)
	}
	return errInvalidArgument("Authorization header %q is neither OSS4-HMAC-SHA256 nor OSS.", truncate(auth, 40))
}

func (s *Server) verifyV4(r *http.Request, bucket, key, auth string) *ossError {
	fields := map[string]string{}
	for _, part := range strings.Split(strings.TrimPrefix(auth, "OSS4-HMAC-SHA256 "), ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		fields[k] = v
	}
	scope := strings.Split(fields["Credential"], "/")
	if len(scope) != 5 || scope[3] != "oss" || scope[4] != "aliyun_v4_request" || fields["Signature"] == "" {
		return errInvalidArgument("Authorization header is malformed: want Credential=AK/DATE/REGION/oss/aliyun_v4_request and Signature.")
	}
	cred, e := s.credential(r, scope[0])
	if e != nil {
		return e
	}
	when, err := time.Parse("20060102T150405Z", r.Header.Get("x-oss-date"))
	if err != nil {
		return errInvalidArgument("x-oss-date %q is not of the form 20060102T150405Z.", r.Header.Get("x-oss-date"))
	}
	if e := s.checkSkew(when); e != nil {
		return e
	}
	if scope[1] != when.Format("20060102") {
		// The signer derives its key from x-oss-date's day, so without this
		// check any day in the credential scope would pass.
		return newErr(http.StatusForbidden, "SignatureDoesNotMatch",
			"The credential scope date %q is not the day of x-oss-date %q.", scope[1], r.Header.Get("x-oss-date")).withEC("0002-00000040")
	}
	if scope[2] != s.cfg.Region {
		return newErr(http.StatusForbidden, "SignatureDoesNotMatch",
			"The request was signed for region %q, but this endpoint is in region %q: set the client's region to %q.", scope[2], s.cfg.Region, s.cfg.Region)
	}
	var additional []string
	if a := fields["AdditionalHeaders"]; a != "" {
		additional = strings.Split(a, ";")
	}
	ctx := s.signingContext(r, bucket, key, cred)
	ctx.Region, ctx.Product = &s.cfg.Region, ptr("oss")
	ctx.AdditionalHeaders = additional
	ctx.Time = when
	if err := (&signer.SignerV4{}).Sign(context.Background(), ctx); err != nil {
		return newErr(500, "InternalError", "verifying the signature: %v", err)
	}
	_, want, _ := strings.Cut(ctx.Request.Header.Get("Authorization"), "Signature=")
	return compareSignature(fields["Signature"], want)
}

func (s *Server) verifyV1(r *http.Request, bucket, key, auth string) *ossError {
	id, sig, ok := strings.Cut(strings.TrimPrefix(auth, "OSS "), ":")
	if !ok {
		return errInvalidArgument("Authorization header is malformed: want OSS AccessKeyId:Signature.")
	}
	cred, e := s.credential(r, id)
	if e != nil {
		return e
	}
	when, err := http.ParseTime(r.Header.Get("Date"))
	if err != nil {
		return newErr(http.StatusForbidden, "AccessDenied", "The Date header %q is missing or not an HTTP date.", r.Header.Get("Date"))
	}
	if e := s.checkSkew(when); e != nil {
		return e
	}
	ctx := s.signingContext(r, bucket, key, cred)
	ctx.Time = when
	if err := (&signer.SignerV1{}).Sign(context.Background(), ctx); err != nil {
		return newErr(500, "InternalError", "verifying the signature: %v", err)
	}
	_, want, _ := strings.Cut(ctx.Request.Header.Get("Authorization"), ":")
	return compareSignature(sig, want)
}

// credential finds the key pair and checks its security token and expiry.
func (s *Server) credential(r *http.Request, id string) (Credential, *ossError) {
	cred, ok := s.creds[id]
	if !ok {
		return cred, newErr(http.StatusForbidden, "InvalidAccessKeyId",
			"The OSS access key ID you provided does not exist in our records: check the access key ID.").withEC("0002-00000902")
	}
	if cred.SecurityToken != "" {
		token := r.Header.Get("x-oss-security-token")
		if subtle.ConstantTimeCompare([]byte(token), []byte(cred.SecurityToken)) != 1 {
			return cred, newErr(http.StatusForbidden, "InvalidSecurityToken", "The security token you provided is not valid.")
		}
		if !cred.Expiration.IsZero() && s.cfg.Now().After(cred.Expiration) {
			return cred, newErr(http.StatusForbidden, "SecurityTokenExpired",
				"The security token you provided has expired: get new temporary credentials.")
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

// signingContext prepares a copy of r for the SDK's signer, which rewrites
// the headers it signs.
func (s *Server) signingContext(r *http.Request, bucket, key string, cred Credential) *signer.SigningContext {
	clone := &http.Request{Method: r.Method, URL: &url.URL{Path: r.URL.Path, RawQuery: r.URL.RawQuery}, Header: r.Header.Clone()}
	clone.Header.Del("Authorization")
	ctx := &signer.SigningContext{Request: clone, Credentials: &credentials.Credentials{
		AccessKeyID: cred.AccessKeyID, AccessKeySecret: cred.AccessKeySecret, SecurityToken: cred.SecurityToken}}
	if bucket != "" {
		ctx.Bucket = &bucket
	}
	if key != "" {
		ctx.Key = &key
	}
	return ctx
}

func compareSignature(got, want string) *ossError {
	if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return newErr(http.StatusForbidden, "SignatureDoesNotMatch",
			"The request signature we calculated does not match the signature you provided: check your access key secret and signing method.").withEC("0002-00000040")
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
