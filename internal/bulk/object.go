package bulk

import (
	"context"
	"errors"
	"fmt"

	"github.com/osscopy/osscopy/checkpoint"
	"github.com/osscopy/osscopy/internal/observe"
	"github.com/osscopy/osscopy/internal/osserr"
	"github.com/osscopy/osscopy/internal/ossurl"
	"github.com/osscopy/osscopy/internal/retry"
	"github.com/osscopy/osscopy/internal/units"
	"github.com/osscopy/osscopy/planner"
	"github.com/osscopy/osscopy/worker"
)

// process takes one object from its source's HEAD to its journal entry
// (or its skip, or its line in the failure report).
func (r *Runner) process(ctx context.Context, it item) {
	if ctx.Err() != nil {
		return // interrupted while waiting for a place in the pool
	}
	if err := ossurl.CheckKey(it.dst.Key); err != nil {
		r.fail(it, fmt.Errorf("destination key of %s: %w", it.src, err))
		return
	}
	if it.src == it.dst {
		r.fail(it, fmt.Errorf("source and destination are the same object %s", it.src))
		return
	}
	src, err := r.source(ctx, &it)
	if err != nil || src == nil {
		r.failUnlessInterrupted(ctx, it, err)
		return
	}
	if skip, err := r.skipByDestination(ctx, &it, src); err != nil || skip {
		r.failUnlessInterrupted(ctx, it, err)
		return
	}
	plan, err := r.plan(src.Size)
	if err != nil {
		r.fail(it, fmt.Errorf("planning the copy of %s: %w", it.src, err))
		return
	}
	if r.opts.DryRun {
		r.wouldCopy(it, src, plan)
		return
	}
	r.copyPlanned(ctx, it, src, plan)
}

// copyPlanned starts the copy under the limits of its kind. A large object
// waits for one of the places for large objects. A single CopyObject runs
// on the run's graceful context: in flight when the run is interrupted,
// it may finish within Job.Grace, as parts in flight do in the worker.
func (r *Runner) copyPlanned(ctx context.Context, it item, src *worker.ObjectInfo, plan planner.Plan) {
	if plan.Single {
		if ctx.Err() == nil {
			r.copy(r.work, it, src)
		}
		return
	}
	select {
	case r.large <- struct{}{}:
		defer func() { <-r.large }()
	case <-ctx.Done():
		return
	}
	r.copy(ctx, it, src)
}

// source returns the source as a HEAD reads it, or nil when the object
// was skipped (a manifest's object outside the size bounds or finished
// before). Listed objects are read too: the copy needs the CRC64, the
// metadata and the tag count, which a listing does not give.
func (r *Runner) source(ctx context.Context, it *item) (*worker.ObjectInfo, error) {
	if r.opts.DryRun && it.listed != nil && !r.opts.Update {
		return &worker.ObjectInfo{Size: it.listed.Size, ETag: it.listed.ETag}, nil
	}
	info, err := r.heads.Head(ctx, it.src)
	if err != nil {
		return nil, fmt.Errorf("reading the source: %w", err)
	}
	if it.listed == nil {
		if !r.opts.Select.SizeOK(info.Size) {
			r.tally.selected.Add(-1) // counted selected before its size was known
			r.tally.filtered.Add(1)
			return nil, nil
		}
		r.tally.bytesSelected.Add(info.Size)
		if r.opts.Update { // the journal's entry counts only with the destination it names
			if err := r.headDest(ctx, it); err != nil {
				return nil, err
			}
		}
		if r.doneBefore(ctx, it, info.ETag, info.Size) {
			return nil, nil
		}
	}
	return &info, nil
}

// skipByDestination applies --ignore-existing and --update. A destination
// the listing shows absent, or of another size than the source, needs no
// HEAD; one of the same size does, for its CRC64.
func (r *Runner) skipByDestination(ctx context.Context, it *item, src *worker.ObjectInfo) (bool, error) {
	if !r.opts.IgnoreExisting && !r.opts.Update {
		return false, nil
	}
	listedApart := it.destKnown && (it.dest == nil || it.dest.Size != src.Size)
	if !it.destHeaded && !listedApart {
		if err := r.headDest(ctx, it); err != nil {
			return false, err
		}
	}
	dst := it.dest
	switch {
	case dst == nil:
		return false, nil
	case r.opts.IgnoreExisting:
		r.skip(*it, observe.ReasonExists, src.Size)
		return true, nil
	case dst.Size == src.Size && dst.CRC64 != "" && dst.CRC64 == src.CRC64:
		r.skip(*it, observe.ReasonUpToDate, src.Size)
		return true, nil
	}
	return false, nil
}

// headDest reads the destination into it.dest (nil when there is none).
func (r *Runner) headDest(ctx context.Context, it *item) error {
	dst, err := r.heads.Head(ctx, it.dst)
	switch {
	case errors.Is(err, osserr.ErrNoSuchKey):
		it.dest = nil
	case err != nil:
		return fmt.Errorf("reading the destination: %w", err)
	default:
		it.dest = &dst
	}
	it.destKnown, it.destHeaded = true, true
	return nil
}

