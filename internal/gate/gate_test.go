// Gate's queue: the limit on requests in flight, FIFO order, cancelled waiters.

package gate

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
)

// TestGateLimitsInFlight: 200 requests at once never have more than the
// limit in flight, and the limit is reached.
func TestGateLimitsInFlight(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		limit    int
		adaptive bool
	}{{1, true}, {3, false}, {8, true}, {64, true}, {64, false}, {200, true}, {500, false}} {
		t.Run(fmt.Sprintf("limit=%d,adaptive=%t", tt.limit, tt.adaptive), func(t *testing.T) {
			t.Parallel()
			const n = 200
			fake := &fakeServer{entered: make(chan string, n), release: make(chan error)}
			g := New(tt.limit, tt.adaptive, nil)
			var wg sync.WaitGroup
			errs := make(chan error, n)
			for i := range n {
				wg.Go(func() { errs <- fake.send(context.Background(), g, fmt.Sprint(i)) })
			}
			full := min(tt.limit, n)
			for range full {
				<-fake.entered
			}
			waitQueued(t, g, n-full)
			if st := g.Stats(); st.InFlight != full {
				t.Errorf("%d in flight with the gate full, want %d", st.InFlight, full)
			}
			close(fake.release)
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Error(err)
				}
			}
			if fake.max != full {
				t.Errorf("at most %d requests in flight, want %d", fake.max, full)
			}
			checkStats(t, g, Stats{Limit: tt.limit, Requests: n, MinLimit: tt.limit})
		})
	}
}

// TestGateFIFO: slots go to the waiters in the order they came.
func TestGateFIFO(t *testing.T) {
	t.Parallel()
	const n = 50
	g := New(1, true, nil)
	held, err := g.acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan int, n)
	for i := range n {
		go func() {
			epoch, err := g.acquire(context.Background())
			if err != nil {
				t.Error(err)
			}
			got <- i // the next can have the slot only once this one gives it back
			g.release(epoch, nil)
		}()
		waitQueued(t, g, i+1)
	}
	g.release(held, nil)
	for want := range n {
		if i := <-got; i != want {
			t.Fatalf("slot %d went to waiter %d, want %d", want+1, i, want)
		}
	}
	checkStats(t, g, Stats{Limit: 1, Requests: n + 1, MinLimit: 1})
}

// TestGateCancelledWaiter: a waiter whose context ends leaves the queue
// and takes no slot; the others keep their order and no slot is lost.
func TestGateCancelledWaiter(t *testing.T) {
	t.Parallel()
	for cancelled := range 3 {
		t.Run(fmt.Sprint("waiter ", cancelled), func(t *testing.T) {
			t.Parallel()
			fake := &fakeServer{entered: make(chan string), release: make(chan error)}
			g := New(1, true, nil)
			go func() {
				if err := fake.send(context.Background(), g, "hold"); err != nil {
					t.Error(err)
				}
			}()
			<-fake.entered
			var cancels []context.CancelFunc
			var results []chan error
			for i := range 3 {
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				cancels = append(cancels, cancel)
				results = append(results, make(chan error, 1))
				go func() {
					results[i] <- fake.send(ctx, g, fmt.Sprint(i))
				}()
				waitQueued(t, g, i+1)
			}
			cancels[cancelled]()
			if err := <-results[cancelled]; !errors.Is(err, context.Canceled) {
				t.Errorf("the cancelled waiter got %v", err)
			}
			waitQueued(t, g, 2)
			checkStats(t, g, Stats{Limit: 1, InFlight: 1, Requests: 1, MinLimit: 1})
			fake.release <- nil // the holder
			for i := range 3 {
				if i == cancelled {
					continue
				}
				if name := <-fake.entered; name != fmt.Sprint(i) {
					t.Errorf("request %s got the slot, want %d", name, i)
				}
				fake.release <- nil
				if err := <-results[i]; err != nil {
					t.Error(err)
				}
			}
			checkStats(t, g, Stats{Limit: 1, Requests: 3, MinLimit: 1})
		})
	}

	// A waiter granted a slot just as its context ends either uses it or
	// gives it back: which one is up to the scheduler, so this asserts
	// only that no slot is lost and Requests counts the slots used.
	t.Run("granted as cancelled", func(t *testing.T) {
		t.Parallel()
		g := New(1, true, nil)
		used := 0
		for range 200 {
			if _, err := g.acquire(context.Background()); err != nil {
				t.Fatal(err)
			}
			used++
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error)
			go func() {
				epoch, err := g.acquire(ctx)
				if err == nil {
					g.release(epoch, nil)
				}
				done <- err
			}()
			waitQueued(t, g, 1)
			g.mu.Lock() // cancel, and give the slot held to the waiter, at once
			cancel()
			g.inFlight--
			g.grant()
			g.mu.Unlock()
			if err := <-done; err == nil {
				used++
			} else if !errors.Is(err, context.Canceled) {
				t.Fatal(err)
			}
			if st := g.Stats(); st.InFlight != 0 || st.Requests != int64(used) {
				t.Fatalf("Stats() = %+v with %d slots used", st, used)
			}
		}
		t.Logf("%d of 200 waiters used the slot granted, the others gave it back", used-200)
	})

	t.Run("done before asking", func(t *testing.T) {
		t.Parallel()
		g := New(2, true, nil)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		fake := &fakeServer{}
		if err := fake.send(ctx, g, "k"); !errors.Is(err, context.Canceled) {
			t.Errorf("got %v, want context.Canceled", err)
		}
		if len(fake.calls) != 0 {
			t.Errorf("the server saw %v", fake.calls)
		}
		checkStats(t, g, Stats{Limit: 2, MinLimit: 2})
	})
}
