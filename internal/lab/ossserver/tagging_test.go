package ossserver_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/osscopy/osscopy/internal/lab/ossserver"
	"github.com/osscopy/osscopy/internal/lab/osstest"
)

// TestTagCharacters sends the tags of the SDK v1's TestPutObjectTagging and
// OSS's limits through PutObjectTagging and x-oss-tagging: keys and values
// of letters (any script's, as the Python SDK's tests use Chinese), digits,
// spaces and + - = . _ : / are taken; any other character is refused with
// OSS's EC, as are keys over 128 and values over 256 characters.
func TestTagCharacters(t *testing.T) {
	t.Parallel()
	env := osstest.Start(t, ossserver.Config{Buckets: []string{"tags"}})
	env.Bucket = "tags"
	putObject(t, env, "tagged", []byte("t"), nil)
	for _, tc := range []struct {
		name, key, value string
		wantOK           bool
		wantEC           string // of a refusal
	}{
		{"every allowed mark", "k +-=._:/", "v +-=._:/", true, ""},
		{"letters of other scripts", "中文", "値 ünïcode", true, ""},
		{"128-character key", strings.Repeat("é", 128), "v", true, ""},
		{"256-character value", "k", strings.Repeat("é", 256), true, ""},
		{"& in the key", "key&", "v", false, "0010-00000212"},
		{"& in the value", "k", "value&", false, "0010-00000217"},
		{"? in the key", "k?", "v", false, "0010-00000212"},
		{"a tab in the value", "k", "a\tb", false, "0010-00000217"},
		{"129-character key", strings.Repeat("k", 129), "v", false, ""},
		{"257-character value", "k", strings.Repeat("v", 257), false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := env.Client.PutObjectTagging(ctx, &oss.PutObjectTaggingRequest{Bucket: oss.Ptr(env.Bucket), Key: oss.Ptr("tagged"),
				Tagging: &oss.Tagging{TagSet: &oss.TagSet{Tags: []oss.Tag{{Key: oss.Ptr(tc.key), Value: oss.Ptr(tc.value)}}}}})
			tagCheck(t, "PutObjectTagging", err, tc.wantOK, tc.wantEC)
			_, err = env.Client.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(env.Bucket), Key: oss.Ptr("put-tagged"),
				Tagging: oss.Ptr(url.QueryEscape(tc.key) + "=" + url.QueryEscape(tc.value)), Body: strings.NewReader("p")})
			tagCheck(t, "PutObject with x-oss-tagging", err, tc.wantOK, tc.wantEC)
		})
	}
}

func tagCheck(t *testing.T, what string, err error, wantOK bool, wantEC string) {
	t.Helper()
	if wantOK {
		if err != nil {
			t.Errorf("%s: %v, want it taken", what, err)
		}
		return
	}
	if se := wantError(t, err, http.StatusBadRequest, "InvalidArgument"); se.EC != wantEC {
		t.Errorf("%s: EC %q, want %q", what, se.EC, wantEC)
	}
}
