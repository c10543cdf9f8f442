package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/osscopy/osscopy/internal/units"
	"github.com/osscopy/osscopy/worker"
)

// progress shows a copy's progress on stderr: a bar on a terminal, a plain
// line every few seconds otherwise, nothing with --no-progress. Bytes are
// counted from finished parts only, so it never claims what is not copied.
// The bar measures this run's bytes, so that its speed (over the bar's
// recent window) and ETA stay true after a resume; its label counts all parts.
type progress struct {
	mu       sync.Mutex
	w        io.Writer
	bar      *progressbar.ProgressBar
	resumed  int64 // bytes copied by earlier runs
	terminal bool
	quiet    bool
	last     time.Time
	every    time.Duration
}

func newProgress(quiet bool) *progress {
	return &progress{w: os.Stderr, terminal: term.IsTerminal(int(os.Stderr.Fd())), quiet: quiet, every: 5 * time.Second}
}

func (p *progress) event(e worker.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch e.Kind {
	case worker.EventResuming:
		p.resumed = e.BytesDone
		p.note(e.Message)
		p.show(e)
	case worker.EventPartDone:
		p.show(e)
	case worker.EventNote:
		p.note(e.Message)
	case worker.EventRetry:
		// Before the first part there is no bar to show that anything
		// happens (an unreachable endpoint retries for a minute): say why.
		if !p.quiet && (!p.terminal || p.bar == nil) {
			fmt.Fprintln(p.w, "retry:", e.Message)
		}
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

func (p *progress) show(e worker.Event) {
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
