package ossapi

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/osscopy/osscopy/internal/ossurl"
)

// MaxPartNumber is the highest part number OSS accepts.
const MaxPartNumber = 10000

// CopySource names the object a copy reads, as x-oss-copy-source does.
type CopySource struct {
	Bucket, Key, VersionID string
}

// ParseCopySource reads "/bucket/key" or "bucket/key", where the key is
// URL-encoded (it is decoded once) and may be followed by "?versionId=ID".
func ParseCopySource(s string) (CopySource, error) {
	bad := func(format string, a ...any) (CopySource, error) {
		return CopySource{}, fmt.Errorf("--copy-source %s: %s; write /bucket/key or bucket/key, "+
			"the key URL-encoded, optionally followed by ?versionId=ID", quote(s), fmt.Sprintf(format, a...))
	}
	path, query, hasQuery := strings.Cut(strings.TrimPrefix(s, "/"), "?")
	bucket, escaped, ok := strings.Cut(path, "/")
	if !ok || escaped == "" {
		return bad("there is no key after the bucket")
	}
	if err := ossurl.CheckBucket(bucket); err != nil {
		return bad("%v", err)
	}
	key, err := url.PathUnescape(escaped)
	if err != nil {
		return bad("the key is not validly URL-encoded (a %% must start an escape like %%2F)")
	}
	if err := ossurl.CheckKey(key); err != nil {
		return bad("%v", err)
	}
	src := CopySource{Bucket: bucket, Key: key}
	if hasQuery {
		v, err := url.ParseQuery(query)
		if err != nil || len(v) != 1 || len(v["versionId"]) != 1 || v.Get("versionId") == "" {
			return bad("the only query it may carry is one non-empty versionId")
		}
		src.VersionID = v.Get("versionId")
		if strings.ContainsFunc(src.VersionID, ossurl.IsControl) {
			return bad("the version ID holds a control character")
		}
	}
	return src, nil
}

// ParseRange reads "bytes=first-last": zero-based, inclusive, first <= last.
func ParseRange(flag, s string) (first, last int64, err error) {
	spec, ok := strings.CutPrefix(s, "bytes=")
	a, b, dash := strings.Cut(spec, "-")
	first, err1 := parseOffset(a)
	last, err2 := parseOffset(b)
	if !ok || !dash || err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("%s %s is not a byte range: write bytes=first-last with zero-based offsets, "+
			"like bytes=0-9 for the first 10 bytes", flag, quote(s))
	}
	if first > last {
		return 0, 0, fmt.Errorf("%s %s starts after it ends: first (%d) must not exceed last (%d)", flag, quote(s), first, last)
	}
	return first, last, nil
}

// parseOffset accepts decimal digits only: no sign, no spaces.
func parseOffset(s string) (int64, error) {
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return 0, strconv.ErrSyntax
	}
	return strconv.ParseInt(s, 10, 64)
}

// ParseDate reads an HTTP date ("Mon, 11 May 2020 08:16:23 GMT", or the
// other forms HTTP allows) or RFC 3339, and returns it as an HTTP date.
func ParseDate(flag, s string) (string, error) {
	t, err := http.ParseTime(s)
	if err != nil {
		if t, err = time.Parse(time.RFC3339, s); err != nil {
			return "", fmt.Errorf("%s %s is not a date: write an HTTP date like \"Mon, 11 May 2020 08:16:23 GMT\" "+
				"or RFC 3339 like 2020-05-11T08:16:23Z", flag, quote(s))
		}
	}
	return t.UTC().Format(http.TimeFormat), nil
}

// ParseDirective reads a COPY or REPLACE directive, in any case.
func ParseDirective(flag, s string) (replace bool, err error) {
	switch strings.ToUpper(s) {
	case "COPY":
		return false, nil
	case "REPLACE":
		return true, nil
	}
	return false, fmt.Errorf("%s %s is not a directive: write COPY or REPLACE", flag, quote(s))
}

