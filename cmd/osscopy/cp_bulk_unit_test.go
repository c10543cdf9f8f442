package main

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/osscopy/osscopy/internal/bulk"
	"github.com/osscopy/osscopy/internal/observe"
)

func TestBulkLocations(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		src, dst string
		manifest bool
		want     string // substring of the error; "" for none
		s, d     bulk.Location
	}{
		// Refused: the destination is among the sources, or the sources among the copies.
		{src: "oss://bkt/data/", dst: "oss://bkt/data/sub/", want: "overlap"},
		{src: "oss://bkt/data/sub/", dst: "oss://bkt/data/", want: "overlap"},
		{src: "oss://bkt/data/", dst: "oss://bkt/data/", want: "overlap"},
		{src: "oss://bkt", dst: "oss://bkt/copy/", want: "overlap"},
		{src: "oss://bkt/", dst: "oss://bkt/copy/", want: "overlap"},
		{src: "oss://bkt/copy/", dst: "oss://bkt/", want: "overlap"},
		// A prefix without "/" lists every key starting with it.
		{src: "oss://bkt/data", dst: "oss://bkt/data-copy/", want: "overlap"},
		{src: "oss://bkt/logs", dst: "oss://bkt/logs2", want: "overlap"},
		// Allowed.
		{src: "oss://bkt/data/", dst: "oss://bkt/backup/", s: bulk.Location{Bucket: "bkt", Prefix: "data/"}, d: bulk.Location{Bucket: "bkt", Prefix: "backup/"}},
		{src: "oss://bkt/a/", dst: "oss://bkt/ab/", s: bulk.Location{Bucket: "bkt", Prefix: "a/"}, d: bulk.Location{Bucket: "bkt", Prefix: "ab/"}},
		{src: "oss://bkt/ab/", dst: "oss://bkt/a/", s: bulk.Location{Bucket: "bkt", Prefix: "ab/"}, d: bulk.Location{Bucket: "bkt", Prefix: "a/"}},
		{src: "oss://src-bkt/data/", dst: "oss://dst-bkt/data/", s: bulk.Location{Bucket: "src-bkt", Prefix: "data/"}, d: bulk.Location{Bucket: "dst-bkt", Prefix: "data/"}},
		{src: "oss://src-bkt", dst: "oss://dst-bkt", s: bulk.Location{Bucket: "src-bkt"}, d: bulk.Location{Bucket: "dst-bkt"}},
		// A manifest names its objects: nested prefixes are fine.
		{src: "oss://bkt/data/", dst: "oss://bkt/data/sub/", manifest: true, s: bulk.Location{Bucket: "bkt", Prefix: "data/"}, d: bulk.Location{Bucket: "bkt", Prefix: "data/sub/"}},
		{src: "oss://bkt", dst: "oss://bkt", manifest: true, s: bulk.Location{Bucket: "bkt"}, d: bulk.Location{Bucket: "bkt"}},
		// Bad URLs name their side.
		{src: "s3://bkt/data/", dst: "oss://bkt2/x/", want: "source:"},
		{src: "oss://bkt/data/", dst: "oss://B/x/", want: "destination:"},
		{src: "oss://bkt/../x", dst: "oss://bkt2/x/", want: "source:"},
	} {
		s, d, err := bulkLocations(tc.src, tc.dst, tc.manifest)
		if tc.want != "" {
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("bulkLocations(%s, %s, %v) = %v, want an error with %q", tc.src, tc.dst, tc.manifest, err, tc.want)
			}
			continue
		}
		if err != nil {
			t.Errorf("bulkLocations(%s, %s, %v) = %v", tc.src, tc.dst, tc.manifest, err)
			continue
		}
		if s != tc.s || d != tc.d {
			t.Errorf("bulkLocations(%s, %s) = %+v, %+v; want %+v, %+v", tc.src, tc.dst, s, d, tc.s, tc.d)
		}
	}
}

