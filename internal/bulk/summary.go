package bulk

import (
	"sync/atomic"
	"time"

	"github.com/osscopy/osscopy/internal/observe"
)

// tally counts a run as it goes. It observes the run: each object's
// outcome and each retry are counted as they are told.
type tally struct {
	observe.Nop
	start                                          atomic.Pointer[time.Time]
	listing                                        atomic.Bool
	listed, filtered, selected                     atomic.Int64
	copied, skipped, failed, inFlight              atomic.Int64
	skippedDone, skippedExists, skippedUpToDate    atomic.Int64
	skippedDuplicate                               atomic.Int64
	bytesSelected, bytesDone, bytesCopied, retries atomic.Int64
	bytesSkipped                                   atomic.Int64
	plannedRequests, bytesPlanned                  atomic.Int64
}

// ObjectFinished counts an object's outcome.
func (t *tally) ObjectFinished(o observe.Outcome) {
	switch o.Action {
	case observe.ActionCopied:
		t.copied.Add(1)
		t.bytesCopied.Add(o.Size)
	case observe.ActionWouldCopy:
		t.copied.Add(1)
		t.bytesPlanned.Add(o.Size)
		t.plannedRequests.Add(o.Requests)
	case observe.ActionFailed:
		t.failed.Add(1)
	case observe.ActionSkipped:
		t.skipped.Add(1)
		t.bytesSkipped.Add(o.Size)
		t.skippedBy(o.Reason)
	}
}

// Retry counts a retry of any request of the run.
func (t *tally) Retry(observe.Retry) { t.retries.Add(1) }

func (t *tally) skippedBy(reason string) {
	switch reason {
	case observe.ReasonDoneBefore:
		t.skippedDone.Add(1)
	case observe.ReasonExists:
		t.skippedExists.Add(1)
	case observe.ReasonUpToDate:
		t.skippedUpToDate.Add(1)
	case observe.ReasonDuplicate:
		t.skippedDuplicate.Add(1)
	}
}

// Snapshot is the run's progress at one moment.
type Snapshot struct {
	Listing                 bool // the listing goes on: Selected still grows
	Listed, Selected        int64
	Copied, Skipped, Failed int64
	BytesSelected           int64 // bytes of the selected objects known so far
	BytesDone               int64 // copied in this run, finished parts of objects in flight included
	BytesSkipped            int64 // of the objects skipped
	BytesCopied             int64 // of objects finished in this run
	Requests, Throttled     int64
	Limit, InFlight         int
	Elapsed                 time.Duration
}

func (t *tally) elapsed() time.Duration {
	if s := t.start.Load(); s != nil {
		return time.Since(*s)
	}
	return 0
}

// Snapshot reads the counters.
func (r *Runner) Snapshot() Snapshot {
	t := &r.tally
	gs := r.gate.Stats()
	return Snapshot{Listing: t.listing.Load(), Listed: t.listed.Load(), Selected: t.selected.Load(),
		Copied: t.copied.Load(), Skipped: t.skipped.Load(), Failed: t.failed.Load(),
		BytesSelected: t.bytesSelected.Load(), BytesDone: t.bytesDone.Load(), BytesSkipped: t.bytesSkipped.Load(), BytesCopied: t.bytesCopied.Load(),
		Requests: gs.Requests, Throttled: gs.Throttled, Limit: gs.Limit, InFlight: gs.InFlight,
		Elapsed: t.elapsed()}
}

// Summary is what a run did.
type Summary struct {
	Source      string `json:"source"`
	Destination string `json:"destination"`
	DryRun      bool   `json:"dry_run,omitempty"`
	Listed      int64  `json:"listed"`
	Filtered    int64  `json:"filtered"`
	Copied      int64  `json:"copied"` // would be copied, in a dry run
	Skipped     struct {
		DoneBefore int64 `json:"done_before"`
		Exists     int64 `json:"exists"`
		UpToDate   int64 `json:"up_to_date"`
		Duplicate  int64 `json:"duplicate"` // named again by a manifest while in flight
	} `json:"skipped"`
	Failed int64 `json:"failed"`
	// Bytes copied in this run (planned, in a dry run).
	Bytes int64 `json:"bytes"`
	// Requests sent (planned writes and HEADs, in a dry run).
	Requests      int64   `json:"requests"`
	Throttled     int64   `json:"throttled"`
	Retries       int64   `json:"retries"`
	MinLimit      int     `json:"min_parallel"`
	Seconds       float64 `json:"seconds"`
	Journal       string  `json:"journal"`
	FailureReport string  `json:"failure_report,omitempty"`
	// Error is why the run stopped before the end; "" when it ran to it.
	Error string `json:"error,omitempty"`
}

func (r *Runner) summary(start time.Time) Summary {
	t := &r.tally
	gs := r.gate.Stats()
	s := Summary{Source: r.opts.Source.String(), Destination: r.opts.Dest.String(), DryRun: r.opts.DryRun,
		Listed: t.listed.Load(), Filtered: t.filtered.Load(), Copied: t.copied.Load(), Failed: t.failed.Load(),
		Bytes: t.bytesCopied.Load(), Requests: gs.Requests, Throttled: gs.Throttled,
		Retries: t.retries.Load(), MinLimit: gs.MinLimit, Seconds: time.Since(start).Seconds()}
	s.Skipped.DoneBefore, s.Skipped.Exists, s.Skipped.UpToDate = t.skippedDone.Load(), t.skippedExists.Load(), t.skippedUpToDate.Load()
	s.Skipped.Duplicate = t.skippedDuplicate.Load()
	if r.opts.DryRun {
		s.Bytes, s.Requests = t.bytesPlanned.Load(), t.plannedRequests.Load()
	}
	if r.journal != nil {
		s.Journal = r.journal.Path()
	}
	if r.failures != nil {
		s.FailureReport = r.failures.Path()
	}
	return s
}
