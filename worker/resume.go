package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strconv"

	"github.com/osscopy/osscopy/checkpoint"
	"github.com/osscopy/osscopy/internal/etag"
	"github.com/osscopy/osscopy/internal/observe"
	"github.com/osscopy/osscopy/internal/osserr"
	"github.com/osscopy/osscopy/internal/units"
)

// prepare resumes the saved checkpoint when it still fits the source and
// the options, or starts a new upload. It reports whether the last run
// already completed the saved upload (and lost the answer, or stopped
// before the proof): then the result holds the destination as a HEAD read
// it, and nothing is copied again.
func (m *multipartCopy) prepare(ctx context.Context, saved *checkpoint.State) (completed bool, err error) {
	if saved != nil {
		if why := m.staleReason(saved); why != "" {
			m.note(why + "; aborting the old upload " + saved.UploadID)
			if err := m.abort(ctx, saved.UploadID); err != nil {
				return false, err
			}
		} else {
			done, err := m.reconcile(ctx, saved)
			if err == nil {
				saved.Parts = partList(done)
				m.resumed(saved, done)
				return false, m.cp.Save(saved)
			}
			if !errors.Is(err, osserr.ErrNoSuchUpload) {
				return false, err
			}
			if m.completedBefore(ctx, saved) {
				return true, nil
			}
			m.note(fmt.Sprintf("the upload %s of the last run is gone (expired or aborted elsewhere): starting a new upload", saved.UploadID))
		}
	}
	return false, m.startUpload(ctx)
}

// staleReason says why the saved checkpoint cannot be resumed; "" when it can.
func (m *multipartCopy) staleReason(saved *checkpoint.State) string {
	switch {
	case m.job.Fresh:
		return "--fresh: discarding the checkpoint"
	case saved.Source.ETag != m.src.ETag || saved.Source.Size != m.src.Size:
		return fmt.Sprintf("the source changed since the last run (ETag %s, %d bytes; now %s, %d bytes): starting clean",
			saved.Source.ETag, saved.Source.Size, m.src.ETag, m.src.Size)
	case saved.PartSize != m.plan.PartSize || saved.PartCount != len(m.plan.Parts) || !maps.Equal(saved.Options, m.job.Shape()):
		return "the options differ from the last run's: starting clean"
	}
	return ""
}

// resumed makes state the upload under way, with the parts done.
func (m *multipartCopy) resumed(state *checkpoint.State, done map[int32]string) {
	m.state, m.done = state, done
	m.res.UploadID, m.res.ResumedParts = state.UploadID, len(done)
}

// completedBefore reports whether the destination is the object the
// saved upload makes: every planned part recorded, and the multipart ETag
// those parts give. Then the upload counts as resumed whole, and the
// result holds what the HEAD read.
func (m *multipartCopy) completedBefore(ctx context.Context, saved *checkpoint.State) bool {
	if len(saved.Parts) != len(m.plan.Parts) {
		return false
	}
	parts := make([]PartETag, len(saved.Parts))
	for i, p := range saved.Parts {
		if p.Number != m.plan.Parts[i].Number {
			return false
		}
		parts[i] = PartETag{Number: p.Number, ETag: p.ETag}
	}
	dst, ok := m.destinationIs(ctx, parts)
	if !ok {
		return false
	}
	m.note(fmt.Sprintf("the last run already completed upload %s: verifying it", saved.UploadID))
	m.resumed(saved, partMap(saved.Parts))
	// The HEAD that found it read the stored CRC64: the proof needs no
	// second one.
	m.res.ETag, m.res.CRC64 = dst.ETag, dst.CRC64
	return true
}

func partMap(parts []checkpoint.Part) map[int32]string {
	m := make(map[int32]string, len(parts))
	for _, p := range parts {
		m[p.Number] = p.ETag
	}
	return m
}

func partList(done map[int32]string) []checkpoint.Part {
	out := make([]checkpoint.Part, 0, len(done))
	for n, tag := range done {
		out = append(out, checkpoint.Part{Number: n, ETag: tag})
	}
	return out
}

