package retry

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/osscopy/osscopy/internal/observe"
	"github.com/osscopy/osscopy/internal/osserr"
)

var errOp = errors.New("op failed")

// failure is the error a request of class c fails with, as
// internal/ossclient makes it, caused by errOp.
func failure(c osserr.Class, after time.Duration) *osserr.Error {
	e := &osserr.Error{Op: "TestOp", Status: 503, Code: "ServiceUnavailable", Class: c, RetryAfter: after, Err: errOp}
	switch c {
	case osserr.Permanent:
		e.Status, e.Code = 403, "AccessDenied"
	case osserr.Throttled:
		e.Code = "SlowDown"
	}
	return e
}

// script is an op that fails until its fails run out, with errors of the
// classes in order (the last one repeats).
type script struct {
	fails    int
	classes  []osserr.Class
	after    time.Duration
	attempts int
	times    []time.Time
	errs     []error // returned, in order
}

func (s *script) op(ctx context.Context) (string, error) {
	s.attempts++
	s.times = append(s.times, time.Now())
	if s.attempts > s.fails {
		return "ok", nil
	}
	err := failure(s.classes[min(s.attempts-1, len(s.classes)-1)], s.after)
	s.errs = append(s.errs, err)
	return "", err
}

// retryLog is an Observer that keeps the retries it is told of.
type retryLog struct {
	observe.Nop
	mu      sync.Mutex
	retries []observe.Retry
}

func (l *retryLog) Retry(r observe.Retry) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.retries = append(l.retries, r)
}

func TestRetrying(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		fails        int
		classes      []osserr.Class
		after        time.Duration
		attempts     int
		maxElapsed   time.Duration
		wantAttempts int
		wantErr      bool
		minGap       time.Duration // between the last two attempts
	}{
		{name: "permanent stops after 1 attempt", fails: 99, classes: []osserr.Class{osserr.Permanent}, attempts: 10, wantAttempts: 1, wantErr: true},
		{name: "transient retries up to Attempts", fails: 99, classes: []osserr.Class{osserr.Transient}, attempts: 5, wantAttempts: 5, wantErr: true},
		{name: "transient then success", fails: 2, classes: []osserr.Class{osserr.Transient}, attempts: 5, wantAttempts: 3},
		{name: "success at the last attempt", fails: 4, classes: []osserr.Class{osserr.Transient}, attempts: 5, wantAttempts: 5},
		{name: "throttled waits at least Retry-After", fails: 1, classes: []osserr.Class{osserr.Throttled}, after: 40 * time.Millisecond, attempts: 5,
			wantAttempts: 2, minGap: 40 * time.Millisecond},
		{name: "throttled without Retry-After backs off", fails: 3, classes: []osserr.Class{osserr.Throttled}, attempts: 5, wantAttempts: 4},
		{name: "throttled counts against Attempts", fails: 99, classes: []osserr.Class{osserr.Throttled}, after: time.Millisecond, attempts: 3, wantAttempts: 3, wantErr: true},
		{name: "transient, throttled, then permanent", fails: 99, classes: []osserr.Class{osserr.Transient, osserr.Throttled, osserr.Permanent}, attempts: 10,
			wantAttempts: 3, wantErr: true},
		{name: "Attempts 0 counts as 1", fails: 99, classes: []osserr.Class{osserr.Transient}, attempts: 0, wantAttempts: 1, wantErr: true},
		{name: "no failure: 1 attempt", classes: []osserr.Class{osserr.Transient}, attempts: 5, wantAttempts: 1},
		{name: "MaxElapsed ends retries before Attempts", fails: 1 << 20, classes: []osserr.Class{osserr.Transient}, attempts: 1 << 20,
			maxElapsed: 30 * time.Millisecond, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := &script{fails: tt.fails, classes: tt.classes, after: tt.after}
			var log retryLog
			var count atomic.Int64
			p := Policy{Attempts: tt.attempts, Initial: time.Millisecond, Max: 4 * time.Millisecond, MaxElapsed: tt.maxElapsed,
				Observer: &log, Count: &count}
			start := time.Now()
			v, err := Do(context.Background(), p, "TestOp", s.op)
			if tt.wantErr {
				if !errors.Is(err, errOp) || v != "" {
					t.Fatalf("got %q, %v; want the op's own error", v, err)
				}
				if got := Attempts(err); got != s.attempts {
					t.Errorf("Attempts(err) = %d, want the %d attempts made", got, s.attempts)
				}
			} else if err != nil || v != "ok" {
				t.Fatalf("got %q, %v", v, err)
			}
			if tt.maxElapsed > 0 {
				if s.attempts < 2 || s.attempts > 1000 || time.Since(start) > tt.maxElapsed+time.Second {
					t.Errorf("%d attempts in %s with MaxElapsed %s", s.attempts, time.Since(start), tt.maxElapsed)
				}
			} else if s.attempts != tt.wantAttempts {
				t.Errorf("%d attempts, want %d", s.attempts, tt.wantAttempts)
			}
			// The observer hears of each retry, never of the last attempt,
			// and Count counts them.
			if len(log.retries) != s.attempts-1 || count.Load() != int64(len(log.retries)) {
				t.Errorf("observer told %d times, Count %d, for %d attempts", len(log.retries), count.Load(), s.attempts)
			}
			for i, r := range log.retries {
				if r.Op != "TestOp" || r.Err != s.errs[i] || r.Attempt != i+1 {
					t.Errorf("retry %d: %+v, want attempt %d of TestOp failing with %v", i, r, i+1, s.errs[i])
				}
				limit := p.Max // jitter included
				if tt.after > p.Max {
					limit = tt.after * 3 / 2
				}
				if r.Wait <= 0 || r.Wait > limit || r.Wait < tt.after {
					t.Errorf("retry %d waits %s; want (0, %s], at least %s", i, r.Wait, limit, tt.after)
				}
				if gap := s.times[i+1].Sub(s.times[i]); gap < r.Wait {
					t.Errorf("attempt %d came %s after the one before, sooner than the %s announced", i+2, gap, r.Wait)
				}
			}
			if tt.minGap > 0 {
				if gap := s.times[len(s.times)-1].Sub(s.times[len(s.times)-2]); gap < tt.minGap {
					t.Errorf("retried after %s, want at least %s", gap, tt.minGap)
				}
			}
		})
	}
}

