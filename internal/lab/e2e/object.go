package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

// Ctx is a context for one SDK call of a test.
func Ctx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	t.Cleanup(cancel)
	return ctx
}

// Head reads an object's metadata; the error is the SDK's.
func (s *Server) Head(t testing.TB, bucket, key string) (*oss.HeadObjectResult, error) {
	t.Helper()
	return s.Client().HeadObject(Ctx(t), &oss.HeadObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key)})
}

// RequireSameObject requires dst to be byte-identical to src: the same
// size and x-oss-hash-crc64ecma, and samples random ranges (and the
// bytes around every boundary of parts of partSize, when not 0) of both
// that read back equal. It returns the CRC64.
func (s *Server) RequireSameObject(t testing.TB, srcBucket, srcKey, dstBucket, dstKey string, partSize int64) string {
	t.Helper()
	src, err := s.Head(t, srcBucket, srcKey)
	if err != nil {
		t.Fatalf("HeadObject %s/%s: %v", srcBucket, srcKey, err)
	}
	dst, err := s.Head(t, dstBucket, dstKey)
	if err != nil {
		t.Fatalf("HeadObject %s/%s: %v (want a copy of %s/%s)", dstBucket, dstKey, err, srcBucket, srcKey)
	}
	crc := oss.ToString(src.HashCRC64)
	if src.ContentLength != dst.ContentLength || crc == "" || oss.ToString(dst.HashCRC64) != crc {
		t.Fatalf("%s/%s has %d bytes and CRC64 %q; the source %s/%s %d bytes and CRC64 %q", dstBucket, dstKey, dst.ContentLength,
			oss.ToString(dst.HashCRC64), srcBucket, srcKey, src.ContentLength, crc)
	}
	size := src.ContentLength
	if size == 0 {
		return crc
	}
	// The server's CRC64 is its own bookkeeping; the bytes are the proof.
	const n = 4 << 10
	var ranges [][2]int64
	rng := rand.New(rand.NewPCG(uint64(size), 1))
	for range 8 {
		first := rng.Int64N(size)
		ranges = append(ranges, [2]int64{first, min(first+n, size) - 1})
	}
	for b := partSize; partSize > 0 && b < size && len(ranges) < 64; b += partSize {
		ranges = append(ranges, [2]int64{max(b-n/2, 0), min(b+n/2, size) - 1})
	}
	ranges = append(ranges, [2]int64{max(size-n, 0), size - 1})
	for _, r := range ranges {
		a, b := s.readRange(t, srcBucket, srcKey, r), s.readRange(t, dstBucket, dstKey, r)
		if !bytes.Equal(a, b) {
			t.Fatalf("bytes %d-%d of %s/%s differ from the source's", r[0], r[1], dstBucket, dstKey)
		}
	}
	return crc
}

func (s *Server) readRange(t testing.TB, bucket, key string, r [2]int64) []byte {
	t.Helper()
	res, err := s.Client().GetObject(Ctx(t), &oss.GetObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key),
		Range: oss.Ptr(fmt.Sprintf("bytes=%d-%d", r[0], r[1]))})
	if err != nil {
		t.Fatalf("GetObject %s/%s bytes %d-%d: %v", bucket, key, r[0], r[1], err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil || int64(len(data)) != r[1]-r[0]+1 {
		t.Fatalf("GetObject %s/%s bytes %d-%d: %d bytes, %v", bucket, key, r[0], r[1], len(data), err)
	}
	return data
}

// RequireNoObject requires that bucket holds no object key.
func (s *Server) RequireNoObject(t testing.TB, bucket, key string) {
	t.Helper()
	_, err := s.Head(t, bucket, key)
	var se *oss.ServiceError
	if !errors.As(err, &se) || se.StatusCode != 404 {
		t.Fatalf("HeadObject %s/%s: %v; want 404, no object", bucket, key, err)
	}
}

// Upload is a multipart upload in progress.
type Upload struct {
	Key, ID string
	Parts   int
}

// Uploads lists the multipart uploads in progress in bucket, with how
// many parts each holds. An upload completed or aborted between the
// listing and its parts (by a copy another test runs at the same time) is
// no longer in progress, and left out.
func (s *Server) Uploads(t testing.TB, bucket string) []Upload {
	t.Helper()
	c := s.Client()
	res, err := c.ListMultipartUploads(Ctx(t), &oss.ListMultipartUploadsRequest{Bucket: oss.Ptr(bucket)})
	if err != nil {
		t.Fatalf("ListMultipartUploads %s: %v", bucket, err)
	}
	var out []Upload
	for _, u := range res.Uploads {
		up := Upload{Key: oss.ToString(u.Key), ID: oss.ToString(u.UploadId)}
		if up.Parts, err = s.countParts(t, bucket, up); err != nil {
			var se *oss.ServiceError
			if errors.As(err, &se) && se.Code == "NoSuchUpload" {
				continue
			}
			t.Fatalf("ListParts %s/%s %s: %v", bucket, up.Key, up.ID, err)
		}
		out = append(out, up)
	}
	return out
}

// countParts counts the parts upload u of bucket holds.
func (s *Server) countParts(t testing.TB, bucket string, u Upload) (int, error) {
	p := s.Client().NewListPartsPaginator(&oss.ListPartsRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(u.Key), UploadId: oss.Ptr(u.ID)})
	n := 0
	for p.HasNext() {
		page, err := p.NextPage(Ctx(t))
		if err != nil {
			return n, err
		}
		n += len(page.Parts)
	}
	return n, nil
}

// PutObject stores body at bucket/key.
func (s *Server) PutObject(t testing.TB, bucket, key string, body []byte) {
	t.Helper()
	if _, err := s.Client().PutObject(Ctx(t), &oss.PutObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key),
		Body: bytes.NewReader(body)}); err != nil {
		t.Fatalf("PutObject %s/%s: %v", bucket, key, err)
	}
}

// DeleteObject deletes bucket/key.
func (s *Server) DeleteObject(t testing.TB, bucket, key string) {
	t.Helper()
	if _, err := s.Client().DeleteObject(Ctx(t), &oss.DeleteObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key)}); err != nil {
		t.Fatalf("DeleteObject %s/%s: %v", bucket, key, err)
	}
}

// AbortUploads aborts every upload in progress in bucket and returns
// their IDs.
func (s *Server) AbortUploads(t testing.TB, bucket string) []string {
	t.Helper()
	var ids []string
	for _, u := range s.Uploads(t, bucket) {
		if _, err := s.Client().AbortMultipartUpload(Ctx(t), &oss.AbortMultipartUploadRequest{Bucket: oss.Ptr(bucket),
			Key: oss.Ptr(u.Key), UploadId: oss.Ptr(u.ID)}); err != nil {
			t.Fatalf("AbortMultipartUpload %s/%s %s: %v", bucket, u.Key, u.ID, err)
		}
		ids = append(ids, u.ID)
	}
	return ids
}