// The overlap error names both locations and says what to do.
func TestBulkLocationsOverlapMessage(t *testing.T) {
	t.Parallel()
	_, _, err := bulkLocations("oss://bkt/data/", "oss://bkt/data/copy/", false)
	if err == nil {
		t.Fatal("no error")
	}
	for _, w := range []string{"oss://bkt/data/", "oss://bkt/data/copy/", "outside the source"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
}

func TestBulkSelection(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		b    bulkFlags
		want bulk.Selection
		err  string
	}{
		{name: "defaults", want: bulk.Selection{MaxSize: -1}},
		{name: "sizes", b: bulkFlags{minSize: "1KiB", maxSize: "5MiB"}, want: bulk.Selection{MinSize: 1024, MaxSize: 5 << 20}},
		{name: "equal sizes", b: bulkFlags{minSize: "10", maxSize: "10B"}, want: bulk.Selection{MinSize: 10, MaxSize: 10}},
		{name: "zero max", b: bulkFlags{maxSize: "0"}, want: bulk.Selection{MaxSize: 0}},
		{name: "shard", b: bulkFlags{shard: "2/5"}, want: bulk.Selection{MaxSize: -1, Shard: 2, Shards: 5}},
		{name: "rules kept in order", b: bulkFlags{rules: []bulk.Rule{{Include: true, Pattern: "*.log"}, {Pattern: "tmp/**"}}},
			want: bulk.Selection{MaxSize: -1, Rules: []bulk.Rule{{Include: true, Pattern: "*.log"}, {Pattern: "tmp/**"}}}},
		{name: "ignore-existing", b: bulkFlags{ignoreExisting: true}, want: bulk.Selection{MaxSize: -1}},
		{name: "update", b: bulkFlags{update: true}, want: bulk.Selection{MaxSize: -1}},
		{name: "ignore-existing and update", b: bulkFlags{ignoreExisting: true, update: true}, err: "--ignore-existing and --update"},
		{name: "bad min size", b: bulkFlags{minSize: "abc"}, err: "--min-size"},
		{name: "negative min size", b: bulkFlags{minSize: "-1"}, err: "--min-size"},
		{name: "fractional bytes", b: bulkFlags{minSize: "1.5"}, err: "--min-size"},
		{name: "bad max size", b: bulkFlags{maxSize: "5XB"}, err: "--max-size"},
		{name: "max below min", b: bulkFlags{minSize: "2MiB", maxSize: "1MiB"}, err: "below --min-size"},
		{name: "shard K = N", b: bulkFlags{shard: "4/4"}, err: "--shard"},
		{name: "shard without N", b: bulkFlags{shard: "1"}, err: "--shard"},
		{name: "shard N = 0", b: bulkFlags{shard: "0/0"}, err: "--shard"},
		{name: "bad pattern", b: bulkFlags{rules: []bulk.Rule{{Pattern: "[abc"}}}, err: `--exclude pattern "[abc"`},
		{name: "empty pattern", b: bulkFlags{rules: []bulk.Rule{{Include: true}}}, err: "--include pattern"},
	} {
		got, err := tc.b.selection()
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: selection() = %+v, %v; want an error with %q", tc.name, got, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: selection() error %v", tc.name, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: selection() = %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

// --include and --exclude build one list in command-line order.
func TestRuleFlagOrder(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want []bulk.Rule
	}{
		{nil, nil},
		{[]string{"--include", "*.log", "--exclude", "tmp/**", "--include=b*", "--exclude", "c", "--exclude=*.tmp"},
			[]bulk.Rule{{Include: true, Pattern: "*.log"}, {Pattern: "tmp/**"}, {Include: true, Pattern: "b*"}, {Pattern: "c"}, {Pattern: "*.tmp"}}},
		{[]string{"--exclude", "a", "-r", "--include", "a"},
			[]bulk.Rule{{Pattern: "a"}, {Include: true, Pattern: "a"}}},
		// A pattern with a comma is one pattern, not a list.
		{[]string{"--include", "*.{jpg,png}"}, []bulk.Rule{{Include: true, Pattern: "*.{jpg,png}"}}},
	} {
		var b bulkFlags
		fs := pflag.NewFlagSet("cp", pflag.ContinueOnError)
		addBulkFlags(fs, &b)
		if err := fs.Parse(tc.args); err != nil {
			t.Fatalf("Parse(%q): %v", tc.args, err)
		}
		if !reflect.DeepEqual(b.rules, tc.want) {
			t.Errorf("Parse(%q): rules %+v, want %+v", tc.args, b.rules, tc.want)
		}
		if len(tc.args) > 1 {
			var inc, exc []string
			for _, r := range tc.want {
				if r.Include {
					inc = append(inc, r.Pattern)
				} else {
					exc = append(exc, r.Pattern)
				}
			}
			if got := fs.Lookup("include").Value.String(); got != strings.Join(inc, ",") {
				t.Errorf("--include shows %q, want %q", got, strings.Join(inc, ","))
			}
			if got := fs.Lookup("exclude").Value.String(); got != strings.Join(exc, ",") {
				t.Errorf("--exclude shows %q, want %q", got, strings.Join(exc, ","))
			}
		}
	}
	// Help renders the flags (pflag asks a zero ruleFlag for its default).
	var b bulkFlags
	fs := pflag.NewFlagSet("cp", pflag.ContinueOnError)
	addBulkFlags(fs, &b)
	if usage := fs.FlagUsages(); !strings.Contains(usage, "--include glob") || !strings.Contains(usage, "--exclude glob") {
		t.Errorf("usage does not show the glob flags:\n%s", usage)
	}
	if got := (ruleFlag{}).String(); got != "" {
		t.Errorf("zero ruleFlag String() = %q", got)
	}
}

func testSummary(dry bool) bulk.Summary {
	s := bulk.Summary{Source: "oss://src-bkt/data/", Destination: "oss://dst-bkt/backup/", DryRun: dry,
		Listed: 1500, Filtered: 100, Copied: 1200, Failed: 0, Bytes: 3 << 30, Requests: 2500, Throttled: 3, Retries: 7,
		MinLimit: 48, Seconds: 12.34, Journal: "/ckpt/run-0123.journal"}
	s.Skipped.DoneBefore, s.Skipped.Exists, s.Skipped.UpToDate, s.Skipped.Duplicate = 150, 30, 15, 5
	return s
}

func TestPrintSummaryText(t *testing.T) {
	t.Parallel()
	failed := testSummary(false)
	failed.Failed, failed.FailureReport = 2, "/ckpt/run-0123.failures.jsonl"
	stopped, stoppedDry := testSummary(false), testSummary(true)
	stopped.Error, stoppedDry.Error = "the run stopped: NoSuchBucket", "0 objects under oss://src-bkt/data/"
	for _, tc := range []struct {
		name string
		s    bulk.Summary
		want string
	}{
		{"run", testSummary(false),
			"copied 1,200 objects (3 GiB) from oss://src-bkt/data/ to oss://dst-bkt/backup/ in 12.3s; 200 skipped (150 done before, 30 existing, 15 up to date, 5 duplicates), 0 failed, 100 filtered out of 1,500 listed; 2,500 requests, 3 throttled, 7 retries\n" +
				"journal: /ckpt/run-0123.journal\n"},
		{"dry run", testSummary(true),
			"dry run: would copy 1,200 objects (3 GiB) from oss://src-bkt/data/ to oss://dst-bkt/backup/ in 12.3s; 200 skipped (150 done before, 30 existing, 15 up to date, 5 duplicates), 0 failed, 100 filtered out of 1,500 listed; about 2,500 requests; nothing was written\n"},
		{"failures", failed,
			"copied 1,200 objects (3 GiB) from oss://src-bkt/data/ to oss://dst-bkt/backup/ in 12.3s; 200 skipped (150 done before, 30 existing, 15 up to date, 5 duplicates), 2 failed, 100 filtered out of 1,500 listed; 2,500 requests, 3 throttled, 7 retries\n" +
				"journal: /ckpt/run-0123.journal\n"},
		{"ended with an error", stopped,
			"run ended with an error: copied 1,200 objects (3 GiB) from oss://src-bkt/data/ to oss://dst-bkt/backup/ in 12.3s; 200 skipped (150 done before, 30 existing, 15 up to date, 5 duplicates), 0 failed, 100 filtered out of 1,500 listed; 2,500 requests, 3 throttled, 7 retries\n" +
				"journal: /ckpt/run-0123.journal\n"},
		{"dry run ended with an error", stoppedDry,
			"run ended with an error: dry run: would copy 1,200 objects (3 GiB) from oss://src-bkt/data/ to oss://dst-bkt/backup/ in 12.3s; 200 skipped (150 done before, 30 existing, 15 up to date, 5 duplicates), 0 failed, 100 filtered out of 1,500 listed; about 2,500 requests; nothing was written\n"},
		{"empty", bulk.Summary{Source: "oss://a-bkt/", Destination: "oss://b-bkt/", Journal: "/j"},
			"copied 0 objects (0 B) from oss://a-bkt/ to oss://b-bkt/ in 0.0s; 0 skipped (0 done before, 0 existing, 0 up to date, 0 duplicates), 0 failed, 0 filtered out of 0 listed; 0 requests, 0 throttled, 0 retries\njournal: /j\n"},
	} {
		var buf bytes.Buffer
		if err := printSummary(&buf, "text", tc.s); err != nil {
			t.Fatal(err)
		}
		if buf.String() != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, buf.String(), tc.want)
		}
	}
}

