package units

import (
	"strings"
	"testing"
)

func TestParseSize(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want int64
	}{
		{"0", 0}, {"1", 1}, {"100KB", 100_000}, {"100KiB", 100 << 10}, {"1536MiB", 1536 << 20},
		{"5TiB", 5 << 40}, {"1.5GiB", 3 << 29}, {"48.8TB", 48_800_000_000_000}, {"64m", 64 << 20},
		{"10 MiB", 10 << 20}, {"7B", 7}, {"1k", 1024}, {" 2G ", 2 << 30},
		{"9007199254740993", 1<<53 + 1}, {"8191PiB", 8191 << 50}, // exact beyond a float's 53 bits
	} {
		got, err := ParseSize(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
}

func TestParseSizeRejects(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"", "-1", "1.5.5GiB", "10XB", "GiB", "1e9", "0x10", "NaN", "Inf", "1.3B", "+5", "99999999999PiB", "1_000"} {
		if got, err := ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) = %d, want an error", in, got)
		} else if !strings.Contains(err.Error(), "like 1536MiB") {
			t.Errorf("ParseSize(%q) error %q does not say what to write", in, err)
		}
	}
}

func TestFormatSize(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   int64
		want string
	}{{0, "0 B"}, {1023, "1023 B"}, {1024, "1 KiB"}, {1536 << 20, "1.5 GiB"}, {5 << 40, "5 TiB"}} {
		if got := FormatSize(tc.in); got != tc.want {
			t.Errorf("FormatSize(%d) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestParseRate(t *testing.T) {
	t.Parallel()
	if got, err := ParseRate("1GiB/s"); err != nil || got != 1<<30 {
		t.Errorf("ParseRate(1GiB/s) = %d, %v", got, err)
	}
	if _, err := ParseRate("0/s"); err == nil {
		t.Error("ParseRate(0/s) accepted a zero rate")
	}
}

func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"1536MiB", "5TiB", "1.5GiB", "-1", "1.5.5GiB", "10XB", "", "1e400"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseSize(s)
		if err == nil && n < 0 {
			t.Fatalf("ParseSize(%q) = %d: negative size accepted", s, n)
		}
	})
}

func TestFormatExact(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   int64
		want string
	}{{0, "0B"}, {1, "1B"}, {1023, "1023B"}, {1024, "1KiB"}, {1536 << 10, "1536KiB"}, {210 << 20, "210MiB"},
		{5 << 30, "5GiB"}, {1 << 50, "1PiB"}, {1 << 60, "1024PiB"}, {1<<20 + 1, "1048577B"}} {
		if got := FormatExact(tc.in); got != tc.want {
			t.Errorf("FormatExact(%d) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// FuzzFormatExact: what FormatExact prints, ParseSize reads back as the
// same number of bytes.
func FuzzFormatExact(f *testing.F) {
	for _, n := range []int64{0, 1, 1024, 210 << 20, 219902326, 1 << 62} {
		f.Add(n)
	}
	f.Fuzz(func(t *testing.T, n int64) {
		if n < 0 {
			n = -(n + 1)
		}
		s := FormatExact(n)
		if back, err := ParseSize(s); err != nil || back != n {
			t.Fatalf("FormatExact(%d) = %q, which ParseSize reads as %d, %v", n, s, back, err)
		}
	})
}
