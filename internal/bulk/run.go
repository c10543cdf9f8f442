package bulk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/osscopy/osscopy/checkpoint"
	"github.com/osscopy/osscopy/internal/gate"
	"github.com/osscopy/osscopy/internal/observe"
	"github.com/osscopy/osscopy/internal/retry"
	"github.com/osscopy/osscopy/worker"
)

// Options describe a run.
type Options struct {
	Source, Dest Location
	// FilesFrom, when set, is a manifest to read instead of listing the
	// source prefix (see manifest).
	FilesFrom io.Reader
	Select    Selection
	// IgnoreExisting skips objects whose destination exists; Update skips
	// those whose destination has the source's size and CRC64.
	IgnoreExisting, Update bool
	// DryRun reports what would be copied and sends no write.
	DryRun bool
	// Job is the template of each object's copy: plan, attributes,
	// checkpoint directory, retries; its Parallel is the run's budget of
	// requests in flight (its Source, Dest, SourceInfo, Gate and Proven
	// are set per object).
	Job worker.Job
	// RunName names the journal and the failure report in Job.CheckpointDir.
	RunName string
	// Observer, when set, is told of each object's outcome (not the
	// filtered ones), of notes, parts and retries.
	Observer observe.Observer
}

// JournalHeader is what the run's journal must name: its entries are true
// of this source and destination, with these options.
func (o Options) JournalHeader() checkpoint.JournalHeader {
	return checkpoint.JournalHeader{Source: o.Source.String(), Destination: o.Dest.String(), Options: o.Job.Shape()}
}

// Runner runs one bulk copy. Snapshot may be called while Run runs.
type Runner struct {
	opts   Options
	store  worker.Store
	heads  worker.Store // store with retries and the gate, for the run's own HEADs
	retry  retry.Policy // of the run's own requests
	lister Lister
	gate   *gate.Gate
	// obs is told of everything: the tally's counters and Options.Observer.
	obs   observe.Observer
	large chan struct{} // multipart objects in flight
	stop  context.CancelCauseFunc
	// work outlives the run's context by Job.Grace: single copies in
	// flight run on it.
	work context.Context

	journal  *checkpoint.Journal
	recorded atomic.Int64 // objects this run recorded in the journal
	failures *failureReport
	tally    tally
	flights  flights
}

// New prepares a run over store (the raw OSS client) and lister. gate is
// the budget every request of the run takes a slot of.
func New(store worker.Store, lister Lister, g *gate.Gate, opts Options) *Runner {
	opts.Job.Parallel = max(opts.Job.Parallel, 1)
	opts.Job.Gate = g
	r := &Runner{opts: opts, store: store, lister: lister, gate: g, large: make(chan struct{}, max(1, opts.Job.Parallel/16))}
	r.obs = observe.Tee{&r.tally, observe.Or(opts.Observer)}
	// The run's own requests (listing, HEADs) report their retries to the
	// tally and the observer, as the copies' do through Job.Observer.
	r.retry = r.opts.Job.Retry
	r.retry.Observer = r.obs
	r.heads = worker.WithRetries(store, r.retry, g)
	return r
}

// ErrInterrupted: the run was cancelled; the journal and checkpoints hold
// its progress.
var ErrInterrupted = errors.New("run interrupted")

// Run copies the selection. It returns an error when the run could not
// go on (journal locked, listing refused, interrupted); objects that
// failed are counted in the summary and written to the failure report.
func (r *Runner) Run(ctx context.Context) (sum Summary, err error) {
	start := time.Now()
	r.tally.start.Store(&start)
	openJournal := checkpoint.OpenJournal
	if r.opts.DryRun { // it reads what earlier runs did, and writes nothing
		openJournal = checkpoint.ReadJournal
	}
	if r.journal, err = openJournal(r.opts.Job.CheckpointDir, r.opts.RunName, r.opts.JournalHeader()); err != nil {
		return sum, err
	}
	defer r.journal.Close()
	if r.failures, err = openFailureReport(r.opts.Job.CheckpointDir, r.opts.RunName, r.opts.DryRun); err != nil {
		return sum, err
	}
	defer func() { err = errors.Join(err, r.failures.Close()) }()

	ctx, r.stop = context.WithCancelCause(ctx)
	defer r.stop(nil)
	work, release := worker.Graceful(ctx, r.opts.Job.Grace)
	defer release()
	r.work = work
	items := make(chan item, 256)
	listed := make(chan error, 1)
	r.tally.listing.Store(true)
	go func() {
		defer close(items)
		defer r.tally.listing.Store(false)
		listed <- r.produce(ctx, items)
	}()
	var g errgroup.Group
	g.SetLimit(r.opts.Job.Parallel)
	for it := range items {
		g.Go(func() error {
			defer r.flights.leave(it)
			r.process(ctx, it)
			return nil
		})
	}
	g.Wait()
	err = <-listed
	var fatal fatalError
	if errors.As(context.Cause(ctx), &fatal) {
		next := "every other object would fail the same way: fix it and run the same command again"
		if errors.Is(fatal.err, checkpoint.ErrNotWritten) {
			next = "the run cannot keep its state: free space or fix the checkpoint directory, then run the same command again"
		}
		err = fmt.Errorf("the run stopped: %w; %s (%d objects copied in this run are recorded in %s)",
			fatal.err, next, r.recorded.Load(), r.journal.Path())
	} else if ctx.Err() != nil {
		err = fmt.Errorf("%w: %d objects copied in this run and recorded in %s; objects in flight are resumed by the next run", ErrInterrupted, r.recorded.Load(), r.journal.Path())
	} else if err == nil {
		err = r.checkPrefixExists()
	}
	return r.summary(start), err
}

