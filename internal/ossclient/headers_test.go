package ossclient

import "testing"

// TestHeaderRules: refuseBadHeaders refuses what net/http refuses to send,
// and no more: a tab and non-ASCII bytes pass in a value.
func TestHeaderRules(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		want bool
	}{
		{"X-Oss-Meta-Owner", true}, {"x-oss-meta-a_b.c", true}, {"!#$%&'*+-.^_`|~", true},
		{"", false}, {"a b", false}, {"a:b", false}, {"a\nb", false}, {"é", false}, {"a(b)", false},
	} {
		if got := validHeaderName(tc.name); got != tc.want {
			t.Errorf("validHeaderName(%q) = %v, want %v", tc.name, got, tc.want)
		}
	}
	for _, tc := range []struct {
		value   string
		invalid bool
	}{
		{"text/plain; charset=utf-8", false}, {"a\tb", false}, {"é 中文 \xff", false}, {"", false},
		{"a\nb", true}, {"a\r", true}, {"\x00", true}, {"\x1b[31m", true}, {"\x7f", true},
	} {
		if got := invalidHeaderValue(tc.value); got != tc.invalid {
			t.Errorf("invalidHeaderValue(%q) = %v, want %v", tc.value, got, tc.invalid)
		}
	}
}
