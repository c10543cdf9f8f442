package compat

import (
	"os"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/osscopy/osscopy/internal/lab/ossserver"
)

func TestParseGoTest(t *testing.T) {
	t.Parallel()
	output := strings.Join([]string{
		"=== RUN   TestA",
		"--- PASS: TestA (0.01s)",
		"=== RUN   TestB",
		"=== RUN   TestB/sub",
		"    b_test.go:9: boom",
		"    --- FAIL: TestB/sub (0.00s)",
		"--- FAIL: TestB (0.02s)",
		"panic: runtime error [recovered]",
		"goroutine 7 [running]:",
		"=== RUN   TestC",
		"    c_test.go:3: no endpoint",
		"--- SKIP: TestC (0.00s)",
		"=== RUN   TestD",
		"    d_test.go:1: still running when killed",
	}, "\n")
	got := ParseGoTest([]byte(output))
	want := []Result{
		{Test: "TestA", Outcome: Passed},
		{Test: "TestB", Outcome: Failed, Detail: "=== RUN   TestB\n=== RUN   TestB/sub\n    b_test.go:9: boom\n    --- FAIL: TestB/sub (0.00s)\n--- FAIL: TestB (0.02s)\npanic: runtime error [recovered]\ngoroutine 7 [running]:"},
		{Test: "TestC", Outcome: Skipped, Detail: "=== RUN   TestC\n    c_test.go:3: no endpoint\n--- SKIP: TestC (0.00s)"},
	}
	assertResults(t, got, want)
}

func TestParseGocheck(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		output []string
		want   []Result
	}{{
		name: "pass, fail, panic, skip",
		output: []string{
			"PASS: a_test.go:10: S.TestPass\t0.010s",
			"",
			gocheckRule,
			"FAIL: a_test.go:20: S.TestFail",
			"",
			"a_test.go:22:",
			"    c.Assert(err, IsNil)",
			"... value = boom",
			"",
			gocheckRule,
			"PANIC: a_test.go:30: S.TestPanic",
			"... Panic: nil map (PC=0x1)",
			gocheckRule,
			"SKIP: a_test.go:40: S.TestSkip (no endpoint)",
			"OOPS: 1 passed, 1 FAILED, 1 PANICKED",
		},
		want: []Result{
			{Test: "S.TestPass", Outcome: Passed},
			{Test: "S.TestFail", Outcome: Failed, Detail: "FAIL: a_test.go:20: S.TestFail\n\na_test.go:22:\n    c.Assert(err, IsNil)\n... value = boom\n"},
			{Test: "S.TestPanic", Outcome: Failed, Detail: "PANIC: a_test.go:30: S.TestPanic\n... Panic: nil map (PC=0x1)"},
			{Test: "S.TestSkip", Outcome: Skipped, Detail: "SKIP: a_test.go:40: S.TestSkip (no endpoint)\nOOPS: 1 passed, 1 FAILED, 1 PANICKED"},
		},
	}, {
		name: "a failed SetUpSuite misses the tests",
		output: []string{
			gocheckRule,
			"FAIL: a_test.go:5: S.SetUpSuite",
			"... value = no bucket",
			gocheckRule,
			"MISS: a_test.go:10: S.TestA",
		},
		want: []Result{
			{Test: "S.TestA", Outcome: Failed, Detail: "not run: a fixture of the suite failed:\nFAIL: a_test.go:5: S.SetUpSuite\n... value = no bucket"},
		},
	}, {
		name: "a failed TearDownSuite fails the tests that passed",
		output: []string{
			"PASS: a_test.go:10: S.TestA\t0.010s",
			"PASS: b_test.go:10: T.TestB\t0.010s",
			gocheckRule,
			"FAIL: a_test.go:90: S.TearDownSuite",
			"... value = SignatureDoesNotMatch",
			gocheckRule,
		},
		want: []Result{
			{Test: "S.TestA", Outcome: Failed, Detail: "passed, but the suite's fixtures then failed:\nFAIL: a_test.go:90: S.TearDownSuite\n... value = SignatureDoesNotMatch"},
			{Test: "T.TestB", Outcome: Passed},
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assertResults(t, ParseGocheck([]byte(strings.Join(tc.output, "\n"))), tc.want)
		})
	}
}

func assertResults(t *testing.T, got, want []Result) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d results %+v, want %d %+v", len(got), got, len(want), want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("result %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
}

