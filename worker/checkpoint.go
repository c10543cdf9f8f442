package worker

import (
	"errors"
	"fmt"

	"github.com/osscopy/osscopy/checkpoint"
)

// openCheckpoint opens and locks this copy's checkpoint.
func (c *copier) openCheckpoint() (*checkpoint.Checkpoint, *checkpoint.State, error) {
	j := &c.job
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
	c.note(fmt.Sprintf("--fresh: discarded an unreadable checkpoint (%v); an upload it named, if any, could not be aborted: list the multipart uploads of bucket %s to find it",
		err, j.Dest.Bucket))
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
