// Gate's adaptive limit: cut on throttling, grown back on success, Retry-After honoured, and gates sharing a simulated server.

package gate

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// gateStep is a step of a script run against a gate's acquire and release.
type gateStep struct {
	acquire int   // take this many slots first (tickets numbered on from 0)
	release []int // then give back these tickets
	round   int   // or take this many slots and give them all back
	err     error // ending so
	limit   int   // the limit after the step (0: not checked)
}

func rounds(n, size int, err error, limit int) []gateStep {
	steps := make([]gateStep, n)
	for i := range steps {
		steps[i] = gateStep{round: size, err: err, limit: limit}
	}
	return steps
}

// growBack is the successes that take the limit from 1, just cut from 2,
// back up to max: probeRounds rounds back onto 2, then a round at each
// limit, each growing it by one.
func growBack(max int) []gateStep {
	steps := rounds(probeRounds-1, 1, nil, 1)
	for l := 1; l < max; l++ {
		steps = append(steps, gateStep{round: l, limit: l + 1})
	}
	return steps
}

func TestGateAIMD(t *testing.T) {
	t.Parallel()
	cat := func(parts ...[]gateStep) []gateStep {
		var all []gateStep
		for _, p := range parts {
			all = append(all, p...)
		}
		return all
	}
	tests := []struct {
		name     string
		max      int
		adaptive bool
		steps    []gateStep
		want     Stats // InFlight 0 unless said
	}{{
		name: "a round ends at what the server took", max: 16, adaptive: true,
		steps: []gateStep{
			{acquire: 16},
			{release: []int{0, 1, 2, 3}, err: errThrottled, limit: 12},
			{release: []int{4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, limit: 12},
		},
		want: Stats{Limit: 12, Requests: 16, Throttled: 4, Decreases: 4, MinLimit: 12},
	}, {
		name: "each throttled answer costs one slot", max: 16, adaptive: true,
		steps: rounds(2, 1, errThrottled, 0),
		want:  Stats{Limit: 14, Requests: 2, Throttled: 2, Decreases: 2, MinLimit: 14},
	}, {
		name: "throttles of requests sent before a cut cut too", max: 16, adaptive: true,
		steps: []gateStep{
			{acquire: 4},
			{release: []int{0}, err: errThrottled, limit: 15},
			{acquire: 1}, // ticket 4, after the cut
			{release: []int{1, 2}, err: errThrottled, limit: 13},
			{release: []int{4}, err: errThrottled, limit: 12},
			{release: []int{3}, err: errThrottled, limit: 11},
		},
		want: Stats{Limit: 11, Requests: 5, Throttled: 5, Decreases: 5, MinLimit: 11},
	}, {
		name: "never below 1", max: 16, adaptive: true,
		steps: cat([]gateStep{{round: 16, err: errThrottled, limit: 1}}, rounds(3, 1, errThrottled, 1)),
		want:  Stats{Limit: 1, Requests: 19, Throttled: 19, Decreases: 15, MinLimit: 1},
	}, {
		name: "four rounds back onto the refused limit, then one per round", max: 8, adaptive: true,
		steps: cat([]gateStep{{acquire: 2}, {release: []int{0, 1}, err: errThrottled, limit: 6}},
			rounds(3, 6, nil, 6), []gateStep{{round: 5, limit: 6}, {round: 1, limit: 7}}, // 24 successes: onto 7
			[]gateStep{{round: 6, limit: 7}, {round: 1, limit: 8}}, // 7 successes: onto 8
			rounds(2, 8, nil, 8)), // and no further
		want: Stats{Limit: 8, Requests: 2 + 24 + 7 + 16, Throttled: 2, Decreases: 2, MinLimit: 6},
	}, {
		name: "grows back from 1 to the max and no further", max: 8, adaptive: true,
		steps: cat(rounds(7, 1, errThrottled, 0), // 8 → 7 → 6 → 5 → 4 → 3 → 2 → 1
			growBack(8), rounds(10, 8, nil, 8)),
		want: Stats{Limit: 8, Requests: 7 + probeRounds - 1 + 28 + 80, Throttled: 7, Decreases: 7, MinLimit: 1},
	}, {
		name: "successes of requests sent before the cut do not grow", max: 4, adaptive: true,
		steps: []gateStep{
			{acquire: 4},
			{release: []int{0}, err: errThrottled, limit: 3},
			{release: []int{1, 2, 3}, limit: 3},
			{round: 3, limit: 3}, {round: 3, limit: 3}, {round: 3, limit: 3},
			{round: 3, limit: 4}, // 12 successes since the cut: back onto 4
		},
		want: Stats{Limit: 4, Requests: 16, Throttled: 1, Decreases: 1, MinLimit: 3},
	}, {
		name: "transient and permanent errors neither cut nor grow", max: 4, adaptive: true,
		steps: cat([]gateStep{{round: 1, err: errThrottled, limit: 3}},
			rounds(5, 3, errTransient, 3), rounds(5, 3, errPermanent, 3),
			rounds(5, 3, errors.New("not an OSS error"), 3)),
		want: Stats{Limit: 3, Requests: 46, Throttled: 1, Decreases: 1, MinLimit: 3},
	}, {
		name: "fixed never changes", max: 4, adaptive: false,
		steps: cat(rounds(3, 4, errThrottled, 4), rounds(3, 1, errThrottled, 4), rounds(3, 4, nil, 4)),
		want:  Stats{Limit: 4, Requests: 27, Throttled: 15, MinLimit: 4},
	}, {
		name: "a limit below 1 is 1", max: 0, adaptive: true,
		steps: []gateStep{{round: 1, limit: 1}},
		want:  Stats{Limit: 1, Requests: 1, MinLimit: 1},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var obs changes
			g := New(tt.max, tt.adaptive, &obs)
			ctx := context.Background()
			var tickets []uint64
			take := func(n int) {
				for range n {
					if st := g.Stats(); st.InFlight >= st.Limit {
						t.Fatalf("the script takes a slot with %d of %d taken", st.InFlight, st.Limit)
					}
					epoch, err := g.acquire(ctx)
					if err != nil {
						t.Fatal(err)
					}
					tickets = append(tickets, epoch)
				}
			}
			for i, s := range tt.steps {
				take(s.acquire)
				for _, k := range s.release {
					g.release(tickets[k], s.err)
				}
				first := len(tickets)
				take(s.round)
				for _, epoch := range tickets[first:] {
					g.release(epoch, s.err)
				}
				if got := g.Stats().Limit; s.limit != 0 && got != s.limit {
					t.Fatalf("after step %d %+v the limit is %d, want %d", i, s, got, s.limit)
				}
				if told := obs.limit(max(tt.max, 1)); told != g.Stats().Limit {
					t.Fatalf("after step %d %+v the observer was last told of limit %d, the limit is %d", i, s, told, g.Stats().Limit)
				}
			}
			checkStats(t, g, tt.want)
			// Every throttled answer and every step up was told, with the
			// maximum, and nothing else.
			limit := max(tt.max, 1)
			throttles, raises := obs.count()
			if wantRaises := int64(tt.want.Limit-limit) + tt.want.Decreases; throttles != tt.want.Throttled || raises != wantRaises {
				t.Errorf("the observer was told of %d throttles and %d raises, want %d and %d", throttles, raises, tt.want.Throttled, wantRaises)
			}
			for _, c := range obs.told {
				if c.Max != limit {
					t.Fatalf("the observer was told %+v, want the maximum %d", c, limit)
				}
			}
		})
	}
}

