// Package bulk_test proves, against `osscopy server` and the real binary,
// what `osscopy cp -r` and `cp --files-from` promise for migrations of many
// objects: every selected object arrives byte-identical (size and CRC64,
// sampled bytes for the large ones) and nothing else is written; filters,
// skip rules, manifests and shards select exactly what the README says; a
// killed or interrupted run resumes without copying finished objects
// again; a failing object is reported and the others are copied; and a
// throttled run completes. Counts come from the server's access log and the
// run's JSON summary, and are asserted exactly wherever they are exact.
package bulk_test

import (
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/osscopy/osscopy/internal/lab/e2e"
)

func TestMain(m *testing.M) { e2e.Main(m) }

// listed is an object as ListObjectsV2 shows it.
type listed struct {
	Size int64
	ETag string
}

// list lists every object under prefix, by key (one client, so that a
// hundred pages reuse one connection).
func list(t *testing.T, s *e2e.Server, bucket, prefix string) map[string]listed {
	t.Helper()
	c := s.Client()
	p := c.NewListObjectsV2Paginator(&oss.ListObjectsV2Request{Bucket: oss.Ptr(bucket), Prefix: oss.Ptr(prefix), MaxKeys: 1000})
	out := map[string]listed{}
	for p.HasNext() {
		page, err := p.NextPage(e2e.Ctx(t))
		if err != nil {
			t.Fatalf("ListObjectsV2 %s/%s: %v", bucket, prefix, err)
		}
		for _, o := range page.Contents {
			out[oss.ToString(o.Key)] = listed{Size: o.Size, ETag: oss.ToString(o.ETag)}
		}
	}
	return out
}

// requireKeys requires the keys under prefix to be exactly want.
func requireKeys(t *testing.T, s *e2e.Server, bucket, prefix string, want ...string) {
	t.Helper()
	got := sortedKeys(list(t, s, bucket, prefix))
	want = append([]string(nil), want...)
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s/%s holds %d objects %q, want %d: %q", bucket, prefix, len(got), got, len(want), want)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// requireMirror requires dstPrefix to hold a copy of each of the want
// objects under srcPrefix, and nothing else: one listing of each side
// gives the keys, the sizes and the ETags, which must be equal except
// where the copy was made in parts (an ETag "HEX-N"). That proves the
// single copies: the server's CopyObject gives a copy the source's
// extents, CRC64 and ETag together, and the ETag of a small synthetic
// object is the MD5 of its bytes, distinct for each seed, so a copy of the
// wrong source or of other bytes would differ in ETag as in CRC64; and it
// costs a page per thousand objects instead of a HEAD per object. The
// copies made in parts, and every every-th pair besides, are HEADed for
// size and CRC64 (workers at a time). It returns the source listing.
func requireMirror(t *testing.T, s *e2e.Server, srcPrefix, dstPrefix string, want, every, workers int) map[string]listed {
	t.Helper()
	src, dst := list(t, s, "src", srcPrefix), list(t, s, "dst", dstPrefix)
	if len(src) != want || len(dst) != want {
		t.Fatalf("src/%s holds %d objects and dst/%s %d, want %d each", srcPrefix, len(src), dstPrefix, len(dst), want)
	}
	var check []e2e.Pair
	bad := 0
	for i, k := range sortedKeys(src) {
		o := src[k]
		dk := dstPrefix + strings.TrimPrefix(k, srcPrefix)
		d, ok := dst[dk]
		parts := strings.Contains(d.ETag, "-")
		if !ok || d.Size != o.Size || !parts && d.ETag != o.ETag {
			if bad++; bad <= 10 {
				t.Errorf("src/%s: %d bytes, ETag %s; dst/%s: present %v, %d bytes, ETag %s", k, o.Size, o.ETag, dk, ok, d.Size, d.ETag)
			}
			continue
		}
		if parts || i%every == 0 {
			check = append(check, e2e.Pair{Src: k, Dst: dk})
		}
	}
	if bad > 0 {
		t.Fatalf("%d of %d copies under dst/%s differ from their sources", bad, want, dstPrefix)
	}
	s.RequireCopiesWith(t, workers, "src", "dst", check)
	return src
}

// ckptDir is a fresh checkpoint directory.
func ckptDir(t *testing.T) string { return filepath.Join(t.TempDir(), "ckpt") }
