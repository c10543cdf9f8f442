package ossserver_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/osscopy/osscopy/internal/lab/ossserver"
	"github.com/osscopy/osscopy/internal/lab/osstest"
)

// TestListBucketsPrefix: OSS refuses a ListBuckets prefix that no bucket
// name can begin with (400, EC 0017-00000290), which is how the SDK v1's
// IsBucketExist fails for an invalid name; any other prefix lists the
// buckets that have it.
func TestListBucketsPrefix(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 63)
	env := osstest.Start(t, ossserver.Config{Buckets: []string{"ab-c", "abc", long}})
	for _, tc := range []struct {
		prefix string
		want   string // the names listed, or "refused"
	}{
		{"", long + " ab-c abc"},
		{"a", long + " ab-c abc"},
		{"ab-", "ab-c"},
		{"abc", "abc"},
		{long, long},
		{"9", ""},
		{"BucketNameInvalid", "refused"},
		{"-a", "refused"},
		{"a_b", "refused"},
		{long + "a", "refused"},
	} {
		t.Run(tc.prefix, func(t *testing.T) {
			res, err := env.Client.ListBuckets(ctx, &oss.ListBucketsRequest{Prefix: oss.Ptr(tc.prefix)})
			if tc.want == "refused" {
				if se := wantError(t, err, http.StatusBadRequest, "InvalidArgument"); se.EC != "0017-00000290" {
					t.Errorf("EC %q, want 0017-00000290", se.EC)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, b := range res.Buckets {
				names = append(names, oss.ToString(b.Name))
			}
			if got := strings.Join(names, " "); got != tc.want {
				t.Errorf("listed %q, want %q", got, tc.want)
			}
		})
	}
}
