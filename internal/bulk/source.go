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
	// dest is the destination as the skip rules found it, nil when it
	// does not exist; destKnown says it was looked for (in the listing of
	// the destination prefix, or with a HEAD: then destHeaded, and its
	// CRC64 is known).
	dest                  *worker.ObjectInfo
	destKnown, destHeaded bool
}

// listTimeout bounds one attempt at listing a page.
const listTimeout = 2 * time.Minute

// listing sends every object under the source prefix to emit, a page at
// a time.
func (r *Runner) listing(ctx context.Context, emit func(item) error) error {
	src, dst := r.opts.Source, r.opts.Dest
	token := ""
	for {
		page, err := r.listPage(ctx, src, token)
		if err != nil {
			return err
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

// listPage lists one page under loc. The listing takes a slot of the
// run's budget as every request does: --parallel bounds the run's
// requests in flight, and a throttled page counts towards the limit as a
// throttled copy.
func (r *Runner) listPage(ctx context.Context, loc Location, token string) (Page, error) {
	page, err := worker.RetryGated(ctx, r.retry, r.gate, "ListObjectsV2", listTimeout, func(ctx context.Context) (Page, error) {
		return r.lister.List(ctx, loc.Bucket, loc.Prefix, token)
	})
	if err != nil {
		return page, fmt.Errorf("listing %s: %w", loc, err)
	}
	return page, nil
}

// destListing walks the listing of the destination prefix in step with
// the source's, for --update: both come in key order, and a destination
// key is the destination prefix followed by the same relative key, so one
// pass finds each object's destination, or its absence, at a listing page
// per 1,000 objects instead of a HEAD each.
type destListing struct {
	r     *Runner
	page  []Listed
	next  string
	ended bool
}

// find sets it.dest to the destination as listed (nil when the listing
// has none). Calls must come in ascending order of destination key.
func (d *destListing) find(ctx context.Context, it *item) error {
	for {
		for len(d.page) > 0 && d.page[0].Key < it.dst.Key {
			d.page = d.page[1:]
		}
		if len(d.page) > 0 || d.ended {
			it.dest, it.destKnown = nil, true
			if len(d.page) > 0 && d.page[0].Key == it.dst.Key {
				l := d.page[0]
				it.dest = &worker.ObjectInfo{Size: l.Size, ETag: l.ETag, LastModified: l.LastModified}
			}
			return nil
		}
		page, err := d.r.listPage(ctx, d.r.opts.Dest, d.next)
		if err != nil {
			return err
		}
		d.page, d.next, d.ended = page.Objects, page.Next, page.Next == ""
	}
}