// TestBackoffCapIncludesJitter: no backoff waits longer than Max, jitter
// included (the README promises 20 s, and +50% jitter on a 20 s interval
// once waited 25.7 s), and the waits at the cap still spread rather than
// all waiting Max.
func TestBackoffCapIncludesJitter(t *testing.T) {
	t.Parallel()
	const attempts = 60
	var log retryLog
	p := Policy{Attempts: attempts, Initial: 250 * time.Microsecond, Max: time.Millisecond, Observer: &log}
	s := &script{fails: attempts, classes: []osserr.Class{osserr.Transient}}
	if _, err := Do(context.Background(), p, "TestOp", s.op); !errors.Is(err, errOp) {
		t.Fatalf("error %v, want the op's own after %d attempts", err, attempts)
	}
	if len(log.retries) != attempts-1 {
		t.Fatalf("%d retries told, want %d", len(log.retries), attempts-1)
	}
	shortest, longest := p.Max, time.Duration(0)
	for _, r := range log.retries[4:] { // from the 5th retry on, the interval is at its cap
		shortest, longest = min(shortest, r.Wait), max(longest, r.Wait)
	}
	for i, r := range log.retries {
		if r.Wait <= 0 || r.Wait > p.Max {
			t.Errorf("retry %d waits %s, want (0, %s]", i+1, r.Wait, p.Max)
		}
	}
	if shortest < p.Max/3 || longest-shortest < p.Max/4 {
		t.Errorf("waits at the cap span %s to %s; want them spread within [%s, %s]", shortest, longest, p.Max/3, p.Max)
	}
}

// TestNotAnOSSError: an error that is no *osserr.Error is permanent (a
// checkpoint that cannot be written does not heal by sending again).
func TestNotAnOSSError(t *testing.T) {
	t.Parallel()
	attempts := 0
	_, err := Do(context.Background(), Policy{Attempts: 5, Initial: time.Millisecond, Max: time.Millisecond}, "TestOp",
		func(context.Context) (int, error) { attempts++; return 0, errOp })
	if !errors.Is(err, errOp) || attempts != 1 || Attempts(err) != 1 {
		t.Errorf("error %v after %d attempts (Attempts %d), want errOp after 1", err, attempts, Attempts(err))
	}
}

func TestRetryingContext(t *testing.T) {
	t.Parallel()
	t.Run("cancel during backoff returns at once", func(t *testing.T) {
		t.Parallel()
		s := &script{fails: 99, classes: []osserr.Class{osserr.Transient}}
		var log retryLog
		p := Policy{Attempts: 10, Initial: 10 * time.Second, Max: 20 * time.Second, Observer: &log}
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(20*time.Millisecond, cancel)
		start := time.Now()
		_, err := Do(ctx, p, "TestOp", s.op)
		if took := time.Since(start); took > time.Second {
			t.Errorf("returned after %s", took)
		}
		if !errors.Is(err, context.Canceled) || !errors.Is(err, errOp) {
			t.Errorf("error %v, want context.Canceled and the op's error", err)
		}
		if s.attempts != 1 || len(log.retries) != 1 {
			t.Errorf("%d attempts, %d retries told", s.attempts, len(log.retries))
		}
	})
	t.Run("deadline during a Retry-After wait", func(t *testing.T) {
		t.Parallel()
		s := &script{fails: 99, classes: []osserr.Class{osserr.Throttled}, after: 10 * time.Second}
		p := Policy{Attempts: 10, Initial: time.Millisecond, Max: time.Millisecond}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := Do(ctx, p, "TestOp", s.op)
		if took := time.Since(start); took > time.Second {
			t.Errorf("returned after %s", took)
		}
		if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, errOp) || s.attempts != 1 {
			t.Errorf("error %v after %d attempts", err, s.attempts)
		}
	})
	t.Run("an op that fails because ctx ended is not retried, whatever its class", func(t *testing.T) {
		t.Parallel()
		var log retryLog
		var count atomic.Int64
		p := Policy{Attempts: 10, Initial: time.Millisecond, Max: time.Millisecond, Observer: &log, Count: &count}
		ctx, cancel := context.WithCancel(context.Background())
		attempts := 0
		_, err := Do(ctx, p, "TestOp", func(ctx context.Context) (int, error) {
			attempts++
			cancel()
			return 0, failure(osserr.Transient, 0)
		})
		if !errors.Is(err, context.Canceled) || !errors.Is(err, errOp) || attempts != 1 || len(log.retries) != 0 || count.Load() != 0 {
			t.Errorf("error %v, %d attempts, %d retries told, Count %d", err, attempts, len(log.retries), count.Load())
		}
	})
}

func TestDefault(t *testing.T) {
	t.Parallel()
	want := Policy{Attempts: 10, Initial: 200 * time.Millisecond, Max: 20 * time.Second, MaxElapsed: 10 * time.Minute}
	if p := Default(); p != want {
		t.Errorf("Default() = %+v, want %+v", p, want)
	}
}
