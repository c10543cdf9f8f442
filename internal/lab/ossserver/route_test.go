package ossserver

import (
	"net/http/httptest"
	"testing"
)

func TestTargetPathStyleAndVirtualHosted(t *testing.T) {
	t.Parallel()
	s := &Server{cfg: (&Config{}).withDefaults()}
	for _, tc := range []struct {
		host, path, bucket, key, code string
	}{
		{"127.0.0.1:9000", "/", "", "", ""},
		{"127.0.0.1:9000", "/src", "src", "", ""},
		{"127.0.0.1:9000", "/src/", "src", "", ""},
		{"127.0.0.1:9000", "/src/a/b%20c", "src", "a/b c", ""},
		{"src.localhost:9000", "/a/b", "src", "a/b", ""},
		{"src.localhost", "/", "src", "", ""},
		{"localhost:9000", "/src/k", "src", "k", ""},
		{"[::1]:9000", "/src/k", "src", "k", ""},
		{"127.0.0.1:9000", "/Bad_Bucket/k", "", "", "InvalidBucketName"},
		{"127.0.0.1:9000", "/src/a/../b", "src", "a/../b", ""},
		{"127.0.0.1:9000", "/src/a%00%0Ab", "src", "a\x00\nb", ""},
		{"127.0.0.1:9000", "/src/%5Ca", "", "", "InvalidObjectName"},
	} {
		r := httptest.NewRequest("GET", "http://x"+tc.path, nil)
		r.Host = tc.host
		bucket, key, e := s.target(r)
		code := ""
		if e != nil {
			code = e.Code
		}
		if bucket != tc.bucket || key != tc.key || code != tc.code {
			t.Errorf("%s %s: got %q %q %q, want %q %q %q", tc.host, tc.path, bucket, key, code, tc.bucket, tc.key, tc.code)
		}
	}
}
