package ossserver

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/osscopy/osscopy/internal/etag"
)

const metaPrefix = "x-oss-meta-"

// parseMetadata reads the metadata OSS keeps from a request's headers.
func parseMetadata(h http.Header) (metadata, *ossError) {
	m := metadata{
		ContentType:        h.Get("Content-Type"),
		CacheControl:       h.Get("Cache-Control"),
		ContentDisposition: h.Get("Content-Disposition"),
		ContentEncoding:    h.Get("Content-Encoding"),
		Expires:            h.Get("Expires"),
	}
	if m.ContentType == "" {
		m.ContentType = "application/octet-stream"
	}
	total := 0
	for name, values := range h {
		lower := strings.ToLower(name)
		if !strings.HasPrefix(lower, metaPrefix) || len(values) == 0 {
			continue
		}
		if m.User == nil {
			m.User = map[string]string{}
		}
		m.User[strings.TrimPrefix(lower, metaPrefix)] = values[0]
		total += len(lower) + len(values[0])
	}
	if total > MaxUserMetadata {
		return m, errInvalidArgument("The user metadata (x-oss-meta-*) totals %d bytes; OSS allows at most 8 KB.", total)
	}
	return m, nil
}

// setHeaders writes m, if any, as response headers.
func (m *metadata) setHeaders(h http.Header) {
	if m == nil {
		return
	}
	set := func(k, v string) {
		if v != "" {
			h.Set(k, v)
		}
	}
	set("Content-Type", m.ContentType)
	set("Cache-Control", m.CacheControl)
	set("Content-Disposition", m.ContentDisposition)
	set("Content-Encoding", m.ContentEncoding)
	set("Expires", m.Expires)
	for k, v := range m.User {
		h.Set(metaPrefix+k, v)
	}
}

// objectHeaders writes what GET and HEAD return about o.
func objectHeaders(h http.Header, o *objectState, versioned bool) {
	o.Meta.setHeaders(h)
	x := o.extra()
	x.SSE.setHeaders(h)
	objectMetaHeaders(h, o, versioned)
	h.Set("x-oss-object-type", o.Type)
	h.Set("x-oss-storage-class", o.StorageClass)
	h.Set("Accept-Ranges", "bytes")
	if x.ContentMD5 != "" {
		h.Set("Content-MD5", x.ContentMD5)
	}
	if len(o.Tags) > 0 {
		h.Set("x-oss-tagging-count", strconv.Itoa(len(o.Tags)))
	}
}

// objectMetaHeaders writes what GetObjectMeta returns about o: of the
// headers its API reference lists, those this server has (it tracks
// neither access times nor lifecycle transitions), and the CRC64 the SDKs
// read from it.
func objectMetaHeaders(h http.Header, o *objectState, versioned bool) {
	h.Set("ETag", quoteETag(o.ETag))
	h.Set("Last-Modified", o.LastModified.UTC().Format(http.TimeFormat))
	h.Set("x-oss-hash-crc64ecma", strconv.FormatUint(o.CRC, 10))
	if versioned {
		h.Set("x-oss-version-id", o.versionID())
	}
}

// parseTagging reads tags in the x-oss-tagging form "k1=v1&k2=v2".
func parseTagging(s string) ([]tag, *ossError) {
	if s == "" {
		return nil, nil
	}
	var tags []tag
	for _, pair := range strings.Split(s, "&") {
		k, v, _ := strings.Cut(pair, "=")
		key, err1 := url.QueryUnescape(k)
		value, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			return nil, errInvalidArgument("The tagging %q is not URL-encoded key=value pairs joined by '&'.", s)
		}
		tags = append(tags, tag{Key: key, Value: value})
	}
	return tags, validTags(tags)
}

