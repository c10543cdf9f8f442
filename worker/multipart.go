package worker

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/osscopy/osscopy/checkpoint"
	"github.com/osscopy/osscopy/internal/etag"
	"github.com/osscopy/osscopy/internal/observe"
	"github.com/osscopy/osscopy/internal/osserr"
	"github.com/osscopy/osscopy/planner"
)

// cleanupTimeout bounds work that must run after the copy's context ended
// (aborting an upload whose source changed).
const cleanupTimeout = 30 * time.Second

// maxNewUploads bounds how often a copy starts over because its upload
// vanished (aborted elsewhere, expired) while it ran.
const maxNewUploads = 3

// multipartCopy is the copy of one object by parts. Its steps run in the
// order copyMultipart calls them: prepare (resume.go: the checkpoint, the
// parts the server holds), copy the parts (pool.go), complete, prove, and
// clean up.
type multipartCopy struct {
	*copier
	src   ObjectInfo
	plan  planner.Plan
	cp    *checkpoint.Checkpoint
	state *checkpoint.State // the upload under way, as the checkpoint saves it
	done  map[int32]string  // the parts copied so far: number to ETag
}

func (c *copier) copyMultipart(ctx context.Context, src ObjectInfo, plan planner.Plan) error {
	cp, saved, err := c.openCheckpoint()
	if err != nil {
		return err
	}
	m := &multipartCopy{copier: c, src: src, plan: plan, cp: cp}
	defer cp.Close()
	defer func() { c.res.CheckpointBytes = cp.BytesWritten() }()
	m.keepSavedPartSize(saved)
	c.phase(observe.StepStart)
	completed, err := m.prepare(ctx, saved)
	if err != nil {
		return err
	}
	if !completed {
		if err := m.copyAndComplete(ctx); err != nil {
			return err
		}
	}
	return m.proveAndRemove(ctx)
}

// keepSavedPartSize keeps the last run's part size: the default follows
// --parallel, and the parts the last run paid for should still count.
func (m *multipartCopy) keepSavedPartSize(saved *checkpoint.State) {
	j := &m.job
	if saved == nil || j.Fresh || j.PartSize != 0 || saved.PartSize == m.plan.PartSize ||
		saved.Source.ETag != m.src.ETag || saved.Source.Size != m.src.Size {
		return
	}
	if kept, err := planner.New(m.src.Size, planner.Options{Threshold: j.Threshold, PartSize: saved.PartSize}); err == nil {
		m.plan = kept
		m.planned(kept)
	}
}

// copyAndComplete copies the parts not yet done and completes the upload,
// starting a new upload when this one vanishes meanwhile.
func (m *multipartCopy) copyAndComplete(ctx context.Context) error {
	for attempt := 1; ; attempt++ {
		err := m.copyParts(ctx)
		if err == nil {
			err = m.complete(ctx)
		}
		if err == nil {
			return nil
		}
		if !errors.Is(err, osserr.ErrNoSuchUpload) || attempt == maxNewUploads {
			return m.failed(err)
		}
		m.note(fmt.Sprintf("the upload %s vanished during the copy (aborted elsewhere or expired): starting a new upload", m.state.UploadID))
		if err := m.startUpload(ctx); err != nil {
			return err
		}
	}
}

