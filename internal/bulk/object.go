package bulk

import (
	"context"
	"errors"
	"fmt"

	"github.com/osscopy/osscopy/checkpoint"
	"github.com/osscopy/osscopy/internal/ossurl"
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
	src, err := r.source(ctx, it)
	if err != nil || src == nil {
		r.failUnlessInterrupted(ctx, it, err)
		return
	}
	if skip, err := r.skipByDestination(ctx, it, src); err != nil || skip {
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
func (r *Runner) source(ctx context.Context, it item) (*worker.ObjectInfo, error) {
	if r.opts.DryRun && it.listed != nil && !r.opts.Update {
		return &worker.ObjectInfo{Size: it.listed.Size, ETag: it.listed.ETag}, nil
	}
	info, err := r.heads.Head(ctx, it.src)
	if err != nil {
		return nil, fmt.Errorf("reading source %s: %w", it.src, err)
	}
	if it.listed == nil {
		if !r.opts.Select.SizeOK(info.Size) {
			r.tally.selected.Add(-1) // counted selected before its size was known
			r.tally.filtered.Add(1)
			return nil, nil
		}
		r.tally.bytesSelected.Add(info.Size)
		if r.doneBefore(ctx, it, info.ETag, info.Size) {
			return nil, nil
		}
	}
	return &info, nil
}

// skipByDestination applies --ignore-existing and --update.
func (r *Runner) skipByDestination(ctx context.Context, it item, src *worker.ObjectInfo) (bool, error) {
	if !r.opts.IgnoreExisting && !r.opts.Update {
		return false, nil
	}
	dst, err := r.heads.Head(ctx, it.dst)
	if errors.Is(err, worker.ErrNoSuchKey) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("reading destination %s: %w", it.dst, err)
	}
	switch {
	case r.opts.IgnoreExisting:
		r.skip(it, ReasonExists, src.Size)
		return true, nil
	case dst.Size == src.Size && dst.CRC64 != "" && dst.CRC64 == src.CRC64:
		r.skip(it, ReasonUpToDate, src.Size)
		return true, nil
	}
	return false, nil
}

// plan is how an object of size bytes is copied: one CopyObject or parts.
func (r *Runner) plan(size int64) (planner.Plan, error) {
	return planner.New(size, planner.Options{Threshold: r.opts.Job.Threshold, PartSize: r.opts.Job.PartSize, Parallel: r.opts.Parallel})
}

// job is the worker's job for it, its notes passed on.
func (r *Runner) job(it item) worker.Job {
	job := r.opts.Job
	job.Source, job.Dest = it.src, it.dst
	job.Events = func(e worker.Event) {
		if e.Kind == worker.EventNote {
			r.note(fmt.Sprintf("%s: %s", it.src, e.Message))
		}
	}
	return job
}

// copy copies one object with the worker, recording it in the journal as
// soon as it is proven (before its checkpoint goes: a kill in between
// leaves the object both recorded and resumable, never lost; the next run
// removes that checkpoint, see doneBefore).
func (r *Runner) copy(ctx context.Context, it item, src *worker.ObjectInfo) {
	job := r.job(it)
	job.SourceInfo = src
	notes := job.Events
	var counted int64 // bytes of this object already in the tally
	job.Events = func(e worker.Event) {
		if e.Kind == worker.EventPartDone || e.Kind == worker.EventResuming {
			r.tally.bytesDone.Add(e.BytesDone - counted)
			counted = e.BytesDone
		}
		notes(e)
	}
	var recordErr error
	job.Proven = func(res worker.Result) {
		recordErr = r.journal.Record(checkpoint.Entry{Source: it.src.Key, Dest: it.dst.Key, ETag: src.ETag, Size: src.Size, CRC64: res.CRC64})
	}
	r.tally.inFlight.Add(1)
	res, err := worker.Copy(ctx, r.store, job)
	r.tally.inFlight.Add(-1)
	r.tally.retries.Add(res.Retries)
	if err == nil {
		err = recordErr
	}
	if err != nil {
		r.tally.bytesDone.Add(-counted)
		r.failUnlessInterrupted(ctx, it, err)
		return
	}
	r.tally.bytesDone.Add(src.Size - counted)
	r.tally.bytesCopied.Add(src.Size)
	r.tally.copied.Add(1)
	how := "CopyObject"
	if !res.Single {
		how = fmt.Sprintf("%d parts", res.Parts)
		if res.ResumedParts > 0 {
			how += fmt.Sprintf(", %d resumed", res.ResumedParts)
		}
	}
	r.report(Outcome{Action: ActionCopied, Source: it.src.String(), Destination: it.dst.String(), Size: src.Size, How: how, CRC64: res.CRC64})
}

// wouldCopy reports what a dry run would do with the object.
func (r *Runner) wouldCopy(it item, src *worker.ObjectInfo, plan planner.Plan) {
	how, requests := "CopyObject", int64(2) // HEAD, CopyObject
	if !plan.Single {
		how = fmt.Sprintf("%d parts of %s", len(plan.Parts), units.FormatSize(plan.PartSize))
		requests = int64(len(plan.Parts)) + 3 // HEAD, initiate, parts, complete
	}
	r.tally.plannedRequests.Add(requests)
	r.tally.bytesPlanned.Add(src.Size)
	r.tally.copied.Add(1)
	r.report(Outcome{Action: ActionWouldCopy, Source: it.src.String(), Destination: it.dst.String(), Size: src.Size, How: how, Requests: requests})
}

func (r *Runner) skip(it item, reason string, size int64) {
	r.tally.skipped.Add(1)
	r.tally.bytesSkipped.Add(size)
	r.tally.skippedBy(reason)
	r.report(Outcome{Action: ActionSkipped, Reason: reason, Source: it.src.String(), Destination: it.dst.String(), Size: size})
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
	if r.opts.Fatal != nil && r.opts.Fatal(err) {
		r.stop(fatalError{err})
		return
	}
	r.tally.failed.Add(1)
	f := Failure{Source: it.src.String(), Destination: it.dst.String(), Code: r.errorCode(err), Message: err.Error(),
		Attempts: max(worker.Attempts(err), 1)}
	if werr := r.failures.Write(f); werr != nil {
		r.note(fmt.Sprintf("%v (the failure of %s: %s)", werr, f.Source, f.Message))
	}
	r.report(Outcome{Action: ActionFailed, Source: f.Source, Destination: f.Destination, Error: f.Message, Code: f.Code})
}

// errorCode is OSS's code for err, else a name for osscopy's own reasons.
func (r *Runner) errorCode(err error) string {
	if r.opts.ErrorCode != nil {
		if code := r.opts.ErrorCode(err); code != "" {
			return code
		}
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

func (r *Runner) note(msg string) {
	if r.opts.OnNote != nil {
		r.opts.OnNote(msg)
	}
}
