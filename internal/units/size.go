package units

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

var multipliers = []struct {
	suffix string
	factor float64
}{
	// Longest suffixes first so that "KiB" is not read as "B".
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40}, {"PiB", 1 << 50},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"PB", 1e15},
	{"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"T", 1 << 40}, {"P", 1 << 50},
	{"B", 1},
}

// ParseSize reads a size: a number (whole or decimal) with an optional unit.
// KiB, MiB, GiB, TiB, PiB and the single letters K, M, G, T, P are powers of
// 1024; KB, MB, GB, TB, PB are powers of 1000; B or no unit is bytes. Units
// are case-insensitive. The result must be a whole number of bytes.
func ParseSize(s string) (int64, error) {
	in := strings.TrimSpace(s)
	num, factor := in, 1.0
	for _, m := range multipliers {
		if len(in) > len(m.suffix) && strings.EqualFold(in[len(in)-len(m.suffix):], m.suffix) {
			num, factor = strings.TrimSpace(in[:len(in)-len(m.suffix)]), m.factor
			break
		}
	}
	bad := func(why string) (int64, error) {
		return 0, fmt.Errorf("size %q %s: write a number with an optional unit, like 1536MiB, 5TiB, 1.5GiB or 100KB", s, why)
	}
	if num == "" || strings.ContainsAny(num, "+-eExXpP_") || strings.Count(num, ".") > 1 {
		return bad("is not valid")
	}
	// Whole numbers are exact at any size; decimals go through a float.
	if i, err := strconv.ParseInt(num, 10, 64); err == nil {
		if i > math.MaxInt64/int64(factor) {
			return bad("is too large")
		}
		return i * int64(factor), nil
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return bad("is not valid")
	}
	bytes := v * factor
	if bytes >= math.MaxInt64 {
		return bad("is too large")
	}
	if bytes != math.Trunc(bytes) {
		return bad("is not a whole number of bytes")
	}
	return int64(bytes), nil
}

// FormatSize prints n bytes in binary units with up to two decimals.
func FormatSize(n int64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	v, i := float64(n), 0
	for math.Abs(v) >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%d B", n)
	}
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", v), "0"), ".") + " " + units[i]
}

// FormatExact prints n bytes for a command line: in the largest binary
// unit that divides it, without a space, like 210MiB or 1536KiB, so that
// ParseSize reads back exactly n. Suggestions to the user are printed
// with it (FormatSize rounds).
func FormatExact(n int64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB"}
	i := 0
	for n != 0 && n%1024 == 0 && i < len(units)-1 {
		n /= 1024
		i++
	}
	return strconv.FormatInt(n, 10) + units[i]
}

// Group writes n with thousands separators: 10,000.
func Group[T ~int | ~int64](n T) string {
	s := strconv.FormatInt(int64(n), 10)
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return sign + s
}

// ParseRate reads a rate in bytes per second: a size with an optional "/s".
func ParseRate(s string) (int64, error) {
	n, err := ParseSize(strings.TrimSuffix(strings.TrimSpace(s), "/s"))
	if err != nil {
		return 0, fmt.Errorf("rate %q: %w", s, err)
	}
	if n <= 0 {
		return 0, fmt.Errorf("rate %q must be more than zero bytes per second", s)
	}
	return n, nil
}
