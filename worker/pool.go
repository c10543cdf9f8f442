package worker

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/osscopy/osscopy/checkpoint"
	"github.com/osscopy/osscopy/internal/observe"
	"github.com/osscopy/osscopy/internal/units"
	"github.com/osscopy/osscopy/planner"
)

// DefaultGrace is how long parts in flight may finish after an interruption.
const DefaultGrace = 30 * time.Second

// Graceful returns a context that the end of ctx does not end at once but
// grace later (grace <= 0: DefaultGrace), with ErrInterrupted as its
// cause: work already paid for, or nearly done, may finish and be
// recorded. release frees it.
func Graceful(ctx context.Context, grace time.Duration) (work context.Context, release func()) {
	if grace <= 0 {
		grace = DefaultGrace
	}
	work, cancel := context.WithCancelCause(context.WithoutCancel(ctx))
	stop := context.AfterFunc(ctx, func() { time.AfterFunc(grace, func() { cancel(ErrInterrupted) }) })
	return work, func() { stop(); cancel(nil) }
}

// copyParts copies the parts not yet done with at most Parallel requests
// in flight. Cancelling ctx stops new parts from starting; parts in flight
// get Grace to finish (they run on a Graceful context), so that what is
// paid for is recorded. A permanent error cancels them at once.
func (m *multipartCopy) copyParts(ctx context.Context) error {
	m.phase(observe.StepCopy)
	work, release := Graceful(ctx, m.job.Grace)
	defer release()

	g, gctx := errgroup.WithContext(work)
	g.SetLimit(max(m.job.Parallel, 1))
	var mu sync.Mutex
	progress := m.progress(m.done)
	pinned := m.job.pinnedSource(m.src)
	var todo []planner.Part // fixed before the pool starts writing to done
	for _, p := range m.plan.Parts {
		if _, ok := m.done[p.Number]; !ok {
			todo = append(todo, p)
		}
	}
	for _, p := range todo {
		if ctx.Err() != nil || gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			if ctx.Err() != nil {
				return nil // interrupted while waiting for a free slot
			}
			etag, err := m.rs.UploadPartCopy(gctx, PartCopyInput{Source: pinned, Dest: m.job.Dest, UploadID: m.state.UploadID,
				PartNumber: p.Number, First: p.Offset, Last: p.Last(), IfMatch: m.src.ETag})
			if err != nil {
				return err // it names the part and the object
			}
			if err := m.cp.RecordPart(checkpoint.Part{Number: p.Number, ETag: etag}); err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock() // progress leaves in order: the bar never goes back
			m.done[p.Number] = etag
			progress.PartsDone++
			progress.BytesDone += p.Size
			m.obs.PartDone(progress)
			return nil
		})
	}
	err := g.Wait()
	if ctx.Err() != nil && len(m.done) < len(m.plan.Parts) {
		return errors.Join(fmt.Errorf("%w: %s of %s parts of %s are copied and recorded", ErrInterrupted,
			units.Group(len(m.done)), units.Group(len(m.plan.Parts)), m.job.Dest), ignoreCancel(err))
	}
	return err
}

// ignoreCancel drops the errors that only say a part was cut off by the
// interruption itself.
func ignoreCancel(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, ErrInterrupted) {
		return nil
	}
	return err
}
