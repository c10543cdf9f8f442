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

// additionalHeaderECs are the ECs OSS gives a list of additional headers
// that is empty, that names an empty header, or that names a header the
// request lacks; they depend on where the list is.
type additionalHeaderECs struct{ empty, emptyName, missing string }

var (
	v4HeaderAdditionalECs = additionalHeaderECs{"0002-00000209", "0002-00000210", "0002-00000211"}
	v2HeaderAdditionalECs = additionalHeaderECs{"0002-00000110", "0002-00000111", "0002-00000112"}
	presignAdditionalECs  = additionalHeaderECs{"0002-00000076", "0002-00000077", "0002-00000078"}
)

// parseAdditionalHeaders reads "host;range": lower-case names separated by
// semicolons, none of them empty.
func parseAdditionalHeaders(list string, ecs additionalHeaderECs) ([]string, *ossError) {
	if list == "" {
		return nil, errInvalidArgument("The list of additional headers is empty: leave it out instead.").withEC(ecs.empty)
	}
	names := strings.Split(strings.ToLower(list), ";")
	for _, n := range names {
		if n == "" {
			return nil, errInvalidArgument("The additional headers %q name an empty header.", truncate(list, 80)).withEC(ecs.emptyName)
		}
	}
	return names, nil
}

// required returns a signature field's value, or OSS's error when it is
// absent (missingEC) or empty (emptyEC); what names the field.
func required(value string, present bool, what, missingEC, emptyEC string) (string, *ossError) {
	switch {
	case !present:
		return "", errInvalidArgument("%s is missing.", what).withEC(missingEC)
	case value == "":
		return "", errInvalidArgument("%s is empty.", what).withEC(emptyEC)
	}
	return value, nil
}

// requiredParam is required for a presigned URL's query parameter.
func requiredParam(params []queryParam, name, missingEC, emptyEC string) (string, *ossError) {
	v, ok := paramValue(params, name)
	return required(v, ok, "The presigned URL's "+name, missingEC, emptyEC)
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
		if a.additional, e = parseAdditionalHeaders(list, v4HeaderAdditionalECs); e != nil {
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
		return v4Presign{}, errInvalidArgument("x-oss-signature-version %q is not supported: use OSS4-HMAC-SHA256 or OSS2.", truncate(v, 40)).withEC("0002-00000066")
	}
	credential, _ := paramValue(params, "x-oss-credential")
	scope, e := parseV4Scope(credential)
	if e != nil {
		return v4Presign{}, e
	}
	p := v4Presign{v4Auth: v4Auth{scope: scope}}
	if p.signature, e = requiredParam(params, "x-oss-signature", "0002-00000219", "0002-00000220"); e != nil {
		return v4Presign{}, e
	}
	p.date, _ = paramValue(params, "x-oss-date")
	var err error
	if p.when, err = time.Parse(iso8601Basic, p.date); err != nil {
		return v4Presign{}, errNoDate("0002-00000502")
	}
	expires, e := requiredParam(params, "x-oss-expires", "0002-00000215", "0002-00000216")
	if e != nil {
		return v4Presign{}, e
	}
	seconds, err := strconv.ParseInt(expires, 10, 64)
	if err != nil || seconds < 1 || seconds > maxPresignExpires {
		return v4Presign{}, errInvalidArgument("x-oss-expires %q is not a number of seconds from 1 to %d.", truncate(expires, 40), maxPresignExpires).withEC("0002-00000232")
	}
	p.expires = time.Duration(seconds) * time.Second
	if list, ok := paramValue(params, "x-oss-additional-headers"); ok {
		if p.additional, e = parseAdditionalHeaders(list, presignAdditionalECs); e != nil {
			return v4Presign{}, e
		}
	}
	return p, nil
}

// unixExpiry is when a V1 or V2 presigned URL expires: a Unix time.
type unixExpiry struct {
	expires  string // as sent: the string to sign's date line
	deadline time.Time
}

func parseUnixExpiry(params []queryParam, name, missingEC, emptyEC string) (unixExpiry, *ossError) {
	expires, e := requiredParam(params, name, missingEC, emptyEC)
	if e != nil {
		return unixExpiry{}, e
	}
	unix, err := strconv.ParseInt(expires, 10, 64)
	if err != nil {
		return unixExpiry{}, errInvalidArgument("%s %q is not a Unix time.", name, truncate(expires, 40)).withEC("0002-00000070")
	}
	return unixExpiry{expires, time.Unix(unix, 0)}, nil
}

