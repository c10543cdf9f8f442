package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/osscopy/osscopy/internal/bulk"
	"github.com/osscopy/osscopy/internal/observe"
	"github.com/osscopy/osscopy/internal/units"
)

// bulkProgress shows a bulk run's aggregate progress on stderr: a progress
// line redrawn twice a second on a terminal, a plain line every few
// seconds otherwise, nothing with --no-progress; and, when the run has not
// moved for a while, a line that says what it is doing.
type bulkProgress struct {
	w               io.Writer
	terminal, quiet bool
	tick            time.Duration
	clock           func() time.Time

	mu      sync.Mutex
	snap    func() bulk.Snapshot
	window  speedWindow
	line    liveLine  // on a terminal
	lines   pace      // the progress lines
	silence pace      // since the run last moved
	moved   bulkMoves // as last seen
	changed time.Time // when the run last moved
	retry   lastRetry
	stopped chan struct{}
	done    <-chan struct{}
}

// bulkMoves are the counters that show a run moving.
type bulkMoves struct{ listed, finished, bytes int64 }

func movesOf(s bulk.Snapshot) bulkMoves {
	return bulkMoves{s.Listed, s.Copied + s.Skipped + s.Failed, s.BytesDone}
}

func newBulkProgress(w io.Writer, quiet bool) *bulkProgress {
	return makeBulkProgress(w, isTerminal(w), quiet, statusEvery(), time.Now)
}

// makeBulkProgress is a bulkProgress on clock, started now.
func makeBulkProgress(w io.Writer, terminal, quiet bool, statusEvery time.Duration, clock func() time.Time) *bulkProgress {
	now := clock()
	every := 5 * time.Second
	if terminal {
		every = 500 * time.Millisecond
	}
	tick := min(every, statusTick(statusEvery))
	return &bulkProgress{w: w, terminal: terminal, quiet: quiet, tick: tick, clock: clock, line: liveLine{w: w}, changed: now,
		lines: pace{every: every, tick: tick, since: now}, silence: pace{every: statusEvery, tick: tick, since: now}}
}

// start draws snapshots of the run until stop.
func (p *bulkProgress) start(snap func() bulk.Snapshot) {
	p.snap, p.stopped = snap, make(chan struct{})
	p.done = everyUntil(p.stopped, p.tick, p.update)
}

// stop draws the last state and leaves the line for what follows.
func (p *bulkProgress) stop() {
	close(p.stopped)
	<-p.done
	p.draw(p.snap(), p.clock())
	p.mu.Lock()
	defer p.mu.Unlock()
	p.line.end()
}

// update draws the run when a line is due, and says what it is doing when
// it has not moved for a while.
func (p *bulkProgress) update(now time.Time) {
	if p.quiet {
		return
	}
	s := p.snap()
	p.mu.Lock()
	if m := movesOf(s); m != p.moved {
		p.moved, p.changed = m, now
		p.silence.shown(now)
	}
	if p.silence.due(now) {
		status := bulkStatus(s, p.changed, p.retry, now)
		p.line.above(func() { fmt.Fprintln(p.w, status) })
		p.silence.shown(now)
	}
	due := p.lines.due(now)
	p.mu.Unlock()
	if due {
		p.draw(s, now)
	}
}

func (p *bulkProgress) draw(s bulk.Snapshot, now time.Time) {
	if p.quiet {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lines.shown(now)
	line := formatBulkProgress(s, p.window.add(s.Elapsed, s.BytesDone))
	if p.terminal {
		p.line.draw(progressBar(s, 20) + " " + line)
		return
	}
	fmt.Fprintf(p.w, "progress: %s\n", line)
}

// retried records a retry of the run, for the status line to say why
// nothing moves.
func (p *bulkProgress) retried(r observe.Retry) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.retry = lastRetry{r: r, at: p.clock()}
}

// note prints msg on a line of its own, above the progress line.
func (p *bulkProgress) note(msg string) {
	p.above(func() { fmt.Fprintln(p.w, msg) })
}

// above runs print with the progress line cleared, so that what it prints
// is not mixed into the line.
func (p *bulkProgress) above(print func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.line.above(print)
}

