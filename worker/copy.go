package worker

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/osscopy/osscopy/checkpoint"
	"github.com/osscopy/osscopy/internal/gate"
	"github.com/osscopy/osscopy/internal/observe"
	"github.com/osscopy/osscopy/internal/osserr"
	"github.com/osscopy/osscopy/internal/retry"
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
	// Update skips the copy when the destination already has the source's
	// size and CRC64 (one HEAD of it): Result.UpToDate.
	Update bool
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
	// Retry bounds each request's retries. Its Observer and Count are set
	// by the copy: retries are told to Observer and counted in
	// Result.Retries.
	Retry retry.Policy
	// SourceInfo, when set, is the source as the caller already read it
	// (a bulk run reads it to filter and to compare with the destination):
	// the copy pins it instead of reading it again.
	SourceInfo *ObjectInfo
	// Gate, when set, is the budget of requests in flight this copy
	// shares with others (a bulk run's): each attempt takes a slot.
	Gate *gate.Gate
	// Observer, when set, is told of the plan, the parts, the notes and
	// the retries; from several goroutines.
	Observer observe.Observer
	// Proven, when set, receives the result as soon as the destination is
	// proven equal to the source, before the checkpoint is removed: a kill
	// then leaves either a checkpoint, which a rerun verifies without
	// copying, or a reported success, never a finished copy nobody heard of.
	Proven func(Result)
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
	// UpToDate: Job.Update found the destination equal to the source, and
	// nothing was copied.
	UpToDate bool `json:"up_to_date,omitempty"`
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

// copier is one copy under way: the job, the store its requests go to
// (retried, gated), what it tells, and the result it builds.
type copier struct {
	job     Job
	rs      Store
	obs     observe.Observer
	start   time.Time
	retries atomic.Int64
	res     Result
}

func newCopier(store Store, job Job) *copier {
	c := &copier{job: job, obs: observe.Or(job.Observer), start: time.Now(),
		res: Result{Source: job.Source.String(), Destination: job.Dest.String()}}
	p := job.Retry
	p.Observer, p.Count = c.obs, &c.retries
	c.rs = withRetries(store, p, job.Gate, min(job.PartTimeout, MaxPartTimeout))
	return c
}

// Copy copies job.Source to job.Dest. It pins the source to the ETag it
// read first; it resumes from a checkpoint when one exists; and it returns
// only after proving the destination's size and CRC64 equal the source's.
func Copy(ctx context.Context, store Store, job Job) (Result, error) {
	c := newCopier(store, job)
	err := c.run(ctx)
	if err != nil && ctx.Err() != nil && !errors.Is(err, ErrInterrupted) && !errors.Is(err, ErrSourceChanged) {
		// Cut off outside the part pool (reading the source, listing
		// parts): still an interruption, which a rerun resumes.
		err = fmt.Errorf("%w: %w", ErrInterrupted, err)
	}
	return c.result(), err
}

// run reads and pins the source, plans, and copies by the plan: one
// CopyObject, or parts.
func (c *copier) run(ctx context.Context) error {
	src, err := c.readSource(ctx)
	if err != nil {
		return err
	}
	if src.CRC64 == "" {
		return fmt.Errorf("%w: OSS reports no CRC64 (x-oss-hash-crc64ecma) for %s, so no copy of it could be proven equal; nothing was written",
			ErrVerify, c.job.Source)
	}
	c.res.Size = src.Size
	if c.job.Update {
		if upToDate, err := c.upToDate(ctx, src); err != nil || upToDate {
			return err
		}
	}
	plan, err := c.plan(src, c.withinBucket(src))
	if err != nil {
		return err
	}
	if plan.Single {
		err = c.copySingle(ctx, src)
		if !errors.Is(err, osserr.ErrEntityTooLarge) || src.Size <= c.threshold() {
			return err
		}
		// OSS documents that a copy within one bucket that keeps the
		// storage class and encryption may exceed CopyObject's limit; if
		// this one is refused all the same, parts can still copy it.
		c.note(fmt.Sprintf("OSS refused to copy %s within its bucket with one CopyObject (EntityTooLarge): copying it by parts", c.job.Source))
		if plan, err = c.plan(src, false); err != nil {
			return err
		}
	}
	return c.copyMultipart(ctx, src, plan)
}

