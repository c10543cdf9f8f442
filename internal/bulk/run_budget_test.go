// Tests of the request budget: the gate's bound, a throttled listing, and large and small objects sharing the budget.

package bulk

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/osscopy/osscopy/worker"
)

// The gate bounds the requests in flight of the whole run: small objects'
// and the parts of several large ones together.
func TestRunGateBoundsConcurrency(t *testing.T) {
	t.Parallel()
	for _, parallel := range []int{1, 3, 8, 32} {
		t.Run(fmt.Sprint(parallel), func(t *testing.T) {
			t.Parallel()
			g := newRig(t)
			g.fs.delay = 500 * time.Microsecond
			g.fs.pageSize = 10
			objects := map[string]int64{}
			for i := range 4 {
				objects[fmt.Sprintf("big-%d", i)] = bigSize
			}
			for i := range 60 {
				objects[fmt.Sprintf("small-%02d", i)] = int64(i)
			}
			g.putSrc(objects)
			res := g.run(context.Background(), func(o *Options) { o.Job.Parallel = parallel })
			if res.err != nil || res.sum.Copied != int64(len(objects)) {
				t.Fatalf("Run = %v, %+v", res.err, res.sum)
			}
			if res.peak > parallel {
				t.Errorf("%d requests in flight at once, --parallel %d", res.peak, parallel)
			}
			if parallel > 1 && res.peak < 2 {
				t.Errorf("never more than %d request in flight with --parallel %d: the test did not exercise the gate", res.peak, parallel)
			}
			t.Logf("--parallel %d: at most %d requests in flight", parallel, res.peak)
			for rel := range objects {
				g.requireSame("data/"+rel, "backup/2024/"+rel)
			}
		})
	}
}

// The listing takes a slot of the run's budget: a throttled page is
// retried, counted as throttled, and cuts the limit as a throttled copy
// does; its requests are in the summary's count.
func TestRunListingThrottled(t *testing.T) {
	t.Parallel()
	g := newRig(t)
	g.fs.pageSize = 2
	g.putSrc(map[string]int64{"a": 1, "b": 2, "c": 3})
	var lists atomic.Int32
	g.fs.fail = func(op string, _ worker.Object) error {
		if op == "List" && lists.Add(1) == 1 {
			return throttledErr("SlowDown")
		}
		return nil
	}
	res := g.run(context.Background(), nil)
	if res.err != nil || res.sum.Copied != 3 {
		t.Fatalf("Run = %v, %+v", res.err, res.sum)
	}
	sent := g.fs.count("List") + g.fs.count("Head") + g.fs.count("CopyObject")
	if s := res.sum; s.Throttled != 1 || s.Retries != 1 || s.MinLimit != res.opts.Job.Parallel-1 || s.Requests != int64(sent) {
		t.Errorf("summary %+v; want 1 throttled, 1 retry, the limit cut to %d, %d requests (%d lists)", s,
			res.opts.Job.Parallel-1, sent, g.fs.count("List"))
	}
}

// A large object listed first is copied while the listing goes on: its
// parts do not wait for the last page.
func TestRunLargeObjectProgressesWhileListing(t *testing.T) {
	t.Parallel()
	g := newRig(t)
	g.putSrc(map[string]int64{"a-big": bigSize, "b": 1, "c": 2, "d": 3})
	g.fs.pageSize = 1
	var partsDuringListing atomic.Bool
	g.fs.fail = func(op string, _ worker.Object) error {
		if op == "List" && g.fs.count("List") == 3 {
			deadline := time.Now().Add(10 * time.Second)
			for g.fs.count("UploadPartCopy") < 2 && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			partsDuringListing.Store(g.fs.count("UploadPartCopy") >= 2)
		}
		return nil
	}
	res := g.run(context.Background(), nil)
	if res.err != nil || res.sum.Copied != 4 {
		t.Fatalf("Run: %v, %+v", res.err, res.sum)
	}
	if !partsDuringListing.Load() {
		t.Error("no part of the large object was copied before the listing's third page was asked for")
	}
}

// One object of many parts does not starve the small objects listed after
// it: they share the budget in arrival order and all finish first.
func TestRunHugeObjectDoesNotStarveSmallOnes(t *testing.T) {
	t.Parallel()
	g := newRig(t)
	objects := map[string]int64{"a-huge": 200 * partSize}
	for i := range 20 {
		objects[fmt.Sprintf("s%02d", i)] = 10
	}
	g.putSrc(objects)
	g.fs.delay = 2 * time.Millisecond
	var mu sync.Mutex
	var order []string
	g.fs.afterCopy = func(dst worker.Object) {
		mu.Lock()
		defer mu.Unlock()
		order = append(order, dst.Key)
	}
	res := g.run(context.Background(), nil)
	if res.err != nil || res.sum.Copied != 21 {
		t.Fatalf("Run: %v, %+v", res.err, res.sum)
	}
	if len(order) != 21 || order[20] != g.dst.Prefix+"a-huge" {
		t.Errorf("objects finished in the order %v, want the 20 small ones before the huge one", order)
	}
}
