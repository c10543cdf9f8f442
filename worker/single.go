package worker

import (
	"context"
	"errors"
	"fmt"

	"github.com/osscopy/osscopy/checkpoint"
	"github.com/osscopy/osscopy/internal/observe"
	"github.com/osscopy/osscopy/internal/osserr"
)

// copySingle copies a source with one CopyObject: one up to the threshold,
// or one of any size within its bucket.
func (c *copier) copySingle(ctx context.Context, src ObjectInfo) error {
	j := &c.job
	if err := c.abandonCheckpoint(ctx, "the source is now small enough for one CopyObject"); err != nil {
		return err
	}
	c.phase(observe.StepCopy)
	out, err := c.rs.CopyObject(ctx, CopyObjectInput{Source: j.pinnedSource(src), Dest: j.Dest, IfMatch: src.ETag, Size: src.Size,
		ReplaceMetadata: j.ReplaceMetadata, ReplaceTagging: j.ReplaceTagging, Attributes: j.Attributes})
	if errors.Is(err, osserr.ErrPreconditionFailed) || errors.Is(err, osserr.ErrSourceGone) {
		return fmt.Errorf("%w: %s was overwritten or deleted (it had ETag %s); nothing was written to %s: run the copy again",
			ErrSourceChanged, j.Source, src.ETag, j.Dest)
	}
	if err != nil {
		return fmt.Errorf("copying %s: %w", j.Source, err)
	}
	c.res.ETag = out.ETag
	if err := c.verify(ctx, src, out.CRC64); err != nil {
		return err
	}
	c.reportProven()
	return nil
}

// abandonCheckpoint aborts the upload of a multipart checkpoint an earlier
// run left, so that it does not keep costing storage, and removes the
// checkpoint; why says why it is of no use. Most copies have none, and a
// bulk run makes millions: the state file is looked for before a lock is
// taken.
func (c *copier) abandonCheckpoint(ctx context.Context, why string) error {
	j := &c.job
	if !checkpoint.Exists(j.CheckpointDir, j.checkpointName()) {
		return nil
	}
	cp, saved, err := c.openCheckpoint()
	if err != nil || saved == nil {
		if cp != nil {
			cp.Close()
		}
		return err
	}
	defer cp.Close()
	c.note(fmt.Sprintf("%s; aborting upload %s of the last run (if it is still open) and removing %s", why, saved.UploadID, cp.Path()))
	if err := c.abort(ctx, saved.UploadID); err != nil {
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
	return newCopier(store, job).abandonCheckpoint(ctx, "the copy is done (the run's journal holds it)")
}

// abort aborts an upload; one that is already gone is fine.
func (c *copier) abort(ctx context.Context, uploadID string) error {
	if err := c.rs.Abort(ctx, c.job.Dest, uploadID); err != nil && !errors.Is(err, osserr.ErrNoSuchUpload) {
		return fmt.Errorf("aborting upload %s: %w", uploadID, err)
	}
	return nil
}
