package ossserver

import (
	"net/http"
	"strings"
	"testing"
)

// wantAuthError checks that a parser's refusal is an OSS error a client can
// act on: a 4xx with a code.
func wantAuthError(t *testing.T, input string, e *ossError) {
	t.Helper()
	if e.Status < 400 || e.Status > 499 || e.Code == "" {
		t.Fatalf("%q: %d %q, want a 4xx with a code", input, e.Status, e.Code)
	}
}

// FuzzParseV4Authorization checks that parseV4Authorization never panics,
// refuses with a 4xx, and that what it accepts has a complete scope, a
// signature and no empty additional header.
func FuzzParseV4Authorization(f *testing.F) {
	for _, s := range []string{
		"OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,Signature=e21d",
		"OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request, AdditionalHeaders=host;range, Signature=00",
		"OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,AdditionalHeaders=,Signature=00",
		"OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/s3/aliyun_v4_request,Signature=00",
		"OSS4-HMAC-SHA256 Credential=a/b,Signature=", "OSS4-HMAC-SHA256 ", "OSS4-HMAC-SHA256 ,,,==,",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, auth string) {
		a, e := parseV4Authorization(auth)
		if e != nil {
			wantAuthError(t, auth, e)
			return
		}
		if a.signature == "" || a.scope.product != "oss" || strings.Count(a.scope.String(), "/") != 3 {
			t.Fatalf("%q accepted as %+v", auth, a)
		}
		for _, h := range a.additional {
			if h == "" || h != strings.ToLower(h) {
				t.Fatalf("%q accepted additional header %q", auth, h)
			}
		}
	})
}

// FuzzParseV2Authorization checks that parseV2Authorization never panics,
// refuses with a 4xx, and that what it accepts has a key ID, a signature
// and no empty additional header.
func FuzzParseV2Authorization(f *testing.F) {
	for _, s := range []string{
		"OSS2 AccessKeyId:ak,Signature:n7I0=",
		"OSS2 AccessKeyId:ak,AdditionalHeaders:host;range,Signature:n7I0=",
		"OSS2 AccessKeyId:ak,AdditionalHeaders:host;,Signature:s", "OSS2 AccessKeyId:ak,AdditionalHeaders:,Signature:s",
		"OSS2 AccessKeyId:ak,", "OSS2 AccessKeyId:,Signature:s", "OSS2 AccessKeyId:a,Signature:s,UnknownKey:ABC",
		"OSS2 AccessKeyId:a,AccessKeyId:b,Signature:s", "OSS2 ", "OSS2 ,,", "OSS2 ::,::",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, auth string) {
		a, e := parseV2Authorization(auth)
		if e != nil {
			wantAuthError(t, auth, e)
			return
		}
		if a.id == "" || a.signature == "" {
			t.Fatalf("%q accepted as %+v", auth, a)
		}
		for _, h := range a.additional {
			if h == "" || h != strings.ToLower(h) {
				t.Fatalf("%q accepted additional header %q", auth, h)
			}
		}
	})
}

// FuzzPresignQuery checks that the presigned-URL parsers never panic, refuse
// with a 4xx, and that what they accept is within OSS's limits. It also
// checks the canonical strings: a query sent raw and the same query as the
// SDK encodes it sign the same (V1, V2 and V4), and the V4 canonical query
// holds nothing the V4 rules encode.
func FuzzPresignQuery(f *testing.F) {
	for _, s := range []string{
		"x-oss-signature-version=OSS4-HMAC-SHA256&x-oss-credential=ak%2F20231217%2Fcn-hangzhou%2Foss%2Faliyun_v4_request&x-oss-date=20231217T025437Z&x-oss-expires=599&x-oss-signature=a399",
		"x-oss-signature-version=OSS4-HMAC-SHA256&x-oss-credential=a/b/c/oss/aliyun_v4_request&x-oss-date=x&x-oss-expires=0&x-oss-signature=",
		"x-oss-signature-version=OSS2&x-oss-expires=abc&x-oss-additional-headers=host;",
		"x-oss-signature-version=OSS2&x-oss-access-key-id=ak&x-oss-expires=1141889120&x-oss-signature=a8I0%3D&x-oss-additional-headers=host%3Brange",
		"OSSAccessKeyId=ak&Expires=1141889120&Signature=vjby%2B%3D&security-token=t",
		"OSSAccessKeyId=ak&Expires=&Signature=", "Expires=abc", "prefix=a(b)!'*&uploads&%zz=%&a+b=c+d",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		params := decodeQuery(raw)
		if p, e := parseV4Presign(params); e != nil {
			wantAuthError(t, raw, e)
		} else if p.expires <= 0 || p.expires.Seconds() > maxPresignExpires || p.when.IsZero() || p.signature == "" {
			t.Fatalf("%q accepted as %+v", raw, p)
		}
		if p, e := parseV1Presign(params); e != nil {
			wantAuthError(t, raw, e)
		} else if p.expires == "" {
			t.Fatalf("%q accepted without Expires", raw)
		}
		if p, e := parseV2Presign(params); e != nil {
			wantAuthError(t, raw, e)
		} else if p.id == "" || p.signature == "" || p.expires == "" || p.deadline.IsZero() {
			t.Fatalf("%q accepted as %+v", raw, p)
		}
		encoded := decodeQuery(sdkEncodedQuery(raw))
		if a, b := v4CanonicalQuery(params), v4CanonicalQuery(encoded); a != b {
			t.Fatalf("%q signs as %q raw but %q encoded", raw, a, b)
		}
		if a, b := v1Resource("b", "k", params), v1Resource("b", "k", encoded); a != b {
			t.Fatalf("%q signs as %q raw but %q encoded (V1)", raw, a, b)
		}
		if a, b := v2Resource("b", "k", params), v2Resource("b", "k", encoded); a != b || !strings.HasPrefix(a, "%2Fb%2Fk") {
			t.Fatalf("%q signs as %q raw but %q encoded (V2)", raw, a, b)
		}
		for _, c := range v4CanonicalQuery(params) {
			if !strings.ContainsRune("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~%=&", c) {
				t.Fatalf("%q: the V4 canonical query %q holds %q", raw, v4CanonicalQuery(params), c)
			}
		}
		r := &http.Request{Method: http.MethodGet, Header: http.Header{}}
		if got := v4CanonicalRequest(r, "b", "k", params, nil); !strings.HasPrefix(got, "GET\n/b/k\n") {
			t.Fatalf("canonical request %q", got)
		}
	})
}
