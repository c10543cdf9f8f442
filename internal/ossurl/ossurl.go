// Package ossurl parses oss://bucket/key URLs as osscopy's commands take them.
package ossurl

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// URL is a parsed oss://bucket/key.
type URL struct {
	Bucket string
	Key    string // may be empty (a bucket) or end in "/" (a prefix)
}

func (u URL) String() string { return "oss://" + u.Bucket + "/" + u.Key }

// Parse reads oss://bucket[/key]. The bucket follows OSS's naming rules;
// the key, when present, is at most 1023 bytes of UTF-8 without control
// characters and does not start with '/' or '\'.
func Parse(s string) (URL, error) {
	bad := func(why string) (URL, error) {
		return URL{}, fmt.Errorf("%q is not a valid OSS URL: %s; write oss://bucket/key", truncate(s, 80), why)
	}
	rest, ok := strings.CutPrefix(s, "oss://")
	if !ok {
		return bad("it does not start with oss://")
	}
	bucket, key, _ := strings.Cut(rest, "/")
	if why := bucketProblem(bucket); why != "" {
		return bad(why)
	}
	if why := keyProblem(key); why != "" {
		return bad(why)
	}
	return URL{Bucket: bucket, Key: key}, nil
}

// CheckBucket says why b is not a valid bucket name, or nil.
func CheckBucket(b string) error { return problem(bucketProblem(b)) }

// CheckKey says why k is not a valid object key, or nil. Unlike in Parse,
// an empty key is an error.
func CheckKey(k string) error {
	if k == "" {
		return problem("the key is empty")
	}
	return problem(keyProblem(k))
}

func problem(why string) error {
	if why == "" {
		return nil
	}
	return errors.New(why)
}

func bucketProblem(b string) string {
	if b == "" {
		return "the bucket name is missing"
	}
	if len(b) < 3 || len(b) > 63 || b[0] == '-' || b[len(b)-1] == '-' {
		return fmt.Sprintf("bucket %q must have 3 to 63 characters and start and end with a letter or digit", truncate(b, 70))
	}
	for i := 0; i < len(b); i++ {
		if c := b[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return fmt.Sprintf("bucket %q may only use a-z, 0-9 and '-'", truncate(b, 70))
		}
	}
	return ""
}

func keyProblem(k string) string {
	switch {
	case k == "":
		return ""
	case len(k) > 1023:
		return fmt.Sprintf("the key has %d bytes; OSS allows 1023", len(k))
	case !utf8.ValidString(k):
		return "the key is not valid UTF-8"
	case k[0] == '/' || k[0] == '\\':
		return "the key starts with '/' or '\\' (use one '/' after the bucket)"
	}
	if strings.ContainsFunc(k, IsControl) {
		return "the key contains a control character"
	}
	for _, seg := range strings.Split(k, "/") {
		if seg == "." || seg == ".." {
			return `the key contains a "." or ".." path segment`
		}
	}
	return ""
}

// IsControl reports a control character (C0 or DEL): no key holds one, and
// no request can carry one in a header (net/http refuses it).
func IsControl(r rune) bool { return r < 0x20 || r == 0x7f }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
