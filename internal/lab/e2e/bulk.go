package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/osscopy/osscopy/internal/bulk"
	"github.com/osscopy/osscopy/internal/observe"
)

// CpRArgs is `cp -r SRC DST` with a checkpoint dir, no progress lines (so
// that stderr holds only what a test looks for), a JSON summary (what
// BulkSummary reads), and extra.
func CpRArgs(ckpt, src, dst string, extra ...string) []string {
	return append([]string{"cp", "-r", src, dst, "--checkpoint-dir", ckpt, "--no-progress", "--output-format", "json"}, extra...)
}

// summaryKeys are the keys of a run's JSON summary that the tests know
// ("skipped.exists" for a key inside skipped), and whether every summary
// has them (dry_run only in a dry run, failure_report only when an object
// failed, error only when the run ended with one). The summary decodes into the product's bulk.Summary, which
// cannot tell that the product added or dropped a field: this list does,
// so such a change fails until the README and the list follow it.
var summaryKeys = map[string]bool{
	"source": true, "destination": true, "dry_run": false, "listed": true, "filtered": true, "copied": true,
	"skipped": true, "skipped.done_before": true, "skipped.exists": true, "skipped.up_to_date": true, "skipped.duplicate": true,
	"failed": true, "bytes": true, "requests": true, "throttled": true, "retries": true, "min_parallel": true,
	"seconds": true, "journal": true, "failure_report": false, "error": false,
}

// BulkSummary parses stdout as the summary of a run that is not a dry run:
// one JSON summary and nothing else (see ParseBulkOutput).
func (p *Proc) BulkSummary() bulk.Summary {
	p.t.Helper()
	s, lines := p.BulkOutput()
	if len(lines) != 0 {
		p.t.Fatalf("stdout of %q is not one JSON summary: %d values before it\n%s", p.Cmd.Args, len(lines), p.Stdout())
	}
	return s
}

// BulkOutput parses stdout as ParseBulkOutput does.
func (p *Proc) BulkOutput() (bulk.Summary, []observe.Outcome) {
	p.t.Helper()
	return ParseBulkOutput(p.t, fmt.Sprintf("%q", p.Cmd.Args), p.Stdout(), p.Stderr())
}

// ParseBulkOutput parses what a `cp -r --output-format json` run (named
// what in failures) printed on stdout: a dry run's line per object, then
// the summary, the last JSON value. Both decode into the product's types
// with unknown fields refused, and the summary's keys must be summaryKeys.
func ParseBulkOutput(t testing.TB, what, stdout, stderr string) (bulk.Summary, []observe.Outcome) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(stdout))
	var values []json.RawMessage
	for {
		var v json.RawMessage
		if err := dec.Decode(&v); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("stdout of %s is not JSON values: %v\n%s", what, err, stdout)
		}
		values = append(values, v)
	}
	if len(values) == 0 {
		t.Fatalf("%s printed no summary; stderr:\n%s", what, stderr)
	}
	last := values[len(values)-1]
	var s bulk.Summary
	if err := decodeKnown(last, &s, summaryKeys); err != nil {
		t.Fatalf("the last value on stdout of %s is not a summary: %v\n%s", what, err, last)
	}
	var lines []observe.Outcome
	for _, v := range values[:len(values)-1] {
		var o observe.Outcome
		if err := decodeKnown(v, &o, nil); err != nil {
			t.Fatalf("stdout line %s of %s is not an object's outcome: %v", v, what, err)
		}
		lines = append(lines, o)
	}
	return s, lines
}

// failureKeys are the keys of a failure report line the README lists, all
// in every line (see summaryKeys for why a list).
var failureKeys = map[string]bool{"source": true, "destination": true, "error_code": true, "message": true, "attempts": true}

// ReadFailureReport reads the failure report at path (the summary's
// failure_report), which the run must have written: one bulk.Failure a
// line, with the keys of failureKeys.
func ReadFailureReport(t testing.TB, path string) []bulk.Failure {
	t.Helper()
	if path == "" {
		t.Fatal("the run named no failure report")
	}
	var out []bulk.Failure
	for _, line := range bytes.Split(bytes.TrimSuffix(readFile(t, path, "the failure report"), []byte("\n")), []byte("\n")) {
		var f bulk.Failure
		if err := decodeKnown(line, &f, failureKeys); err != nil {
			t.Fatalf("failure report line %q: %v", line, err)
		}
		out = append(out, f)
	}
	return out
}

// decodeKnown decodes the JSON object data into v, refusing fields v does
// not have. With keys (see summaryKeys) every key of data, and of an
// object in it as "outer.inner", must be one of keys, and each key keys
// marks true must be there.
func decodeKnown(data []byte, v any, keys map[string]bool) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil || keys == nil {
		return err
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return err
	}
	got := map[string]bool{}
	for k, raw := range top {
		got[k] = true
		var inner map[string]json.RawMessage
		if json.Unmarshal(raw, &inner) == nil {
			for ik := range inner {
				got[k+"."+ik] = true
			}
		}
	}
	var errs []error
	for _, k := range slices.Sorted(maps.Keys(got)) {
		if _, ok := keys[k]; !ok {
			errs = append(errs, fmt.Errorf("key %q is new to the tests: document it, then list it", k))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		if keys[k] && !got[k] {
			errs = append(errs, fmt.Errorf("no key %q", k))
		}
	}
	return errors.Join(errs...)
}
