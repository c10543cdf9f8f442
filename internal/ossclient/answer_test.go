package ossclient

import (
	"strings"
	"testing"
)

func TestRootElement(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ head, want string }{
		{`<?xml version="1.0" encoding="UTF-8"?>` + "\n<ListBucketResult><Name>b</Name>", "ListBucketResult"},
		{"<CopyPartResult><ETag>x</ETag></CopyPartResult>", "CopyPartResult"},
		{`<?xml version="1.0"?><!-- a comment --><ListPartsResult>`, "ListPartsResult"},
		{"<!DOCTYPE html><html><body>log in</body></html>", "html"},
		{"<html", ""},
		{"", ""},
		{"not xml at all", ""},
		{`{"json": true}`, ""},
	} {
		if got := rootElement([]byte(tc.head)); got != tc.want {
			t.Errorf("rootElement(%q) = %q, want %q", tc.head, got, tc.want)
		}
	}
}

// FuzzRootElement: any head, however cut, gives a name it holds, or none.
func FuzzRootElement(f *testing.F) {
	f.Add([]byte(`<?xml version="1.0"?><ListBucketResult>`))
	f.Add([]byte("<!DOCTYPE html><html>"))
	f.Add([]byte("<a:b xmlns:a='x'>"))
	f.Fuzz(func(t *testing.T, head []byte) {
		if name := rootElement(head); name != "" && !strings.Contains(string(head), name) {
			t.Errorf("rootElement(%q) = %q, which the head does not hold", head, name)
		}
	})
}