func TestPrintSummaryJSON(t *testing.T) {
	t.Parallel()
	for _, dry := range []bool{false, true} {
		s := testSummary(dry)
		var buf bytes.Buffer
		if err := printSummary(&buf, "json", s); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if !strings.HasPrefix(out, "{\n  \"source\": ") || !strings.HasSuffix(out, "}\n") || strings.Count(out, "\n}\n") != 1 {
			t.Errorf("dry %v: not one indented JSON object:\n%s", dry, out)
		}
		var back bulk.Summary
		dec := json.NewDecoder(strings.NewReader(out))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&back); err != nil {
			t.Fatalf("dry %v: %v in\n%s", dry, err, out)
		}
		if !reflect.DeepEqual(back, s) {
			t.Errorf("dry %v: JSON round trip %+v, want %+v", dry, back, s)
		}
		var raw map[string]any
		if err := json.Unmarshal(buf.Bytes(), &raw); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"source", "destination", "listed", "filtered", "copied", "skipped", "failed", "bytes", "requests", "throttled", "retries", "min_parallel", "seconds", "journal"} {
			if _, ok := raw[k]; !ok {
				t.Errorf("dry %v: no %q in %s", dry, k, out)
			}
		}
		if skipped, _ := raw["skipped"].(map[string]any); skipped["done_before"] != 150.0 || skipped["exists"] != 30.0 || skipped["up_to_date"] != 15.0 || skipped["duplicate"] != 5.0 {
			t.Errorf("dry %v: skipped = %v", dry, raw["skipped"])
		}
		if _, ok := raw["dry_run"]; ok != dry {
			t.Errorf("dry %v: dry_run present = %v", dry, ok)
		}
		if _, ok := raw["failure_report"]; ok {
			t.Errorf("dry %v: failure_report present without failures", dry)
		}
	}
}

