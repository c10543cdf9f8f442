package ossclient

import (
	"strings"
	"testing"
)

// TestResolveRefusesUnusableSettings: settings no request could be sent
// with are refused by Resolve (a usage error), instead of failing every
// attempt as a network error that is retried for minutes; secrets are
// never quoted.
func TestResolveRefusesUnusableSettings(t *testing.T) {
	t.Parallel()
	ok := Settings{Endpoint: "http://127.0.0.1:9000", Region: "cn-hangzhou", AccessKeyID: "id", AccessKeySecret: "s3cr3t", STSToken: "t0k3n"}
	for _, tc := range []struct {
		name string
		edit func(*Settings)
		want string
	}{
		{"ftp endpoint", func(s *Settings) { s.Endpoint = "ftp://127.0.0.1:9000" }, "endpoint"},
		{"endpoint with a path", func(s *Settings) { s.Endpoint = "http://127.0.0.1:9000/../x" }, "endpoint"},
		{"endpoint with a query", func(s *Settings) { s.Endpoint = "http://127.0.0.1:9000?x=1" }, "endpoint"},
		{"endpoint with a newline", func(s *Settings) { s.Endpoint = "http://127.0.0.1:9000\nx" }, "endpoint"},
		{"endpoint without a host", func(s *Settings) { s.Endpoint = "http://" }, "endpoint"},
		{"endpoint with a password", func(s *Settings) { s.Endpoint = "http://user:s3cr3t@127.0.0.1:9000" }, "user name or password"},
		{"region with a newline", func(s *Settings) { s.Region = "cn\nhangzhou" }, "region"},
		{"region with a slash", func(s *Settings) { s.Region = "cn/hangzhou" }, "region"},
		{"key ID with a newline", func(s *Settings) { s.AccessKeyID = "id\n" }, "access key ID"},
		{"token with a carriage return", func(s *Settings) { s.STSToken = "t0k3n\r" }, "security token"},
		{"secret with a newline", func(s *Settings) { s.AccessKeySecret = "s3cr3t\n" }, "access key secret"},
		{"secret with a NUL", func(s *Settings) { s.AccessKeySecret = "s3cr3t\x00" }, "access key secret"},
	} {
		s := ok
		tc.edit(&s)
		_, err := Resolve(s, "/dev/null", "", func(string) string { return "" })
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error about the %s", tc.name, err, tc.want)
			continue
		}
		if strings.Contains(err.Error(), "s3cr3t") || strings.Contains(err.Error(), "t0k3n") {
			t.Errorf("%s: the error shows a secret: %v", tc.name, err)
		}
	}
	if _, err := Resolve(ok, "/dev/null", "", func(string) string { return "" }); err != nil {
		t.Errorf("valid settings: %v", err)
	}
	for _, ep := range []string{"oss-cn-hangzhou.aliyuncs.com", "https://oss-cn-shenzhen.aliyuncs.com/", "http://[::1]:9000", "http://localhost:9000"} {
		s := ok
		s.Endpoint = ep
		if _, err := Resolve(s, "/dev/null", "", func(string) string { return "" }); err != nil {
			t.Errorf("endpoint %q: %v", ep, err)
		}
	}
}
