package worker

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/osscopy/osscopy/checkpoint"
	"github.com/osscopy/osscopy/planner"
)

// Job is one copy to make.
type Job struct {
	Source, Dest Object
	// Threshold, PartSize and Parallel shape the plan (see planner.Options).
	Threshold int64
	PartSize  int64
	Parallel  int
	// ReplaceMetadata takes Attributes' metadata instead of the source's;
	// ReplaceTagging takes Attributes.Tagging instead of the source's tags.
	// Attributes.StorageClass applies when set.
	ReplaceMetadata bool
	ReplaceTagging  bool
	Attributes      Attributes
	// CheckpointDir keeps the state of multipart copies; Fresh discards
	// a saved one (and aborts its upload) instead of resuming it.
	CheckpointDir string
	Fresh         bool
	// Grace is how long parts in flight may finish once ctx is cancelled.
	Grace time.Duration
	// PartTimeout, when more than 0, is how long one attempt at a part
	// copy (or the single CopyObject) may take, instead of PartTimeout's
	// 30 s plus the part at 16 MiB/s. At most MaxPartTimeout.
	PartTimeout time.Duration
	Retry       RetryPolicy
	// SourceInfo, when set, is the source as the caller already read it
	// (a bulk run reads it to filter and to compare with the destination):
	// the copy pins it instead of reading it again.
	SourceInfo *ObjectInfo
	// Gate, when set, is the budget of requests in flight this copy
	// shares with others (a bulk run's): each attempt takes a slot.
	Gate *Gate
	// Events receives progress; it is called from several goroutines.
	Events func(Event)
	// Proven, when set, receives the result as soon as the destination is
	// proven equal to the source, before the checkpoint is removed: a kill
	// then leaves either a checkpoint, which a rerun verifies without
	// copying, or a reported success, never a finished copy nobody heard of.
	Proven func(Result)

	stamp func(*Result) // fills the result's totals (set by Copy)
}

// EventKind says what an Event reports.
type EventKind int

const (
	EventPlanned  EventKind = iota // the plan is known: totals set
	EventResuming                  // an earlier run's parts were found
	EventPartDone                  // a part finished: done counts set
	EventNote                      // something the user should know: Message
	EventRetry                     // a request is retried: Message
)

// Event is progress of a copy.
type Event struct {
	Kind                  EventKind
	PartsDone, PartsTotal int
	BytesDone, BytesTotal int64
	Message               string
}

// Result is what a finished copy reports.
type Result struct {
	Source          string  `json:"source"`
	Destination     string  `json:"destination"`
	Size            int64   `json:"size"`
	Single          bool    `json:"single_copy"`
	Parts           int     `json:"parts"`
	PartSize        int64   `json:"part_size"`
	UploadID        string  `json:"upload_id,omitempty"`
	ETag            string  `json:"etag"`
	CRC64           string  `json:"crc64"`
	Seconds         float64 `json:"seconds"`
	Retries         int64   `json:"retries"`
	ResumedParts    int     `json:"resumed_parts"`
	CheckpointBytes int64   `json:"checkpoint_bytes"`
}

// Errors a copy ends with, wrapped with what they concern.
var (
	// ErrInterrupted: ctx was cancelled; the checkpoint holds the progress.
	ErrInterrupted = errors.New("copy interrupted")
	// ErrSourceChanged: the source changed during the copy; the upload was
	// aborted and nothing was completed.
	ErrSourceChanged = errors.New("the source changed during the copy")
	// ErrVerify: the destination does not match the source after completion.
	ErrVerify = errors.New("the destination does not match the source")
)

