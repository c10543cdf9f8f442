package main

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/osscopy/osscopy/internal/bulk"
	"github.com/osscopy/osscopy/internal/observe"
)

// fakeClock is a clock a test moves by hand.
type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time { return c.now }

// event is something told to a progress at a second after its start.
type event struct {
	at   float64
	tell func(p *progress)
}

func phase(step string) func(*progress) {
	return func(p *progress) { p.Phase(observe.Phase{Step: step}) }
}

func started(parts int) func(*progress) {
	return func(p *progress) {
		p.ObjectStarted(observe.Start{Parts: parts, Size: int64(parts) * gib, PartSize: gib})
	}
}

func partDone(done, total int) func(*progress) {
	return func(p *progress) {
		p.PartDone(observe.Progress{PartsDone: done, PartsTotal: total, BytesDone: int64(done) * gib, BytesTotal: int64(total) * gib})
	}
}

const gib = int64(1) << 30

// statusLines plays events on a progress with a fake clock, ticking it
// every second for 30 s, as its ticker would, and returns the status
// lines it printed, each with the second it came at.
func statusLines(t *testing.T, terminal bool, events []event) []string {
	t.Helper()
	var out bytes.Buffer
	clock := &fakeClock{now: time.Unix(1_000_000, 0)}
	start := clock.now
	p := makeProgress(&out, terminal, false, 10*time.Second, clock.Now)
	if p.silence.tick != time.Second {
		t.Fatalf("a 10 s interval is considered every %v, want 1s", p.silence.tick)
	}
	var lines []string
	at := func(s float64) time.Time { return start.Add(time.Duration(s * float64(time.Second))) }
	for tick := 1; tick <= 30; tick++ {
		for len(events) > 0 && events[0].at < float64(tick) {
			clock.now = at(events[0].at)
			events[0].tell(p)
			events = events[1:]
		}
		clock.now = at(float64(tick))
		before := out.Len()
		p.tick(clock.now)
		if line := strings.TrimSpace(strings.TrimPrefix(out.String()[before:], "\r\033[K")); line != "" {
			lines = append(lines, time.Duration(tick*int(time.Second)).String()+" "+strings.SplitN(line, "\n", 2)[0])
		}
	}
	return lines
}

