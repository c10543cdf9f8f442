package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/osscopy/osscopy/internal/observe"
	"github.com/osscopy/osscopy/internal/units"
)

// defaultStatusEvery is the longest a copy goes without a line on stderr:
// a copy whose first part takes minutes, or whose requests are retried
// against a server that does not answer, says what it is doing instead of
// staying silent.
const defaultStatusEvery = 10 * time.Second

// statusEveryEnv sets another interval, for the end-to-end tests only:
// they cannot wait 10 s for each status line. Not documented to users.
const statusEveryEnv = "OSSCOPY_STATUS_EVERY"

// statusEvery is defaultStatusEvery, or what statusEveryEnv sets.
func statusEvery() time.Duration {
	if d, err := time.ParseDuration(os.Getenv(statusEveryEnv)); err == nil && d > 0 {
		return d
	}
	return defaultStatusEvery
}

// statusTicks is how many times per interval a status line is considered:
// the line comes between 9/10 of the interval and the interval after the
// copy last moved.
const statusTicks = 10

// statusTick is how often a status line is considered.
func statusTick(every time.Duration) time.Duration { return max(every/statusTicks, time.Millisecond) }

// pace says when a line is due: when, asked every tick, waiting for the
// next tick would leave more than every since the last one. Its clock is
// the caller's: tests pass their own times.
type pace struct {
	every, tick time.Duration
	since       time.Time // the last line, or the start
}

func (p *pace) due(now time.Time) bool { return now.Sub(p.since)+p.tick > p.every }

// shown records a line at now.
func (p *pace) shown(now time.Time) { p.since = now }

// everyUntil calls fn with the time every period until stop is closed;
// the channel it returns is closed once fn has returned for the last time.
func everyUntil(stop <-chan struct{}, period time.Duration, fn func(time.Time)) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(period)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case now := <-t.C:
				fn(now)
			}
		}
	}()
	return done
}

// lastRetry is the last retry a copy told, for a status line to say why
// nothing moves.
type lastRetry struct {
	r  observe.Retry
	at time.Time // zero: none
}

// since describes the retry when it came after changed (an older one was
// answered by the progress since), "" otherwise.
func (l lastRetry) since(changed, now time.Time) string {
	if l.at.IsZero() || l.at.Before(changed) {
		return ""
	}
	left := l.at.Add(l.r.Wait).Sub(now)
	when := "in " + left.Round(100*time.Millisecond).String()
	if left <= 0 {
		when = "sent again " + (-left).Round(time.Second).String() + " ago"
	}
	return fmt.Sprintf("retrying %s because %v (%s)", l.r.Op, l.r.Err, when)
}

// activity is what one object's copy is doing, as its events tell it.
type activity struct {
	step             string // an observe.Step*; "" before the first
	single           bool   // one CopyObject
	parts, partsDone int
	changed          time.Time // when the step or the parts last changed
	retry            lastRetry
}

func (a *activity) started(s observe.Start, now time.Time) {
	a.single, a.parts, a.changed = s.Parts == 0, s.Parts, now
}

func (a *activity) phase(step string, now time.Time) { a.step, a.changed = step, now }

func (a *activity) partDone(p observe.Progress, now time.Time) {
	a.parts, a.partsDone, a.changed = p.PartsTotal, p.PartsDone, now
}

// status is the line that says what the copy is doing at now.
func (a *activity) status(now time.Time) string {
	line := fmt.Sprintf("status: %s (%s)", a.doing(), now.Sub(a.changed).Round(time.Second))
	if r := a.retry.since(a.changed, now); r != "" {
		line += "; " + r
	}
	return line
}

func (a *activity) doing() string {
	switch {
	case a.step == observe.StepStart:
		return "starting the upload of " + units.Group(a.parts) + " parts"
	case a.step == observe.StepCopy && a.single:
		return "copying with one CopyObject"
	case a.step == observe.StepCopy && a.partsDone == 0:
		return "waiting for the first part of " + units.Group(a.parts)
	case a.step == observe.StepCopy:
		return fmt.Sprintf("waiting for the next part: %s of %s copied", units.Group(a.partsDone), units.Group(a.parts))
	case a.step == observe.StepComplete:
		return "completing the upload of " + units.Group(a.parts) + " parts"
	case a.step == observe.StepVerify:
		return "verifying the copy (size and CRC64)"
	}
	return "reading the source"
}

// liveLine is a line redrawn in place on a terminal, with lines printed
// above it. Its callers serialize its use.
type liveLine struct {
	w    io.Writer
	last string // the line as last drawn; "" when none is on the screen
}

func (l *liveLine) draw(line string) {
	fmt.Fprintf(l.w, "\r\033[K%s", line)
	l.last = line
}

// above runs print with the line cleared, so that what it prints is not
// mixed into it, and draws the line again below.
func (l *liveLine) above(print func()) {
	last := l.last
	if last != "" {
		fmt.Fprint(l.w, "\r\033[K")
	}
	print()
	if last != "" {
		l.draw(last)
	}
}

// end leaves the line on the screen for what follows.
func (l *liveLine) end() {
	if l.last != "" {
		fmt.Fprintln(l.w)
		l.last = ""
	}
}
