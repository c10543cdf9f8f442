package bench

import (
	"testing"
	"time"
)

func TestPartTime(t *testing.T) {
	for _, tc := range []struct {
		name  string
		model Model
		size  int64
		want  time.Duration
	}{
		{"latency only", Model{Latency: 50 * time.Millisecond}, 64 * mib, 50 * time.Millisecond},
		{"64 MiB at 1 GiB/s", Model{Latency: 0, Bandwidth: gib}, 64 * mib, 62500 * time.Microsecond},
		{"8 MiB at 4 GiB/s plus 50 ms", Model{Latency: 50 * time.Millisecond, Bandwidth: 4 * gib}, 8 * mib, 51953125 * time.Nanosecond},
		{"200 MiB at 4 GiB/s plus 50 ms", Model{Latency: 50 * time.Millisecond, Bandwidth: 4 * gib}, 200 * mib, 98828125 * time.Nanosecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.model.PartTime(tc.size); got != tc.want {
				t.Errorf("PartTime(%d) = %v, want %v", tc.size, got, tc.want)
			}
		})
	}
}

func TestIdeal(t *testing.T) {
	m := Model{Latency: 50 * time.Millisecond, Bandwidth: 4 * gib}
	part8 := m.PartTime(8 * mib)
	part64 := m.PartTime(64 * mib)
	for _, tc := range []struct {
		name     string
		plan     Plan
		capacity int
		want     time.Duration
	}{
		{"10,000 parts at 64: 157 waves", Plan{Parts: 10000, PartSize: 8 * mib, Parallel: 64}, 0, 157 * part8},
		{"one wave", Plan{Parts: 20, PartSize: 64 * mib, Parallel: 64}, 0, part64},
		{"exact waves", Plan{Parts: 1600, PartSize: 64 * mib, Parallel: 4}, 0, 400 * part64},
		{"Copier defaults on 100 GiB", Plan{Parts: 1600, PartSize: 64 * mib, Parallel: 3}, 0, 534 * part64},
		{"capacity below parallel", Plan{Parts: 512, PartSize: 64 * mib, Parallel: 64}, 32, 16 * part64},
		{"capacity above parallel", Plan{Parts: 1600, PartSize: 64 * mib, Parallel: 3}, 32, 534 * part64},
		{"serial", Plan{Parts: 7, PartSize: 64 * mib, Parallel: 1}, 0, 7 * part64},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Ideal(m, tc.plan, tc.capacity)
			if err != nil || got != tc.want {
				t.Errorf("Ideal(%+v, %d) = %v, %v; want %v", tc.plan, tc.capacity, got, err, tc.want)
			}
		})
	}
	for _, bad := range []Plan{{}, {Parts: 1, PartSize: 1}, {Parts: 1, Parallel: 1}, {PartSize: 1, Parallel: 1}} {
		if _, err := Ideal(m, bad, 0); err == nil {
			t.Errorf("Ideal(%+v) gave no error", bad)
		}
	}
}

func TestRatio(t *testing.T) {
	for _, tc := range []struct {
		wall, ideal time.Duration
		want        float64
	}{
		{8160 * time.Millisecond, 8 * time.Second, 1.02},
		{time.Second, time.Second, 1},
		{3 * time.Second, 2 * time.Second, 1.5},
		{time.Second, 0, 0},
	} {
		if got := Ratio(tc.wall, tc.ideal); got < tc.want-1e-9 || got > tc.want+1e-9 {
			t.Errorf("Ratio(%v, %v) = %v, want %v", tc.wall, tc.ideal, got, tc.want)
		}
	}
}
