package bulk_test

import (
	"fmt"
	"testing"

	"github.com/osscopy/osscopy/internal/bulk"
	"github.com/osscopy/osscopy/internal/lab/e2e"
)

// TestThrottledRunCompletes: a server that throttles above 8 requests in
// flight (503 ActiveRequestLimitExceeded, Retry-After 1 s, as OSS
// answers), a run at --parallel 64 of 2,000 small objects and a 20 GiB
// one. Adaptive (the default) and fixed (--adaptive=false), the run
// completes with every object equal to its source; the summary counts the
// throttled requests the access log shows (the listing's included: it
// takes a slot of the budget as every request does) and one retry for
// each, and its request count is the log's. Adaptive, the limit was cut below 64; fixed,
// it stayed at 64.
//
// The two runs' throttled counts and durations are logged, not compared:
// with requests of 0 to 5 ms, a round of the adaptive limit lasts a few
// milliseconds, so its one refusal per five rounds is about as many as
// fixed's (143 to 157 against 139 to 168 in 3 pairs of runs, 3.8 to 4.3 s
// each); docs/BENCHMARKS.md ("Throttling") compares them where requests
// take 20 ms.
func TestThrottledRunCompletes(t *testing.T) {
	t.Parallel()
	const small = 2000
	type result struct {
		sum       bulk.Summary
		throttled map[string]int // by op, from the access log
	}
	results := map[bool]*result{}
	t.Run("group", func(t *testing.T) {
		for _, adaptive := range []bool{true, false} {
			res := &result{}
			results[adaptive] = res
			t.Run(fmt.Sprintf("adaptive=%v", adaptive), func(t *testing.T) {
				t.Parallel()
				s := e2e.StartServer(t, "--bucket", "dst", "--seed-objects", e2e.SeedObjects("src", "p/s", small, "1KiB-16KiB"),
					"--seed-object", e2e.SeedObject("src", "p/big", "20GiB"), "--max-inflight", "8", "--latency", "copy=5ms")
				p := e2e.Run(t, s.Env(), e2e.CpRArgs(ckptDir(t), "oss://src/p/", "oss://dst/q/", "--adaptive="+fmt.Sprint(adaptive))...)
				p.RequireCode(0)
				res.sum = p.BulkSummary()
				log := e2e.WithoutProbes(s.Log(t))
				res.throttled = map[string]int{}
				all := 0
				for _, e := range log {
					if e.Fault == "throttle" {
						res.throttled[e.Op]++
						all++
						if e.Status != 503 || e.Code != "ActiveRequestLimitExceeded" {
							t.Errorf("a throttled %s was answered %d %s", e.Op, e.Status, e.Code)
						}
					}
				}
				sum := res.sum
				if sum.Copied != small+1 || sum.Failed != 0 {
					t.Errorf("copied %d, failed %d; want %d, 0", sum.Copied, sum.Failed, small+1)
				}
				if all == 0 || sum.Throttled == 0 {
					t.Errorf("the access log shows %d throttled requests and the summary %d: the test throttles nothing", all, sum.Throttled)
				}
				if sum.Throttled != int64(all) {
					t.Errorf("the summary counts %d throttled requests, the access log %d (%v)", sum.Throttled, all, res.throttled)
				}
				if sum.Retries != int64(all) {
					t.Errorf("the summary counts %d retries, want one per throttled request: %d", sum.Retries, all)
				}
				if sum.Requests != int64(len(log)) {
					t.Errorf("the summary counts %d requests, the access log %d", sum.Requests, len(log))
				}
				if adaptive && sum.MinLimit >= 64 || !adaptive && sum.MinLimit != 64 {
					t.Errorf("adaptive=%v: min_parallel %d; want below 64 when adaptive, 64 when fixed", adaptive, sum.MinLimit)
				}
				requireMirror(t, s, "p/", "q/", small+1, 20, 4) // 4 HEADs at a time: below --max-inflight
				s.RequireSameObject(t, "src", "p/big", "dst", "q/big", 0)
			})
		}
	})
	for _, adaptive := range []bool{true, false} {
		r := results[adaptive]
		t.Logf("adaptive=%v: %d throttled (%v), %d retries, min_parallel %d, %d requests, %.1fs", adaptive, r.sum.Throttled,
			r.throttled, r.sum.Retries, r.sum.MinLimit, r.sum.Requests, r.sum.Seconds)
	}
}