// complete assembles the parts in order. Every part is paid for: an
// interruption now still lets the completion (and the journal of a bulk
// run) happen in the grace, rather than leave it to the next run.
//
// An attempt may have completed the upload even though the answer says
// otherwise: its answer was lost to a reset or a timeout, or a retry found
// the upload already gone, or the error's body could not be read. Which of
// these it was cannot be told from the error, so after any failure the
// destination's ETag decides whether it is this upload's object.
func (m *multipartCopy) complete(ctx context.Context) error {
	m.phase(observe.StepComplete)
	ctx, release := Graceful(ctx, m.job.Grace)
	defer release()
	parts := make([]PartETag, len(m.plan.Parts))
	for i, p := range m.plan.Parts {
		parts[i] = PartETag{Number: p.Number, ETag: m.done[p.Number]}
	}
	uploadID := m.state.UploadID
	out, err := m.rs.Complete(ctx, m.job.Dest, uploadID, parts)
	if err != nil {
		if dst, ok := m.destinationIs(ctx, parts); ok {
			m.note(fmt.Sprintf("the answer to completing upload %s was lost or failed, but the destination is the object its parts make: verifying it", uploadID))
			// The HEAD read the stored CRC64: the proof needs no second one.
			m.res.ETag, m.res.CRC64 = dst.ETag, dst.CRC64
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%w before completing upload %s: every part is copied; run the same command to complete it", ErrInterrupted, uploadID)
		}
		return fmt.Errorf("completing upload %s: %w", uploadID, err)
	}
	m.res.ETag, m.res.CRC64 = out.ETag, out.CRC64
	return nil
}

// destinationIs returns the destination, and true, when a HEAD finds it
// is the object that completing these parts makes: its ETag is the one
// OSS derives from theirs.
func (m *multipartCopy) destinationIs(ctx context.Context, parts []PartETag) (ObjectInfo, bool) {
	partETags := make([]string, len(parts))
	for i, p := range parts {
		partETags[i] = p.ETag
	}
	dst, err := m.rs.Head(ctx, Object{Bucket: m.job.Dest.Bucket, Key: m.job.Dest.Key})
	if err != nil || !etag.Equal(dst.ETag, etag.Multipart(partETags...)) {
		return ObjectInfo{}, false
	}
	return dst, true
}

// proveAndRemove verifies the destination and only then drops the checkpoint.
func (m *multipartCopy) proveAndRemove(ctx context.Context) error {
	if err := m.verify(ctx, m.src, m.res.CRC64); err != nil {
		return fmt.Errorf("%w; the checkpoint %s is kept for inspection", err, m.cp.Path())
	}
	m.res.CheckpointBytes = m.cp.BytesWritten()
	m.reportProven()
	// The copy is proven: a checkpoint that cannot be removed now (its
	// directory deleted or unwritable) does not make it a failure. The
	// next run of this copy finds the copy complete and removes it.
	if err := m.cp.Remove(); err != nil {
		m.note(fmt.Sprintf("the copy is complete and verified, but its checkpoint %s could not be removed (%v): delete it by hand, or run the same command again to remove it",
			m.cp.Path(), err))
	}
	return nil
}

// failed cleans up after a failure of the parts or their completion and
// says what is left: a source that changed aborts the upload; any other
// failure keeps the upload and the checkpoint for the next run.
func (m *multipartCopy) failed(err error) error {
	j := &m.job
	switch {
	case errors.Is(err, osserr.ErrPreconditionFailed) || errors.Is(err, osserr.ErrSourceGone):
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer cancel()
		abortErr := m.abort(ctx, m.state.UploadID)
		if abortErr == nil {
			abortErr = m.cp.Remove()
		}
		return errors.Join(fmt.Errorf("%w: %s was overwritten or deleted while it was copied; the upload was aborted and nothing was written to %s: run the copy again to copy the new version",
			ErrSourceChanged, j.Source, j.Dest), abortErr)
	case errors.Is(err, ErrInterrupted):
		return err
	case errors.Is(err, osserr.ErrNoSuchUpload):
		return fmt.Errorf("%w: the upload vanished %d times during the copy (aborted by another tool, or a lifecycle rule on bucket %s?): stop that, then run the command again",
			err, maxNewUploads, j.Dest.Bucket)
	}
	return fmt.Errorf("%w\nthe upload %s and the checkpoint %s are kept, so no copied part is lost: run the same command (without --fresh) to resume, or with --fresh to abort the upload and start over",
		err, m.state.UploadID, m.cp.Path())
}
