// Store doubles around the fixture's real Store, shared by the copy tests, and an observer that records what a copy tells.

package worker_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/osscopy/osscopy/internal/observe"
	"github.com/osscopy/osscopy/worker"
)

// recorder is an Observer that keeps what a copy tells it; onPart, when
// set, sees each part copied (not the parts an earlier run copied) after.
type recorder struct {
	observe.Nop
	onPart func(observe.Progress)

	mu       sync.Mutex
	started  []observe.Start
	progress []observe.Progress
	notes    []string
	retries  []observe.Retry
	steps    []string
}

func (r *recorder) ObjectStarted(s observe.Start) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.started = append(r.started, s)
}

func (r *recorder) PartDone(p observe.Progress) {
	r.mu.Lock()
	r.progress = append(r.progress, p)
	if p.Resumed {
		r.notes = append(r.notes, p.Message) // what a person is told, as cp's progress shows it
	}
	r.mu.Unlock()
	if r.onPart != nil && !p.Resumed {
		r.onPart(p)
	}
}

func (r *recorder) Note(n observe.Note) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.notes = append(r.notes, n.Message)
}

func (r *recorder) Phase(p observe.Phase) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.steps = append(r.steps, p.Step)
}

func (r *recorder) Retry(rt observe.Retry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.retries = append(r.retries, rt)
}

// starts is the plans told.
func (r *recorder) starts() []observe.Start {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.started)
}

// parts is the progress told: of the parts this run copied, or (resumed)
// of those an earlier run had copied.
func (r *recorder) parts(resumed bool) []observe.Progress {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []observe.Progress
	for _, p := range r.progress {
		if p.Resumed == resumed {
			out = append(out, p)
		}
	}
	return out
}

// messages is the notes, a line each.
func (r *recorder) messages() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	for _, n := range r.notes {
		b.WriteString(n + "\n")
	}
	return b.String()
}

// resumedOnly reports whether the one note told says that upload id is
// resumed.
func (r *recorder) resumedOnly(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.notes) == 1 && strings.HasPrefix(r.notes[0], "resuming upload "+id+": ")
}

// phases is the steps told, in order.
func (r *recorder) phases() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.steps)
}

// retried is the retries told.
func (r *recorder) retried() []observe.Retry {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.retries)
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