// reconcile asks the server which parts it holds: a part counts as done
// only when the server holds it with the planned size and the ETag this
// copy's checkpoint recorded for it. A part the checkpoint lacks, or holds
// with another ETag (another upload's content, when the upload ID was
// changed; a part copied by something else), is copied again: only parts
// this copy made are ever completed.
func (m *multipartCopy) reconcile(ctx context.Context, saved *checkpoint.State) (map[int32]string, error) {
	onServer, err := m.rs.ListParts(ctx, m.job.Dest, saved.UploadID)
	if err != nil {
		return nil, fmt.Errorf("resuming upload %s: %w", saved.UploadID, err)
	}
	planned := map[int32]int64{}
	for _, p := range m.plan.Parts {
		planned[p.Number] = p.Size
	}
	recorded := partMap(saved.Parts)
	done := map[int32]string{}
	unrecorded := 0
	for _, p := range onServer {
		if size, ok := planned[p.Number]; !ok || size != p.Size {
			continue
		}
		if tag, ok := recorded[p.Number]; ok && etag.Equal(tag, p.ETag) {
			done[p.Number] = p.ETag
		} else {
			unrecorded++
		}
	}
	missing := 0
	for _, p := range saved.Parts {
		if _, ok := done[p.Number]; !ok {
			missing++
		}
	}
	msg := fmt.Sprintf("resuming upload %s: %s of %s parts already copied", saved.UploadID, units.Group(len(done)), units.Group(len(m.plan.Parts)))
	if missing > 0 {
		msg += fmt.Sprintf("; %d parts the checkpoint recorded are not on the server as recorded and will be copied again", missing)
	}
	if unrecorded > 0 {
		msg += fmt.Sprintf("; %d parts on the server are not the checkpoint's (not recorded, or another ETag) and will be copied again", unrecorded)
	}
	progress := m.progress(done)
	progress.Resumed, progress.Message = true, msg
	m.obs.PartDone(progress)
	return done, nil
}

// progress is the copy's progress with the parts in done copied.
func (m *multipartCopy) progress(done map[int32]string) observe.Progress {
	p := observe.Progress{Source: m.res.Source, Destination: m.res.Destination, PartsDone: len(done),
		PartsTotal: len(m.plan.Parts), BytesTotal: m.plan.Size}
	for _, part := range m.plan.Parts {
		if _, ok := done[part.Number]; ok {
			p.BytesDone += part.Size
		}
	}
	return p
}

// startUpload initiates a new upload with the destination's attributes and
// saves it in the checkpoint before any part is paid for.
func (m *multipartCopy) startUpload(ctx context.Context) error {
	j := &m.job
	attrs, err := m.destinationAttributes(ctx)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%w before starting an upload to %s: %w", ErrInterrupted, j.Dest, err)
	}
	// An upload initiated but not saved would be left behind, unknown to
	// any checkpoint: once begun, the initiation and its save run to the
	// end even if the copy is interrupted meanwhile.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	id, err := m.rs.Initiate(ctx, j.Dest, attrs)
	if err != nil {
		return fmt.Errorf("starting the upload: %w", err)
	}
	st := &checkpoint.State{
		Source: checkpoint.Source{Bucket: j.Source.Bucket, Key: j.Source.Key, VersionID: j.Source.VersionID,
			ETag: m.src.ETag, Size: m.src.Size, LastModified: m.src.LastModified},
		Destination: checkpoint.Destination{Bucket: j.Dest.Bucket, Key: j.Dest.Key},
		PartSize:    m.plan.PartSize, PartCount: len(m.plan.Parts), Options: j.Shape(), UploadID: id,
	}
	if err := m.cp.Save(st); err != nil {
		// Nothing is paid for yet: do not leave the upload behind.
		_ = m.abort(ctx, id)
		return err
	}
	m.resumed(st, map[int32]string{})
	return nil
}

// destinationAttributes carries the source's metadata and tags, as
// CopyObject's COPY directives do, unless told to replace them.
func (m *multipartCopy) destinationAttributes(ctx context.Context) (Attributes, error) {
	j := &m.job
	attrs := m.src.Attributes
	if j.ReplaceMetadata {
		attrs = j.Attributes
	}
	attrs.StorageClass = j.Attributes.StorageClass
	switch {
	case j.ReplaceTagging:
		attrs.Tagging = j.Attributes.Tagging
	case m.src.TagCount > 0:
		tags, err := m.rs.GetTagging(ctx, j.pinnedSource(m.src))
		if err != nil {
			return attrs, fmt.Errorf("reading the source's tags: %w", err)
		}
		attrs.Tagging = tags
	default:
		attrs.Tagging = ""
	}
	return attrs, nil
}

// Shape renders the options that decide what the copied object becomes
// (metadata, tags, storage class), so that a resume with other options
// starts clean instead of mixing them, and a bulk run's journal is not
// trusted by a run with other options.
func (j *Job) Shape() map[string]string {
	attrs, _ := json.Marshal(j.Attributes)
	return map[string]string{
		"replace_metadata": strconv.FormatBool(j.ReplaceMetadata),
		"replace_tagging":  strconv.FormatBool(j.ReplaceTagging),
		"attributes":       string(attrs),
	}
}
