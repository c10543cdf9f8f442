package worker

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/osscopy/osscopy/checkpoint"
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

// runParts copies the parts not yet done with at most Parallel requests in
// flight. Cancelling ctx stops new parts from starting; parts in flight get
// Grace to finish (they run on a Graceful context), so that what is paid
// for is recorded. A permanent error cancels them at once.
func (j *Job) runParts(ctx context.Context, rs Store, cp *checkpoint.Checkpoint, uploadID string, src ObjectInfo, plan planner.Plan, done map[int32]string) error {
	work, release := Graceful(ctx, j.Grace)
	defer release()

	g, gctx := errgroup.WithContext(work)
	g.SetLimit(max(j.Parallel, 1))
	var mu sync.Mutex
	progress := Event{Kind: EventPartDone, PartsDone: len(done), PartsTotal: len(plan.Parts), BytesDone: doneBytes(plan, done), BytesTotal: plan.Size}
	pinned := j.pinnedSource(src)
	var todo []planner.Part // fixed before the pool starts writing to done
	for _, p := range plan.Parts {
		if _, ok := done[p.Number]; !ok {
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
			etag, err := rs.UploadPartCopy(gctx, PartCopyInput{Source: pinned, Dest: j.Dest, UploadID: uploadID,
				PartNumber: p.Number, First: p.Offset, Last: p.Last(), IfMatch: src.ETag})
			if err != nil {
				return fmt.Errorf("part %d (bytes %d-%d) of %s: %w", p.Number, p.Offset, p.Last(), j.Dest, err)
			}
			if err := cp.RecordPart(checkpoint.Part{Number: p.Number, ETag: etag}); err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock() // events leave in order: the bar never goes back
			done[p.Number] = etag
			progress.PartsDone++
			progress.BytesDone += p.Size
			j.emit(progress)
			return nil
		})
	}
	err := g.Wait()
	if ctx.Err() != nil && len(done) < len(plan.Parts) {
		return errors.Join(fmt.Errorf("%w: %s of %s parts of %s are copied and recorded", ErrInterrupted,
			units.Group(len(done)), units.Group(len(plan.Parts)), j.Dest), ignoreCancel(err))
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
