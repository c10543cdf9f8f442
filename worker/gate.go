package worker

import (
	"container/list"
	"context"
	"sync"
	"time"
)

// Gate bounds and adapts the requests in flight of a whole run.
//
// Every request of every object copied in a run takes a slot of one gate
// for its duration, so --parallel bounds the run, not each object. Slots
// are granted in arrival order (FIFO), so that the many part copies of a
// huge object queued first do not starve the requests of the small objects
// behind them.
//
// When adaptive, the limit follows AIMD as TCP's window does: it starts at
// the maximum, is cut by cutFactor when the server throttles (at most once
// per round, see release) and grows back by one per limit successes (one
// per round trip of the whole window), never above the maximum.
//
// When the limit is fixed, a throttled answer that carries Retry-After
// keeps its slot until that delay has passed: the capacity the server
// refused is not handed to another request before the server said it may
// be used. An adaptive gate has cut its limit instead; holding the slot
// as well would cut twice (measured: 10-15% slower, nothing gained). The
// throttled request itself waits Retry-After in the retry layer either way.
type Gate struct {
	classify Classifier
	adaptive bool
	max      int
	// afterFunc runs f after d; time.AfterFunc but for tests.
	afterFunc func(d time.Duration, f func())

	mu       sync.Mutex
	limit    int
	inFlight int        // slots taken, Retry-After holds included
	queue    *list.List // of *gateWaiter, in arrival order
	// epoch counts cuts: a throttle cuts only if its request took its
	// slot in the current epoch, so that a window throttled at once cuts
	// once; and only successes of the current epoch grow the limit.
	epoch     uint64
	successes int // of the current epoch since the limit last grew
	requests  int64
	throttled int64
	decreases int64
	minLimit  int
}

// cutFactor is the multiplicative decrease, as a fraction cutNum/cutDen.
//
// 7/8 rather than TCP's 1/2: a round here is a server-side copy, seconds
// long for a big part, so growing back one slot per round is slow, and
// halving would leave much of --parallel unused for minutes after one
// burst of throttling. A gentler cut loses less, and it is enough: the
// throttled requests wait Retry-After in the retry layer, and if
// throttling goes on the limit is cut again each round (64 → 1 in 23
// rounds), throttled answers coming back fast. Measured against a server
// taking 16 at once (docs/BENCHMARKS.md, "Bulk runs"), 7/8 finished in
// 10.1 s where 3/4 took 10.7 s, with fewer throttled requests.
const cutNum, cutDen = 7, 8

// gateWaiter is a request waiting for a slot; ready is closed once granted.
type gateWaiter struct {
	ready   chan struct{}
	granted bool   // under Gate.mu
	epoch   uint64 // of the grant
}

// NewGate returns a gate allowing up to limit requests in flight; when
// adaptive is false the limit is fixed (throttling still holds the
// throttled slot for Retry-After, see below).
func NewGate(limit int, adaptive bool, classify Classifier) *Gate {
	limit = max(limit, 1)
	return &Gate{classify: classify, adaptive: adaptive, max: limit, limit: limit, minLimit: limit,
		queue: list.New(), afterFunc: func(d time.Duration, f func()) { time.AfterFunc(d, f) }}
}

// GateStats is a snapshot of a Gate for progress and summaries.
type GateStats struct {
	Limit     int   // current limit
	InFlight  int   // requests in flight now
	Requests  int64 // requests that took a slot so far
	Throttled int64 // requests the server throttled
	Decreases int64 // times the limit was cut
	MinLimit  int   // lowest limit reached
}

// Stats is a snapshot for progress and summaries.
func (g *Gate) Stats() GateStats {
	g.mu.Lock()
	defer g.mu.Unlock()
	return GateStats{Limit: g.limit, InFlight: g.inFlight, Requests: g.requests, Throttled: g.throttled,
		Decreases: g.decreases, MinLimit: g.minLimit}
}

// acquire waits for a slot, in arrival order, and returns the epoch it was
// granted in; release must follow. It fails only when ctx is done, and
// then holds no slot.
func (g *Gate) acquire(ctx context.Context) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	g.mu.Lock()
	if g.queue.Len() == 0 && g.inFlight < g.limit {
		g.inFlight++
		g.requests++
		epoch := g.epoch
		g.mu.Unlock()
		return epoch, nil
	}
	w := &gateWaiter{ready: make(chan struct{})}
	e := g.queue.PushBack(w)
	g.mu.Unlock()

	select {
	case <-w.ready:
		return w.epoch, nil
	case <-ctx.Done():
		g.mu.Lock()
		defer g.mu.Unlock()
		if w.granted { // granted as ctx ended: give the slot back unused
			g.requests--
			g.inFlight--
			g.grant()
		} else {
			g.queue.Remove(e)
		}
		return 0, ctx.Err()
	}
}

// release gives back the slot a request took in epoch, adapting the limit
// to how the request ended.
func (g *Gate) release(epoch uint64, err error) {
	class, after := Transient, time.Duration(0)
	if err != nil && g.classify != nil {
		class, after = g.classify(err)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case err == nil:
		if g.adaptive && epoch == g.epoch {
			// Successes of requests started before the last cut do not
			// count: they say nothing of the new limit.
			if g.successes++; g.successes >= g.limit {
				g.successes = 0
				g.limit = min(g.limit+1, g.max)
			}
		}
	case class == Throttled:
		g.throttled++
		// Only a request that took its slot after the last cut may cut
		// again: the others were sent at the old limit, which is
		// already paid for.
		if g.adaptive && epoch == g.epoch && g.limit > 1 {
			g.limit = max(g.limit*cutNum/cutDen, 1)
			g.epoch++
			g.successes = 0
			g.decreases++
			g.minLimit = min(g.minLimit, g.limit)
		}
		if after > 0 && !g.adaptive {
			g.afterFunc(after, func() {
				g.mu.Lock()
				defer g.mu.Unlock()
				g.inFlight--
				g.grant()
			})
			return
		}
	}
	g.inFlight--
	g.grant()
}

// grant hands free slots to the waiters in arrival order. g.mu is held.
func (g *Gate) grant() {
	for g.queue.Len() > 0 && g.inFlight < g.limit {
		w := g.queue.Remove(g.queue.Front()).(*gateWaiter)
		g.inFlight++
		g.requests++
		w.granted, w.epoch = true, g.epoch
		close(w.ready)
	}
}

// gated runs op holding a slot of g (at once when g is nil).
func gated[T any](ctx context.Context, g *Gate, op func(context.Context) (T, error)) (v T, err error) {
	if g == nil {
		return op(ctx)
	}
	epoch, err := g.acquire(ctx)
	if err != nil {
		return v, err
	}
	defer func() { g.release(epoch, err) }()
	return op(ctx)
}