// bulkStatus says what a run that has not moved since changed is doing.
func bulkStatus(s bulk.Snapshot, changed time.Time, r lastRetry, now time.Time) string {
	var doing []string
	if s.Listing {
		doing = append(doing, "listing the source: "+units.Group(s.Listed)+" objects so far")
	}
	if s.InFlight > 0 {
		doing = append(doing, "requests in flight: "+units.Group(s.InFlight))
	}
	if len(doing) == 0 {
		doing = append(doing, "no request in flight")
	}
	line := fmt.Sprintf("status: %s (%s)", strings.Join(doing, ", "), now.Sub(changed).Round(time.Second))
	if rs := r.since(changed, now); rs != "" {
		line += "; " + rs
	}
	return line
}

// speedWindow measures bytes per second over the last speedSpan.
type speedWindow struct {
	samples []speedSample
}

type speedSample struct {
	at    time.Duration
	bytes int64
}

const speedSpan = 10 * time.Second

func (w *speedWindow) add(at time.Duration, bytes int64) float64 {
	if len(w.samples) == 0 {
		w.samples = append(w.samples, speedSample{}) // the run starts at 0 bytes
	}
	w.samples = append(w.samples, speedSample{at, bytes})
	for len(w.samples) > 2 && at-w.samples[1].at >= speedSpan {
		w.samples = w.samples[1:]
	}
	first := w.samples[0]
	if at <= first.at {
		return 0
	}
	return float64(bytes-first.bytes) / (at - first.at).Seconds()
}

// formatBulkProgress renders a snapshot: objects done of those selected
// (a total still growing while the listing runs), bytes, speed over the
// recent window, ETA, failures, requests in flight against the limit.
func formatBulkProgress(s bulk.Snapshot, speed float64) string {
	done := s.Copied + s.Skipped + s.Failed
	total, more := units.Group(s.Selected), ""
	if s.Listing {
		total, more = total+"+ (still listing)", "+"
	}
	parts := []string{
		fmt.Sprintf("objects %s/%s", units.Group(done), total),
		fmt.Sprintf("%s of %s", units.FormatSize(s.BytesDone+s.BytesSkipped), units.FormatSize(s.BytesSelected)) + more,
		units.FormatSize(int64(speed)) + "/s",
	}
	left := s.BytesSelected - s.BytesDone - s.BytesSkipped
	switch {
	case left <= 0 && !s.Listing:
	case speed < 1:
		parts = append(parts, "ETA unknown")
	case s.Listing && float64(left)/speed < 1:
		// The pool keeps up with the listing: no ETA until the total is known.
	case s.Listing:
		parts = append(parts, "ETA >"+eta(float64(left)/speed))
	default:
		parts = append(parts, "ETA "+eta(float64(left)/speed))
	}
	if s.Failed > 0 {
		parts = append(parts, units.Group(s.Failed)+" failed")
	}
	parts = append(parts, fmt.Sprintf("%d/%d in flight", s.InFlight, s.Limit))
	return strings.Join(parts, " · ")
}

// maxETA is the longest ETA shown: a stalled start would give centuries
// (and overflow a time.Duration).
const maxETA = 100 * 24 * time.Hour

// progressBar draws the share of the selected bytes done, [####------].
// While the listing runs the total is not known: a share of the bytes
// listed so far would run ahead of the copy and shrink back as the
// listing grows, so none is drawn.
func progressBar(s bulk.Snapshot, width int) string {
	if s.Listing {
		return "[" + fmt.Sprintf("%-*.*s", width, width, " listing...") + "]"
	}
	return barOf(s.BytesDone+s.BytesSkipped, s.BytesSelected, width)
}

// barOf draws the share done of total, [####------].
func barOf(done, total int64, width int) string {
	n := 0
	if total > 0 {
		n = int(min(float64(done)/float64(total), 1) * float64(width))
	}
	return "[" + strings.Repeat("#", n) + strings.Repeat("-", width-n) + "]"
}

func eta(seconds float64) string {
	if seconds >= maxETA.Seconds() {
		return maxETA.String() + "+"
	}
	return (time.Duration(seconds) * time.Second).Round(time.Second).String()
}
