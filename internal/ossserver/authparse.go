package ossserver

import (
	"strconv"
	"strings"
	"time"
)

// v4Scope is a V4 credential: AccessKeyId/day/region/product/aliyun_v4_request.
type v4Scope struct{ id, day, region, product string }

// String is the scope as the string to sign carries it (without the key ID).
func (sc v4Scope) String() string {
	return sc.day + "/" + sc.region + "/" + sc.product + "/aliyun_v4_request"
}

// v4Auth is a V4 signature as a header or a presigned URL carries it.
type v4Auth struct {
	scope      v4Scope
	additional []string // lower-case names of the additional signed headers, as listed
	signature  string
}

// parseV4Scope reads a credential. OSS is the only product this server is.
func parseV4Scope(credential string) (v4Scope, *ossError) {
	parts := strings.Split(credential, "/")
	if len(parts) != 5 || parts[3] != "oss" || parts[4] != "aliyun_v4_request" {
		return v4Scope{}, errInvalidArgument("The credential %q is malformed: want AccessKeyId/DATE/REGION/oss/aliyun_v4_request.", truncate(credential, 80)).withEC("0002-00000223")
	}
	return v4Scope{id: parts[0], day: parts[1], region: parts[2], product: parts[3]}, nil
}

// parseAdditionalHeaders reads "host;range": lower-case names separated by
// semicolons, none of them empty.
func parseAdditionalHeaders(list, emptyEC string) ([]string, *ossError) {
	names := strings.Split(strings.ToLower(list), ";")
	for _, n := range names {
		if n == "" {
			return nil, errInvalidArgument("The additional headers %q name an empty header.", truncate(list, 80)).withEC(emptyEC)
		}
	}
	return names, nil
}

// parseV4Authorization reads an Authorization header of the form
// "OSS4-HMAC-SHA256 Credential=...,AdditionalHeaders=...,Signature=...".
func parseV4Authorization(auth string) (v4Auth, *ossError) {
	fields := map[string]string{}
	for _, part := range strings.Split(strings.TrimPrefix(auth, "OSS4-HMAC-SHA256 "), ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		fields[k] = v
	}
	scope, e := parseV4Scope(fields["Credential"])
	if e != nil {
		return v4Auth{}, e
	}
	a := v4Auth{scope: scope, signature: fields["Signature"]}
	if a.signature == "" {
		return v4Auth{}, errInvalidArgument("The Authorization header has no Signature.").withEC("0002-00000208")
	}
	if list, ok := fields["AdditionalHeaders"]; ok {
		if a.additional, e = parseAdditionalHeaders(list, "0002-00000210"); e != nil {
			return v4Auth{}, e
		}
	}
	return a, nil
}

// v4Presign is a V4 presigned URL's signature and validity.
type v4Presign struct {
	v4Auth
	date    string // x-oss-date as sent: the signing time the signature covers
	when    time.Time
	expires time.Duration
}

// maxPresignExpires is the longest validity in seconds OSS accepts for a V4
// presigned URL: seven days.
const maxPresignExpires = 7 * 24 * 60 * 60

// parseV4Presign reads a V4 presigned URL's parameters (x-oss-signature-
// version, -credential, -date, -expires, -signature and optionally
// -additional-headers).
func parseV4Presign(params []queryParam) (v4Presign, *ossError) {
	if v, _ := paramValue(params, "x-oss-signature-version"); v != "OSS4-HMAC-SHA256" {
		return v4Presign{}, errInvalidArgument("x-oss-signature-version %q is not supported: use OSS4-HMAC-SHA256.", truncate(v, 40))
	}
	credential, _ := paramValue(params, "x-oss-credential")
	scope, e := parseV4Scope(credential)
	if e != nil {
		return v4Presign{}, e
	}
	p := v4Presign{v4Auth: v4Auth{scope: scope}}
	var ok bool
	switch p.signature, ok = paramValue(params, "x-oss-signature"); {
	case !ok:
		return v4Presign{}, errInvalidArgument("The presigned URL has no x-oss-signature.").withEC("0002-00000219")
	case p.signature == "":
		return v4Presign{}, errInvalidArgument("The presigned URL's x-oss-signature is empty.").withEC("0002-00000220")
	}
	p.date, _ = paramValue(params, "x-oss-date")
	var err error
	if p.when, err = time.Parse(iso8601Basic, p.date); err != nil {
		return v4Presign{}, errNoDate("0002-00000502")
	}
	expires, ok := paramValue(params, "x-oss-expires")
	if !ok {
		return v4Presign{}, errInvalidArgument("The presigned URL has no x-oss-expires.").withEC("0002-00000215")
	}
	seconds, err := strconv.ParseInt(expires, 10, 64)
	if err != nil || seconds < 1 || seconds > maxPresignExpires {
		return v4Presign{}, errInvalidArgument("x-oss-expires %q is not a number of seconds from 1 to %d.", truncate(expires, 40), maxPresignExpires).withEC("0002-00000232")
	}
	p.expires = time.Duration(seconds) * time.Second
	if list, ok := paramValue(params, "x-oss-additional-headers"); ok {
		if p.additional, e = parseAdditionalHeaders(list, "0002-00000076"); e != nil {
			return v4Presign{}, e
		}
	}
	return p, nil
}

// v1Presign is a V1 presigned URL's signature and expiry.
type v1Presign struct {
	id, signature string
	expires       string // as sent: the string to sign's date line
	deadline      time.Time
}

// parseV1Presign reads a V1 presigned URL's OSSAccessKeyId, Expires (a Unix
// time) and Signature.
func parseV1Presign(params []queryParam) (v1Presign, *ossError) {
	var p v1Presign
	p.id, _ = paramValue(params, "OSSAccessKeyId")
	p.signature, _ = paramValue(params, "Signature")
	expires, ok := paramValue(params, "Expires")
	switch {
	case !ok:
		return v1Presign{}, errInvalidArgument("The presigned URL has no Expires.").withEC("0002-00000067")
	case expires == "":
		return v1Presign{}, errInvalidArgument("The presigned URL's Expires is empty.").withEC("0002-00000068")
	}
	unix, err := strconv.ParseInt(expires, 10, 64)
	if err != nil {
		return v1Presign{}, errInvalidArgument("Expires %q is not a Unix time.", truncate(expires, 40)).withEC("0002-00000070")
	}
	p.expires, p.deadline = expires, time.Unix(unix, 0)
	return p, nil
}
