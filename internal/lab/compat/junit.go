package compat

import (
	"bytes"
	"cmp"
	"encoding/xml"
	"strings"
)

// junitSuite is a <testsuite> of a JUnit XML report; suites nest as the
// describe blocks of the tests do.
type junitSuite struct {
	Name   string       `xml:"name,attr"`
	Suites []junitSuite `xml:"testsuite"`
	Cases  []junitCase  `xml:"testcase"`
}

type junitCase struct {
	Name    string    `xml:"name,attr"`
	Failure *struct { // present when the test failed
		Message string `xml:"message,attr"`
		Text    string `xml:",chardata"`
	} `xml:"failure"`
	Skipped *struct{} `xml:"skipped"`
}

// ParseJUnit reads a JUnit XML report (Node's --test-reporter=junit). A
// test is named by its suites and its own name joined with " > ". Output
// that is not a report, around or instead of it, yields no results.
func ParseJUnit(output []byte) []Result {
	start := bytes.Index(output, []byte("<testsuites"))
	if start < 0 {
		return nil
	}
	var report struct {
		Suites []junitSuite `xml:"testsuite"`
		Cases  []junitCase  `xml:"testcase"`
	}
	if err := xml.NewDecoder(bytes.NewReader(output[start:])).Decode(&report); err != nil {
		return nil
	}
	var out []Result
	top := junitSuite{Suites: report.Suites, Cases: report.Cases}
	top.collect(nil, &out)
	return out
}

func (s junitSuite) collect(path []string, out *[]Result) {
	for _, c := range s.Cases {
		name := cmp.Or(c.Name, "(unnamed)")
		r := Result{Test: strings.Join(append(path, name), " > "), Outcome: Passed}
		switch {
		case c.Failure != nil:
			r.Outcome, r.Detail = Failed, strings.TrimSpace(c.Failure.Message+"\n"+c.Failure.Text)
		case c.Skipped != nil:
			r.Outcome = Skipped
		}
		*out = append(*out, r)
	}
	for _, sub := range s.Suites {
		sub.collect(append(path[:len(path):len(path)], sub.Name), out)
	}
}