// TestGateCutHoldsWaiters: the slot a throttled answer gives back is not
// handed to a waiter; the next one freed below the new limit is.
func TestGateCutHoldsWaiters(t *testing.T) {
	t.Parallel()
	g := New(16, true, nil)
	ctx := context.Background()
	var tickets []uint64
	for range 16 {
		epoch, err := g.acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		tickets = append(tickets, epoch)
	}
	granted := make(chan uint64)
	go func() {
		epoch, err := g.acquire(ctx)
		if err != nil {
			t.Error(err)
		}
		granted <- epoch
	}()
	waitQueued(t, g, 1)
	g.release(tickets[0], errThrottled) // 16 → 15, 15 in flight
	waitQueued(t, g, 1)
	checkStats(t, g, Stats{Limit: 15, InFlight: 15, Requests: 16, Throttled: 1, Decreases: 1, MinLimit: 15})
	g.release(tickets[1], nil) // 14 in flight: the waiter gets the slot
	epoch := <-granted
	if epoch != tickets[0]+1 {
		t.Errorf("the waiter was granted in epoch %d, want %d (after the cut)", epoch, tickets[0]+1)
	}
	checkStats(t, g, Stats{Limit: 15, InFlight: 15, Requests: 17, Throttled: 1, Decreases: 1, MinLimit: 15})
}

