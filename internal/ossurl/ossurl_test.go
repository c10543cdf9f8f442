package ossurl

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, bucket, key string }{
		{"oss://src/big.bin", "src", "big.bin"},
		{"oss://src/dir/sub/", "src", "dir/sub/"},
		{"oss://src", "src", ""},
		{"oss://src/", "src", ""},
		{"oss://my-bucket-01/ü ñ/a+b%20c", "my-bucket-01", "ü ñ/a+b%20c"},
		{"oss://abc/" + strings.Repeat("k", 1023), "abc", strings.Repeat("k", 1023)},
	} {
		u, err := Parse(tc.in)
		if err != nil || u.Bucket != tc.bucket || u.Key != tc.key {
			t.Errorf("Parse(%q) = %+v, %v; want %q %q", tc.in, u, err, tc.bucket, tc.key)
		}
	}
}

func TestParseRejects(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"", "src/key", "s3://src/key", "oss:/src/key", "oss://", "oss:///key", "oss://ab/k", "oss://Upper/k",
		"oss://under_score/k", "oss://-lead/k", "oss://trail-/k", "oss://src//k", "oss://src/\\k",
		"oss://src/a\x00b", "oss://src/a\nb", "oss://src/../etc", "oss://src/a/./b", "oss://src/\xff",
		"oss://src/" + strings.Repeat("k", 1024), "oss://" + strings.Repeat("b", 64) + "/k",
	} {
		if u, err := Parse(in); err == nil {
			t.Errorf("Parse(%q) = %+v, want an error", in, u)
		} else if !strings.Contains(err.Error(), "oss://bucket/key") {
			t.Errorf("Parse(%q) error %q does not show the form to write", in, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"oss://src/big.bin", "oss://src/", "oss://a/b", "oss://src/../x", "oss://src/\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := Parse(s)
		if err != nil {
			return
		}
		if bucketProblem(u.Bucket) != "" || keyProblem(u.Key) != "" {
			t.Fatalf("Parse(%q) accepted %+v", s, u)
		}
		if again, err := Parse(u.String()); err != nil || again != u {
			t.Fatalf("Parse(%q) = %+v does not round-trip: %+v, %v", s, u, again, err)
		}
	})
}
