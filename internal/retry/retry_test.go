package worker

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

var errOp = errors.New("op failed")

// script is an op that fails with errOp until its fails run out, and a
// classifier that gives the classes in order (the last one repeats).
type script struct {
	fails    int
	classes  []Class
	after    time.Duration
	attempts int
	classify int
	times    []time.Time
}

func (s *script) op(ctx context.Context) (string, error) {
	s.attempts++
	s.times = append(s.times, time.Now())
	if s.attempts > s.fails {
		return "ok", nil
	}
	return "", errOp
}

func (s *script) classifier(err error) (Class, time.Duration) {
	if !errors.Is(err, errOp) {
		panic("classified an error the op did not return")
	}
	c := s.classes[min(s.classify, len(s.classes)-1)]
	s.classify++
	return c, s.after
}

type retryLog struct {
	mu    sync.Mutex
	names []string
	errs  []error
	waits []time.Duration
}

func (l *retryLog) onRetry(op string, err error, wait time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.names, l.errs, l.waits = append(l.names, op), append(l.errs, err), append(l.waits, wait)
}

func TestRetrying(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		fails        int
		classes      []Class
		after        time.Duration
		attempts     int
		maxElapsed   time.Duration
		wantAttempts int
		wantErr      bool
		minGap       time.Duration // between the last two attempts
	}{
		{name: "permanent stops after 1 attempt", fails: 99, classes: []Class{Permanent}, attempts: 10, wantAttempts: 1, wantErr: true},
		{name: "transient retries up to Attempts", fails: 99, classes: []Class{Transient}, attempts: 5, wantAttempts: 5, wantErr: true},
		{name: "transient then success", fails: 2, classes: []Class{Transient}, attempts: 5, wantAttempts: 3},
		{name: "success at the last attempt", fails: 4, classes: []Class{Transient}, attempts: 5, wantAttempts: 5},
		{name: "throttled waits at least Retry-After", fails: 1, classes: []Class{Throttled}, after: 40 * time.Millisecond, attempts: 5,
			wantAttempts: 2, minGap: 40 * time.Millisecond},
		{name: "throttled without Retry-After backs off", fails: 3, classes: []Class{Throttled}, attempts: 5, wantAttempts: 4},
		{name: "throttled counts against Attempts", fails: 99, classes: []Class{Throttled}, after: time.Millisecond, attempts: 3, wantAttempts: 3, wantErr: true},
		{name: "transient, throttled, then permanent", fails: 99, classes: []Class{Transient, Throttled, Permanent}, attempts: 10,
			wantAttempts: 3, wantErr: true},
		{name: "Attempts 0 counts as 1", fails: 99, classes: []Class{Transient}, attempts: 0, wantAttempts: 1, wantErr: true},
		{name: "no failure: 1 attempt", classes: []Class{Transient}, attempts: 5, wantAttempts: 1},
		{name: "MaxElapsed ends retries before Attempts", fails: 1 << 20, classes: []Class{Transient}, attempts: 1 << 20,
			maxElapsed: 30 * time.Millisecond, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := &script{fails: tt.fails, classes: tt.classes, after: tt.after}
			var log retryLog
			p := RetryPolicy{Attempts: tt.attempts, Initial: time.Millisecond, Max: 4 * time.Millisecond, MaxElapsed: tt.maxElapsed,
				Classify: s.classifier, OnRetry: log.onRetry}
			start := time.Now()
			v, err := Retry(context.Background(), p, "TestOp", s.op)
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
			// OnRetry runs once per retry, never after the last attempt.
			if len(log.waits) != s.attempts-1 {
				t.Errorf("OnRetry called %d times for %d attempts", len(log.waits), s.attempts)
			}
			for i := range log.waits {
				if log.names[i] != "TestOp" || log.errs[i] != errOp {
					t.Errorf("OnRetry(%q, %v)", log.names[i], log.errs[i])
				}
				limit := p.Max * 3 / 2 // Max with +50% jitter
				if tt.after > p.Max {
					limit = tt.after * 3 / 2
				}
				if log.waits[i] <= 0 || log.waits[i] > limit || log.waits[i] < tt.after {
					t.Errorf("retry %d waits %s; want (0, %s], at least %s", i, log.waits[i], limit, tt.after)
				}
				if gap := s.times[i+1].Sub(s.times[i]); gap < log.waits[i] {
					t.Errorf("attempt %d came %s after the one before, sooner than the %s announced", i+2, gap, log.waits[i])
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

func TestRetryingContext(t *testing.T) {
	t.Parallel()
	t.Run("cancel during backoff returns at once", func(t *testing.T) {
		t.Parallel()
		s := &script{fails: 99, classes: []Class{Transient}}
		var log retryLog
		p := RetryPolicy{Attempts: 10, Initial: 10 * time.Second, Max: 20 * time.Second, Classify: s.classifier, OnRetry: log.onRetry}
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(20*time.Millisecond, cancel)
		start := time.Now()
		_, err := Retry(ctx, p, "TestOp", s.op)
		if took := time.Since(start); took > time.Second {
			t.Errorf("returned after %s", took)
		}
		if !errors.Is(err, context.Canceled) || !errors.Is(err, errOp) {
			t.Errorf("error %v, want context.Canceled and the op's error", err)
		}
		if s.attempts != 1 || len(log.waits) != 1 {
			t.Errorf("%d attempts, %d OnRetry calls", s.attempts, len(log.waits))
		}
	})
	t.Run("deadline during a Retry-After wait", func(t *testing.T) {
		t.Parallel()
		s := &script{fails: 99, classes: []Class{Throttled}, after: 10 * time.Second}
		p := RetryPolicy{Attempts: 10, Initial: time.Millisecond, Max: time.Millisecond, Classify: s.classifier}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := Retry(ctx, p, "TestOp", s.op)
		if took := time.Since(start); took > time.Second {
			t.Errorf("returned after %s", took)
		}
		if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, errOp) || s.attempts != 1 {
			t.Errorf("error %v after %d attempts", err, s.attempts)
		}
	})
	t.Run("an op that fails because ctx ended is not classified", func(t *testing.T) {
		t.Parallel()
		classified := 0
		p := RetryPolicy{Attempts: 10, Initial: time.Millisecond, Max: time.Millisecond,
			Classify: func(error) (Class, time.Duration) { classified++; return Transient, 0 }}
		ctx, cancel := context.WithCancel(context.Background())
		attempts := 0
		_, err := Retry(ctx, p, "TestOp", func(ctx context.Context) (int, error) {
			attempts++
			cancel()
			return 0, errOp
		})
		if !errors.Is(err, context.Canceled) || !errors.Is(err, errOp) || attempts != 1 || classified != 0 {
			t.Errorf("error %v, %d attempts, %d classified", err, attempts, classified)
		}
	})
}

func TestDefaultRetryPolicy(t *testing.T) {
	t.Parallel()
	p := DefaultRetryPolicy(func(error) (Class, time.Duration) { return Transient, 0 })
	if p.Attempts != 10 || p.Initial != 200*time.Millisecond || p.Max != 20*time.Second || p.MaxElapsed != 10*time.Minute || p.Classify == nil {
		t.Errorf("DefaultRetryPolicy = %+v", p)
	}
}

// timeoutStore records the deadline each part copy attempt gets and fails
// the first attempts with a transient error.
type timeoutStore struct {
	Store
	fails     int
	calls     int
	deadlines []time.Duration
}

func (s *timeoutStore) UploadPartCopy(ctx context.Context, in PartCopyInput) (string, error) {
	s.calls++
	d, ok := ctx.Deadline()
	if !ok {
		return "", errors.New("no deadline")
	}
	s.deadlines = append(s.deadlines, time.Until(d))
	if s.calls <= s.fails {
		return "", errOp
	}
	return `"etag"`, nil
}

func TestRetryStore(t *testing.T) {
	t.Parallel()
	inner := &timeoutStore{fails: 2}
	var log retryLog
	rs := newRetryStore(inner, RetryPolicy{Attempts: 5, Initial: time.Millisecond, Max: time.Millisecond,
		Classify: func(error) (Class, time.Duration) { return Transient, 0 }, OnRetry: log.onRetry})
	const size = 1 << 30
	etag, err := rs.UploadPartCopy(context.Background(), PartCopyInput{PartNumber: 1, First: 0, Last: size - 1})
	if err != nil || etag != `"etag"` {
		t.Fatalf("got %q, %v", etag, err)
	}
	if rs.retries.Load() != 2 || len(log.names) != 2 || log.names[0] != "UploadPartCopy" {
		t.Errorf("%d retries counted, OnRetry saw %v", rs.retries.Load(), log.names)
	}
	want := PartTimeout(size)
	for i, d := range inner.deadlines {
		if d > want || d < want-time.Second {
			t.Errorf("attempt %d had %s to run, want %s each", i+1, d, want)
		}
	}
	for _, tt := range []struct {
		size int64
		want time.Duration
	}{{0, 30 * time.Second}, {16<<20 - 1, 30 * time.Second}, {1 << 30, 94 * time.Second}, {5 << 30, 350 * time.Second}} {
		if got := PartTimeout(tt.size); got != tt.want {
			t.Errorf("PartTimeout(%d) = %s, want %s", tt.size, got, tt.want)
		}
	}
}

// TestRetryStorePartTimeout: Job.PartTimeout replaces the size-based
// timeout of every attempt at a part copy.
func TestRetryStorePartTimeout(t *testing.T) {
	t.Parallel()
	inner := &timeoutStore{fails: 1}
	rs := newRetryStore(inner, RetryPolicy{Attempts: 3, Initial: time.Millisecond, Max: time.Millisecond,
		Classify: func(error) (Class, time.Duration) { return Transient, 0 }})
	rs.partTimeout = 3 * time.Second
	if _, err := rs.UploadPartCopy(context.Background(), PartCopyInput{PartNumber: 1, First: 0, Last: 5<<30 - 1}); err != nil {
		t.Fatal(err)
	}
	if len(inner.deadlines) != 2 {
		t.Fatalf("%d attempts, want 2", len(inner.deadlines))
	}
	for i, d := range inner.deadlines {
		if d > 3*time.Second || d < 2*time.Second {
			t.Errorf("attempt %d had %s to run, want the 3s given", i+1, d)
		}
	}
}
