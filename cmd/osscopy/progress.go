package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/osscopy/osscopy/internal/observe"
	"github.com/osscopy/osscopy/internal/units"
)

// progress shows a copy's progress on stderr: a bar on a terminal, a plain
// line every few seconds otherwise, nothing with --no-progress. Bytes are
// counted from finished parts only, so it never claims what is not copied.
// The bar measures this run's bytes, so that its speed (over the bar's
// recent window) and ETA stay true after a resume; its label counts all parts.
type progress struct {
	observe.Nop
	mu       sync.Mutex
	w        io.Writer
	bar      *progressbar.ProgressBar
	resumed  int64 // bytes copied by earlier runs
	terminal bool
	quiet    bool
	last     time.Time
	every    time.Duration
}

func newProgress(w io.Writer, quiet bool) *progress {
	return &progress{w: w, terminal: isTerminal(w), quiet: quiet, every: 5 * time.Second}
}

// isTerminal reports whether w is a terminal, where a bar can be redrawn.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// PartDone shows the parts copied; resumed ones are not this run's bytes.
func (p *progress) PartDone(e observe.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if e.Resumed {
		p.resumed = e.BytesDone
		p.note(e.Message)
	}
	p.show(e)
}

func (p *progress) Note(n observe.Note) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.note(n.Message)
}

// Retry says why nothing seems to happen before the first part: there is
// no bar yet (an unreachable endpoint retries for a minute).
func (p *progress) Retry(r observe.Retry) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.quiet && (!p.terminal || p.bar == nil) {
		fmt.Fprintf(p.w, "retry: %s failed (%v); retrying in %s\n", r.Op, r.Err, r.Wait.Round(time.Millisecond))
	}
}

// finish ends a bar the copy left unfinished (interrupted or failed), so
// that what is printed next starts on a line of its own.
func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil && !p.bar.IsFinished() {
		_ = p.bar.Exit()
	}
}

func (p *progress) note(msg string) {
	if p.bar != nil {
		_ = p.bar.Clear()
	}
	fmt.Fprintln(p.w, msg)
}

func (p *progress) show(e observe.Progress) {
	label := fmt.Sprintf("%d/%d parts, %s of %s", e.PartsDone, e.PartsTotal, units.FormatSize(e.BytesDone), units.FormatSize(e.BytesTotal))
	switch {
	case p.quiet:
	case p.terminal:
		if p.bar == nil {
			p.bar = progressbar.NewOptions64(e.BytesTotal-p.resumed, progressbar.OptionSetWriter(p.w), progressbar.OptionShowBytes(true),
				progressbar.OptionUseIECUnits(true), progressbar.OptionSetPredictTime(true), progressbar.OptionThrottle(200*time.Millisecond),
				progressbar.OptionFullWidth(), progressbar.OptionOnCompletion(func() { fmt.Fprintln(p.w) }))
		}
		p.bar.Describe(label)
		_ = p.bar.Set64(e.BytesDone - p.resumed)
	case time.Since(p.last) >= p.every || e.PartsDone == e.PartsTotal:
		p.last = time.Now()
		fmt.Fprintf(p.w, "progress: %s (%.1f%%)\n", label, 100*float64(e.BytesDone)/float64(max(e.BytesTotal, 1)))
	}
}
