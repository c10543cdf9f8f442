package ossserver

import (
	"encoding/xml"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// sdkEscapeKey writes key as the SDKs write keys in XML bodies: the five
// XML specials escaped and C0 control characters as character references.
func sdkEscapeKey(key string) string {
	var b strings.Builder
	for _, r := range key {
		if r < 0x20 {
			fmt.Fprintf(&b, "&#x%02X;", r)
			continue
		}
		_ = xml.EscapeText(&b, []byte(string(r)))
	}
	return b.String()
}

// xmlOrControl reports whether every rune of s is one XML allows in text
// or a C0 control character (which the SDKs escape).
func xmlOrControl(s string) bool {
	for _, r := range s {
		ok := r < 0x20 || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
		if !ok {
			return false
		}
	}
	return true
}

// FuzzDeleteRequest parses arbitrary DeleteMultipleObjects bodies, which
// must never panic and, when accepted, name 1 to 1,000 objects with keys;
// and it writes arbitrary keys as the SDKs do, which must read back
// exactly, control characters and refEscape included.
func FuzzDeleteRequest(f *testing.F) {
	for _, seed := range []struct{ body, key string }{
		{"<Delete><Quiet>true</Quiet><Object><Key>k</Key></Object></Delete>", "k"},
		{"<Delete><Object><Key>a&#x01;b</Key><VersionId>v</VersionId></Object></Delete>", "ctl\x01\x02\x1b\x1f"},
		{"<Delete><Object><Key><![CDATA[&#x01;]]></Key></Object></Delete>", "a&b<c>\"'"},
		{"<Delete><Object><Key>\U0010FFFD&#1;\U0010FFFD</Key></Object></Delete>", "\U0010FFFD\x01\U0010FFFD\U0010FFFD"},
		{"<Delete><Object><Key>&#x1F;&#31;&#x9;&#0;&#x;&#xFFFFFFFFF;</Key></Object></Delete>", "\t\n\r é中"},
		{"<Delete><Object></Object></Delete>", "x"},
		{"<Delete/>", "x"},
		{"", "x"},
	} {
		f.Add([]byte(seed.body), seed.key)
	}
	f.Fuzz(func(t *testing.T, body []byte, key string) {
		if _, objects, e := parseDeleteRequest(body); e == nil {
			if len(objects) == 0 || len(objects) > MaxDeleteObjects {
				t.Fatalf("accepted %d objects from %q", len(objects), body)
			}
			for _, o := range objects {
				if o.key == "" {
					t.Fatalf("accepted an empty key from %q", body)
				}
			}
		}
		if key == "" || len(key) > MaxKeyLength || !utf8.ValidString(key) || !xmlOrControl(key) {
			return
		}
		doc := "<Delete><Quiet>false</Quiet><Object><Key>" + sdkEscapeKey(key) + "</Key><VersionId>" + sdkEscapeKey(key) + "</VersionId></Object></Delete>"
		quiet, objects, e := parseDeleteRequest([]byte(doc))
		if e != nil {
			t.Fatalf("key %q written as %q: %v", key, doc, e)
		}
		if quiet || len(objects) != 1 || objects[0].key != key || objects[0].versionID != key {
			t.Fatalf("key %q read back as %+v (quiet %v)", key, objects, quiet)
		}
	})
}