// TestGateRetryAfter: under a fixed limit, a throttled slot whose answer
// said Retry-After is held until the delay passes; without it, or under
// an adaptive limit (which cuts instead), it is given back at once.
func TestGateRetryAfter(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		adaptive bool
		after    time.Duration
	}{{true, 3 * time.Second}, {false, 3 * time.Second}, {true, 0}, {false, 0}} {
		t.Run(fmt.Sprintf("adaptive=%t,after=%s", tt.adaptive, tt.after), func(t *testing.T) {
			t.Parallel()
			g := New(1, tt.adaptive, nil)
			type timer struct {
				d time.Duration
				f func()
			}
			timers := make(chan timer, 1)
			g.afterFunc = func(d time.Duration, f func()) { timers <- timer{d, f} }
			ctx := context.Background()
			held, err := g.acquire(ctx)
			if err != nil {
				t.Fatal(err)
			}
			granted := make(chan struct{})
			go func() {
				epoch, err := g.acquire(ctx)
				if err != nil {
					t.Error(err)
				}
				close(granted)
				g.release(epoch, nil)
			}()
			waitQueued(t, g, 1)
			g.release(held, throttled(tt.after))
			if tt.after > 0 && !tt.adaptive { // an adaptive gate cut its limit instead
				tm := <-timers
				if tm.d != tt.after {
					t.Errorf("held for %s, want %s", tm.d, tt.after)
				}
				waitQueued(t, g, 1) // still waiting: the slot is held
				checkStats(t, g, Stats{Limit: 1, InFlight: 1, Requests: 1, Throttled: 1, MinLimit: 1})
				tm.f()
			}
			<-granted
			select {
			case tm := <-timers:
				t.Errorf("a timer for %s with no Retry-After to honour", tm.d)
			default:
			}
			// The waiter gives its slot back once granted; wait for that.
			for g.Stats().InFlight != 0 {
				time.Sleep(100 * time.Microsecond)
			}
			checkStats(t, g, Stats{Limit: 1, Requests: 2, Throttled: 1, MinLimit: 1})
		})
	}

	t.Run("real timer", func(t *testing.T) {
		t.Parallel()
		g := New(1, false, nil)
		fake := &fakeServer{err: throttled(time.Millisecond)}
		if err := fake.send(context.Background(), g, "k"); !errors.Is(err, fake.err) {
			t.Fatalf("got %v, want %v", err, fake.err)
		}
		fake.err = nil
		// Granted once the timer gives the held slot back.
		if err := fake.send(context.Background(), g, "k"); err != nil {
			t.Fatal(err)
		}
		checkStats(t, g, Stats{Limit: 1, Requests: 2, Throttled: 1, MinLimit: 1})
	})
}

// TestGateSimulation runs rounds of gates sharing a server that refuses
// what it gets beyond its capacity, in a random order of arrival: one
// gate's limit settles at the capacity, refused once per probeRounds+1
// rounds, and uses all of it; a second gate that joins late at its
// maximum ends with about as much as the first, and the two use the
// capacity together.
func TestGateSimulation(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ gates, max, capacity int }{
		{1, 64, 20}, {1, 64, 5}, {1, 200, 64}, {1, 16, 100}, {2, 64, 32}, {2, 64, 9},
	} {
		t.Run(fmt.Sprintf("gates=%d,max=%d,capacity=%d", tt.gates, tt.max, tt.capacity), func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(1, uint64(tt.capacity)))
			gates := []*Gate{New(tt.max, true, nil)}
			const joinAt, warmUp, rounds = 50, 300, 500
			served, refusedRounds, low, high := 0, 0, tt.max, 0
			held := make([]int, tt.gates) // limits summed over the measured rounds
			for round := range warmUp + rounds {
				if round == joinAt && tt.gates == 2 {
					gates = append(gates, New(tt.max, true, nil))
				}
				type ticket struct {
					g     *Gate
					epoch uint64
				}
				var sent []ticket
				for _, g := range gates {
					for g.Stats().InFlight < g.Stats().Limit {
						epoch, err := g.acquire(context.Background())
						if err != nil {
							t.Fatal(err)
						}
						sent = append(sent, ticket{g, epoch})
					}
				}
				rng.Shuffle(len(sent), func(i, j int) { sent[i], sent[j] = sent[j], sent[i] })
				for i, tk := range sent {
					var err error
					if i >= tt.capacity {
						err = errThrottled
					}
					tk.g.release(tk.epoch, err)
				}
				if round < warmUp {
					continue
				}
				served += min(len(sent), tt.capacity)
				low, high = min(low, len(sent)), max(high, len(sent))
				if len(sent) > tt.capacity {
					refusedRounds++
				}
				for i, g := range gates {
					held[i] += g.Stats().Limit
				}
			}
			best := min(tt.gates*tt.max, tt.capacity)
			if high > best+1 || low < best-tt.gates {
				t.Errorf("the window went from %d to %d, want within [%d, %d]", low, high, best-tt.gates, best+1)
			}
			if use := float64(served) / float64(rounds*best); use < 0.95 {
				t.Errorf("%.0f%% of the capacity used, want 95%% or more", use*100)
			}
			// Alone; two gates are refused more often: a refusal that one
			// gate's step provoked may fall on the other.
			if tt.gates == 1 && tt.capacity < tt.max && refusedRounds > rounds/(probeRounds+1)+1 {
				t.Errorf("refused in %d rounds of %d, want at most one in %d", refusedRounds, rounds, probeRounds+1)
			}
			if tt.gates == 2 && (held[0] > 2*held[1] || held[1] > 2*held[0]) {
				t.Errorf("the two gates held %.1f and %.1f slots on average, want within a factor 2",
					float64(held[0])/rounds, float64(held[1])/rounds)
			}
			t.Logf("%.0f%% of the capacity used, window %d to %d, refused in %d of %d rounds, mean limits %v",
				float64(served)/float64(rounds*best)*100, low, high, refusedRounds, rounds, held)
		})
	}
}