// validTags follows OSS: at most 10 tags, keys 1-128 and values 0-256
// characters, keys unique, each of tagText's characters.
func validTags(tags []tag) *ossError {
	if len(tags) > 10 {
		return errInvalidArgument("An object can have at most 10 tags; %d were given.", len(tags))
	}
	seen := map[string]bool{}
	for _, t := range tags {
		switch n := utf8.RuneCountInString(t.Key); {
		case n == 0 || n > 128:
			return errInvalidArgument("A tag key must have 1 to 128 characters; %q does not.", truncate(t.Key, 40))
		case utf8.RuneCountInString(t.Value) > 256:
			return errInvalidArgument("A tag value must have at most 256 characters; the value of %q does not.", t.Key)
		case !tagText(t.Key):
			return errInvalidArgument("The tag key %q has a character other than letters, digits, spaces and + - = . _ : /.", truncate(t.Key, 40)).withEC("0010-00000212")
		case !tagText(t.Value):
			return errInvalidArgument("The value of the tag %q has a character other than letters, digits, spaces and + - = . _ : /.", t.Key).withEC("0010-00000217")
		case seen[t.Key]:
			return errInvalidArgument("The tag key %q appears twice.", t.Key)
		}
		seen[t.Key] = true
	}
	return nil
}

// tagText tells whether s has only the characters OSS allows in tag keys
// and values: letters, digits, spaces and + - = . _ : /. Its pages name
// a-z and 0-9, but OSS takes other scripts' letters too (the official
// Python SDK's tests tag objects in Chinese).
func tagText(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune(" +-=._:/", r) {
			return false
		}
	}
	return true
}

func sortTags(tags []tag) []tag {
	out := append([]tag(nil), tags...)
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// conditions are the four preconditions on a source or object (what).
type conditions struct {
	what                                                     string
	ifMatch, ifNoneMatch, ifModifiedSince, ifUnmodifiedSince string
}

func copyConditions(h http.Header) conditions {
	return conditions{"source", h.Get("x-oss-copy-source-if-match"), h.Get("x-oss-copy-source-if-none-match"),
		h.Get("x-oss-copy-source-if-modified-since"), h.Get("x-oss-copy-source-if-unmodified-since")}
}

func getConditions(h http.Header) conditions {
	return conditions{"object", h.Get("If-Match"), h.Get("If-None-Match"), h.Get("If-Modified-Since"), h.Get("If-Unmodified-Since")}
}

// check evaluates the conditions as OSS documents them: a failed if-match or
// if-unmodified-since is 412; a failed if-none-match or if-modified-since is
// 304. As in HTTP, an if-match that holds makes if-unmodified-since moot,
// and an if-none-match present makes if-modified-since moot. Dates that do
// not parse are ignored.
func (c conditions) check(o *objectState) *ossError {
	modified := o.LastModified.Truncate(time.Second)
	if c.ifMatch != "" {
		if !etag.Equal(c.ifMatch, o.ETag) {
			return errPrecondition("The ETag of the %s is %s, not %s.", c.what, quoteETag(o.ETag), quoteETag(etag.Normalize(c.ifMatch)))
		}
	} else if t, ok := parseHTTPDate(c.ifUnmodifiedSince); ok && modified.After(t) {
		return errPrecondition("The %s was modified at %s, after %s.", c.what, modified.Format(http.TimeFormat), c.ifUnmodifiedSince)
	}
	if c.ifNoneMatch != "" {
		if etag.Equal(c.ifNoneMatch, o.ETag) {
			return errNotModified
		}
	} else if t, ok := parseHTTPDate(c.ifModifiedSince); ok && !modified.After(t) {
		return errNotModified
	}
	return nil
}

// parseHTTPDate reads the date forms clients send: HTTP dates (GMT) and
// RFC 1123 dates with another zone name, such as UTC.
func parseHTTPDate(v string) (time.Time, bool) {
	if t, err := http.ParseTime(v); err == nil {
		return t, true
	}
	t, err := time.Parse(time.RFC1123, v)
	return t, err == nil
}
