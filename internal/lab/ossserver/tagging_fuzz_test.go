package ossserver

import (
	"net/url"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzParseTagging reads any x-oss-tagging header: what it accepts keeps
// OSS's rules (at most 10 tags, unique keys of 1 to 128 and values of at
// most 256 characters, each a letter, digit, space or one of + - = . _ : /),
// and a tag that keeps them, URL-encoded as the SDKs send it, reads back as
// itself.
func FuzzParseTagging(f *testing.F) {
	for _, seed := range []struct{ header, key, value string }{
		{"a=1&b=2", "k", "v"},
		{"%E4%B8%AD%E6%96%87=1+%2B+1", "中文", "1 + 1"},
		{"k=v%26", "key&", "v"},
		{"k%3F=v", "k", "a\tb"},
		{"a=b=c", "", "v"},
		{"a&a", strings.Repeat("é", 129), ""},
		{"%zz=1", "k +-=._:/", strings.Repeat("v", 257)},
	} {
		f.Add(seed.header, seed.key, seed.value)
	}
	f.Fuzz(func(t *testing.T, header, key, value string) {
		if tags, e := parseTagging(header); e == nil {
			fuzzCheckTags(t, header, tags)
		}
		pair := url.QueryEscape(key) + "=" + url.QueryEscape(value)
		tags, e := parseTagging(pair)
		if fuzzTagOK(key, 1, 128) && fuzzTagOK(value, 0, 256) {
			if e != nil || len(tags) != 1 || tags[0] != (tag{key, value}) {
				t.Fatalf("%q=%q sent as %q read back as %+v, %v", key, value, pair, tags, e)
			}
		} else if e == nil {
			t.Fatalf("%q=%q sent as %q was accepted", key, value, pair)
		}
	})
}

func fuzzCheckTags(t *testing.T, header string, tags []tag) {
	t.Helper()
	if len(tags) > 10 {
		t.Fatalf("%q: accepted %d tags", header, len(tags))
	}
	seen := map[string]bool{}
	for _, tg := range tags {
		if !fuzzTagOK(tg.Key, 1, 128) || !fuzzTagOK(tg.Value, 0, 256) || seen[tg.Key] {
			t.Fatalf("%q: accepted the tag %q=%q", header, tg.Key, tg.Value)
		}
		seen[tg.Key] = true
	}
}

// fuzzTagOK is OSS's rule for a tag key or value, written apart from meta.go.
func fuzzTagOK(s string, minLen, maxLen int) bool {
	if n := utf8.RuneCountInString(s); !utf8.ValidString(s) || n < minLen || n > maxLen {
		return false
	}
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune(" +-=._:/", r) {
			return false
		}
	}
	return true
}
