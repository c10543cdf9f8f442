package compat

import (
	"strings"
)

// ParseGoTest reads the output of a Go test binary run with -test.v and
// returns the outcome of each top-level test it reported. A failed or
// skipped test's Detail is its output: everything from its "=== RUN" line
// to the next top-level test's, so that a panic's trace, printed after
// "--- FAIL", stays with the test that panicked.
func ParseGoTest(output []byte) []Result {
	var (
		results []Result
		current string   // the top-level test whose output this is
		detail  []string // its output so far
		index   = map[string]int{}
	)
	flush := func() {
		if i, ok := index[current]; ok && results[i].Outcome != Passed {
			results[i].Detail = strings.Join(detail, "\n")
		}
	}
	for line := range strings.Lines(string(output)) {
		line = strings.TrimRight(line, "\r\n")
		if name, ok := strings.CutPrefix(line, "=== RUN   "); ok && !strings.Contains(name, "/") {
			flush()
			current, detail = name, nil
		}
		detail = append(detail, line)
		if name, outcome, ok := goTestVerdict(line); ok {
			if _, seen := index[name]; !seen {
				index[name] = len(results)
				results = append(results, Result{Test: name})
			}
			results[index[name]].Outcome = outcome
		}
	}
	flush()
	return results
}

// goTestVerdict reads a top-level "--- PASS: TestX (0.01s)" line.
// Subtests' verdicts are indented, and their names contain a slash.
func goTestVerdict(line string) (string, Outcome, bool) {
	for prefix, outcome := range map[string]Outcome{"--- PASS: ": Passed, "--- FAIL: ": Failed, "--- SKIP: ": Skipped} {
		if rest, ok := strings.CutPrefix(line, prefix); ok {
			name, _, _ := strings.Cut(rest, " ")
			if name != "" && !strings.Contains(name, "/") {
				return name, outcome, true
			}
		}
	}
	return "", "", false
}
