// The gate tests' fake Store, which counts requests in flight, an error class it reads back, and checks of a gate's state.

package worker

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// gateErr is an error that gateClassify reads back.
type gateErr struct {
	class Class
	after time.Duration
}

func (e *gateErr) Error() string { return fmt.Sprintf("class %d, retry after %s", e.class, e.after) }

func gateClassify(err error) (Class, time.Duration) {
	var e *gateErr
	if errors.As(err, &e) {
		return e.class, e.after
	}
	return Transient, 0
}

var (
	errGateThrottled = &gateErr{class: Throttled}
	errGateTransient = &gateErr{class: Transient}
	errGatePermanent = &gateErr{class: Permanent}
)

// gateFake is a Store that tracks how many requests it serves at once.
// When entered is set, each request says so there as it starts; when
// release is set, each request then waits for the error to end with
// (closing release ends them all with none).
type gateFake struct {
	entered chan string
	release chan error
	err     error // returned when release is nil

	mu       sync.Mutex
	cur, max int
	calls    []string
}

func (f *gateFake) call(ctx context.Context, name string) error {
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

func (f *gateFake) Head(ctx context.Context, obj Object) (ObjectInfo, error) {
	return ObjectInfo{ETag: "head " + obj.Key}, f.call(ctx, "Head "+obj.Key)
}

func (f *gateFake) GetTagging(ctx context.Context, obj Object) (string, error) {
	return "tags " + obj.Key, f.call(ctx, "GetTagging "+obj.Key)
}

func (f *gateFake) CopyObject(ctx context.Context, in CopyObjectInput) (CopyResult, error) {
	return CopyResult{ETag: "copy " + in.Dest.Key}, f.call(ctx, "CopyObject "+in.Dest.Key)
}

func (f *gateFake) Initiate(ctx context.Context, dst Object, attrs Attributes) (string, error) {
	return "upload " + dst.Key, f.call(ctx, "Initiate "+dst.Key)
}

func (f *gateFake) UploadPartCopy(ctx context.Context, in PartCopyInput) (string, error) {
	return fmt.Sprintf("part %d", in.PartNumber), f.call(ctx, "UploadPartCopy "+in.Dest.Key)
}

func (f *gateFake) ListParts(ctx context.Context, dst Object, uploadID string) ([]PartInfo, error) {
	return []PartInfo{{Number: 1, ETag: uploadID}}, f.call(ctx, "ListParts "+dst.Key)
}

func (f *gateFake) Complete(ctx context.Context, dst Object, uploadID string, parts []PartETag) (CopyResult, error) {
	return CopyResult{ETag: "complete " + uploadID, CRC64: fmt.Sprint(len(parts))}, f.call(ctx, "Complete "+dst.Key)
}

func (f *gateFake) Abort(ctx context.Context, dst Object, uploadID string) error {
	return f.call(ctx, "Abort "+dst.Key)
}

// gateRequest sends the request numbered i (of any kind, by i) for key.
func gateRequest(ctx context.Context, s Store, i int, key string) error {
	o := Object{Bucket: "b", Key: key}
	var err error
	switch i % 8 {
	case 0:
		_, err = s.Head(ctx, o)
	case 1:
		_, err = s.GetTagging(ctx, o)
	case 2:
		_, err = s.CopyObject(ctx, CopyObjectInput{Source: o, Dest: o})
	case 3:
		_, err = s.Initiate(ctx, o, Attributes{})
	case 4:
		_, err = s.UploadPartCopy(ctx, PartCopyInput{Source: o, Dest: o, PartNumber: int32(i)})
	case 5:
		_, err = s.ListParts(ctx, o, "u")
	case 6:
		_, err = s.Complete(ctx, o, "u", nil)
	case 7:
		err = s.Abort(ctx, o, "u")
	}
	return err
}

// gatedStore is fake behind g, each request tried once: the retry layer
// is where a copy takes its slots.
func gatedStore(g *Gate, fake Store) Store {
	return WithRetries(fake, RetryPolicy{Attempts: 1, Classify: gateClassify}, g)
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

func checkStats(t *testing.T, g *Gate, want GateStats) {
	t.Helper()
	if got := g.Stats(); got != want {
		t.Errorf("Stats() = %+v\n           want %+v", got, want)
	}
}
