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
// counted from finished parts only, so the bar never claims what is not
// copied; speed and ETA come from the bar's recent window.
type progress struct {
	mu       sync.Mutex
	w        io.Writer
	bar      *progressbar.ProgressBar
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
	case worker.EventPlanned:
		if !p.quiet && p.terminal && e.PartsTotal > 0 {
			p.bar = progressbar.NewOptions64(e.BytesTotal, progressbar.OptionSetWriter(p.w), progressbar.OptionShowBytes(true),
				progressbar.OptionShowCount(), progressbar.OptionSetPredictTime(true), progressbar.OptionThrottle(200*time.Millisecond),
				progressbar.OptionSetDescription(fmt.Sprintf("0/%d parts", e.PartsTotal)), progressbar.OptionFullWidth(),
				progressbar.OptionOnCompletion(func() { fmt.Fprintln(p.w) }))
		}
	case worker.EventResuming:
		p.note(e.Message)
		p.show(e)
	case worker.EventPartDone:
		p.show(e)
	case worker.EventNote:
		p.note(e.Message)
	case worker.EventRetry:
		if !p.terminal && !p.quiet {
			fmt.Fprintln(p.w, "retry:", e.Message)
		}
	}
}

func (p *progress) note(msg string) {
	if p.bar != nil {
		_ = p.bar.Clear()
	}
	fmt.Fprintln(p.w, msg)
}

func (p *progress) show(e worker.Event) {
	switch {
	case p.quiet:
	case p.bar != nil:
		p.bar.Describe(fmt.Sprintf("%d/%d parts", e.PartsDone, e.PartsTotal))
		_ = p.bar.Set64(e.BytesDone)
	case time.Since(p.last) >= p.every || e.PartsDone == e.PartsTotal:
		p.last = time.Now()
		fmt.Fprintf(p.w, "progress: %d/%d parts, %s of %s (%.1f%%)\n", e.PartsDone, e.PartsTotal,
			units.FormatSize(e.BytesDone), units.FormatSize(e.BytesTotal), 100*float64(e.BytesDone)/float64(max(e.BytesTotal, 1)))
	}
}