// Copy copies job.Source to job.Dest. It pins the source to the ETag it
// read first; it resumes from a checkpoint when one exists; and it returns
// only after proving the destination's size and CRC64 equal the source's.
func Copy(ctx context.Context, store Store, job Job) (res Result, err error) {
	start := time.Now()
	rs := newRetryStore(store, job.withRetryEvents())
	rs.partTimeout = min(job.PartTimeout, MaxPartTimeout)
	rs.gate = job.Gate
	res = Result{Source: job.Source.String(), Destination: job.Dest.String()}
	job.stamp = func(r *Result) {
		r.Seconds = time.Since(start).Seconds()
		r.Retries = rs.retries.Load()
	}
	defer func() {
		job.stamp(&res)
		if err != nil && ctx.Err() != nil && !errors.Is(err, ErrInterrupted) && !errors.Is(err, ErrSourceChanged) {
			// Cut off outside the part pool (reading the source, listing
			// parts): still an interruption, which a rerun resumes.
			err = fmt.Errorf("%w: %w", ErrInterrupted, err)
		}
	}()
	src, err := job.readSource(ctx, rs)
	if err != nil {
		return res, err
	}
	if src.CRC64 == "" {
		return res, fmt.Errorf("%w: OSS reports no CRC64 (x-oss-hash-crc64ecma) for %s, so no copy of it could be proven equal; nothing was written",
			ErrVerify, job.Source)
	}
	plan, err := job.plan(src, job.withinBucket(src))
	if err != nil {
		return res, err
	}
	res.Size = src.Size
	job.emit(Event{Kind: EventPlanned, PartsTotal: len(plan.Parts), BytesTotal: src.Size})
	if plan.Single {
		res.Single = true
		err = job.copySingle(ctx, rs, src, &res)
		if !errors.Is(err, ErrEntityTooLarge) || src.Size <= job.threshold() {
			return res, err
		}
		// OSS documents that a copy within one bucket that keeps the
		// storage class and encryption may exceed CopyObject's limit; if
		// this one is refused all the same, parts can still copy it.
		job.emit(Event{Kind: EventNote, Message: fmt.Sprintf("OSS refused to copy %s within its bucket with one CopyObject (EntityTooLarge): copying it by parts", job.Source)})
		if plan, err = job.plan(src, false); err != nil {
			return res, err
		}
		job.emit(Event{Kind: EventPlanned, PartsTotal: len(plan.Parts), BytesTotal: src.Size})
	}
	res.Single, res.Parts, res.PartSize = false, len(plan.Parts), plan.PartSize
	return res, job.copyMultipart(ctx, rs, src, plan, &res)
}

// plan plans the copy of src; withinBucket lets one CopyObject take a
// source of any size (see planner.Options).
func (j *Job) plan(src ObjectInfo, withinBucket bool) (planner.Plan, error) {
	plan, err := planner.New(src.Size, planner.Options{Threshold: j.Threshold, PartSize: j.PartSize, Parallel: j.Parallel, WithinBucket: withinBucket})
	if err != nil {
		return plan, fmt.Errorf("planning the copy of %s: %w", j.Source, err)
	}
	return plan, nil
}

// withinBucket reports whether a source over the threshold may be copied
// with one CopyObject: the copy stays in one bucket and keeps the storage
// class (osscopy never changes the encryption). A copy that an earlier run
// began by parts goes on by parts: what it paid for is kept. Sources up to
// the threshold are one CopyObject anyway, and cost no look for a
// checkpoint here.
func (j *Job) withinBucket(src ObjectInfo) bool {
	return src.Size > j.threshold() && j.Source.Bucket == j.Dest.Bucket && j.Attributes.StorageClass == "" &&
		!checkpoint.Exists(j.CheckpointDir, j.checkpointName())
}

func (j *Job) threshold() int64 {
	if j.Threshold == 0 {
		return planner.DefaultThreshold
	}
	return j.Threshold
}

// readSource is the source as the copy pins it.
func (j *Job) readSource(ctx context.Context, rs Store) (ObjectInfo, error) {
	if j.SourceInfo != nil {
		return *j.SourceInfo, nil
	}
	src, err := rs.Head(ctx, j.Source)
	if err != nil {
		return src, fmt.Errorf("reading source %s: %w", j.Source, err)
	}
	return src, nil
}

func (j *Job) emit(e Event) {
	if j.Events != nil {
		j.Events(e)
	}
}

func (j *Job) withRetryEvents() RetryPolicy {
	p := j.Retry
	next := p.OnRetry
	p.OnRetry = func(op string, err error, wait time.Duration) {
		j.emit(Event{Kind: EventRetry, Message: fmt.Sprintf("%s failed (%v); retrying in %s", op, err, wait.Round(time.Millisecond))})
		if next != nil {
			next(op, err, wait)
		}
	}
	return p
}

// pinnedSource is the source as every request names it: with the version
// the copy started from when the bucket is versioned.
func (j *Job) pinnedSource(src ObjectInfo) Object {
	s := j.Source
	if s.VersionID == "" {
		s.VersionID = src.VersionID
	}
	return s
}

