package etag_test

import (
	"crypto/md5"
	"fmt"
	"testing"

	"github.com/osscopy/osscopy/internal/etag"
	"github.com/osscopy/osscopy/internal/lab/osstest"
)

// TestMultipartSDKVector checks the formula against what the real service
// gave the SDK v1's sample file, as that SDK's own tests assert.
func TestMultipartSDKVector(t *testing.T) {
	t.Parallel()
	var partETags []string
	for _, p := range osstest.SampleParts(t) {
		partETags = append(partETags, fmt.Sprintf(`"%x"`, md5.Sum(p))) // lower case and quoted: Multipart normalizes
	}
	if len(partETags) != 5 {
		t.Fatalf("the sample splits into %d parts of 100 KiB, want 5", len(partETags))
	}
	if got := etag.Multipart(partETags...); !etag.Equal(got, osstest.SampleMultipartETag) {
		t.Errorf("Multipart = %s, want the SDK's %s", got, osstest.SampleMultipartETag)
	}
}

func TestEqual(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{`"ABC-2"`, "abc-2", true},
		{` "abc" `, `"ABC"`, true},
		{`"ABC-2"`, `"ABC-3"`, false},
		{"", `""`, true},
	} {
		if got := etag.Equal(tc.a, tc.b); got != tc.want {
			t.Errorf("Equal(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}
