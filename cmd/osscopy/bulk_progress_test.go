package main

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/osscopy/osscopy/internal/bulk"
)

func TestFormatBulkProgress(t *testing.T) {
	t.Parallel()
	const mib, gib = int64(1) << 20, int64(1) << 30
	for _, tc := range []struct {
		name  string
		s     bulk.Snapshot
		speed float64
		want  string
	}{
		{"still listing",
			bulk.Snapshot{Listing: true, Selected: 1234, Copied: 10, Skipped: 2, BytesDone: mib, BytesSelected: 10 * mib, InFlight: 3, Limit: 8},
			float64(mib),
			"objects 12/1,234+ (still listing) · 1 MiB of 10 MiB+ · 1 MiB/s · ETA >9s · 3/8 in flight"},
		{"the pool keeps up with the listing: no ETA",
			bulk.Snapshot{Listing: true, Selected: 300, Copied: 290, BytesDone: 290 * mib, BytesSelected: 300 * mib, InFlight: 10, Limit: 64},
			float64(100 * mib),
			"objects 290/300+ (still listing) · 290 MiB of 300 MiB+ · 100 MiB/s · 10/64 in flight"},
		{"done",
			bulk.Snapshot{Selected: 5, Copied: 4, Skipped: 1, BytesDone: 4 * mib, BytesSkipped: mib, BytesSelected: 5 * mib, Limit: 8},
			float64(2 * mib),
			"objects 5/5 · 5 MiB of 5 MiB · 2 MiB/s · 0/8 in flight"},
		{"listing done, with failures",
			bulk.Snapshot{Selected: 2000, Copied: 500, Failed: 1234, BytesDone: 10 * gib, BytesSelected: 100 * gib, InFlight: 64, Limit: 64},
			float64(100 * mib),
			"objects 1,734/2,000 · 10 GiB of 100 GiB · 100 MiB/s · ETA 15m21s · 1,234 failed · 64/64 in flight"},
		{"skipped bytes count as done",
			bulk.Snapshot{Selected: 10, Skipped: 5, BytesSkipped: 50 * mib, BytesDone: 10 * mib, BytesSelected: 100 * mib, InFlight: 1, Limit: 4},
			float64(mib),
			"objects 5/10 · 60 MiB of 100 MiB · 1 MiB/s · ETA 40s · 1/4 in flight"},
		{"no speed yet",
			bulk.Snapshot{Selected: 3, BytesSelected: 3 * mib, InFlight: 2, Limit: 16},
			0,
			"objects 0/3 · 0 B of 3 MiB · 0 B/s · ETA unknown · 2/16 in flight"},
		{"under one byte a second",
			bulk.Snapshot{Listing: true, Selected: 3, BytesSelected: 3 * mib, Limit: 16},
			0.5,
			"objects 0/3+ (still listing) · 0 B of 3 MiB+ · 0 B/s · ETA unknown · 0/16 in flight"},
		{"nothing selected",
			bulk.Snapshot{Limit: 1},
			0,
			"objects 0/0 · 0 B of 0 B · 0 B/s · 0/1 in flight"},
		{"hours",
			bulk.Snapshot{Selected: 1, BytesSelected: 10 * gib, Limit: 2, Failed: 1},
			float64(mib),
			"objects 1/1 · 0 B of 10 GiB · 1 MiB/s · ETA 2h50m40s · 1 failed · 0/2 in flight"},
	} {
		if got := formatBulkProgress(tc.s, tc.speed); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
}

// etaField returns the ETA of a progress line, without "ETA " and ">".
func etaField(line string) (string, bool) {
	for _, f := range strings.Split(line, " · ") {
		if v, ok := strings.CutPrefix(f, "ETA "); ok {
			return strings.TrimPrefix(v, ">"), true
		}
	}
	return "", false
}

// An ETA beyond what time.Duration holds (about 292 years: a slow start on
// a huge selection) must not wrap around into a negative or short one.
func TestFormatBulkProgressHugeETA(t *testing.T) {
	t.Parallel()
	const tib = int64(1) << 40
	for _, tc := range []struct {
		left  int64
		speed float64
	}{
		{tib, 10},           // 1.1e11 s
		{10 * tib, 100},     // 1.1e11 s
		{1 << 50, 1},        // 1.1e15 s
		{math.MaxInt64, 1},  // 9.2e18 s
		{100 * tib, 1000.5}, // 1.1e11 s
	} {
		for _, listing := range []bool{false, true} {
			line := formatBulkProgress(bulk.Snapshot{Listing: listing, Selected: 1, BytesSelected: tc.left, Limit: 1}, tc.speed)
			v, ok := etaField(line)
			if !ok {
				t.Errorf("%q has no ETA", line)
				continue
			}
			if strings.Contains(v, "-") {
				t.Errorf("%d bytes at %v B/s: negative ETA in %q", tc.left, tc.speed, line)
				continue
			}
			if d, err := time.ParseDuration(v); err == nil && d < 1000*time.Hour {
				t.Errorf("%d bytes at %v B/s: ETA %s in %q, far below the real %.3g s", tc.left, tc.speed, d, line, float64(tc.left)/tc.speed)
			}
		}
	}
}

func TestBulkProgressSpeedWindow(t *testing.T) {
	t.Parallel()
	sec := func(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
	near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

	t.Run("first sample at zero", func(t *testing.T) {
		t.Parallel()
		var w speedWindow
		if got := w.add(0, 0); got != 0 {
			t.Errorf("add(0, 0) = %v, want 0", got)
		}
	})
	t.Run("the run starts at zero bytes", func(t *testing.T) {
		t.Parallel()
		var w speedWindow
		if got := w.add(sec(2), 1000); !near(got, 500) {
			t.Errorf("first add(2s, 1000) = %v, want 500", got)
		}
	})
	t.Run("constant rate", func(t *testing.T) {
		t.Parallel()
		var w speedWindow
		for i := 1; i <= 60; i++ {
			if got := w.add(sec(float64(i)/2), int64(i)*50); !near(got, 100) {
				t.Fatalf("sample %d: speed %v, want 100", i, got)
			}
		}
		if len(w.samples) > 22 {
			t.Errorf("window holds %d samples at 2 a second over %v", len(w.samples), speedSpan)
		}
	})
	t.Run("rate change fades in over the span", func(t *testing.T) {
		t.Parallel()
		var w speedWindow
		bytesAt := func(s int) int64 {
			if s <= 20 {
				return int64(s) * 100
			}
			return 2000 + int64(s-20)*1000
		}
		want := map[int]float64{
			20: 100,
			25: float64(bytesAt(25)-bytesAt(15)) / 10, // half old, half new
			29: float64(bytesAt(29)-bytesAt(19)) / 10,
			30: 1000, // the old rate is out of the window
			40: 1000,
		}
		for s := 1; s <= 40; s++ {
			got := w.add(sec(float64(s)), bytesAt(s))
			if v, ok := want[s]; ok && !near(got, v) {
				t.Errorf("at %ds: speed %v, want %v", s, got, v)
			}
		}
	})
	t.Run("stall", func(t *testing.T) {
		t.Parallel()
		var w speedWindow
		for s := 1; s <= 10; s++ {
			w.add(sec(float64(s)), int64(s)*1000)
		}
		var got float64
		for s := 11; s <= 20; s++ {
			got = w.add(sec(float64(s)), 10_000)
		}
		if got != 0 {
			t.Errorf("speed %v after %v without progress, want 0", got, speedSpan)
		}
	})
	t.Run("same instant twice", func(t *testing.T) {
		t.Parallel()
		var w speedWindow
		w.add(sec(1), 100)
		if got := w.add(sec(1), 200); !near(got, 200) {
			t.Errorf("speed %v, want 200 (200 bytes since 0)", got)
		}
	})
}

func TestProgressBar(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		s    bulk.Snapshot
		want string
	}{
		{bulk.Snapshot{}, "[----------]"},
		{bulk.Snapshot{BytesSelected: 100, BytesDone: 30, BytesSkipped: 20}, "[#####-----]"},
		{bulk.Snapshot{BytesSelected: 100, BytesDone: 100}, "[##########]"},
		{bulk.Snapshot{BytesSelected: 100, BytesDone: 150}, "[##########]"},
		// While the listing grows, no share of what is listed so far.
		{bulk.Snapshot{Listing: true, BytesSelected: 100, BytesDone: 100}, "[ listing..]"},
		{bulk.Snapshot{Listing: true, BytesSelected: 100, BytesDone: 30, BytesSkipped: 20}, "[ listing..]"},
		{bulk.Snapshot{Listing: true}, "[ listing..]"},
	} {
		if got := progressBar(tc.s, 10); got != tc.want {
			t.Errorf("progressBar(%+v) = %q, want %q", tc.s, got, tc.want)
		}
	}
}
