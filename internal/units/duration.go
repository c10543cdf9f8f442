package units

import (
	"errors"
	"math"
	"strings"
	"time"
)

// errDuration says what a duration looks like. It does not repeat the
// value: the flag's error shows it already.
var errDuration = errors.New("not a duration: write a number and a unit (ms, s, m, h, or d for days), like 90s, 30m, 24h or 7d")

// ParseDuration reads a duration as time.ParseDuration does (300ms, 1h30m,
// -1.5h), and also with days first, a day being 24 hours: 7d, 1.5d, 1d12h.
func ParseDuration(s string) (time.Duration, error) {
	sign, body := time.Duration(1), s
	if rest, ok := strings.CutPrefix(s, "-"); ok {
		sign, body = -1, rest
	}
	if !startsWithNumber(body) {
		return 0, errDuration
	}
	var days time.Duration
	if n, rest, ok := strings.Cut(body, "d"); ok {
		// The number of days (whole or decimal) is read as one of hours,
		// with time.ParseDuration's precision and overflow checks.
		h, err := time.ParseDuration(n + "h")
		if err != nil || strings.TrimLeft(n, "0123456789.") != "" || h > math.MaxInt64/24 {
			return 0, errDuration
		}
		days, body = 24*h, rest
		if body == "" {
			return sign * days, nil
		}
		if !startsWithNumber(body) { // 1d-5h, 1d+5h
			return 0, errDuration
		}
	}
	d, err := time.ParseDuration(body)
	if err != nil || d > math.MaxInt64-days {
		return 0, errDuration
	}
	return sign * (days + d), nil
}

// startsWithNumber refuses a sign where ParseDuration takes none.
func startsWithNumber(s string) bool {
	return s != "" && (s[0] >= '0' && s[0] <= '9' || s[0] == '.')
}