func TestBulkPrintOutcome(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		o          observe.Outcome
		text, json string
	}{
		{observe.Outcome{Action: observe.ActionWouldCopy, Source: "oss://s-bkt/a", Destination: "oss://d-bkt/a", Size: 3 << 20, How: "CopyObject", Requests: 2},
			"would copy oss://s-bkt/a to oss://d-bkt/a: 3 MiB, CopyObject, 2 requests\n",
			`{"action":"would-copy","source":"oss://s-bkt/a","destination":"oss://d-bkt/a","size":3145728,"how":"CopyObject","requests":2}` + "\n"},
		{observe.Outcome{Action: observe.ActionSkipped, Reason: observe.ReasonDoneBefore, Source: "oss://s-bkt/b", Destination: "oss://d-bkt/b", Size: 1},
			"would skip oss://s-bkt/b: done-before\n",
			`{"action":"skipped","reason":"done-before","source":"oss://s-bkt/b","destination":"oss://d-bkt/b","size":1}` + "\n"},
		{observe.Outcome{Action: observe.ActionFailed, Source: "oss://s-bkt/c", Destination: "oss://d-bkt/c", Error: "boom", Code: "AccessDenied"},
			"cannot copy oss://s-bkt/c: boom\n",
			`{"action":"failed","source":"oss://s-bkt/c","destination":"oss://d-bkt/c","size":0,"error_code":"AccessDenied","error":"boom"}` + "\n"},
	} {
		var text, js bytes.Buffer
		printOutcome(&text, "text", tc.o)
		printOutcome(&js, "json", tc.o)
		if text.String() != tc.text {
			t.Errorf("text %q, want %q", text.String(), tc.text)
		}
		if js.String() != tc.json {
			t.Errorf("json %q, want %q", js.String(), tc.json)
		}
	}
}
