// Store doubles around the fixture's real Store, shared by the copy tests, and a recorder of a copy's events.

package worker_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/osscopy/osscopy/worker"
)

// recorder keeps the events of a copy; then, when set, sees each one after.
type recorder struct {
	mu     sync.Mutex
	events []worker.Event
	then   func(worker.Event)
}

func (r *recorder) record(e worker.Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
	if r.then != nil {
		r.then(e)
	}
}

func (r *recorder) of(kind worker.EventKind) []worker.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []worker.Event
	for _, e := range r.events {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

func (r *recorder) messages(kind worker.EventKind) string {
	var b strings.Builder
	for _, e := range r.of(kind) {
		b.WriteString(e.Message + "\n")
	}
	return b.String()
}

// hooked is a Store that delegates to a real one; a hook that is set sees
// each call first and decides whether and how to make it (next).
type hooked struct {
	worker.Store
	copyObject func(ctx context.Context, in worker.CopyObjectInput, next func() (worker.CopyResult, error)) (worker.CopyResult, error)
	initiate   func(ctx context.Context, next func() (string, error)) (string, error)
	partCopy   func(ctx context.Context, in worker.PartCopyInput, next func() (string, error)) (string, error)
	complete   func(ctx context.Context, uploadID string, next func() (worker.CopyResult, error)) (worker.CopyResult, error)
	head       func(ctx context.Context, obj worker.Object, next func() (worker.ObjectInfo, error)) (worker.ObjectInfo, error)
}

func (h *hooked) Head(ctx context.Context, obj worker.Object) (worker.ObjectInfo, error) {
	next := func() (worker.ObjectInfo, error) { return h.Store.Head(ctx, obj) }
	if h.head != nil {
		return h.head(ctx, obj, next)
	}
	return next()
}

func (h *hooked) CopyObject(ctx context.Context, in worker.CopyObjectInput) (worker.CopyResult, error) {
	next := func() (worker.CopyResult, error) { return h.Store.CopyObject(ctx, in) }
	if h.copyObject != nil {
		return h.copyObject(ctx, in, next)
	}
	return next()
}

func (h *hooked) Initiate(ctx context.Context, dst worker.Object, attrs worker.Attributes) (string, error) {
	next := func() (string, error) { return h.Store.Initiate(ctx, dst, attrs) }
	if h.initiate != nil {
		return h.initiate(ctx, next)
	}
	return next()
}

func (h *hooked) UploadPartCopy(ctx context.Context, in worker.PartCopyInput) (string, error) {
	next := func() (string, error) { return h.Store.UploadPartCopy(ctx, in) }
	if h.partCopy != nil {
		return h.partCopy(ctx, in, next)
	}
	return next()
}

func (h *hooked) Complete(ctx context.Context, dst worker.Object, uploadID string, parts []worker.PartETag) (worker.CopyResult, error) {
	next := func() (worker.CopyResult, error) { return h.Store.Complete(ctx, dst, uploadID, parts) }
	if h.complete != nil {
		return h.complete(ctx, uploadID, next)
	}
	return next()
}

// maxInflight is a Store that measures how many part copies run at once.
type maxInflight struct {
	worker.Store
	now, max atomic.Int64
}

func (m *maxInflight) UploadPartCopy(ctx context.Context, in worker.PartCopyInput) (string, error) {
	n := m.now.Add(1)
	defer m.now.Add(-1)
	for {
		old := m.max.Load()
		if n <= old || m.max.CompareAndSwap(old, n) {
			break
		}
	}
	return m.Store.UploadPartCopy(ctx, in)
}