// v1Presign is a V1 presigned URL's signature and expiry.
type v1Presign struct {
	id, signature string
	unixExpiry
}

// parseV1Presign reads a V1 presigned URL's OSSAccessKeyId, Expires and
// Signature.
func parseV1Presign(params []queryParam) (v1Presign, *ossError) {
	var p v1Presign
	p.id, _ = paramValue(params, "OSSAccessKeyId")
	p.signature, _ = paramValue(params, "Signature")
	var e *ossError
	p.unixExpiry, e = parseUnixExpiry(params, "Expires", "0002-00000067", "0002-00000068")
	return p, e
}

// v2Auth is a V2 signature as an Authorization header or a presigned URL
// carries it.
type v2Auth struct {
	id         string
	additional []string // lower-case names of the additional signed headers, as listed
	signature  string
}

// v2AuthFields are the fields of a V2 Authorization header, AdditionalHeaders
// the optional one.
var v2AuthFields = toSet("AccessKeyId", "AdditionalHeaders", "Signature")

// parseV2Authorization reads an Authorization header of the form
// "OSS2 AccessKeyId:ID[,AdditionalHeaders:NAMES],Signature:SIGNATURE".
func parseV2Authorization(auth string) (v2Auth, *ossError) {
	malformed := errInvalidArgument("The Authorization header %q is malformed: want OSS2 AccessKeyId:ID[,AdditionalHeaders:NAMES],Signature:SIGNATURE.",
		truncate(auth, 80)).withEC("0002-00000102")
	pairs := strings.Split(strings.TrimPrefix(auth, "OSS2 "), ",")
	if len(pairs) < 2 || len(pairs) > 3 {
		return v2Auth{}, malformed
	}
	fields := map[string]string{}
	for _, pair := range pairs {
		pair = strings.TrimSpace(pair)
		name, value, ok := strings.Cut(pair, ":")
		_, seen := fields[name]
		switch {
		case pair == "" || seen:
			return v2Auth{}, malformed
		case !ok:
			return v2Auth{}, errInvalidArgument("The Authorization header's field %q has no ':'.", truncate(pair, 40)).withEC("0002-00000103")
		case !v2AuthFields[name]:
			return v2Auth{}, errInvalidArgument("The Authorization header has the unknown field %q.", truncate(name, 40)).withEC("0002-00000104")
		}
		fields[name] = value
	}
	var a v2Auth
	var e *ossError
	id, ok := fields["AccessKeyId"]
	if a.id, e = required(id, ok, "The Authorization header's AccessKeyId", "0002-00000105", "0002-00000106"); e != nil {
		return v2Auth{}, e
	}
	signature, ok := fields["Signature"]
	if a.signature, e = required(signature, ok, "The Authorization header's Signature", "0002-00000108", "0002-00000109"); e != nil {
		return v2Auth{}, e
	}
	if list, ok := fields["AdditionalHeaders"]; ok {
		if a.additional, e = parseAdditionalHeaders(list, v2HeaderAdditionalECs); e != nil {
			return v2Auth{}, e
		}
	}
	return a, nil
}

// v2Presign is a V2 presigned URL's signature and expiry.
type v2Presign struct {
	v2Auth
	unixExpiry
}

// parseV2Presign reads a V2 presigned URL's parameters (x-oss-signature-
// version=OSS2, x-oss-access-key-id, x-oss-expires, x-oss-signature and
// optionally x-oss-additional-headers).
func parseV2Presign(params []queryParam) (v2Presign, *ossError) {
	var p v2Presign
	var e *ossError
	if p.id, e = requiredParam(params, "x-oss-access-key-id", "0002-00000115", "0002-00000116"); e != nil {
		return v2Presign{}, e
	}
	if p.unixExpiry, e = parseUnixExpiry(params, "x-oss-expires", "0002-00000113", "0002-00000114"); e != nil {
		return v2Presign{}, e
	}
	if p.signature, e = requiredParam(params, "x-oss-signature", "0002-00000117", "0002-00000118"); e != nil {
		return v2Presign{}, e
	}
	if list, ok := paramValue(params, "x-oss-additional-headers"); ok {
		if p.additional, e = parseAdditionalHeaders(list, presignAdditionalECs); e != nil {
			return v2Presign{}, e
		}
	}
	return p, nil
}
