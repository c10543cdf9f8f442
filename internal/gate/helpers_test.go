// The gate tests' fake server, which counts requests in flight, the answers of each class it fails with, an observer of the gate, and checks of a gate's state.

package gate

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/osscopy/osscopy/internal/observe"
	"github.com/osscopy/osscopy/internal/osserr"
)

// throttled is the answer of a server that throttles a request, asking to
// wait after (0: it did not say).
func throttled(after time.Duration) *osserr.Error {
	return &osserr.Error{Op: "UploadPartCopy", Status: 503, Code: "SlowDown", Class: osserr.Throttled, RetryAfter: after}
}

var (
	errThrottled = throttled(0)
	errTransient = &osserr.Error{Op: "UploadPartCopy", Status: 503, Code: "ServiceUnavailable", Class: osserr.Transient}
	errPermanent = &osserr.Error{Op: "UploadPartCopy", Status: 403, Code: "AccessDenied", Class: osserr.Permanent}
)

// fakeServer is a server that tracks how many requests it serves at once.
// When entered is set, each request says so there as it starts; when
// release is set, each request then waits for the error to end with
// (closing release ends them all with none).
type fakeServer struct {
	entered chan string
	release chan error
	err     error // returned when release is nil

	mu       sync.Mutex
	cur, max int
	calls    []string
}

// send sends the request name to f through g.
func (f *fakeServer) send(ctx context.Context, g *Gate, name string) error {
	_, err := Do(ctx, g, func(ctx context.Context) (struct{}, error) { return struct{}{}, f.serve(ctx, name) })
	return err
}

func (f *fakeServer) serve(ctx context.Context, name string) error {
	f.mu.Lock()
	f.cur++
	f.max = max(f.max, f.cur)
	f.calls = append(f.calls, name)
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.cur--
		f.mu.Unlock()
	}()
	if f.entered != nil {
		f.entered <- name
	}
	if f.release == nil {
		return f.err
	}
	select {
	case err := <-f.release:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// changes is an Observer that keeps what a gate tells it. The gate tells
// under its lock; the tests that use it read between requests.
type changes struct {
	observe.Nop
	told []observe.Gate
}

func (c *changes) GateChanged(g observe.Gate) { c.told = append(c.told, g) }

// limit is the limit last told, or initial when none was.
func (c *changes) limit(initial int) int {
	if len(c.told) == 0 {
		return initial
	}
	return c.told[len(c.told)-1].Limit
}

// count is how many changes told of a throttled request, and how many of
// a step up.
func (c *changes) count() (throttles, raises int64) {
	for _, g := range c.told {
		if g.Throttled {
			throttles++
		} else {
			raises++
		}
	}
	return throttles, raises
}

// waitQueued waits until n requests wait for a slot of g. It polls state;
// it asserts nothing about time.
func waitQueued(t *testing.T, g *Gate, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		g.mu.Lock()
		got := g.queue.Len()
		g.mu.Unlock()
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d requests wait for a slot, want %d", got, n)
		}
		time.Sleep(100 * time.Microsecond)
	}
}

func checkStats(t *testing.T, g *Gate, want Stats) {
	t.Helper()
	if got := g.Stats(); got != want {
		t.Errorf("Stats() = %+v\n           want %+v", got, want)
	}
}
