package bulk_test

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/osscopy/osscopy/internal/lab/e2e"
	"github.com/osscopy/osscopy/planner"
)

const (
	scaleSmall    = 100_000
	scaleLarge    = 20
	scaleParallel = 64
	// scaleTimeout bounds the copy: 1.5 minutes without -race on a loaded
	// 2-core machine (12 with -race).
	scaleTimeout = 10 * time.Minute
)

// scaleLargeSizes spreads the large objects geometrically from 1.5 GiB to
// 2 TiB (whole MiB), so that their plans range from 24 parts of 64 MiB to
// 4,096 of 512 MiB.
func scaleLargeSizes() []int64 {
	const lo, hi = 1536 << 20, 2 << 40
	sizes := make([]int64, scaleLarge)
	for i := range sizes {
		f := math.Pow(float64(hi)/float64(lo), float64(i)/float64(scaleLarge-1))
		sizes[i] = int64(math.Round(float64(lo)*f/(1<<20))) << 20
	}
	return sizes
}

// TestPrefix100kAnd20Large: one prefix holding 100,000 small objects (1 KiB
// to 16 KiB) and 20 large ones (1.5 GiB to 2 TiB), copied by one `cp -r
// --parallel 64`. The summary says 100,020 copied and nothing else; the
// access log shows exactly the requests the plan makes: 101 listing pages,
// one HEAD of each source and none of a destination (each write returns
// the CRC64 that proves it), one CopyObject per small object, and for
// each large one an upload, exactly its planned parts and a completion;
// the summary's request count is the log's. Every destination is then
// checked: both prefixes are listed (the same 100,020 keys and sizes, and
// for the small objects the same ETag: see requireMirror), 1,000 small
// pairs and the 20 large are HEADed for their CRC64 (HEADing all 200,040
// keys took 93 s more and proved nothing the listing does not), ten small
// and the 20 large are read back at sampled ranges and every part
// boundary.
//
// Timing, measured on a 2-core machine shared with other jobs (go1.26):
// without -race the copy takes 61 to 91 s and the whole test 71 to 105 s:
// 215,888 requests at about 2,500 a second, each signed by the SDK and
// checked by the server, which also computes the CRC64 and MD5 of the
// 100,000 synthetic objects as the first listing asks for them (40 s of
// listing in a dry run alone; 3 s once computed). With -race (server and binary race-built) the copy took
// 10 min 34 s and the test 11 min 47 s: beyond CI and the default 10-minute
// go test timeout, so under -race the test is skipped unless
// OSSCOPY_LONG=1 (then give go test -timeout 30m). The count is not
// reduced: the point is 100,000 objects in one run.
func TestPrefix100kAnd20Large(t *testing.T) {
	if e2e.Race() && !e2e.Long() {
		t.Skip("100,020 objects take 12 minutes with a -race server and binary; run without -race, or with OSSCOPY_LONG=1 and -timeout 30m (see the comment)")
	}
	t.Parallel()
	timeout := scaleTimeout
	if e2e.Race() {
		timeout = 25 * time.Minute
	}
	sizes := scaleLargeSizes()
	args := []string{"--bucket", "dst", "--seed-objects", e2e.SeedObjects("src", "p/s", scaleSmall, "1KiB-16KiB")}
	large := make([]string, scaleLarge)
	plans := map[string]planner.Plan{}
	totalParts := 0
	for i, size := range sizes {
		large[i] = fmt.Sprintf("p/large-%02d", i)
		args = append(args, "--seed-object", e2e.SeedObject("src", large[i], fmt.Sprint(size)))
		plan, err := planner.New(size, planner.Options{Parallel: scaleParallel})
		if err != nil {
			t.Fatal(err)
		}
		plans[large[i]] = plan
		totalParts += len(plan.Parts)
	}
	start := time.Now()
	s := e2e.StartServer(t, args...)
	t.Logf("server ready in %v", time.Since(start).Round(time.Millisecond))

	start = time.Now()
	p := e2e.Start(t, s.Env(), e2e.CpRArgs(ckptDir(t), "oss://src/p/", "oss://dst/q/", "--parallel", fmt.Sprint(scaleParallel))...)
	p.Wait(timeout)
	copyTime := time.Since(start)
	p.RequireCode(0)
	log := e2e.WithoutProbes(s.Log(t)) // before the checks below add their own requests
	sum := p.BulkSummary()
	t.Logf("cp -r of %d objects: %v (summary %.1fs), %d requests", scaleSmall+scaleLarge, copyTime.Round(time.Millisecond),
		sum.Seconds, len(log))

	const all = scaleSmall + scaleLarge
	if sum.Listed != all || sum.Copied != all || sum.Filtered != 0 || sum.Failed != 0 || sum.Skipped.DoneBefore+sum.Skipped.Exists+sum.Skipped.UpToDate != 0 {
		t.Errorf("summary: listed %d, copied %d, filtered %d, failed %d, skipped %+v; want %d listed and copied, nothing else",
			sum.Listed, sum.Copied, sum.Filtered, sum.Failed, sum.Skipped, all)
	}
	if sum.Throttled != 0 || sum.Retries != 0 {
		t.Errorf("summary: %d throttled, %d retries; want none from a server without faults", sum.Throttled, sum.Retries)
	}
	if sum.Requests != int64(len(log)) {
		t.Errorf("the summary counts %d requests, the access log %d", sum.Requests, len(log))
	}
	want := map[string]int{
		"ListObjectsV2":           (all + 999) / 1000,
		"HeadObject":              all,
		"CopyObject":              scaleSmall,
		"InitiateMultipartUpload": scaleLarge,
		"UploadPartCopy":          totalParts,
		"CompleteMultipartUpload": scaleLarge,
	}
	total := 0
	for op, n := range want {
		total += n
		if got := e2e.Count(log, op, 200); got != n {
			t.Errorf("%d successful %s, want %d", got, op, n)
		}
	}
	if len(log) != total {
		t.Errorf("the access log shows %d requests, want exactly %d: %v", len(log), total, e2e.OpCounts(log))
	}
	for k, n := range e2e.PerKey(log, "HeadObject", 0) {
		if !strings.HasPrefix(k, "src/") || n != 1 {
			t.Errorf("%d HEADs of %s, want one of each source and none of a destination", n, k)
		}
	}
	copies := e2e.PerKey(log, "CopyObject", 200)
	parts := e2e.PerKey(log, "UploadPartCopy", 200)
	for _, k := range e2e.SeededKeys("p/s", scaleSmall) {
		if n := copies["dst/q/"+strings.TrimPrefix(k, "p/")]; n != 1 {
			t.Errorf("%d CopyObject to the copy of %s, want 1", n, k)
		}
	}
	for _, k := range large {
		if n, want := parts["dst/q/"+strings.TrimPrefix(k, "p/")], len(plans[k].Parts); n != want {
			t.Errorf("%d UploadPartCopy for %s, want its %d planned parts", n, k, want)
		}
	}

	start = time.Now()
	src := requireMirror(t, s, "p/", "q/", all, 100, 16)
	t.Logf("listing both prefixes and HEADing 1,000 sampled pairs and the %d large: %v", scaleLarge, time.Since(start).Round(time.Millisecond))
	for _, k := range e2e.SeededKeys("p/s", scaleSmall)[:10] {
		s.RequireSameObject(t, "src", k, "dst", "q/"+strings.TrimPrefix(k, "p/"), 0)
	}
	var bytes int64
	for _, o := range src {
		bytes += o.Size
	}
	if sum.Bytes != bytes {
		t.Errorf("the summary counts %d bytes copied, the sources hold %d", sum.Bytes, bytes)
	}

	start = time.Now()
	var largeDst []string
	for _, k := range large {
		largeDst = append(largeDst, "q/"+strings.TrimPrefix(k, "p/"))
	}
	dstHeads := s.Heads(t, "dst", largeDst, 4)
	for i, k := range large {
		d := largeDst[i]
		if etag, n := dstHeads[d].ETag, len(plans[k].Parts); !strings.HasSuffix(etag, fmt.Sprintf("-%d\"", n)) {
			t.Errorf("%s has ETag %s, want the ETag of %d parts", d, etag, n)
		}
		s.RequireSameObject(t, "src", k, "dst", d, plans[k].PartSize)
	}
	if u := s.Uploads(t, "dst"); len(u) != 0 {
		t.Errorf("uploads left behind: %+v", u)
	}
	t.Logf("reading back the %d large objects: %v; %d parts in all", scaleLarge, time.Since(start).Round(time.Millisecond), totalParts)
}