func TestParseJUnit(t *testing.T) {
	t.Parallel()
	output := strings.Join([]string{
		"npm noise before the report",
		`<?xml version="1.0" encoding="utf-8"?>`,
		"<testsuites>",
		`<testsuite name="outer" tests="3">`,
		`<testsuite name="inner">`,
		`<testcase name="works" classname="test"/>`,
		`<testcase name="fails" classname="test" failure="boom"><failure type="testCodeFailure" message="boom">Error: boom</failure></testcase>`,
		`</testsuite>`,
		`<testcase name="later" classname="test"><skipped type="skipped"/></testcase>`,
		`</testsuite>`,
		`<testcase name="top" classname="test"/>`,
		"<!-- tests 4 -->",
		"</testsuites>",
	}, "\n")
	want := []Result{
		{Test: "top", Outcome: Passed},
		{Test: "outer > later", Outcome: Skipped},
		{Test: "outer > inner > works", Outcome: Passed},
		{Test: "outer > inner > fails", Outcome: Failed, Detail: "boom\nError: boom"},
	}
	assertResults(t, ParseJUnit([]byte(output)), want)
	if got := ParseJUnit([]byte("node: bad option: --test-reporter=junit")); len(got) != 0 {
		t.Errorf("no report gave %+v", got)
	}
}

func TestParseExclusions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, input string
		want        Exclusions
		wantErr     string
	}{
		{name: "names, reasons, comments", input: "# why\n\nTestA  needs STS\nS.TestB\tneeds a proxy  here\n",
			want: Exclusions{"TestA": "needs STS", "S.TestB": "needs a proxy  here"}},
		{name: "no reason", input: "TestA\n", wantErr: `line 1: "TestA" has no reason`},
		{name: "twice", input: "TestA x\n# c\nTestA y\n", wantErr: `line 3: "TestA" is listed twice`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseExclusions(strings.NewReader(tc.input))
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || len(got) != len(tc.want) {
				t.Fatalf("got %v, %v; want %v", got, err, tc.want)
			}
			for name, reason := range tc.want {
				if got[name] != reason {
					t.Errorf("%s: reason %q, want %q", name, got[name], reason)
				}
			}
		})
	}
}

func TestCheckedInExclusionListsParse(t *testing.T) {
	t.Parallel()
	for _, path := range []string{"testdata/sdkv2-excluded.txt", "testdata/sdkv1-excluded.txt"} {
		ex, err := LoadExclusions(path)
		if err != nil {
			t.Fatal(err)
		}
		if len(ex) == 0 {
			t.Errorf("%s lists nothing", path)
		}
	}
}

// The parsers read what outside processes print: any bytes must give
// results without panicking, each naming a test and an outcome.
func FuzzParseGoTest(f *testing.F) {
	f.Add([]byte("=== RUN   TestA\n--- FAIL: TestA (0.01s)\npanic: x\n"))
	f.Add([]byte("--- PASS: \n--- SKIP: TestB/c (0s)\n=== RUN   TestB"))
	f.Fuzz(func(t *testing.T, output []byte) { checkResults(t, ParseGoTest(output)) })
}

func FuzzParseGocheck(f *testing.F) {
	f.Add([]byte("PASS: a.go:1: S.TestA\t0.1s\n" + gocheckRule + "\nFAIL: a.go:2: S.TearDownSuite\n... x\n"))
	f.Add([]byte("MISS: a.go:1: S.TestA\nFAIL EXPECTED: a.go:1: S.TestB\n"))
	f.Fuzz(func(t *testing.T, output []byte) { checkResults(t, ParseGocheck(output)) })
}

func FuzzParseJUnit(f *testing.F) {
	f.Add([]byte(`<testsuites><testsuite name="a"><testcase name="b"><failure message="m">t</failure></testcase></testsuite><testcase/></testsuites>`))
	f.Add([]byte("x<testsuites><testsuite><testsuite name=\"\"><testcase name=\"c\"><skipped/>"))
	f.Fuzz(func(t *testing.T, output []byte) { checkResults(t, ParseJUnit(output)) })
}

func FuzzParseExclusions(f *testing.F) {
	f.Add("TestA reason\n# c\nS.TestB\treason\n")
	f.Fuzz(func(t *testing.T, input string) {
		ex, err := ParseExclusions(strings.NewReader(input))
		for name, reason := range ex {
			if err == nil && (name == "" || reason == "" || strings.ContainsAny(name, " \t")) {
				t.Errorf("entry %q: %q", name, reason)
			}
		}
	})
}

func checkResults(t *testing.T, results []Result) {
	for _, r := range results {
		if r.Test == "" || (r.Outcome != Passed && r.Outcome != Failed && r.Outcome != Skipped) {
			t.Errorf("result %+v", r)
		}
	}
}

// docs/COMPAT.md lists the operations the server implements between its
// ops markers: the list must be the server's table, no more, no less.
func TestCompatDocListsTheServersOperations(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile("../../../docs/COMPAT.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, _ := strings.Cut(string(doc), "<!-- ops -->")
	listed, _, found := strings.Cut(rest, "<!-- /ops -->")
	if !found {
		t.Fatal("docs/COMPAT.md has no <!-- ops --> ... <!-- /ops --> list")
	}
	got := strings.FieldsFunc(listed, func(r rune) bool { return r == ',' || r == '.' || unicode.IsSpace(r) })
	want := ossserver.OpNames()
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("docs/COMPAT.md lists %v\nthe server implements %v", got, want)
	}
}
