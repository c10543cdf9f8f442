package e2e

import (
	"strings"
	"sync"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

// Pair is a source key and the key its copy must have.
type Pair struct{ Src, Dst string }

// PrefixPairs pairs each key under from with the same rest under to.
func PrefixPairs(keys []string, from, to string) []Pair {
	out := make([]Pair, len(keys))
	for i, k := range keys {
		out[i] = Pair{Src: k, Dst: to + strings.TrimPrefix(k, from)}
	}
	return out
}

// Head is what a HEAD says of an object.
type Head struct {
	Size  int64
	CRC64 string
	ETag  string
}

// Heads reads the size, CRC64 and ETag of every key with HEADs, workers at
// a time over one client (a bulk run's thousands of objects take seconds,
// not minutes). A key that cannot be read fails the test.
func (s *Server) Heads(t testing.TB, bucket string, keys []string, workers int) map[string]Head {
	t.Helper()
	c := s.Client()
	out := make([]Head, len(keys))
	errs := make([]error, len(keys))
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Go(func() {
			for i := range next {
				res, err := c.HeadObject(Ctx(t), &oss.HeadObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(keys[i])})
				if err != nil {
					errs[i] = err
					continue
				}
				out[i] = Head{Size: res.ContentLength, CRC64: oss.ToString(res.HashCRC64), ETag: oss.ToString(res.ETag)}
			}
		})
	}
	for i := range keys {
		next <- i
	}
	close(next)
	wg.Wait()
	m := make(map[string]Head, len(keys))
	bad := 0
	for i, k := range keys {
		if errs[i] != nil {
			if bad++; bad <= 5 {
				t.Errorf("HeadObject %s/%s: %v", bucket, k, errs[i])
			}
			continue
		}
		m[k] = out[i]
	}
	if bad > 0 {
		t.Fatalf("%d of %d HEADs of %s failed", bad, len(keys), bucket)
	}
	return m
}

// RequireCopies requires each pair's destination in dstBucket to have its
// source's size and CRC64 (HEADs of both sides, 16 at a time).
func (s *Server) RequireCopies(t testing.TB, srcBucket, dstBucket string, pairs []Pair) {
	t.Helper()
	s.RequireCopiesWith(t, 16, srcBucket, dstBucket, pairs)
}

// RequireCopiesWith is RequireCopies with workers HEADs at a time (fewer
// for a server with --max-inflight, which would throttle them).
func (s *Server) RequireCopiesWith(t testing.TB, workers int, srcBucket, dstBucket string, pairs []Pair) {
	t.Helper()
	srcKeys, dstKeys := make([]string, len(pairs)), make([]string, len(pairs))
	for i, p := range pairs {
		srcKeys[i], dstKeys[i] = p.Src, p.Dst
	}
	src, dst := s.Heads(t, srcBucket, srcKeys, workers), s.Heads(t, dstBucket, dstKeys, workers)
	bad := 0
	for _, p := range pairs {
		a, b := src[p.Src], dst[p.Dst]
		if a.CRC64 == "" || a.Size != b.Size || a.CRC64 != b.CRC64 {
			if bad++; bad <= 10 {
				t.Errorf("%s/%s has %d bytes and CRC64 %q; its source %s/%s %d bytes and CRC64 %q", dstBucket, p.Dst, b.Size, b.CRC64,
					srcBucket, p.Src, a.Size, a.CRC64)
			}
		}
	}
	if bad > 0 {
		t.Fatalf("%d of %d copies differ from their sources", bad, len(pairs))
	}
}
