// The retrying Store: each attempt under its own timeout, retries counted and told, and every request through the run's gate.

package worker

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/osscopy/osscopy/internal/gate"
	"github.com/osscopy/osscopy/internal/observe"
	"github.com/osscopy/osscopy/internal/osserr"
	"github.com/osscopy/osscopy/internal/retry"
)

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
		return "", &osserr.Error{Op: osserr.OpUploadPartCopy, Part: in.PartNumber, Status: 503, Code: "ServiceUnavailable", Class: osserr.Transient}
	}
	return `"etag"`, nil
}

// retryOps is an Observer that keeps the operations it is told are retried.
// The tests that use it send one request at a time.
type retryOps struct {
	observe.Nop
	ops []string
}

func (o *retryOps) Retry(r observe.Retry) { o.ops = append(o.ops, r.Op) }

func TestRetryStore(t *testing.T) {
	t.Parallel()
	inner := &timeoutStore{fails: 2}
	var told retryOps
	var retries atomic.Int64
	rs := withRetries(inner, retry.Policy{Attempts: 5, Initial: time.Millisecond, Max: time.Millisecond, Observer: &told, Count: &retries}, nil, 0)
	const size = 1 << 30
	etag, err := rs.UploadPartCopy(context.Background(), PartCopyInput{PartNumber: 1, First: 0, Last: size - 1})
	if err != nil || etag != `"etag"` {
		t.Fatalf("got %q, %v", etag, err)
	}
	if retries.Load() != 2 || len(told.ops) != 2 || told.ops[0] != "UploadPartCopy" {
		t.Errorf("%d retries counted, the observer was told of %v", retries.Load(), told.ops)
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
	rs := withRetries(inner, retry.Policy{Attempts: 3, Initial: time.Millisecond, Max: time.Millisecond}, nil, 3*time.Second)
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

// TestGateStore: every method of Store goes through the gate to the store
// wrapped, holding a slot, with its arguments, results and errors.
func TestGateStore(t *testing.T) {
	t.Parallel()
	g := gate.New(4, false, nil)
	fake := &gateFake{gate: g}
	s := gatedStore(g, fake)
	ctx := context.Background()
	o := Object{Bucket: "b", Key: "k"}
	check := func(what string, got, want any) {
		t.Helper()
		if fake.err == nil && fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s = %v, want %v", what, got, want)
		}
	}
	for _, wantErr := range []error{nil, errGatePermanent, errGateThrottled, errGateTransient} {
		fake.err = wantErr
		info, err1 := s.Head(ctx, o)
		check("Head", info.ETag, "head k")
		tags, err2 := s.GetTagging(ctx, o)
		check("GetTagging", tags, "tags k")
		res, err3 := s.CopyObject(ctx, CopyObjectInput{Source: o, Dest: o})
		check("CopyObject", res.ETag, "copy k")
		id, err4 := s.Initiate(ctx, o, Attributes{})
		check("Initiate", id, "upload k")
		etag, err5 := s.UploadPartCopy(ctx, PartCopyInput{Dest: o, PartNumber: 7})
		check("UploadPartCopy", etag, "part 7")
		parts, err6 := s.ListParts(ctx, o, "u")
		check("ListParts", parts, []PartInfo{{Number: 1, ETag: "u"}})
		res, err7 := s.Complete(ctx, o, "u", []PartETag{{}, {}})
		check("Complete", res, CopyResult{ETag: "complete u", CRC64: "2"})
		err8 := s.Abort(ctx, o, "u")
		for i, err := range []error{err1, err2, err3, err4, err5, err6, err7, err8} {
			if !errors.Is(err, wantErr) {
				t.Errorf("request %d returned %v, want %v", i, err, wantErr)
			}
		}
	}
	fake.err = nil // check compares only then
	check("calls", fake.calls[:8], []string{"Head k", "GetTagging k", "CopyObject k", "Initiate k",
		"UploadPartCopy k", "ListParts k", "Complete k", "Abort k"})
	for i, n := range fake.slots {
		if n != 1 {
			t.Errorf("call %d (%s) ran with %d slots taken, want its own", i, fake.calls[i], n)
		}
	}
	want := gate.Stats{Limit: 4, Requests: 32, Throttled: 8, MinLimit: 4}
	if got := g.Stats(); got != want {
		t.Errorf("Stats() = %+v\n           want %+v", got, want)
	}
}

func BenchmarkGateStore(b *testing.B) {
	g := gate.New(64, true, nil)
	s := gatedStore(g, &gateFake{})
	ctx := context.Background()
	b.SetParallelism(4) // more goroutines than slots: the queue is used
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.Head(ctx, Object{Key: "k"}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
