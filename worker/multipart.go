package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"time"

	"github.com/osscopy/osscopy/checkpoint"
	"github.com/osscopy/osscopy/internal/etag"
	"github.com/osscopy/osscopy/internal/units"
	"github.com/osscopy/osscopy/planner"
)

// cleanupTimeout bounds work that must run after the copy's context ended
// (aborting an upload whose source changed).
const cleanupTimeout = 30 * time.Second

// maxNewUploads bounds how often a copy starts over because its upload
// vanished (aborted elsewhere, expired) while it ran.
const maxNewUploads = 3

func (j *Job) copyMultipart(ctx context.Context, rs Store, src ObjectInfo, plan planner.Plan, res *Result) error {
	cp, saved, err := j.openCheckpoint()
	if err != nil {
		return err
	}
	defer cp.Close()
	defer func() { res.CheckpointBytes = cp.BytesWritten() }()
	if saved != nil && !j.Fresh && j.PartSize == 0 && saved.PartSize != plan.PartSize &&
		saved.Source.ETag == src.ETag && saved.Source.Size == src.Size {
		// The default part size follows --parallel: keep the last run's,
		// so that the parts it paid for still count.
		if kept, err := planner.New(src.Size, planner.Options{Threshold: j.Threshold, PartSize: saved.PartSize}); err == nil {
			plan = kept
			res.Parts, res.PartSize = len(plan.Parts), plan.PartSize
		}
	}
	st, done, completed, err := j.prepare(ctx, rs, cp, saved, src, plan)
	if err != nil {
		return err
	}
	res.ResumedParts, res.UploadID = len(done), st.UploadID
	if completed.ETag != "" {
		// The HEAD that found it read the stored CRC64: the proof needs
		// no second one.
		res.ETag, res.CRC64 = completed.ETag, completed.CRC64
		return j.proveAndRemove(ctx, rs, cp, src, res)
	}
	for attempt := 1; ; attempt++ {
		res.UploadID = st.UploadID
		err = j.runParts(ctx, rs, cp, st.UploadID, src, plan, done)
		if err == nil {
			// Every part is paid for: an interruption now still lets the
			// completion (and the journal of a bulk run) happen in the
			// grace, rather than leave it to the next run. An upload
			// aborted after its last part vanishes here.
			work, release := Graceful(ctx, j.Grace)
			err = j.complete(work, rs, st.UploadID, plan, done, res)
			release()
		}
		if !errors.Is(err, ErrNoSuchUpload) || attempt == maxNewUploads {
			break
		}
		j.emit(Event{Kind: EventNote, Message: fmt.Sprintf("the upload %s vanished during the copy (aborted elsewhere or expired): starting a new upload", st.UploadID)})
		if st, err = j.startUpload(ctx, rs, cp, src, plan); err != nil {
			return err
		}
		done, res.ResumedParts = map[int32]string{}, 0
	}
	if err != nil {
		return j.partsFailed(rs, cp, st.UploadID, err)
	}
	return j.proveAndRemove(ctx, rs, cp, src, res)
}

// proveAndRemove verifies the destination and only then drops the checkpoint.
func (j *Job) proveAndRemove(ctx context.Context, rs Store, cp *checkpoint.Checkpoint, src ObjectInfo, res *Result) error {
	if err := j.verify(ctx, rs, src, res.CRC64, res); err != nil {
		return fmt.Errorf("%w; the checkpoint %s is kept for inspection", err, cp.Path())
	}
	res.CheckpointBytes = cp.BytesWritten()
	j.reportProven(res)
	return cp.Remove()
}

// openCheckpoint opens and locks this copy's checkpoint.
func (j *Job) openCheckpoint() (*checkpoint.Checkpoint, *checkpoint.State, error) {
	name := j.checkpointName()
	cp, saved, err := j.openOwnCheckpoint(name)
	if err == nil || !j.Fresh || errors.Is(err, checkpoint.ErrLocked) {
		return cp, saved, err
	}
	// --fresh also clears a checkpoint too damaged to read, or another
	// copy's, without aborting an upload that may not be this copy's.
	if derr := checkpoint.Discard(j.CheckpointDir, name); derr != nil {
		return nil, nil, errors.Join(err, derr)
	}
	j.emit(Event{Kind: EventNote, Message: fmt.Sprintf("--fresh: discarded an unreadable checkpoint (%v); an upload it named, if any, could not be aborted: list the multipart uploads of bucket %s to find it",
		err, j.Dest.Bucket)})
	return checkpoint.Open(j.CheckpointDir, name)
}

