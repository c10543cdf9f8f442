package ossserver_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/osscopy/osscopy/internal/lab/ossserver"
	"github.com/osscopy/osscopy/internal/lab/osstest"
)

// TestDeny: --deny rules answer 403 AccessDenied to the requests they
// cover (by bucket, key, prefix, operation, and as a copy source), and to
// no other.
func TestDeny(t *testing.T) {
	t.Parallel()
	rules := []string{"closed", "src/secret.bin", "UploadPartCopy=src/nocopy*"}
	var cfg ossserver.Config
	for _, r := range rules {
		rule, err := ossserver.ParseDenyRule(r)
		if err != nil {
			t.Fatalf("ParseDenyRule(%q): %v", r, err)
		}
		if rule.String() != r {
			t.Errorf("ParseDenyRule(%q).String() = %q", r, rule.String())
		}
		cfg.Deny = append(cfg.Deny, rule)
	}
	cfg.Buckets = []string{"dst", "closed"}
	for _, k := range []string{"secret.bin", "open.bin", "nocopy-1.bin"} {
		cfg.Seeds = append(cfg.Seeds, ossserver.Seed{Bucket: "src", Key: k, Size: 300 << 10, Seed: 3})
	}
	env := osstest.Start(t, cfg)
	c := env.Client
	ctx := context.Background()
	init, err := c.InitiateMultipartUpload(ctx, &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr("dst"), Key: oss.Ptr("d")})
	if err != nil {
		t.Fatalf("InitiateMultipartUpload dst/d: %v", err)
	}
	head := func(bucket, key string) error {
		_, err := c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key)})
		return err
	}
	partCopy := func(key string) error {
		_, err := c.UploadPartCopy(ctx, &oss.UploadPartCopyRequest{Bucket: oss.Ptr("dst"), Key: oss.Ptr("d"), UploadId: init.UploadId,
			PartNumber: 1, SourceBucket: oss.Ptr("src"), SourceKey: oss.Ptr(key)})
		return err
	}
	copyObject := func(key string) error {
		_, err := c.CopyObject(ctx, &oss.CopyObjectRequest{Bucket: oss.Ptr("dst"), Key: oss.Ptr("c-" + key),
			SourceBucket: oss.Ptr("src"), SourceKey: oss.Ptr(key)})
		return err
	}
	for _, tc := range []struct {
		name   string
		err    error
		denied bool
	}{
		{"HeadObject src/secret.bin", head("src", "secret.bin"), true},
		{"HeadObject src/open.bin", head("src", "open.bin"), false},
		{"UploadPartCopy from src/secret.bin", partCopy("secret.bin"), true},
		{"CopyObject from src/secret.bin", copyObject("secret.bin"), true},
		{"UploadPartCopy from src/open.bin", partCopy("open.bin"), false},
		{"HeadObject src/nocopy-1.bin", head("src", "nocopy-1.bin"), false},
		{"CopyObject from src/nocopy-1.bin", copyObject("nocopy-1.bin"), false},
		{"UploadPartCopy from src/nocopy-1.bin", partCopy("nocopy-1.bin"), true},
		{"PutObject closed/x", func() error {
			_, err := c.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr("closed"), Key: oss.Ptr("x"), Body: strings.NewReader("x")})
			return err
		}(), true},
		{"ListObjectsV2 closed", func() error {
			_, err := c.ListObjectsV2(ctx, &oss.ListObjectsV2Request{Bucket: oss.Ptr("closed")})
			return err
		}(), true},
	} {
		if !tc.denied {
			if tc.err != nil {
				t.Errorf("%s: %v, want success", tc.name, tc.err)
			}
			continue
		}
		se := wantError(t, tc.err, 403, "AccessDenied")
		if !strings.Contains(se.Message, "--deny") {
			t.Errorf("%s: message %q does not name the rule", tc.name, se.Message)
		}
	}
	denied := 0
	for _, e := range env.Log.Entries(t) {
		if e.Fault == "deny" {
			denied++
		}
	}
	if denied != 6 {
		t.Errorf("the access log marks %d requests as denied, want 6", denied)
	}
}

func TestParseDenyRule(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]ossserver.DenyRule{
		"src":                    {Op: "*", Bucket: "src"},
		"src/a/b=c.bin":          {Op: "*", Bucket: "src", Key: "a/b=c.bin"},
		"copy=src/dir/*":         {Op: "copy", Bucket: "src", Key: "dir/", Prefix: true},
		"HeadObject=src/*":       {Op: "HeadObject", Bucket: "src", Prefix: true},
		"UploadPartCopy=src/k=v": {Op: "UploadPartCopy", Bucket: "src", Key: "k=v"},
	} {
		got, err := ossserver.ParseDenyRule(in)
		if err != nil || got != want {
			t.Errorf("ParseDenyRule(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "Bad_Bucket", "Nope=src", `src/\a`, "src/a\xff", "=src", "copy="} {
		if _, err := ossserver.ParseDenyRule(bad); err == nil || !strings.Contains(err.Error(), "--deny") {
			t.Errorf("ParseDenyRule(%q): %v, want an error naming --deny", bad, err)
		}
	}
}
