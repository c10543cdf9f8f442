package compat

import (
	"regexp"
	"strings"
)

// gocheckHeader matches the line gocheck -check.v writes for each call:
// "PASS: file_test.go:42: Suite.TestX\t0.01s", "FAIL: ...", "PANIC: ...",
// "MISS: ..." (not run because a fixture failed), "SKIP: ...".
var gocheckHeader = regexp.MustCompile(`^(PASS|FAIL EXPECTED|FAIL|PANIC|MISS|SKIP): \S+: (\w+)\.(\w+)`)

// gocheckRule ends gocheck's report of a failed call.
const gocheckRule = "----------------------------------------------------------------------"

var gocheckOutcomes = map[string]Outcome{
	"PASS": Passed, "FAIL EXPECTED": Passed, "FAIL": Failed, "PANIC": Failed, "MISS": Failed, "SKIP": Skipped,
}

// gocheckCall is one call gocheck reported, with the report that follows.
type gocheckCall struct {
	label, suite, method string
	report               []string
}

// ParseGocheck reads gocheck -check.v output and returns the outcome of
// each test, named "Suite.TestX". A test that failed or panicked carries
// its report as Detail. A test gocheck missed, and a test that passed in a
// suite whose TearDownSuite then failed, fail with the reports of the
// fixtures (SetUpSuite, TearDownSuite, ...) that failed: against OSS the
// suite would have run and ended cleanly.
func ParseGocheck(output []byte) []Result {
	calls := gocheckCalls(output)
	fixtureFailures := map[string][]string{}
	teardownFailed := map[string]bool{}
	for _, c := range calls {
		if !strings.HasPrefix(c.method, "Test") && gocheckOutcomes[c.label] == Failed {
			fixtureFailures[c.suite] = append(fixtureFailures[c.suite], strings.Join(c.report, "\n"))
			teardownFailed[c.suite] = teardownFailed[c.suite] || c.method == "TearDownSuite"
		}
	}
	var results []Result
	for _, c := range calls {
		if !strings.HasPrefix(c.method, "Test") {
			continue
		}
		r := Result{Test: c.suite + "." + c.method, Outcome: gocheckOutcomes[c.label]}
		fixtures := strings.Join(fixtureFailures[c.suite], "\n")
		switch {
		case c.label == "MISS":
			r.Detail = "not run: a fixture of the suite failed:\n" + fixtures
		case r.Outcome == Passed && teardownFailed[c.suite]:
			r.Outcome, r.Detail = Failed, "passed, but the suite's fixtures then failed:\n"+fixtures
		case r.Outcome != Passed:
			r.Detail = strings.Join(c.report, "\n")
		}
		results = append(results, r)
	}
	return results
}

// gocheckCalls splits gocheck output into calls; a call's report is the
// lines after its header up to the next header or rule.
func gocheckCalls(output []byte) []gocheckCall {
	var calls []gocheckCall
	inReport := false
	for line := range strings.Lines(string(output)) {
		line = strings.TrimRight(line, "\r\n")
		if m := gocheckHeader.FindStringSubmatch(line); m != nil {
			calls = append(calls, gocheckCall{label: m[1], suite: m[2], method: m[3], report: []string{line}})
			inReport = true
			continue
		}
		if line == gocheckRule {
			inReport = false
			continue
		}
		if inReport {
			last := &calls[len(calls)-1]
			last.report = append(last.report, line)
		}
	}
	return calls
}