func (j *Job) checkpointName() string {
	return checkpoint.Name(checkpoint.Source{Bucket: j.Source.Bucket, Key: j.Source.Key, VersionID: j.Source.VersionID},
		checkpoint.Destination{Bucket: j.Dest.Bucket, Key: j.Dest.Key})
}

// openOwnCheckpoint opens the checkpoint named name and requires that it
// is this copy's: a state file moved or copied by hand from another copy
// names another source or destination, and resuming it would abort or
// complete that copy's upload.
func (j *Job) openOwnCheckpoint(name string) (*checkpoint.Checkpoint, *checkpoint.State, error) {
	cp, saved, err := checkpoint.Open(j.CheckpointDir, name)
	if err != nil || saved == nil {
		return cp, saved, err
	}
	src := Object{Bucket: saved.Source.Bucket, Key: saved.Source.Key, VersionID: saved.Source.VersionID}
	dst := Object{Bucket: saved.Destination.Bucket, Key: saved.Destination.Key}
	if src != j.Source || dst != (Object{Bucket: j.Dest.Bucket, Key: j.Dest.Key}) {
		cp.Close()
		return nil, nil, fmt.Errorf("checkpoint %s is the state of a copy of %s to %s, not of this one (%s to %s): it was moved or edited; run again with --fresh to discard it (its upload %s is left alone)",
			cp.Path(), src, dst, j.Source, j.Dest, saved.UploadID)
	}
	return cp, saved, nil
}

// prepare resumes the saved checkpoint when it still fits the source and
// the options, or starts a new upload. It returns the parts already done.
// When the saved upload is gone because the last run completed it (and
// lost the answer, or stopped before the proof), completed is the
// destination as a HEAD read it, and nothing is copied again.
func (j *Job) prepare(ctx context.Context, rs Store, cp *checkpoint.Checkpoint, saved *checkpoint.State, src ObjectInfo, plan planner.Plan) (st *checkpoint.State, done map[int32]string, completed ObjectInfo, err error) {
	if saved != nil {
		why := ""
		switch {
		case j.Fresh:
			why = "--fresh: discarding the checkpoint"
		case saved.Source.ETag != src.ETag || saved.Source.Size != src.Size:
			why = fmt.Sprintf("the source changed since the last run (ETag %s, %d bytes; now %s, %d bytes): starting clean",
				saved.Source.ETag, saved.Source.Size, src.ETag, src.Size)
		case saved.PartSize != plan.PartSize || saved.PartCount != len(plan.Parts) || !maps.Equal(saved.Options, j.shape()):
			why = "the options differ from the last run's: starting clean"
		}
		if why != "" {
			j.emit(Event{Kind: EventNote, Message: why + "; aborting the old upload " + saved.UploadID})
			if err := j.abort(ctx, rs, saved.UploadID); err != nil {
				return nil, nil, ObjectInfo{}, err
			}
		} else {
			done, err := j.reconcile(ctx, rs, saved, plan)
			if err == nil {
				saved.Parts = partList(done)
				return saved, done, ObjectInfo{}, cp.Save(saved)
			}
			if !errors.Is(err, ErrNoSuchUpload) {
				return nil, nil, ObjectInfo{}, err
			}
			if dst, ok := j.completedBefore(ctx, rs, saved, plan); ok {
				j.emit(Event{Kind: EventNote, Message: fmt.Sprintf("the last run already completed upload %s: verifying it", saved.UploadID)})
				return saved, partMap(saved.Parts), dst, nil
			}
			j.emit(Event{Kind: EventNote, Message: fmt.Sprintf("the upload %s of the last run is gone (expired or aborted elsewhere): starting a new upload", saved.UploadID)})
		}
	}
	st, err = j.startUpload(ctx, rs, cp, src, plan)
	return st, map[int32]string{}, ObjectInfo{}, err
}

// completedBefore returns the destination, and true, when it is the object
// the saved upload makes: every planned part recorded, and the multipart
// ETag those parts give.
func (j *Job) completedBefore(ctx context.Context, rs Store, saved *checkpoint.State, plan planner.Plan) (ObjectInfo, bool) {
	if len(saved.Parts) != len(plan.Parts) {
		return ObjectInfo{}, false
	}
	parts := make([]PartETag, len(saved.Parts))
	for i, p := range saved.Parts {
		if p.Number != plan.Parts[i].Number {
			return ObjectInfo{}, false
		}
		parts[i] = PartETag{Number: p.Number, ETag: p.ETag}
	}
	return j.destinationIs(ctx, rs, parts)
}