// checkPrefixExists fails a listing that found no object under a prefix:
// OSS has no folders, so a prefix no key starts with does not exist, and
// is likelier a typo than a migration with nothing to do. A bucket with
// no object at all is empty, not missing (one that does not exist is
// NoSuchBucket), and a manifest names its objects itself.
func (r *Runner) checkPrefixExists() error {
	src := r.opts.Source
	if r.opts.FilesFrom != nil || src.Prefix == "" || r.tally.listed.Load() > 0 {
		return nil
	}
	return fmt.Errorf("0 objects under %s: no key in bucket %s starts with %q; check the prefix (keys are case-sensitive)", src, src.Bucket, src.Prefix)
}

// fatalError stops a run: an object's error that every other object would
// fail with too (osserr.EndsRun).
type fatalError struct{ err error }

func (e fatalError) Error() string { return e.err.Error() }

// produce lists (or reads the manifest) and sends the selected objects,
// until the end, an error, or ctx is done.
func (r *Runner) produce(ctx context.Context, items chan<- item) error {
	dests := &destListing{r: r}
	emit := func(it item) error {
		r.tally.listed.Add(1)
		if !r.opts.Select.Keep(it.rel, it.src.Key) || it.listed != nil && !r.opts.Select.SizeOK(it.listed.Size) {
			r.tally.filtered.Add(1)
			return nil
		}
		r.tally.selected.Add(1)
		if it.listed != nil {
			r.tally.bytesSelected.Add(it.listed.Size)
			if r.opts.Update {
				if err := dests.find(ctx, &it); err != nil {
					return err
				}
			}
			if r.doneBefore(ctx, &it, it.listed.ETag, it.listed.Size) {
				return nil
			}
		}
		if duplicate, err := r.flights.enter(ctx, it); duplicate || err != nil {
			if duplicate {
				r.skip(it, observe.ReasonDuplicate, 0)
			}
			return err
		}
		select {
		case items <- it:
			return nil
		case <-ctx.Done():
			r.flights.leave(it)
			return ctx.Err()
		}
	}
	if r.opts.FilesFrom != nil {
		return r.manifest(ctx, emit)
	}
	return r.listing(ctx, emit)
}

// doneBefore reports (and counts) an object an earlier run finished, and
// removes the checkpoint a run killed between the object's journal line
// and its checkpoint's removal left of a large one. With --update the
// journal only saves work: its entry counts while the destination (as
// it.dest holds it) is still the object that copy made, by size and ETag.
func (r *Runner) doneBefore(ctx context.Context, it *item, etag string, size int64) bool {
	e := checkpoint.Entry{Source: it.src.Key, Dest: it.dst.Key, ETag: etag, Size: size}
	if r.opts.Update {
		if it.dest == nil || it.dest.Size != size || it.dest.ETag == "" {
			return false
		}
		e.DestETag = it.dest.ETag
	}
	if !r.journal.Done(e) {
		return false
	}
	r.skip(*it, observe.ReasonDoneBefore, size)
	if plan, err := r.plan(size); err == nil && !plan.Single && !r.opts.DryRun && ctx.Err() == nil {
		job := r.job(*it)
		if err := worker.Forget(ctx, r.store, job); err != nil {
			r.note(*it, err.Error())
		}
	}
	return true
}

func (r *Runner) report(o observe.Outcome) {
	r.obs.ObjectFinished(o)
}
