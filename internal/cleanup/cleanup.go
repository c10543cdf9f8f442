package cleanup

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/osscopy/osscopy/internal/ossapi"
	"github.com/osscopy/osscopy/internal/osserr"
)

// Store is what cleanup needs from OSS (internal/ossclient.API). An abort
// of an upload that is gone wraps osserr.ErrNoSuchUpload.
type Store interface {
	ListMultipartUploads(ctx context.Context, in ossapi.ListUploadsInput) (ossapi.ListMultipartUploadsResult, error)
	AbortMultipartUpload(ctx context.Context, bucket, key, uploadID string) error
}

// Actions taken on an upload.
const (
	Aborted       = "aborted"
	WouldAbort    = "would-abort" // --dry-run
	KeptRecent    = "kept-recent"
	KeptResumable = "kept-resumable" // a local checkpoint can resume it
	AlreadyGone   = "already-gone"   // completed or aborted meanwhile
	AbortFailed   = "failed"
)

// initiatedTimes is the form of OSS's Initiated times.
const initiatedTimes = "2006-01-02T15:04:05.000Z"

// Options say what to clean.
type Options struct {
	Bucket, Prefix string
	OlderThan      time.Duration
	DryRun         bool
	Parallel       int
	// Resumable are upload IDs local checkpoints hold, with their paths.
	Resumable map[string]string
	Now       time.Time
}

// Upload is one upload found, and what was done with it.
type Upload struct {
	Key        string    `json:"key"`
	UploadID   string    `json:"upload_id"`
	Initiated  time.Time `json:"initiated"`
	Action     string    `json:"action"`
	Checkpoint string    `json:"checkpoint,omitempty"`
	Error      string    `json:"error,omitempty"`
}

// Report is the whole run.
type Report struct {
	Uploads []Upload       `json:"uploads"`
	Counts  map[string]int `json:"counts"`
}

// Failed is how many aborts failed.
func (r Report) Failed() int { return r.Counts[AbortFailed] }

// Decide says what to do with an upload initiated at initiated.
func Decide(o Options, uploadID string, initiated time.Time) (action, checkpoint string) {
	if path, ok := o.Resumable[uploadID]; ok {
		return KeptResumable, path
	}
	if o.Now.Sub(initiated) < o.OlderThan {
		return KeptRecent, ""
	}
	if o.DryRun {
		return WouldAbort, ""
	}
	return Aborted, ""
}

// Run lists the uploads under the prefix page by page and aborts those
// Decide picks, o.Parallel at a time. Failed aborts are reported, not
// fatal; a failed listing ends the run with what was done so far.
func Run(ctx context.Context, s Store, o Options) (Report, error) {
	rep := Report{Uploads: []Upload{}, Counts: map[string]int{}}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(o.Parallel, 1))
	in := ossapi.ListUploadsInput{Bucket: o.Bucket, Prefix: o.Prefix, MaxUploads: 1000}
	for {
		if err := gctx.Err(); err != nil {
			break
		}
		page, err := s.ListMultipartUploads(gctx, in)
		if err != nil {
			_ = g.Wait()
			return rep.sorted(), fmt.Errorf("listing the multipart uploads of oss://%s/%s: %w", o.Bucket, o.Prefix, err)
		}
		for _, u := range page.Upload {
			initiated, err := time.Parse(initiatedTimes, u.Initiated)
			if err != nil {
				_ = g.Wait()
				return rep.sorted(), fmt.Errorf("upload %s of %q: OSS gave an Initiated time %q that is not %s", u.UploadId, u.Key, u.Initiated, initiatedTimes)
			}
			up := Upload{Key: u.Key, UploadID: u.UploadId, Initiated: initiated}
			up.Action, up.Checkpoint = Decide(o, u.UploadId, initiated)
			if up.Action != Aborted {
				rep.add(&mu, up)
				continue
			}
			g.Go(func() error {
				abortCtx, cancel := context.WithTimeout(gctx, time.Minute)
				defer cancel()
				if err := s.AbortMultipartUpload(abortCtx, o.Bucket, up.Key, up.UploadID); err != nil {
					up.Action, up.Error = AbortFailed, err.Error()
					if errors.Is(err, osserr.ErrNoSuchUpload) {
						up.Action, up.Error = AlreadyGone, ""
					}
				}
				rep.add(&mu, up)
				return nil
			})
		}
		if !page.IsTruncated {
			break
		}
		in.KeyMarker, in.UploadIDMarker = page.NextKeyMarker, page.NextUploadIdMarker
	}
	_ = g.Wait()
	return rep.sorted(), ctx.Err()
}

func (r *Report) add(mu *sync.Mutex, u Upload) {
	mu.Lock()
	defer mu.Unlock()
	r.Uploads = append(r.Uploads, u)
	r.Counts[u.Action]++
}

// sorted orders uploads as OSS lists them, whatever order aborts ended in.
func (r Report) sorted() Report {
	slices.SortFunc(r.Uploads, func(a, b Upload) int {
		return cmp.Or(cmp.Compare(a.Key, b.Key), cmp.Compare(a.UploadID, b.UploadID))
	})
	return r
}