// destinationIs returns the destination, and true, when a HEAD finds it
// is the object that completing these parts makes: its ETag is the one
// OSS derives from theirs.
func (j *Job) destinationIs(ctx context.Context, rs Store, parts []PartETag) (ObjectInfo, bool) {
	partETags := make([]string, len(parts))
	for i, p := range parts {
		partETags[i] = p.ETag
	}
	dst, err := rs.Head(ctx, Object{Bucket: j.Dest.Bucket, Key: j.Dest.Key})
	if err != nil || !etag.Equal(dst.ETag, etag.Multipart(partETags...)) {
		return ObjectInfo{}, false
	}
	return dst, true
}

func partMap(parts []checkpoint.Part) map[int32]string {
	m := make(map[int32]string, len(parts))
	for _, p := range parts {
		m[p.Number] = p.ETag
	}
	return m
}

// reconcile asks the server which parts it holds: the server is the truth.
// A part counts as done only with the planned size.
func (j *Job) reconcile(ctx context.Context, rs Store, saved *checkpoint.State, plan planner.Plan) (map[int32]string, error) {
	onServer, err := rs.ListParts(ctx, j.Dest, saved.UploadID)
	if err != nil {
		return nil, fmt.Errorf("listing the parts of upload %s of %s: %w", saved.UploadID, j.Dest, err)
	}
	planned := map[int32]int64{}
	for _, p := range plan.Parts {
		planned[p.Number] = p.Size
	}
	done := map[int32]string{}
	for _, p := range onServer {
		if size, ok := planned[p.Number]; ok && size == p.Size {
			done[p.Number] = p.ETag
		}
	}
	missing := 0
	for _, p := range saved.Parts {
		if _, ok := done[p.Number]; !ok {
			missing++
		}
	}
	msg := fmt.Sprintf("resuming upload %s: %s of %s parts already copied", saved.UploadID, units.Group(len(done)), units.Group(len(plan.Parts)))
	if missing > 0 {
		msg += fmt.Sprintf("; %d parts the checkpoint recorded are not on the server and will be copied again", missing)
	}
	j.emit(Event{Kind: EventResuming, Message: msg, PartsDone: len(done), PartsTotal: len(plan.Parts), BytesDone: doneBytes(plan, done), BytesTotal: plan.Size})
	return done, nil
}

// startUpload initiates a new upload with the destination's attributes and
// saves it in the checkpoint before any part is paid for.
func (j *Job) startUpload(ctx context.Context, rs Store, cp *checkpoint.Checkpoint, src ObjectInfo, plan planner.Plan) (*checkpoint.State, error) {
	attrs, err := j.destinationAttributes(ctx, rs, src)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%w before starting an upload to %s: %w", ErrInterrupted, j.Dest, err)
	}
	// An upload initiated but not saved would be left behind, unknown to
	// any checkpoint: once begun, the initiation and its save run to the
	// end even if the copy is interrupted meanwhile.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	id, err := rs.Initiate(ctx, j.Dest, attrs)
	if err != nil {
		return nil, fmt.Errorf("starting a multipart upload to %s: %w", j.Dest, err)
	}
	st := &checkpoint.State{
		Source: checkpoint.Source{Bucket: j.Source.Bucket, Key: j.Source.Key, VersionID: j.Source.VersionID,
			ETag: src.ETag, Size: src.Size, LastModified: src.LastModified},
		Destination: checkpoint.Destination{Bucket: j.Dest.Bucket, Key: j.Dest.Key},
		PartSize:    plan.PartSize, PartCount: len(plan.Parts), Options: j.shape(), UploadID: id,
	}
	if err := cp.Save(st); err != nil {
		// Nothing is paid for yet: do not leave the upload behind.
		_ = j.abort(ctx, rs, id)
		return nil, err
	}
	return st, nil
}

