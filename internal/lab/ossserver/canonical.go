package ossserver

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// The canonical strings of OSS's three signature versions, built from the
// decoded request as OSS builds them, so that every client's encoding of
// the same request verifies: V1 (HMAC-SHA1 over the method, Content-MD5,
// Content-Type, a date, the x-oss-* headers and the resource), V2 (the same
// with HMAC-SHA256, additional headers, and every query parameter in an
// encoded resource) and V4 (OSS4-HMAC-SHA256 over a canonical request).

// queryParam is one name=value pair of a query string, decoded.
type queryParam struct{ name, value string }

// decodeQuery splits a raw query string into its parameters in the order
// sent, duplicates included, decoding names and values with query rules ('+'
// is a space). A malformed escape is kept as sent: it is what the client
// signed, if anything. Empty pairs ("&&", "&=&") name nothing and are left
// out, as no client can sign them.
func decodeQuery(raw string) []queryParam {
	var params []queryParam
	for _, pair := range strings.Split(raw, "&") {
		if pair == "" || pair == "=" {
			continue
		}
		name, value, _ := strings.Cut(pair, "=")
		params = append(params, queryParam{unescapeQuery(name), unescapeQuery(value)})
	}
	return params
}

func unescapeQuery(s string) string {
	if v, err := url.QueryUnescape(s); err == nil {
		return v
	}
	return s
}

// paramValue returns the first value of name and whether it is present.
func paramValue(params []queryParam, name string) (string, bool) {
	for _, p := range params {
		if p.name == name {
			return p.value, true
		}
	}
	return "", false
}

func hasParam(params []queryParam, name string) bool {
	_, ok := paramValue(params, name)
	return ok
}

// withoutParam returns params without any named name.
func withoutParam(params []queryParam, name string) []queryParam {
	out := make([]queryParam, 0, len(params))
	for _, p := range params {
		if p.name != name {
			out = append(out, p)
		}
	}
	return out
}

// v1SubResources are the query parameters a V1 signature covers: the union
// of what the official clients sign (the SDK v1's signKeyList, the SDK v2's
// required list and per-operation sub-resources), so that a V1 request from
// any of them verifies. Parameters named x-oss-* are covered as well.
var v1SubResources = toSet(
	// SDK v1 (oss/conn.go signKeyList)
	"acl", "uploads", "location", "cors", "logging", "website", "referer", "lifecycle",
	"delete", "append", "tagging", "objectMeta", "uploadId", "partNumber", "security-token",
	"position", "img", "style", "styleName", "replication", "replicationProgress",
	"replicationLocation", "cname", "bucketInfo", "comp", "qos", "live", "status", "vod",
	"startTime", "endTime", "symlink", "x-oss-process", "response-content-type",
	"x-oss-traffic-limit", "response-content-language", "response-expires",
	"response-cache-control", "response-content-disposition", "response-content-encoding",
	"udf", "udfName", "udfImage", "udfId", "udfImageDesc", "udfApplication",
	"udfApplicationLog", "restore", "callback", "callback-var", "qosInfo", "policy", "stat",
	"encryption", "versions", "versioning", "versionId", "requestPayment",
	"x-oss-request-payer", "sequential", "inventory", "inventoryId", "continuation-token",
	"asyncFetch", "worm", "wormId", "wormExtend", "withHashContext", "transferAcceleration",
	"regionList", "cloudboxes", "metaQuery", "resourceGroup", "rtc", "responseHeader",
	// SDK v2 (oss/signer/v1.go and the operations' SubResource lists), beyond the above
	"accessPoint", "accessPointConfigForObjectProcess", "accessPointForObjectProcess",
	"accessPointPolicy", "accessPointPolicyForObjectProcess", "bucketArchiveDirectRead",
	"cleanRestoredObject", "httpsConfig", "legalHold", "metadataConfiguration",
	"metadataInventoryTable", "metadataJournalTable", "objectWorm", "overwriteConfig",
	"policyStatus", "publicAccessBlock", "quota", "redundancyTransition", "regions",
	"retention", "seal", "userDefinedLogFieldsConfig",
)

func toSet(names ...string) map[string]bool {
	set := make(map[string]bool, len(names))
	for _, n := range names {
		set[n] = true
	}
	return set
}

// v1Resource is V1's CanonicalizedResource: "/bucket/key" with the decoded
// key, then the signed sub-resources sorted by name, each "name" or
// "name=value" with its first decoded value.
func v1Resource(bucket, key string, params []queryParam) string {
	resource := signedPath(bucket, key)
	var names []string
	seen := map[string]bool{}
	for _, p := range params {
		if (v1SubResources[p.name] || strings.HasPrefix(p.name, "x-oss-")) && !seen[p.name] {
			seen[p.name] = true
			names = append(names, p.name)
		}
	}
	sort.Strings(names)
	for i, n := range names {
		sep := "&"
		if i == 0 {
			sep = "?"
		}
		resource += sep + n
		if v, _ := paramValue(params, n); v != "" {
			resource += "=" + v
		}
	}
	return resource
}

// signedPath is the path every signature version signs, before encoding:
// "/bucket/key" with the decoded key, "/bucket/" or "/".
func signedPath(bucket, key string) string {
	if bucket == "" {
		return "/"
	}
	return "/" + bucket + "/" + key
}

// v1StringToSign is the string a V1 signature signs; date is the Date
// header, the x-oss-date header or a presigned URL's Expires, as sent.
func v1StringToSign(r *http.Request, date, resource string) string {
	return stringToSignHead(r, date) + canonicalHeaders(r, signedHeaderNames(r.Header, false, nil)) + resource
}

