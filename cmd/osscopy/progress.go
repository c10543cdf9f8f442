package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/osscopy/osscopy/internal/observe"
	"github.com/osscopy/osscopy/internal/units"
)

// progress shows a copy's progress on stderr: a bar on a terminal, a plain
// line every few seconds otherwise, nothing with --no-progress; and, when
// nothing has been shown for a while, a status line that says what the
// copy is doing. Bytes are counted from finished parts only, so it never
// claims what is not copied. The bar, its percentage and its totals count
// all parts, resumed ones included; its speed and ETA only this run's
// bytes, so that they stay true after a resume.
type progress struct {
	observe.Nop
	mu       sync.Mutex
	w        io.Writer
	terminal bool
	quiet    bool
	clock    func() time.Time

	start   time.Time // of this run, for its speed
	resumed int64     // bytes copied by earlier runs
	window  speedWindow
	bar     liveLine      // on a terminal
	drawn   time.Time     // when the bar or a plain line was last drawn
	every   time.Duration // between plain lines
	doing   activity
	silence pace // since the copy last showed that it moved

	stopStatus chan struct{}
	statusDone <-chan struct{}
	stopOnce   sync.Once
}

// barEvery is the least time between two draws of the bar.
const barEvery = 200 * time.Millisecond

// newProgress shows a copy's progress on w, with status lines from now
// until finish.
func newProgress(w io.Writer, quiet bool) *progress {
	p := makeProgress(w, isTerminal(w), quiet, statusEvery(), time.Now)
	if !quiet {
		p.stopStatus = make(chan struct{})
		p.statusDone = everyUntil(p.stopStatus, p.silence.tick, p.tick)
	}
	return p
}

// makeProgress is a progress without its ticker, on clock.
func makeProgress(w io.Writer, terminal, quiet bool, statusEvery time.Duration, clock func() time.Time) *progress {
	now := clock()
	return &progress{w: w, terminal: terminal, quiet: quiet, clock: clock, start: now, every: 5 * time.Second,
		bar: liveLine{w: w}, doing: activity{changed: now}, silence: pace{every: statusEvery, tick: statusTick(statusEvery), since: now}}
}

// isTerminal reports whether w is a terminal, where a bar can be redrawn.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func (p *progress) ObjectStarted(s observe.Start) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.doing.started(s, p.clock())
}

func (p *progress) Phase(ph observe.Phase) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.doing.phase(ph.Step, p.clock())
}

// PartDone shows the parts copied; resumed ones are not this run's bytes.
func (p *progress) PartDone(e observe.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.clock()
	p.doing.partDone(e, now)
	if e.Resumed {
		p.resumed = e.BytesDone
		p.note(e.Message)
	}
	p.show(e, now)
}

func (p *progress) Note(n observe.Note) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.note(n.Message)
}

// Retry says why nothing seems to happen before the first part: there is
// no bar yet (an unreachable endpoint retries for a minute). On a terminal
// with a bar, the status line says it if nothing moves meanwhile.
func (p *progress) Retry(r observe.Retry) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.clock()
	p.doing.retry = lastRetry{r: r, at: now}
	if !p.quiet && (!p.terminal || p.bar.last == "") {
		fmt.Fprintf(p.w, "retry: %s failed (%v); retrying in %s\n", r.Op, r.Err, r.Wait.Round(time.Millisecond))
		p.silence.shown(now)
	}
}

// tick shows a status line when nothing has been shown for too long.
func (p *progress) tick(now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.quiet || !p.silence.due(now) {
		return
	}
	p.note(p.doing.status(now))
	p.silence.shown(now)
}

// finish stops the status lines and ends a bar the copy left unfinished
// (interrupted or failed), so that what is printed next starts on a line
// of its own.
func (p *progress) finish() {
	p.stopOnce.Do(func() {
		if p.stopStatus != nil {
			close(p.stopStatus)
			<-p.statusDone // not under mu: a tick may be waiting for it
		}
	})
	p.mu.Lock()
	defer p.mu.Unlock()
	p.bar.end()
}

func (p *progress) note(msg string) {
	p.bar.above(func() { fmt.Fprintln(p.w, msg) })
}

func (p *progress) show(e observe.Progress, now time.Time) {
	last := e.PartsDone == e.PartsTotal
	label := fmt.Sprintf("%s/%s parts, %s of %s (%.1f%%)", units.Group(e.PartsDone), units.Group(e.PartsTotal),
		units.FormatSize(e.BytesDone), units.FormatSize(e.BytesTotal), 100*float64(e.BytesDone)/float64(max(e.BytesTotal, 1)))
	speed := p.window.add(now.Sub(p.start), e.BytesDone-p.resumed)
	switch {
	case p.quiet:
		return
	case p.terminal && (now.Sub(p.drawn) >= barEvery || last):
		p.bar.draw(barOf(e.BytesDone, e.BytesTotal, 20) + " " + label + " · " + speedAndETA(speed, e.BytesTotal-e.BytesDone))
	case !p.terminal && (now.Sub(p.drawn) >= p.every || last):
		fmt.Fprintf(p.w, "progress: %s\n", label)
	default:
		return
	}
	p.drawn = now
	p.silence.shown(now)
}

// speedAndETA is the speed and, when there is one, the time left at it.
func speedAndETA(speed float64, left int64) string {
	s := units.FormatSize(int64(speed)) + "/s"
	switch {
	case left <= 0:
		return s
	case speed < 1:
		return s + " · ETA unknown"
	}
	return s + " · ETA " + eta(float64(left)/speed)
}
