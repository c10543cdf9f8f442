package retry

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/cenkalti/backoff/v4"

	"github.com/osscopy/osscopy/internal/observe"
	"github.com/osscopy/osscopy/internal/osserr"
)

// Policy bounds the retries of one request.
type Policy struct {
	Attempts   int           // total attempts, at least 1
	Initial    time.Duration // first backoff, before jitter
	Max        time.Duration // longest backoff, jitter included
	MaxElapsed time.Duration // give up after this long (0: no limit but Attempts)
	// Observer, when set, is told of every retry.
	Observer observe.Observer
	// Count, when set, counts the retries made under the policy.
	Count *atomic.Int64
}

// Default retries 10 times over at most 10 minutes, backing off from
// about 200 ms to at most 20 s, jitter included.
func Default() Policy {
	return Policy{Attempts: 10, Initial: 200 * time.Millisecond, Max: 20 * time.Second, MaxElapsed: 10 * time.Minute}
}

// jitter spreads each backoff over ±50% of its interval.
const jitter = 0.5

// Do runs op under p: transient and throttled errors are retried with
// exponential backoff and jitter; permanent ones and a done context end
// it at once. The error's class is its *osserr.Error's (osserr.ClassOf).
func Do[T any](ctx context.Context, p Policy, name string, op func(context.Context) (T, error)) (T, error) {
	b := backoff.NewExponentialBackOff()
	// The interval stops growing where its jitter reaches p.Max, so that
	// the waits at the top still spread (from a third of p.Max to p.Max)
	// instead of piling up at the cap; min below keeps the cap exact.
	b.InitialInterval, b.MaxInterval, b.MaxElapsedTime = p.Initial, time.Duration(float64(p.Max)/(1+jitter)), p.MaxElapsed
	b.RandomizationFactor, b.Multiplier = jitter, 2
	b.Reset()
	var zero T
	for attempt := 1; ; attempt++ {
		v, err := op(ctx)
		if err == nil {
			return v, nil
		}
		if ctx.Err() != nil {
			return zero, errors.Join(ctx.Err(), err)
		}
		class, after := osserr.ClassOf(err)
		if class == osserr.Permanent || attempt >= max(p.Attempts, 1) {
			return zero, attemptsError{attempt, err}
		}
		wait := b.NextBackOff()
		if wait == backoff.Stop {
			return zero, attemptsError{attempt, err}
		}
		wait = min(wait, p.Max)
		if class == osserr.Throttled && after > 0 {
			// Honour Retry-After, spread so that many workers do not
			// return at once; not more: the server said when, and a
			// backoff grown over earlier attempts would only idle.
			wait = after + time.Duration(rand.Int64N(int64(after)/2+1))
		}
		p.tell(observe.Retry{Op: name, Err: err, Attempt: attempt, Wait: wait})
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return zero, errors.Join(ctx.Err(), err)
		case <-t.C:
		}
	}
}

func (p Policy) tell(r observe.Retry) {
	if p.Count != nil {
		p.Count.Add(1)
	}
	if p.Observer != nil {
		p.Observer.Retry(r)
	}
}

// attemptsError carries how many attempts a request made before it failed.
type attemptsError struct {
	attempts int
	err      error
}

func (e attemptsError) Error() string { return e.err.Error() }
func (e attemptsError) Unwrap() error { return e.err }

// Attempts is how many attempts the request that failed with err made
// (the last one to fail, when err wraps several); 0 when it made none
// through Do.
func Attempts(err error) int {
	var ae attemptsError
	if errors.As(err, &ae) {
		return ae.attempts
	}
	return 0
}