func TestCpStatusLine(t *testing.T) {
	t.Parallel()
	reset := errors.New("connection reset by peer")
	retry := func(wait time.Duration) func(*progress) {
		return func(p *progress) { p.Retry(observe.Retry{Op: "UploadPartCopy", Err: reset, Attempt: 1, Wait: wait}) }
	}
	planned := []event{{0.1, phase(observe.StepRead)}, {0.2, started(100)}, {0.2, phase(observe.StepStart)}, {0.3, phase(observe.StepCopy)}}
	for _, tc := range []struct {
		name     string
		terminal bool
		events   []event
		want     []string
	}{
		{"a source that does not answer", false, nil, []string{
			"10s status: reading the source (10s)", "20s status: reading the source (20s)", "30s status: reading the source (30s)"}},
		{"stalled before the first part", false, planned, []string{
			"10s status: waiting for the first part of 100 (10s)", "20s status: waiting for the first part of 100 (20s)",
			"30s status: waiting for the first part of 100 (30s)"}},
		// The part at 5 s is not printed (plain lines come every 5 s): the status
		// comes 10 s after the line at 4 s.
		{"stalled after some parts", false, append(slices.Clone(planned), event{4, partDone(1, 100)}, event{5, partDone(2, 100)}), []string{
			"14s status: waiting for the next part: 2 of 100 copied (9s)", "24s status: waiting for the next part: 2 of 100 copied (19s)"}},
		{"parts finishing every 2 s: no status", false, append(slices.Clone(planned),
			event{2, partDone(1, 100)}, event{4, partDone(2, 100)}, event{6, partDone(3, 100)}, event{8, partDone(4, 100)},
			event{10, partDone(5, 100)}, event{12, partDone(6, 100)}, event{14, partDone(7, 100)}, event{16, partDone(8, 100)},
			event{18, partDone(9, 100)}, event{20, partDone(10, 100)}, event{22, partDone(11, 100)}, event{24, partDone(12, 100)},
			event{26, partDone(13, 100)}, event{28, partDone(14, 100)}), nil},
		{"a retry printed counts as a line", false, append(slices.Clone(planned), event{5, retry(8 * time.Second)}), []string{
			"15s status: waiting for the first part of 100 (15s); retrying UploadPartCopy because connection reset by peer (sent again 2s ago)",
			"25s status: waiting for the first part of 100 (25s); retrying UploadPartCopy because connection reset by peer (sent again 12s ago)"}},
		{"a retry under the bar is told by the status", true, append(slices.Clone(planned),
			event{1, partDone(1, 100)}, event{9.5, retry(2700 * time.Millisecond)}), []string{
			"11s status: waiting for the next part: 1 of 100 copied (10s); retrying UploadPartCopy because connection reset by peer (in 1.2s)",
			"21s status: waiting for the next part: 1 of 100 copied (20s); retrying UploadPartCopy because connection reset by peer (sent again 9s ago)"}},
		{"a retry the progress since answered is not told", true, append(slices.Clone(planned),
			event{1, retry(time.Second)}, event{3, partDone(1, 100)}), []string{
			"13s status: waiting for the next part: 1 of 100 copied (10s)", "23s status: waiting for the next part: 1 of 100 copied (20s)"}},
		{"completing", false, append(slices.Clone(planned), event{2, partDone(1, 2)}, event{3, partDone(2, 2)}, event{3, phase(observe.StepComplete)}),
			[]string{"13s status: completing the upload of 2 parts (10s)", "23s status: completing the upload of 2 parts (20s)"}},
		{"verifying", false, append(slices.Clone(planned), event{3, partDone(1, 1)}, event{3, phase(observe.StepComplete)}, event{4, phase(observe.StepVerify)}),
			[]string{"13s status: verifying the copy (size and CRC64) (9s)", "23s status: verifying the copy (size and CRC64) (19s)"}},
		{"one CopyObject", false, []event{{0.1, phase(observe.StepRead)}, {0.2, started(0)}, {0.2, phase(observe.StepCopy)}},
			[]string{"10s status: copying with one CopyObject (10s)", "20s status: copying with one CopyObject (20s)", "30s status: copying with one CopyObject (30s)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := statusLines(t, tc.terminal, tc.events); !slices.Equal(got, tc.want) {
				t.Errorf("status lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

// With --no-progress nothing is printed, status lines included.
func TestCpStatusLineQuiet(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	clock := &fakeClock{now: time.Unix(1_000_000, 0)}
	p := makeProgress(&out, false, true, 10*time.Second, clock.Now)
	p.Retry(observe.Retry{Op: "HeadObject", Err: errors.New("reset"), Wait: time.Second})
	for s := 1; s <= 30; s++ {
		p.tick(clock.now.Add(time.Duration(s) * time.Second))
	}
	if out.Len() != 0 {
		t.Errorf("--no-progress printed %q", out.String())
	}
}

// After a resume the bar, its percentage and its totals all count every
// part, resumed ones included (the bar used to count this run's bytes
// only: 25% next to "70 GiB of 100 GiB").
func TestProgressAfterResume(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	clock := &fakeClock{now: time.Unix(1_000_000, 0)}
	p := makeProgress(&out, true, false, 10*time.Second, clock.Now)
	p.PartDone(observe.Progress{PartsDone: 60, PartsTotal: 100, BytesDone: 60 * gib, BytesTotal: 100 * gib, Resumed: true,
		Message: "resuming upload u: 60 of 100 parts already copied"})
	clock.now = clock.now.Add(10 * time.Second)
	p.PartDone(observe.Progress{PartsDone: 70, PartsTotal: 100, BytesDone: 70 * gib, BytesTotal: 100 * gib})
	screen := out.String()
	last := screen[strings.LastIndex(screen, "\r\033[K")+len("\r\033[K"):]
	// 10 GiB in 10 s: 1 GiB/s; 30 GiB left.
	want := "[##############------] 70/100 parts, 70 GiB of 100 GiB (70.0%) · 1 GiB/s · ETA 30s"
	if last != want {
		t.Errorf("the bar after a resume reads\n%q\nwant\n%q", last, want)
	}
	if !strings.Contains(screen, "resuming upload u: 60 of 100 parts already copied\n") {
		t.Errorf("the resume is not told: %q", screen)
	}
}

func TestBulkStatus(t *testing.T) {
	t.Parallel()
	t0 := time.Unix(1_000_000, 0)
	reset := lastRetry{r: observe.Retry{Op: "ListObjectsV2", Err: errors.New("EOF"), Wait: 4 * time.Second}, at: t0.Add(8 * time.Second)}
	for _, tc := range []struct {
		name  string
		s     bulk.Snapshot
		retry lastRetry
		want  string
	}{
		{"listing", bulk.Snapshot{Listing: true, Listed: 12345}, lastRetry{},
			"status: listing the source: 12,345 objects so far (10s)"},
		{"listing and copying", bulk.Snapshot{Listing: true, Listed: 2000, InFlight: 64, Limit: 64}, lastRetry{},
			"status: listing the source: 2,000 objects so far, requests in flight: 64 (10s)"},
		{"retrying the listing", bulk.Snapshot{Listing: true}, reset,
			"status: listing the source: 0 objects so far (10s); retrying ListObjectsV2 because EOF (in 2s)"},
		{"a retry before the run last moved", bulk.Snapshot{InFlight: 3}, lastRetry{r: reset.r, at: t0.Add(-time.Second)},
			"status: requests in flight: 3 (10s)"},
		{"between requests", bulk.Snapshot{Selected: 3}, lastRetry{},
			"status: no request in flight (10s)"},
	} {
		if got := bulkStatus(tc.s, t0, tc.retry, t0.Add(10*time.Second)); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
}

// A bulk run says what it does when its counters have not moved for the
// interval, and not while they move.
func TestBulkStatusLine(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	clock := &fakeClock{now: time.Unix(1_000_000, 0)}
	p := makeBulkProgress(&out, false, false, 10*time.Second, clock.Now)
	snap := bulk.Snapshot{Listing: true, Limit: 8}
	p.snap = func() bulk.Snapshot { return snap }
	var status []string
	start := clock.now
	for s := 1; s <= 40; s++ {
		if s <= 20 && s%3 == 0 { // the listing moves for 20 s, then stalls
			snap.Listed += 1000
		}
		clock.now = start.Add(time.Duration(s) * time.Second)
		before := out.Len()
		p.update(clock.now)
		for _, line := range strings.Split(out.String()[before:], "\n") {
			if strings.HasPrefix(line, "status: ") {
				status = append(status, time.Duration(s*int(time.Second)).String()+" "+line)
			}
		}
	}
	want := []string{"28s status: listing the source: 6,000 objects so far (10s)", "38s status: listing the source: 6,000 objects so far (20s)"}
	if !slices.Equal(status, want) {
		t.Errorf("status lines:\n%s\nwant:\n%s", strings.Join(status, "\n"), strings.Join(want, "\n"))
	}
	if n := strings.Count(out.String(), "progress: "); n != 8 {
		t.Errorf("%d progress lines in 40 s, want 8 (one every 5 s):\n%s", n, out.String())
	}
}