// upToDate reports whether the destination already has the source's size
// and CRC64; then the result says so, and a checkpoint an earlier run left
// (killed after its copy was complete) goes with the upload it names.
func (c *copier) upToDate(ctx context.Context, src ObjectInfo) (bool, error) {
	dst, err := c.rs.Head(ctx, Object{Bucket: c.job.Dest.Bucket, Key: c.job.Dest.Key})
	if errors.Is(err, osserr.ErrNoSuchKey) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("reading the destination: %w", err)
	}
	if dst.Size != src.Size || dst.CRC64 == "" || dst.CRC64 != src.CRC64 {
		return false, nil
	}
	c.res.UpToDate, c.res.ETag, c.res.CRC64 = true, dst.ETag, dst.CRC64
	return true, c.abandonCheckpoint(ctx, "the destination is already up to date")
}

// result is the result so far, with the time and retries to now.
func (c *copier) result() Result {
	r := c.res
	r.Seconds = time.Since(c.start).Seconds()
	r.Retries = c.retries.Load()
	return r
}

// plan plans the copy of src and tells it; withinBucket lets one
// CopyObject take a source of any size (see planner.Options).
func (c *copier) plan(src ObjectInfo, withinBucket bool) (planner.Plan, error) {
	j := &c.job
	plan, err := planner.New(src.Size, planner.Options{Threshold: j.Threshold, PartSize: j.PartSize, Parallel: j.Parallel, WithinBucket: withinBucket})
	if err != nil {
		return plan, fmt.Errorf("planning the copy of %s: %w", j.Source, err)
	}
	c.planned(plan)
	return plan, nil
}

// planned records plan in the result and tells it.
func (c *copier) planned(plan planner.Plan) {
	c.res.Single, c.res.Parts, c.res.PartSize = plan.Single, len(plan.Parts), plan.PartSize
	if plan.Single {
		c.res.Parts, c.res.PartSize = 0, 0
	}
	c.obs.ObjectStarted(observe.Start{Source: c.res.Source, Destination: c.res.Destination, Size: plan.Size,
		Parts: c.res.Parts, PartSize: c.res.PartSize})
}

// withinBucket reports whether a source over the threshold may be copied
// with one CopyObject: the copy stays in one bucket and keeps the storage
// class (osscopy never changes the encryption). A copy that an earlier run
// began by parts goes on by parts: what it paid for is kept. Sources up to
// the threshold are one CopyObject anyway, and cost no look for a
// checkpoint here.
func (c *copier) withinBucket(src ObjectInfo) bool {
	j := &c.job
	return src.Size > c.threshold() && j.Source.Bucket == j.Dest.Bucket && j.Attributes.StorageClass == "" &&
		!checkpoint.Exists(j.CheckpointDir, j.checkpointName())
}

func (c *copier) threshold() int64 {
	if c.job.Threshold == 0 {
		return planner.DefaultThreshold
	}
	return c.job.Threshold
}

// readSource is the source as the copy pins it.
func (c *copier) readSource(ctx context.Context) (ObjectInfo, error) {
	if c.job.SourceInfo != nil {
		return *c.job.SourceInfo, nil
	}
	c.phase(observe.StepRead)
	src, err := c.rs.Head(ctx, c.job.Source)
	if err != nil {
		return src, fmt.Errorf("reading the source: %w", err)
	}
	return src, nil
}

func (c *copier) note(msg string) {
	c.obs.Note(observe.Note{Source: c.res.Source, Message: msg})
}

// phase tells the step the copy comes to (observe.Step*).
func (c *copier) phase(step string) {
	c.obs.Phase(observe.Phase{Source: c.res.Source, Step: step})
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

// reportProven hands a proven result to Proven.
func (c *copier) reportProven() {
	if c.job.Proven != nil {
		c.job.Proven(c.result())
	}
}

// verify proves the destination equals the source: same size, same CRC64.
// written is the CRC64 the request that wrote the destination returned, or
// that a HEAD of it already read: it is the CRC64 of the object OSS
// stored, and one equal to the source's proves the copy without a HEAD
// (CRC64 covers the length: an object of another size with the same CRC64
// would have to be built to collide).
func (c *copier) verify(ctx context.Context, src ObjectInfo, written string) error {
	j := &c.job
	if written != "" && written == src.CRC64 {
		c.res.CRC64 = written
		return nil
	}
	c.phase(observe.StepVerify)
	dst, err := c.rs.Head(ctx, Object{Bucket: j.Dest.Bucket, Key: j.Dest.Key})
	if err != nil {
		return fmt.Errorf("verifying the copy: %w", err)
	}
	c.res.CRC64 = dst.CRC64
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
