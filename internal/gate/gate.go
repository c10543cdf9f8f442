package gate

import (
	"container/list"
	"context"
	"sync"
	"time"

	"github.com/osscopy/osscopy/internal/observe"
	"github.com/osscopy/osscopy/internal/osserr"
)

// Gate bounds and adapts the requests in flight of a whole run.
//
// Every request of every object copied in a run takes a slot of one gate
// for its duration, so --parallel bounds the run, not each object. Slots
// are granted in arrival order (FIFO), so that the many part copies of a
// huge object queued first do not starve the requests of the small objects
// behind them.
//
// When adaptive, the limit is additive-increase, multiplicative-decrease
// like TCP's window: it starts at the maximum, falls by one for each
// request the server throttles, and grows back by one per limit successes
// (one per round trip of the whole window; probeRounds for the step back
// onto the limit last refused), never above the maximum.
//
// One slot less per throttled answer, rather than a fixed factor per
// round, makes the cut the refused fraction: a round in which k of L
// requests were refused ends at L-k, the concurrency the server took, as
// DCTCP cuts by the fraction of its packets marked. A burst of 64 against
// a server taking 16 lands at 16 in one round; one refusal at 17 costs one
// slot, where a fixed factor overshoots (7/8 of 17 is 14: measured, the
// server then saw 14.3 of 16 on average, against 15.1 with this rule, as
// many as with a fixed --parallel 64; docs/BENCHMARKS.md "Bulk runs").
// Two runs sharing a server are refused in proportion to what each sends,
// so each cuts by the same fraction and the additive increase evens them
// out, as AIMD's does.
//
// When the limit is fixed, a throttled answer that carries Retry-After
// keeps its slot until that delay has passed: the capacity the server
// refused is not handed to another request before the server said it may
// be used. An adaptive gate has cut its limit instead; holding the slot
// as well would cut twice (measured: 10-15% slower, nothing gained). The
// throttled request itself waits Retry-After in the retry layer either way.
type Gate struct {
	observer observe.Observer
	adaptive bool
	max      int
	// afterFunc runs f after d; time.AfterFunc but for tests.
	afterFunc func(d time.Duration, f func())

	mu       sync.Mutex
	limit    int
	inFlight int        // slots taken, Retry-After holds included
	queue    *list.List // of *gateWaiter, in arrival order
	// epoch counts cuts: only successes of requests that took their slot
	// since the last cut grow the limit.
	epoch     uint64
	successes int // of the current epoch since the limit last grew
	refused   int // the limit when the server last refused a request
	requests  int64
	throttled int64
	decreases int64
	minLimit  int
}

// gateWaiter is a request waiting for a slot; ready is closed once granted.
type gateWaiter struct {
	ready   chan struct{}
	granted bool   // under Gate.mu
	epoch   uint64 // of the grant
}

// New returns a gate allowing up to limit requests in flight; when
// adaptive is false the limit is fixed (throttling still holds the
// throttled slot for Retry-After, see Gate). obs, when not nil, is told of
// every throttled request and change of the limit, under the gate's lock:
// it must not call the gate.
func New(limit int, adaptive bool, obs observe.Observer) *Gate {
	limit = max(limit, 1)
	return &Gate{observer: observe.Or(obs), adaptive: adaptive, max: limit, limit: limit, minLimit: limit,
		queue: list.New(), afterFunc: func(d time.Duration, f func()) { time.AfterFunc(d, f) }}
}

// Stats is a snapshot of a Gate for progress and summaries.
type Stats struct {
	Limit     int   // current limit
	InFlight  int   // requests in flight now
	Requests  int64 // requests that took a slot so far
	Throttled int64 // requests the server throttled
	Decreases int64 // times the limit was cut
	MinLimit  int   // lowest limit reached
}

// Stats is a snapshot for progress and summaries.
func (g *Gate) Stats() Stats {
	g.mu.Lock()
	defer g.mu.Unlock()
	return Stats{Limit: g.limit, InFlight: g.inFlight, Requests: g.requests, Throttled: g.throttled,
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
	class, after := osserr.ClassOf(err)
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case err == nil:
		if g.adaptive && epoch == g.epoch {
			// Successes of requests started before the last cut do not
			// count: they say nothing of the new limit.
			g.succeeded()
		}
	case class == osserr.Throttled:
		defer g.tell(true)
		g.throttled++
		if g.adaptive && g.limit > 1 {
			g.refused = g.limit
			g.limit--
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

// succeeded counts a success of the current epoch towards growing the
// limit by one: limit successes (a round), or probeRounds rounds for the
// step back onto the limit the server last refused. g.mu is held.
func (g *Gate) succeeded() {
	need := g.limit
	if g.limit+1 == g.refused {
		need *= probeRounds
	}
	if g.successes++; g.successes >= need {
		g.successes = 0
		if g.limit < g.max {
			g.limit++
			g.tell(false)
		}
	}
}

// tell reports the limit to the observer. g.mu is held: the observer sees
// the changes in order.
func (g *Gate) tell(throttled bool) {
	g.observer.GateChanged(observe.Gate{Limit: g.limit, Max: g.max, Throttled: throttled})
}

// probeRounds slows the one step most likely to be refused again: back
// onto the limit of the last refusal. Where the capacity holds, the server
// refuses a request once per probeRounds+1 rounds instead of every other
// round; where it has grown, the step costs a slot for probeRounds-1
// rounds more, and the steps above go at one per round again. Measured
// against a server taking 16 (docs/BENCHMARKS.md, "Bulk runs"): one round
// per step, 232 to 236 refusals in 6,300 requests; 4 rounds, 134 to 138,
// in the same time.
const probeRounds = 4

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

// Do runs op holding a slot of g (at once when g is nil), and adapts g to
// how op ended.
func Do[T any](ctx context.Context, g *Gate, op func(context.Context) (T, error)) (v T, err error) {
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