// StorageClasses are the storage classes OSS offers.
var StorageClasses = []string{"Standard", "IA", "Archive", "ColdArchive", "DeepColdArchive"}

// ParseStorageClass reads a storage class in any case and returns OSS's
// spelling of it.
func ParseStorageClass(flag, s string) (string, error) {
	for _, c := range StorageClasses {
		if strings.EqualFold(c, s) {
			return c, nil
		}
	}
	return "", fmt.Errorf("%s %s is not a storage class: write one of %s", flag, quote(s), strings.Join(StorageClasses, ", "))
}

// metaKeyChars are the characters OSS allows in a metadata key, once
// lower-cased. Others it refuses, and some (a space, a colon) no header
// name can hold: net/http would refuse to send them.
const metaKeyChars = "abcdefghijklmnopqrstuvwxyz0123456789-"

// ParseMetadata reads user metadata given as key=value, one per value;
// keys are lower-cased, as OSS stores them.
func ParseMetadata(flag string, kvs []string) (map[string]string, error) {
	var meta map[string]string
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("%s %s is not metadata: write key=value", flag, quote(kv))
		}
		if strings.TrimLeft(strings.ToLower(k), metaKeyChars) != "" {
			return nil, fmt.Errorf("%s %s: a metadata key holds letters, digits and '-' only (OSS refuses others, like '_')", flag, quote(kv))
		}
		if meta == nil {
			meta = map[string]string{}
		}
		meta[strings.ToLower(k)] = v
	}
	return meta, nil
}

// Tag limits OSS documents.
const (
	maxTags        = 10
	maxTagKeyLen   = 128
	maxTagValueLen = 256
)

// ParseTagging checks tags written as OSS's x-oss-tagging header takes
// them: URL-encoded key=value pairs joined by '&', like "TagA=A&TagB=B".
func ParseTagging(flag, s string) (string, error) {
	bad := func(why string, a ...any) (string, error) {
		return "", fmt.Errorf("%s %s: %s; write URL-encoded key=value pairs joined by '&', like TagA=A&TagB=B",
			flag, quote(s), fmt.Sprintf(why, a...))
	}
	if s == "" {
		return "", nil
	}
	pairs := strings.Split(s, "&")
	if len(pairs) > maxTags {
		return bad("%d tags, OSS allows %d", len(pairs), maxTags)
	}
	seen := map[string]bool{}
	for _, p := range pairs {
		k, v, ok := strings.Cut(p, "=")
		key, err1 := url.QueryUnescape(k)
		value, err2 := url.QueryUnescape(v)
		switch {
		case !ok:
			return bad("%s has no '='", quote(p))
		case err1 != nil || err2 != nil:
			return bad("%s is not validly URL-encoded", quote(p))
		case key == "" || utf8.RuneCountInString(key) > maxTagKeyLen:
			return bad("tag keys have 1 to %d characters", maxTagKeyLen)
		case utf8.RuneCountInString(value) > maxTagValueLen:
			return bad("tag values have at most %d characters", maxTagValueLen)
		case !utf8.ValidString(key) || !utf8.ValidString(value):
			return bad("tags are UTF-8")
		case seen[key]:
			return bad("the key %s appears twice", quote(key))
		}
		seen[key] = true
	}
	return s, nil
}

// ParsePartNumber reads a part number, 1 to MaxPartNumber.
func ParsePartNumber(flag, s string) (int32, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > MaxPartNumber || strings.TrimLeft(s, "0123456789") != "" {
		return 0, fmt.Errorf("%s %s is not a part number: write a whole number from 1 to %d", flag, quote(s), MaxPartNumber)
	}
	return int32(n), nil
}

// quote shows a value the user gave, cut short so one bad argument cannot
// flood the terminal.
func quote(s string) string {
	const limit = 100
	if len(s) > limit {
		return strconv.Quote(s[:limit]) + "..."
	}
	return strconv.Quote(s)
}
