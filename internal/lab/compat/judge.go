package compat

import (
	"fmt"
	"strings"
	"testing"
)

// maxDetailLines bounds how much of a failed test's output a report shows.
const maxDetailLines = 60

// Judge holds the results of a client's run against its subset: every
// test of the subset must be excluded or have passed, every excluded test
// must be in the subset (a stale or misspelt entry hides nothing and is an
// error), and a skipped test is a failure unless excluded: a suite that
// skips for want of an environment must say so on the list. It logs the
// counts: tests in the subset, run, passed, failed, excluded.
func Judge(t *testing.T, client string, subset []string, excluded Exclusions, results []Result) {
	t.Helper()
	if len(subset) == 0 {
		t.Fatalf("%s: the subset has no tests; a run of nothing proves nothing", client)
	}
	inSubset := map[string]bool{}
	for _, name := range subset {
		inSubset[name] = true
	}
	for name := range excluded {
		if !inSubset[name] {
			t.Errorf("%s: the exclusion list names %s, which is not a test of the subset", client, name)
		}
	}
	byTest := map[string]Result{}
	for _, r := range results {
		byTest[r.Test] = r
	}
	var passed, failed []string
	for _, name := range subset {
		if excluded[name] != "" {
			continue
		}
		r, ok := byTest[name]
		switch {
		case !ok:
			failed = append(failed, name)
			t.Errorf("%s: %s was not run", client, name)
		case r.Outcome == Passed:
			passed = append(passed, name)
		default:
			failed = append(failed, name)
			t.Errorf("%s: %s %s:\n%s", client, name, r.Outcome, head(r.Detail, maxDetailLines))
		}
	}
	run := len(passed) + len(failed)
	// Printed, not logged: the counts are wanted from passing runs too.
	fmt.Printf("COMPAT %s: run=%d passed=%d failed=%d excluded=%d\n",
		client, run, len(passed), len(failed), len(subset)-run)
}

// head returns the first n lines of s.
func head(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) <= n {
		return s
	}
	return strings.Join(lines[:n], "\n") + fmt.Sprintf("\n... (%d more lines)", len(lines)-n)
}
