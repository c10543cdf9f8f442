package ossserver_test

import (
	"io"
	"strings"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/osscopy/osscopy/internal/ossserver"
	"github.com/osscopy/osscopy/internal/osstest"
)

// opaqueReader hides its length from the SDK and net/http, as the SDK v1
// test's reader does, so that the Content-Length sent is the one declared.
type opaqueReader struct{ r io.Reader }

func (o opaqueReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// TestWriteOfALeavingClientIsNotStored follows the SDK v1's
// TestPutObjectWithLimitReaderLen: a body longer than the Content-Length a
// client declares makes Go's HTTP client send Content-Length bytes, then
// close the connection and report the error. OSS stores nothing then, and
// neither does the server; the same write with the right length is stored.
func TestWriteOfALeavingClientIsNotStored(t *testing.T) {
	t.Parallel()
	env := osstest.Start(t, ossserver.Config{Buckets: []string{"gone"}})
	env.Bucket = "gone"
	body := strings.Repeat("x", 1023)
	for _, tc := range []struct {
		name     string
		declared int64
		stored   string
	}{
		{"declared shorter than sent", 100, ""},
		{"declared as sent", 1023, body},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key := "put-" + tc.name
			_, err := env.Client.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(env.Bucket), Key: oss.Ptr(key),
				ContentLength: oss.Ptr(tc.declared), Body: opaqueReader{strings.NewReader(body)}})
			if (err == nil) != (tc.stored != "") {
				t.Fatalf("PutObject: %v", err)
			}
			if _, got := getObjectBytes(t, env, key); got != tc.stored {
				t.Errorf("the server holds %d bytes, want %d", len(got), len(tc.stored))
			}
		})
	}
}