// v2StringToSign is the string a V2 signature signs: V1's, with the
// additional headers among the canonical headers and listed on a line of
// their own before the resource (v2Resource). date is as for V1, or a V2
// presigned URL's x-oss-expires.
func v2StringToSign(r *http.Request, date string, additional []string, resource string) string {
	return stringToSignHead(r, date) + canonicalHeaders(r, signedHeaderNames(r.Header, false, additional)) +
		strings.Join(additional, ";") + "\n" + resource
}

// stringToSignHead is the first four lines V1 and V2 sign.
func stringToSignHead(r *http.Request, date string) string {
	return r.Method + "\n" + r.Header.Get("Content-MD5") + "\n" + r.Header.Get("Content-Type") + "\n" + date + "\n"
}

// v2Resource is V2's canonical resource: the signed path with every byte
// but A-Z a-z 0-9 - . _ ~ percent-encoded, '/' included, then "?" and every
// query parameter, encoded and sorted as in V4's canonical query.
func v2Resource(bucket, key string, params []queryParam) string {
	resource := v4Escape(signedPath(bucket, key), false)
	if len(params) > 0 {
		resource += "?" + v4CanonicalQuery(params)
	}
	return resource
}

// signedHeaderNames lists, lower-cased and sorted, the headers a signature
// covers: every x-oss-* header, Content-Type and Content-MD5 too for V4, and
// the additional headers the signer named.
func signedHeaderNames(h http.Header, v4 bool, additional []string) []string {
	set := map[string]bool{}
	for k := range h {
		low := strings.ToLower(k)
		if strings.HasPrefix(low, "x-oss-") || v4 && (low == "content-type" || low == "content-md5") {
			set[low] = true
		}
	}
	for _, a := range additional {
		set[a] = true
	}
	names := make([]string, 0, len(set))
	for n := range set {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// canonicalHeaders is "name:value\n" for each name, its values trimmed and
// joined by commas.
func canonicalHeaders(r *http.Request, names []string) string {
	var b strings.Builder
	for _, n := range names {
		b.WriteString(n + ":" + strings.Join(headerValues(r, n), ",") + "\n")
	}
	return b.String()
}

// headerValues returns the trimmed values of the header named low in any
// case; Go's server keeps Host apart from the other headers.
func headerValues(r *http.Request, low string) []string {
	if low == "host" {
		if r.Host == "" {
			return nil
		}
		return []string{r.Host}
	}
	var vs []string
	for k, kvs := range r.Header {
		if strings.ToLower(k) == low {
			for _, v := range kvs {
				vs = append(vs, strings.TrimSpace(v))
			}
		}
	}
	return vs
}

// v4Escape percent-encodes every byte but A-Z a-z 0-9 - . _ ~ (and '/' in a
// path), with upper-case hex, as the V4 rules say.
func v4Escape(s string, keepSlash bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9',
			c == '-', c == '.', c == '_', c == '~', c == '/' && keepSlash:
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}

// v4CanonicalQuery encodes each decoded name and value by the V4 rules, so
// that `!'()*` sent raw sign as %21%27%28%29%2A, and sorts them by encoded
// name, then value. A parameter with an empty value is its name alone.
func v4CanonicalQuery(params []queryParam) string {
	encoded := make([]queryParam, len(params))
	for i, p := range params {
		encoded[i] = queryParam{v4Escape(p.name, false), v4Escape(p.value, false)}
	}
	sort.Slice(encoded, func(i, j int) bool {
		a, b := encoded[i], encoded[j]
		return a.name < b.name || a.name == b.name && a.value < b.value
	})
	pairs := make([]string, len(encoded))
	for i, p := range encoded {
		pairs[i] = p.name
		if p.value != "" {
			pairs[i] += "=" + p.value
		}
	}
	return strings.Join(pairs, "&")
}

// v4CanonicalRequest is the request as V4 signs it; params exclude the
// signature itself.
func v4CanonicalRequest(r *http.Request, bucket, key string, params []queryParam, additional []string) string {
	payload := r.Header.Get("x-oss-content-sha256")
	if payload == "" {
		payload = "UNSIGNED-PAYLOAD"
	}
	return r.Method + "\n" + v4Escape(signedPath(bucket, key), true) + "\n" + v4CanonicalQuery(params) + "\n" +
		canonicalHeaders(r, signedHeaderNames(r.Header, true, additional)) + "\n" +
		strings.Join(additional, ";") + "\n" + payload
}

// v4Signature signs canonicalRequest at timestamp (as sent) within scope.
func v4Signature(secret string, scope v4Scope, timestamp, canonicalRequest string) string {
	digest := sha256.Sum256([]byte(canonicalRequest))
	stringToSign := "OSS4-HMAC-SHA256\n" + timestamp + "\n" + scope.String() + "\n" + hex.EncodeToString(digest[:])
	key := []byte("aliyun_v4" + secret)
	for _, part := range []string{scope.day, scope.region, scope.product, "aliyun_v4_request"} {
		key = hmacSum(sha256.New, key, part)
	}
	return hex.EncodeToString(hmacSum(sha256.New, key, stringToSign))
}

// v1Signature is base64(HMAC-SHA1(secret, stringToSign)).
func v1Signature(secret, stringToSign string) string {
	return base64.StdEncoding.EncodeToString(hmacSum(sha1.New, []byte(secret), stringToSign))
}

// v2Signature is base64(HMAC-SHA256(secret, stringToSign)).
func v2Signature(secret, stringToSign string) string {
	return base64.StdEncoding.EncodeToString(hmacSum(sha256.New, []byte(secret), stringToSign))
}

func hmacSum(newHash func() hash.Hash, key []byte, msg string) []byte {
	h := hmac.New(newHash, key)
	_, _ = h.Write([]byte(msg))
	return h.Sum(nil)
}