// plan is how an object of size bytes is copied: one CopyObject or parts.
func (r *Runner) plan(size int64) (planner.Plan, error) {
	return planner.New(size, planner.Options{Threshold: r.opts.Job.Threshold, PartSize: r.opts.Job.PartSize, Parallel: r.opts.Job.Parallel})
}

// job is the worker's job for it, reporting to the run's observer.
func (r *Runner) job(it item) worker.Job {
	job := r.opts.Job
	job.Source, job.Dest = it.src, it.dst
	job.Observer = r.obs
	return job
}

// partBytes observes one object's copy for the run: the bytes of its
// finished parts count towards the run's progress as they finish.
type partBytes struct {
	observe.Observer
	t       *tally
	counted int64 // bytes of this object already in the tally
}

func (p *partBytes) PartDone(pr observe.Progress) {
	p.t.bytesDone.Add(pr.BytesDone - p.counted)
	p.counted = pr.BytesDone
	p.Observer.PartDone(pr)
}

// copy copies one object with the worker, recording it in the journal as
// soon as it is proven (before its checkpoint goes: a kill in between
// leaves the object both recorded and resumable, never lost; the next run
// removes that checkpoint, see doneBefore).
func (r *Runner) copy(ctx context.Context, it item, src *worker.ObjectInfo) {
	job := r.job(it)
	job.SourceInfo = src
	parts := &partBytes{Observer: r.obs, t: &r.tally}
	job.Observer = parts
	job.Proven = func(res worker.Result) {
		err := r.journal.Record(checkpoint.Entry{Source: it.src.Key, Dest: it.dst.Key, ETag: src.ETag, Size: src.Size, CRC64: res.CRC64, DestETag: res.ETag})
		if err != nil {
			// The object is copied and proven, but the journal cannot
			// say so, nor of any other object: the run stops, keeping
			// what the journal holds. The object is reported copied: it is.
			r.stop(fatalError{err})
			return
		}
		r.recorded.Add(1)
	}
	r.tally.inFlight.Add(1)
	res, err := worker.Copy(ctx, r.store, job)
	r.tally.inFlight.Add(-1)
	if err != nil {
		r.tally.bytesDone.Add(-parts.counted)
		r.failUnlessInterrupted(ctx, it, err)
		return
	}
	r.tally.bytesDone.Add(src.Size - parts.counted)
	how := "CopyObject"
	if !res.Single {
		how = fmt.Sprintf("%d parts", res.Parts)
		if res.ResumedParts > 0 {
			how += fmt.Sprintf(", %d resumed", res.ResumedParts)
		}
	}
	r.report(observe.Outcome{Action: observe.ActionCopied, Source: it.src.String(), Destination: it.dst.String(), Size: src.Size, How: how, CRC64: res.CRC64})
}

// wouldCopy reports what a dry run would do with the object.
func (r *Runner) wouldCopy(it item, src *worker.ObjectInfo, plan planner.Plan) {
	how, requests := "CopyObject", int64(2) // HEAD, CopyObject
	if !plan.Single {
		how = fmt.Sprintf("%d parts of %s", len(plan.Parts), units.FormatSize(plan.PartSize))
		requests = int64(len(plan.Parts)) + 3 // HEAD, initiate, parts, complete
	}
	r.report(observe.Outcome{Action: observe.ActionWouldCopy, Source: it.src.String(), Destination: it.dst.String(), Size: src.Size, How: how, Requests: requests})
}

func (r *Runner) skip(it item, reason string, size int64) {
	r.report(observe.Outcome{Action: observe.ActionSkipped, Reason: reason, Source: it.src.String(), Destination: it.dst.String(), Size: size})
}

// failUnlessInterrupted records err as the object's failure, unless the
// run was interrupted: then the object is simply not finished, and the
// next run takes it up.
func (r *Runner) failUnlessInterrupted(ctx context.Context, it item, err error) {
	if err == nil || ctx.Err() != nil && (errors.Is(err, worker.ErrInterrupted) || errors.Is(err, context.Canceled)) {
		return
	}
	r.fail(it, err)
}

func (r *Runner) fail(it item, err error) {
	if osserr.EndsRun(err) || errors.Is(err, checkpoint.ErrNotWritten) {
		r.stop(fatalError{err})
		return
	}
	f := Failure{Source: it.src.String(), Destination: it.dst.String(), Code: errorCode(err), Message: err.Error(),
		Attempts: max(retry.Attempts(err), 1)}
	if werr := r.failures.Write(f); werr != nil {
		r.note(it, fmt.Sprintf("%v (the failure was: %s)", werr, f.Message))
	}
	r.report(observe.Outcome{Action: observe.ActionFailed, Source: f.Source, Destination: f.Destination, Error: f.Message, Code: f.Code})
}

// errorCode is OSS's code for err, else a name for osscopy's own reasons.
func errorCode(err error) string {
	if code := osserr.Code(err); code != "" {
		return code
	}
	switch {
	case errors.Is(err, worker.ErrSourceChanged):
		return "SourceChanged"
	case errors.Is(err, worker.ErrVerify):
		return "VerifyFailed"
	case errors.Is(err, checkpoint.ErrLocked):
		return "CheckpointLocked"
	}
	return "ClientError"
}

// note tells what the user should know about an object.
func (r *Runner) note(it item, msg string) {
	r.obs.Note(observe.Note{Source: it.src.String(), Message: msg})
}