// copySingle copies a source with one CopyObject: one up to the threshold,
// or one of any size within its bucket.
func (j *Job) copySingle(ctx context.Context, rs Store, src ObjectInfo, res *Result) error {
	if err := j.abandonCheckpoint(ctx, rs, "the source is now small enough for one CopyObject"); err != nil {
		return err
	}
	out, err := rs.CopyObject(ctx, CopyObjectInput{Source: j.pinnedSource(src), Dest: j.Dest, IfMatch: src.ETag, Size: src.Size,
		ReplaceMetadata: j.ReplaceMetadata, ReplaceTagging: j.ReplaceTagging, Attributes: j.Attributes})
	if errors.Is(err, ErrPreconditionFailed) || errors.Is(err, ErrSourceGone) {
		return fmt.Errorf("%w: %s was overwritten or deleted (it had ETag %s); nothing was written to %s: run the copy again",
			ErrSourceChanged, j.Source, src.ETag, j.Dest)
	}
	if err != nil {
		return fmt.Errorf("copying %s to %s: %w", j.Source, j.Dest, err)
	}
	res.ETag = out.ETag
	if err := j.verify(ctx, rs, src, out.CRC64, res); err != nil {
		return err
	}
	j.reportProven(res)
	return nil
}

// abandonCheckpoint aborts the upload of a multipart checkpoint an earlier
// run left, so that it does not keep costing storage, and removes the
// checkpoint; why says why it is of no use. Most copies have none, and a
// bulk run makes millions: the state file is looked for before a lock is
// taken.
func (j *Job) abandonCheckpoint(ctx context.Context, rs Store, why string) error {
	if !checkpoint.Exists(j.CheckpointDir, j.checkpointName()) {
		return nil
	}
	cp, saved, err := j.openCheckpoint()
	if err != nil || saved == nil {
		if cp != nil {
			cp.Close()
		}
		return err
	}
	defer cp.Close()
	j.emit(Event{Kind: EventNote, Message: fmt.Sprintf("%s; aborting upload %s of the last run (if it is still open) and removing %s", why, saved.UploadID, cp.Path())})
	if err := j.abort(ctx, rs, saved.UploadID); err != nil {
		return err
	}
	return cp.Remove()
}

// Forget discards what a stopped run left of job's copy once the copy is
// known to be done (a bulk run's journal holds it: the run was killed
// between the journal line and the checkpoint's removal): the checkpoint,
// and the upload it names if that is still open. Most copies left none,
// which costs one lstat and no request.
func Forget(ctx context.Context, store Store, job Job) error {
	rs := newRetryStore(store, job.withRetryEvents())
	rs.gate = job.Gate
	return job.abandonCheckpoint(ctx, rs, "the copy is done (the run's journal holds it)")
}

// reportProven hands a proven result to Proven.
func (j *Job) reportProven(res *Result) {
	if j.Proven == nil {
		return
	}
	r := *res
	if j.stamp != nil {
		j.stamp(&r)
	}
	j.Proven(r)
}

// verify proves the destination equals the source: same size, same CRC64.
// written is the CRC64 the request that wrote the destination returned, or
// that a HEAD of it already read: it is the CRC64 of the object OSS
// stored, and one equal to the source's proves the copy without a HEAD
// (CRC64 covers the length: an object of another size with the same CRC64
// would have to be built to collide).
func (j *Job) verify(ctx context.Context, rs Store, src ObjectInfo, written string, res *Result) error {
	if written != "" && written == src.CRC64 {
		res.CRC64 = written
		return nil
	}
	dst, err := rs.Head(ctx, Object{Bucket: j.Dest.Bucket, Key: j.Dest.Key})
	if err != nil {
		return fmt.Errorf("reading %s to verify it: %w", j.Dest, err)
	}
	res.CRC64 = dst.CRC64
	switch {
	case dst.Size != src.Size:
		return fmt.Errorf("%w: %s has %d bytes, the source %d", ErrVerify, j.Dest, dst.Size, src.Size)
	case src.CRC64 == "" || dst.CRC64 == "":
		return fmt.Errorf("%w: OSS gave no CRC64 for %s or %s, so the copy cannot be proven", ErrVerify, j.Source, j.Dest)
	case dst.CRC64 != src.CRC64:
		return fmt.Errorf("%w: CRC64 of %s is %s, the source's %s", ErrVerify, j.Dest, dst.CRC64, src.CRC64)
	}
	return nil
}
