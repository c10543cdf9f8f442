package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/osscopy/osscopy/internal/bulk"
	"github.com/osscopy/osscopy/internal/units"
)

// bulkProgress shows a bulk run's aggregate progress on stderr: a status
// line redrawn twice a second on a terminal, a plain line every few
// seconds otherwise, nothing with --no-progress.
type bulkProgress struct {
	w               io.Writer
	terminal, quiet bool
	every           time.Duration

	mu      sync.Mutex
	snap    func() bulk.Snapshot
	window  speedWindow
	drawn   bool // a status line is on the terminal
	stopped chan struct{}
	done    chan struct{}
}

func newBulkProgress(w io.Writer, quiet bool) *bulkProgress {
	p := &bulkProgress{w: w, terminal: isTerminal(w), quiet: quiet, every: 5 * time.Second}
	if p.terminal {
		p.every = 500 * time.Millisecond
	}
	return p
}

// start draws snapshots of the run until stop.
func (p *bulkProgress) start(snap func() bulk.Snapshot) {
	p.snap, p.stopped, p.done = snap, make(chan struct{}), make(chan struct{})
	go func() {
		defer close(p.done)
		t := time.NewTicker(p.every)
		defer t.Stop()
		for {
			select {
			case <-p.stopped:
				return
			case <-t.C:
				p.draw()
			}
		}
	}()
}

// stop draws the last state and leaves the line for what follows.
func (p *bulkProgress) stop() {
	close(p.stopped)
	<-p.done
	p.draw()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprintln(p.w)
		p.drawn = false
	}
}

func (p *bulkProgress) draw() {
	if p.quiet {
		return
	}
	s := p.snap()
	p.mu.Lock()
	defer p.mu.Unlock()
	line := formatBulkProgress(s, p.window.add(s.Elapsed, s.BytesDone))
	if p.terminal {
		fmt.Fprintf(p.w, "\r\033[K%s %s", progressBar(s, 20), line)
		p.drawn = true
		return
	}
	fmt.Fprintf(p.w, "progress: %s\n", line)
}

// note prints msg on a line of its own, above the status line.
func (p *bulkProgress) note(msg string) {
	p.above(func() { fmt.Fprintln(p.w, msg) })
}

// above runs print with the status line cleared, so that what it prints
// is not mixed into the line.
func (p *bulkProgress) above(print func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
		p.drawn = false
	}
	print()
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
	total := units.Group(s.Selected)
	if s.Listing {
		total += "+ (still listing)"
	}
	parts := []string{
		fmt.Sprintf("objects %s/%s", units.Group(done), total),
		fmt.Sprintf("%s of %s", units.FormatSize(s.BytesDone+s.BytesSkipped), units.FormatSize(s.BytesSelected)),
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

// progressBar draws the share of the selected bytes done, [####------];
// while the listing runs the total grows, so the bar may shrink back.
func progressBar(s bulk.Snapshot, width int) string {
	done := 0
	if s.BytesSelected > 0 {
		done = int(min(float64(s.BytesDone+s.BytesSkipped)/float64(s.BytesSelected), 1) * float64(width))
	}
	return "[" + strings.Repeat("#", done) + strings.Repeat("-", width-done) + "]"
}

func eta(seconds float64) string {
	if seconds >= maxETA.Seconds() {
		return maxETA.String() + "+"
	}
	return (time.Duration(seconds) * time.Second).Round(time.Second).String()
}
