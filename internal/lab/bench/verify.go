package bench

import (
	"context"
	"fmt"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
)

// verifier checks a copy's result from the parent, with a client of its
// own (10 attempts per request: the faults scenario's errors hit it too).
type verifier struct{ c *oss.Client }

func newVerifier(endpoint, id, secret string) verifier {
	return verifier{oss.NewClient(oss.LoadDefaultConfig().
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider(id, secret)).
		WithRegion(region).WithEndpoint(endpoint).WithUsePathStyle(true).WithRetryMaxAttempts(10))}
}

// sameContent requires the destination's size and CRC64 to equal the source's.
func (v verifier) sameContent(ctx context.Context, dstKey string) error {
	src, err := v.c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(srcBucket), Key: oss.Ptr(srcKey)})
	if err != nil {
		return fmt.Errorf("verifying: reading the source: %w", err)
	}
	dst, err := v.c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(dstBucket), Key: oss.Ptr(dstKey)})
	if err != nil {
		return fmt.Errorf("verifying: reading the destination: %w", err)
	}
	s, d := oss.ToString(src.HashCRC64), oss.ToString(dst.HashCRC64)
	switch {
	case s == "" || d == "":
		return fmt.Errorf("verifying: no CRC64 for the source (%q) or the destination (%q)", s, d)
	case src.ContentLength != dst.ContentLength || s != d:
		return fmt.Errorf("verifying: the destination has %d bytes and CRC64 %s, the source %d bytes and CRC64 %s",
			dst.ContentLength, d, src.ContentLength, s)
	}
	return nil
}

// openUploads counts the multipart uploads left in the destination bucket.
func (v verifier) openUploads(ctx context.Context) (int, error) {
	n := 0
	p := v.c.NewListMultipartUploadsPaginator(&oss.ListMultipartUploadsRequest{Bucket: oss.Ptr(dstBucket)})
	for p.HasNext() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return 0, fmt.Errorf("listing the uploads left open: %w", err)
		}
		n += len(page.Uploads)
	}
	return n, nil
}
