package ossserver_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"

	"github.com/osscopy/osscopy/internal/lab/ossserver"
	"github.com/osscopy/osscopy/internal/lab/osstest"
)

// Temporary (STS) credentials need their security token on every request
// and stop working when they expire.
func TestSecurityTokens(t *testing.T) {
	t.Parallel()
	clock := time.Now()
	env := osstest.Start(t, ossserver.Config{
		Buckets: []string{"sts"},
		Credentials: []ossserver.Credential{
			{AccessKeyID: "STS.live", AccessKeySecret: "s1", SecurityToken: "token-live", Expiration: clock.Add(time.Hour)},
			{AccessKeyID: "STS.expired", AccessKeySecret: "s2", SecurityToken: "token-old", Expiration: clock.Add(-time.Minute)},
		},
	})
	client := func(id, secret, token string) *oss.Client {
		return env.NewClient(id, secret, func(c *oss.Config) {
			c.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(id, secret, token))
		})
	}
	put := func(c *oss.Client) error {
		_, err := c.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr("sts"), Key: oss.Ptr("k"), Body: strings.NewReader("x")})
		return err
	}
	if err := put(client("STS.live", "s1", "token-live")); err != nil {
		t.Fatalf("valid temporary credentials: %v", err)
	}
	wantError(t, put(client("STS.live", "s1", "")), 403, "InvalidSecurityToken")
	wantError(t, put(client("STS.live", "s1", "token-forged")), 403, "InvalidSecurityToken")
	se := wantError(t, put(client("STS.expired", "s2", "token-old")), 403, "SecurityTokenExpired")
	if !strings.Contains(se.Message, "new temporary credentials") {
		t.Errorf("expired-token message %q does not say what to do", se.Message)
	}
}