// destinationAttributes carries the source's metadata and tags, as
// CopyObject's COPY directives do, unless told to replace them.
func (j *Job) destinationAttributes(ctx context.Context, rs Store, src ObjectInfo) (Attributes, error) {
	attrs := src.Attributes
	if j.ReplaceMetadata {
		attrs = j.Attributes
	}
	attrs.StorageClass = j.Attributes.StorageClass
	switch {
	case j.ReplaceTagging:
		attrs.Tagging = j.Attributes.Tagging
	case src.TagCount > 0:
		tags, err := rs.GetTagging(ctx, j.pinnedSource(src))
		if err != nil {
			return attrs, fmt.Errorf("reading the tags of %s: %w", j.Source, err)
		}
		attrs.Tagging = tags
	default:
		attrs.Tagging = ""
	}
	return attrs, nil
}

// shape renders the options that decide parts and metadata, so that a
// resume with other options starts clean instead of mixing them.
func (j *Job) shape() map[string]string {
	attrs, _ := json.Marshal(j.Attributes)
	return map[string]string{
		"replace_metadata": strconv.FormatBool(j.ReplaceMetadata),
		"replace_tagging":  strconv.FormatBool(j.ReplaceTagging),
		"attributes":       string(attrs),
	}
}

// partsFailed turns a failure of the parts or their completion into the
// error to report.
func (j *Job) partsFailed(rs Store, cp *checkpoint.Checkpoint, uploadID string, err error) error {
	switch {
	case errors.Is(err, ErrPreconditionFailed) || errors.Is(err, ErrSourceGone):
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer cancel()
		abortErr := j.abort(ctx, rs, uploadID)
		if abortErr == nil {
			abortErr = cp.Remove()
		}
		return errors.Join(fmt.Errorf("%w: %s was overwritten or deleted while it was copied; the upload was aborted and nothing was written to %s: run the copy again to copy the new version",
			ErrSourceChanged, j.Source, j.Dest), abortErr)
	case errors.Is(err, ErrInterrupted):
		return err
	case errors.Is(err, ErrNoSuchUpload):
		return fmt.Errorf("%w: the upload vanished %d times during the copy (aborted by another tool, or a lifecycle rule on bucket %s?): stop that, then run the command again",
			err, maxNewUploads, j.Dest.Bucket)
	}
	return fmt.Errorf("%w\nthe upload %s and the checkpoint %s are kept, so no copied part is lost: run the same command (without --fresh) to resume, or with --fresh to abort the upload and start over",
		err, uploadID, cp.Path())
}

// abort aborts an upload; one that is already gone is fine.
func (j *Job) abort(ctx context.Context, rs Store, uploadID string) error {
	if err := rs.Abort(ctx, j.Dest, uploadID); err != nil && !errors.Is(err, ErrNoSuchUpload) {
		return fmt.Errorf("aborting upload %s of %s: %w", uploadID, j.Dest, err)
	}
	return nil
}

// complete assembles the parts in order. An attempt may have completed the
// upload even though the answer says otherwise: its answer was lost to a
// reset or a timeout, or a retry found the upload already gone, or the
// error's body could not be read. Which of these it was cannot be told from
// the error, so after any failure the destination's ETag decides whether it
// is this upload's object.
func (j *Job) complete(ctx context.Context, rs Store, uploadID string, plan planner.Plan, done map[int32]string, res *Result) error {
	parts := make([]PartETag, len(plan.Parts))
	for i, p := range plan.Parts {
		parts[i] = PartETag{Number: p.Number, ETag: done[p.Number]}
	}
	out, err := rs.Complete(ctx, j.Dest, uploadID, parts)
	if err != nil {
		if dst, ok := j.destinationIs(ctx, rs, parts); ok {
			j.emit(Event{Kind: EventNote, Message: fmt.Sprintf("the answer to completing upload %s was lost or failed, but the destination is the object its parts make: verifying it", uploadID)})
			// The HEAD read the stored CRC64: the proof needs no second one.
			res.ETag, res.CRC64 = dst.ETag, dst.CRC64
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%w before completing upload %s: every part is copied; run the same command to complete it", ErrInterrupted, uploadID)
		}
		return fmt.Errorf("completing upload %s of %s: %w", uploadID, j.Dest, err)
	}
	res.ETag, res.CRC64 = out.ETag, out.CRC64
	return nil
}

func partList(done map[int32]string) []checkpoint.Part {
	out := make([]checkpoint.Part, 0, len(done))
	for n, tag := range done {
		out = append(out, checkpoint.Part{Number: n, ETag: tag})
	}
	return out
}

func doneBytes(plan planner.Plan, done map[int32]string) int64 {
	var n int64
	for _, p := range plan.Parts {
		if _, ok := done[p.Number]; ok {
			n += p.Size
		}
	}
	return n
}
