package ossserver_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/osscopy/osscopy/internal/lab/ossserver"
	"github.com/osscopy/osscopy/internal/lab/osstest"
)

// The benchmarks run the SDK against the server over real HTTP, with no
// latency model, so what they measure is the whole round trip: client,
// signing, HTTP and the server. allocs/op counts both sides.

const (
	benchBucket = "bench"
	benchSource = "huge.bin"
	benchHuge   = 48_800_000_000_000 // 48.8 TB, the largest object OSS allows
)

// benchStart runs a server holding a synthetic object of size bytes. The
// access log is discarded rather than collected in memory.
func benchStart(b *testing.B, size int64) *osstest.Env {
	b.Helper()
	return osstest.Start(b, ossserver.Config{AccessLog: io.Discard, Buckets: []string{benchBucket},
		Seeds: []ossserver.Seed{{Bucket: benchBucket, Key: benchSource, Size: size, Seed: 1}}})
}

func benchInitiate(b *testing.B, c *oss.Client, key string) string {
	b.Helper()
	res, err := c.InitiateMultipartUpload(context.Background(), &oss.InitiateMultipartUploadRequest{
		Bucket: oss.Ptr(benchBucket), Key: oss.Ptr(key)})
	if err != nil {
		b.Fatal(err)
	}
	return oss.ToString(res.UploadId)
}

func benchCopyPart(c *oss.Client, key, uploadID string, part int32, first, n int64) (string, error) {
	res, err := c.UploadPartCopy(context.Background(), &oss.UploadPartCopyRequest{
		Bucket: oss.Ptr(benchBucket), Key: oss.Ptr(key), UploadId: oss.Ptr(uploadID), PartNumber: part,
		SourceBucket: oss.Ptr(benchBucket), SourceKey: oss.Ptr(benchSource),
		Range: oss.Ptr(fmt.Sprintf("bytes=%d-%d", first, first+n-1))})
	if err != nil {
		return "", err
	}
	return oss.ToString(res.ETag), nil
}

// UploadPartCopy costs the same whatever the size of the range: parts are
// extents, and the CRC64 of a synthetic range is computed structurally.
func BenchmarkUploadPartCopy(b *testing.B) {
	for _, size := range []struct {
		name string
		n    int64
	}{{"64MiB", 64 << 20}, {"1GiB", 1 << 30}, {"5GiB", 5 << 30}} {
		b.Run(size.name, func(b *testing.B) {
			env := benchStart(b, benchHuge)
			uploadID := benchInitiate(b, env.Client, "dst.bin")
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				// A different, unaligned range each time: nothing is cached.
				first := (int64(i)*1_000_000_007 + 12_345) % (benchHuge - size.n)
				if _, err := benchCopyPart(env.Client, "dst.bin", uploadID, int32(i%ossserver.MaxPartNumber+1), first, size.n); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// CompleteMultipartUpload of 10,000 parts (of 100 MiB each: a 1 TB object);
// only the Complete is timed.
func BenchmarkCompleteMultipartUpload10000Parts(b *testing.B) {
	const parts, partSize = ossserver.MaxPartNumber, 100 << 20
	env := benchStart(b, benchHuge)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		uploadID := benchInitiate(b, env.Client, "complete.bin")
		list := make([]oss.UploadPart, parts)
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for p := w; p < parts; p += 8 {
					etag, err := benchCopyPart(env.Client, "complete.bin", uploadID, int32(p+1), int64(p)*partSize+int64(i), partSize)
					if err != nil {
						errs <- err
						return
					}
					list[p] = oss.UploadPart{PartNumber: int32(p + 1), ETag: oss.Ptr(etag)}
				}
			}()
		}
		wg.Wait()
		close(errs)
		if err := <-errs; err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		res, err := env.Client.CompleteMultipartUpload(ctx, &oss.CompleteMultipartUploadRequest{Bucket: oss.Ptr(benchBucket),
			Key: oss.Ptr("complete.bin"), UploadId: oss.Ptr(uploadID), CompleteMultipartUpload: &oss.CompleteMultipartUpload{Parts: list}})
		if err != nil {
			b.Fatal(err)
		}
		if oss.ToString(res.ETag) == "" || oss.ToString(res.HashCRC64) == "" {
			b.Fatalf("Complete returned ETag %q CRC %q", oss.ToString(res.ETag), oss.ToString(res.HashCRC64))
		}
	}
}

// Streaming synthetic content: GetObject of a 256 MiB synthetic object.
func BenchmarkGetObjectSynthetic(b *testing.B) {
	const size = 256 << 20
	env := benchStart(b, size)
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		res, err := env.Client.GetObject(context.Background(), &oss.GetObjectRequest{Bucket: oss.Ptr(benchBucket), Key: oss.Ptr(benchSource)})
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if err != nil || n != size {
			b.Fatalf("read %d bytes (%v), want %d", n, err, size)
		}
	}
}

// Starting a server with 100,000 or 1,000,000 seeded objects of 1-64 KiB:
// objects carry no content tables and no digests until used. It reports the
// live heap per object and the process's peak RSS; run one size alone with
// -benchtime=1x for a peak that is that size's own.
func BenchmarkStartSeedObjects(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			cfg := ossserver.Config{AccessLog: io.Discard,
				Credentials: []ossserver.Credential{{AccessKeyID: osstest.AccessKeyID, AccessKeySecret: osstest.AccessKeySecret}},
				SeedObjects: []ossserver.SeedObjects{{Bucket: benchBucket, Prefix: "obj/", Count: n, MinSize: 1 << 10, MaxSize: 64 << 10, Seed: 1}}}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			var srv *ossserver.Server
			for b.Loop() {
				srv = nil // the last server's objects may go while the next is made
				s, err := ossserver.New(cfg)
				if err != nil {
					b.Fatal(err)
				}
				srv = s
			}
			runtime.GC()
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(n), "heap-B/object")
			if kb := procStatusKB("VmHWM"); kb > 0 {
				b.ReportMetric(float64(kb)/1024, "peak-RSS-MiB")
			}
			runtime.KeepAlive(srv)
		})
	}
}

// procStatusKB reads a field of /proc/self/status in KiB (0 off Linux).
func procStatusKB(field string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	for sc := bufio.NewScanner(f); sc.Scan(); {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb
		}
	}
	return 0
}
