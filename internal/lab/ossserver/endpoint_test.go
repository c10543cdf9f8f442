package ossserver_test

import (
	"encoding/xml"
	"net/http"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/osscopy/osscopy/internal/lab/ossserver"
	"github.com/osscopy/osscopy/internal/lab/osstest"
)

// OSS's answers to a request sent to the wrong place, which clients read
// to say where to send it: a bucket of another region gets 403
// AccessDenied naming its endpoint (EC 0003-00000001); a V4 signature for
// another region gets 400 InvalidArgument "Invalid signing region in
// Authorization header." (EC 0002-00000226), whose HostId names the host
// that answered, and so its region.
func TestWrongEndpointAndRegion(t *testing.T) {
	t.Parallel()
	env := osstest.Start(t, ossserver.Config{Region: "cn-hangzhou", Buckets: []string{"here"},
		Elsewhere: map[string]string{"there": "cn-beijing"}})
	signedFor := func(region string) *oss.Client {
		return env.NewClient(osstest.AccessKeyID, osstest.AccessKeySecret, func(c *oss.Config) { c.WithRegion(region) })
	}
	type body struct {
		Code, Message, EC, Bucket, Endpoint string
		HostID                              string `xml:"HostId"`
	}
	for _, tc := range []struct {
		name   string
		client *oss.Client
		bucket string
		status int
		want   body
	}{
		{"bucket of another region", env.Client, "there", http.StatusForbidden, body{Code: "AccessDenied",
			Message: "The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.",
			EC:      "0003-00000001", HostID: "there.oss-cn-hangzhou.aliyuncs.com", Bucket: "there", Endpoint: "oss-cn-beijing.aliyuncs.com"}},
		{"bucket of another region, signed for it", signedFor("cn-beijing"), "there", http.StatusForbidden, body{Code: "AccessDenied",
			Message: "The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.",
			EC:      "0003-00000001", HostID: "there.oss-cn-hangzhou.aliyuncs.com", Bucket: "there", Endpoint: "oss-cn-beijing.aliyuncs.com"}},
		{"signed for another region", signedFor("cn-beijing"), "here", http.StatusBadRequest, body{Code: "InvalidArgument",
			Message: "Invalid signing region in Authorization header.", EC: "0002-00000226", HostID: "here.oss-cn-hangzhou.aliyuncs.com"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := tc.client.ListObjectsV2(ctx, &oss.ListObjectsV2Request{Bucket: oss.Ptr(tc.bucket)})
			se := wantError(t, err, tc.status, tc.want.Code)
			var got body
			if err := xml.Unmarshal(se.Snapshot, &got); err != nil {
				t.Fatalf("error body %q: %v", se.Snapshot, err)
			}
			if got != tc.want {
				t.Errorf("error body\n got %+v\nwant %+v", got, tc.want)
			}
			if ec := se.Headers.Get("x-oss-ec"); ec != tc.want.EC {
				t.Errorf("x-oss-ec %q, want %q", ec, tc.want.EC)
			}
		})
	}
}

func TestParseElsewhere(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, bucket, region string
		ok                 bool
	}{
		{"src=cn-beijing", "src", "cn-beijing", true},
		{"src", "", "", false},
		{"src=", "", "", false},
		{"Src=cn-beijing", "", "", false},
		{"src=cn beijing", "", "", false},
		{"src=cn-beijing-", "", "", false},
	} {
		bucket, region, err := ossserver.ParseElsewhere(tc.in)
		if (err == nil) != tc.ok || bucket != tc.bucket || region != tc.region {
			t.Errorf("ParseElsewhere(%q) = %q, %q, %v; want %q, %q, ok %v", tc.in, bucket, region, err, tc.bucket, tc.region, tc.ok)
		}
	}
}
