package units

import (
	"math"
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{
		{"0", 0}, {"90s", 90 * time.Second}, {"300ms", 300 * time.Millisecond}, {"1h30m", 90 * time.Minute},
		{"24h", 24 * time.Hour}, {"-1.5h", -90 * time.Minute}, {"7d", 7 * 24 * time.Hour}, {"1d", 24 * time.Hour},
		{"1.5d", 36 * time.Hour}, {".5d", 12 * time.Hour}, {"1d12h", 36 * time.Hour}, {"2d30m15s", 48*time.Hour + 30*time.Minute + 15*time.Second},
		{"-7d", -7 * 24 * time.Hour}, {"-1d12h", -36 * time.Hour}, {"0d", 0}, {"106751d", 106751 * 24 * time.Hour},
	} {
		if got, err := ParseDuration(tc.in); err != nil || got != tc.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestParseDurationRejects(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"", "-", "d", "7", "7x", "7 d", " 7d", "7d ", "7days", "1w", "d7", "7dd", "1d1d", "1d-5h", "1d+5h", "--7d",
		"-+7d", "+-5s", "1h7d", "7d5", "1e3d", "0x10d", "NaN", "Inf", "106752d", "106751d24h", "9223372036854775807d", "forever", "soon"} {
		if got, err := ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q) = %v, want an error", in, got)
		} else if err != errDuration {
			t.Errorf("ParseDuration(%q) error %q, want %q", in, err, errDuration)
		}
	}
}

// FuzzParseDuration: whatever it accepts, time.ParseDuration reads the
// same way once the days are written as hours; it never panics.
func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"7d", "1.5d", "1d12h", "-7d", "90s", "1h30m", "", "d", "1d-5h", "106752d", "0.000000001d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err != nil {
			return
		}
		if d == math.MinInt64 {
			t.Fatalf("ParseDuration(%q) = MinInt64", s)
		}
		back, err := ParseDuration(d.String())
		if err != nil || back != d {
			t.Fatalf("ParseDuration(%q) = %v, which reads back as %v, %v", s, d, back, err)
		}
	})
}
