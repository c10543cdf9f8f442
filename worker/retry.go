package worker

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/cenkalti/backoff/v4"
)

// Class says what to do about an error.
type Class int

const (
	// Permanent errors fail at once: retrying cannot help (403, 404, 412, 400).
	Permanent Class = iota
	// Transient errors are retried with backoff (5xx, timeouts, resets).
	Transient
	// Throttled errors are retried too, no sooner than RetryAfter says.
	Throttled
)

// Classifier reads an error from a Store: its class and, for throttling,
// how long the server asked to wait (0 when it did not say).
type Classifier func(error) (Class, time.Duration)

// RetryPolicy bounds retries of one request.
type RetryPolicy struct {
	Attempts   int           // total attempts, at least 1
	Initial    time.Duration // first backoff
	Max        time.Duration // largest backoff
	MaxElapsed time.Duration // give up after this long (0: no limit but Attempts)
	Classify   Classifier
	OnRetry    func(op string, err error, wait time.Duration) // may be nil
}

// DefaultRetryPolicy retries 10 times over at most 10 minutes, backing off
// from 200 ms to 20 s with jitter.
func DefaultRetryPolicy(classify Classifier) RetryPolicy {
	return RetryPolicy{Attempts: 10, Initial: 200 * time.Millisecond, Max: 20 * time.Second,
		MaxElapsed: 10 * time.Minute, Classify: classify}
}

// Retry runs op under p: transient and throttled errors are retried
// with exponential backoff and jitter; permanent ones and a done context
// end it at once. This is the only retry layer: the SDK's own retryer is
// off (internal/ossclient), so attempts never multiply.
func Retry[T any](ctx context.Context, p RetryPolicy, name string, op func(context.Context) (T, error)) (T, error) {
	b := backoff.NewExponentialBackOff()
	b.InitialInterval, b.MaxInterval, b.MaxElapsedTime = p.Initial, p.Max, p.MaxElapsed
	b.RandomizationFactor, b.Multiplier = 0.5, 2
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
		class, after := p.Classify(err)
		if class == Permanent || attempt >= max(p.Attempts, 1) {
			return zero, attemptsError{attempt, err}
		}
		wait := b.NextBackOff()
		if wait == backoff.Stop {
			return zero, attemptsError{attempt, err}
		}
		if class == Throttled && after > 0 {
			// Honour Retry-After, spread so that many workers do not
			// return at once; not more: the server said when, and a
			// backoff grown over earlier attempts would only idle.
			wait = after + time.Duration(rand.Int64N(int64(after)/2+1))
		}
		if p.OnRetry != nil {
			p.OnRetry(name, err, wait)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return zero, errors.Join(ctx.Err(), err)
		case <-t.C:
		}
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
// through a retry policy.
func Attempts(err error) int {
	var ae attemptsError
	if errors.As(err, &ae) {
		return ae.attempts
	}
	return 0
}
