package bulk

import (
	"context"
	"fmt"
	"time"

	"github.com/osscopy/osscopy/worker"
)

// Listed is an object as a listing shows it.
type Listed struct {
	Key          string
	Size         int64
	ETag         string
	LastModified time.Time
}

// Page is one page of a listing; Next continues it ("" after the last page).
type Page struct {
	Objects []Listed
	Next    string
}

// Lister lists the objects under a prefix one page at a time
// (ListObjectsV2).
type Lister interface {
	List(ctx context.Context, bucket, prefix, token string) (Page, error)
}

// Location is a bucket and a key prefix.
type Location struct {
	Bucket, Prefix string
}

func (l Location) String() string { return "oss://" + l.Bucket + "/" + l.Prefix }

// item is one object to copy. listed is nil for a manifest's objects,
// whose size and ETag are read with a HEAD.
type item struct {
	src, dst worker.Object
	listed   *Listed
	rel      string // the key relative to the source prefix, for filters
}

// listTimeout bounds one attempt at listing a page.
const listTimeout = 2 * time.Minute

// listing sends every object under the source prefix to emit, a page at
// a time.
func (r *Runner) listing(ctx context.Context, emit func(item) error) error {
	src, dst := r.opts.Source, r.opts.Dest
	token := ""
	for {
		// The listing takes a slot of the run's budget as every request
		// does: --parallel bounds the run's requests in flight, and a
		// throttled page counts towards the limit as a throttled copy.
		page, err := worker.RetryGated(ctx, r.retry, r.gate, "ListObjectsV2", listTimeout, func(ctx context.Context) (Page, error) {
			return r.lister.List(ctx, src.Bucket, src.Prefix, token)
		})
		if err != nil {
			return fmt.Errorf("listing %s: %w", src, err)
		}
		for _, o := range page.Objects {
			rel := o.Key[len(src.Prefix):]
			it := item{src: worker.Object{Bucket: src.Bucket, Key: o.Key},
				dst: worker.Object{Bucket: dst.Bucket, Key: dst.Prefix + rel}, listed: &o, rel: rel}
			if err := emit(it); err != nil {
				return err
			}
		}
		if page.Next == "" {
			return nil
		}
		token = page.Next
	}
}
