package bench

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/osscopy/osscopy/internal/bulk"
)

// TestBulkQuickEndToEnd runs the quick bulk suite, as `osscopy-bench --bulk
// --quick` does, with a real server and real cp -r processes, and checks
// what it measured, not how fast.
func TestBulkQuickEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds osscopy and starts a dozen processes")
	}
	buildCtx, cancelBuild := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancelBuild()
	bin, err := BuildOsscopy(buildCtx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	suite := BulkQuick()
	rep, err := RunBulk(ctx, BulkOptions{Suite: suite, Bin: bin, Log: testLog{t, &strings.Builder{}}})
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, sc := range suite.Scenarios {
		want += sc.Repeats * len(sc.Variants)
	}
	if len(rep.Cases) != want {
		t.Fatalf("%d cases, want %d", len(rep.Cases), want)
	}
	for _, c := range rep.Cases {
		name := c.Scenario + "/" + c.Variant
		if c.Error != "" || c.StartSeconds <= 0 || c.ServerCPUSeconds <= 0 {
			t.Errorf("%s: server started in %.3fs, CPU %.3fs, error %q", name, c.StartSeconds, c.ServerCPUSeconds, c.Error)
		}
		for _, r := range c.Runs {
			name := name + "/" + r.Phase
			s := r.Summary
			if r.ExitCode != 0 || r.Error != "" || s.Failed != 0 {
				t.Errorf("%s: exit %d, %d failed: %s", name, r.ExitCode, s.Failed, r.Error)
			}
			if r.CPUSeconds <= 0 || r.PeakRSSMiB <= 0 || r.WallSeconds <= 0 {
				t.Errorf("%s: CPU %.3fs, peak RSS %.1f MiB, wall %.3fs: the client was not measured", name, r.CPUSeconds, r.PeakRSSMiB, r.WallSeconds)
			}
			if s.Listed == 0 || r.Counts.Requests["ListObjectsV2"] == 0 {
				t.Errorf("%s: listed %d, server saw %v", name, s.Listed, r.Counts.Requests)
			}
			copies := r.Counts.Succeeded["CopyObject"] + r.Counts.Succeeded["CompleteMultipartUpload"]
			switch r.Phase {
			case phaseDryRun.Name, phaseRerun.Name:
				// The endpoint check (GetBucketInfo) goes before any run.
				if copies != 0 || r.Counts.Total() != r.Counts.Requests["ListObjectsV2"]+r.Counts.Requests["GetBucketInfo"] {
					t.Errorf("%s: the server saw %v: a dry run or a rerun of a finished copy only lists", name, r.Counts.Requests)
				}
				if r.Phase == phaseRerun.Name && s.Skipped.DoneBefore != s.Listed {
					t.Errorf("%s: %d of %d done before", name, s.Skipped.DoneBefore, s.Listed)
				}
			case phaseCopy.Name:
				if s.Copied != s.Listed || copies != s.Copied {
					t.Errorf("%s: copied %d of %d listed; the server completed %d copies", name, s.Copied, s.Listed, copies)
				}
				if c.Scenario == "throttle" && (r.Counts.Requests["UploadPartCopy"] == 0 || s.MinLimit < 1) {
					t.Errorf("%s: no part copies (%v), or min parallel %d", name, r.Counts.Requests, s.MinLimit)
				}
			}
		}
	}

	dir := t.TempDir()
	if err := WriteBulkFiles(dir, rep); err != nil {
		t.Fatal(err)
	}
	var back BulkReport
	data, err := os.ReadFile(filepath.Join(dir, BulkJSONFile))
	if err == nil {
		err = json.Unmarshal(data, &back)
	}
	if err != nil || len(back.Cases) != len(rep.Cases) {
		t.Errorf("the JSON file does not hold the report: %v", err)
	}
	md, err := os.ReadFile(filepath.Join(dir, BulkMarkdownFile))
	if err != nil || !strings.Contains(string(md), "| phase |") || !strings.Contains(string(md), "| variant |") {
		t.Errorf("%s: %v\n%s", BulkMarkdownFile, err, md)
	}
}

// TestLastSummary finds the summary after a dry run's lines per object.
func TestLastSummary(t *testing.T) {
	dir := t.TempDir()
	summary := "{\n  \"listed\": 3,\n  \"copied\": 2,\n  \"skipped\": {\n    \"done_before\": 1\n  },\n  \"min_parallel\": 7\n}\n"
	object := `{"action":"would-copy","source":"oss://a/k","destination":"oss://b/k","size":1}` + "\n"
	for name, tc := range map[string]struct {
		out string
		ok  bool
	}{
		"only":      {summary, true},
		"dry-run":   {strings.Repeat(object, 5000) + summary, true},
		"none":      {strings.Repeat(object, 3), false},
		"truncated": {object + "{\n  \"listed\": 3,\n", false},
		"empty":     {"", false},
	} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(tc.out), 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := lastSummary(path)
		if tc.ok != (err == nil) {
			t.Errorf("%s: error %v, want one: %v", name, err, !tc.ok)
			continue
		}
		if tc.ok && (s.Listed != 3 || s.Copied != 2 || s.Skipped.DoneBefore != 1 || s.MinLimit != 7) {
			t.Errorf("%s: %+v", name, s)
		}
	}
}

// TestBulkGoals: the readings follow the figures, both ways.
func TestBulkGoals(t *testing.T) {
	sc := throttleScenario(10, nil, "1ms", 1, 1)
	run := func(variant string, wall float64, throttled int64) BulkCase {
		return BulkCase{Scenario: sc.Name, Variant: variant, Runs: []BulkRun{{Phase: "copy", WallSeconds: wall, Counts: Counts{Throttled: throttled}}}}
	}
	met := bulkGoals(sc, []BulkCase{run("adaptive", 1, 5), run("fixed", 2, 9), run("adaptive", 3, 1), run("fixed", 4, 10), run("adaptive", 1.5, 2)})
	if len(met) == 0 || !strings.Contains(met[0], ": met (medians: 1.50s against 3.00s; 2 throttled against 10)") {
		t.Errorf("met: %q", met)
	}
	slower := bulkGoals(sc, []BulkCase{run("adaptive", 3, 1), run("fixed", 2, 9)})
	if len(slower) == 0 || !strings.Contains(slower[0], "NOT met") {
		t.Errorf("slower: %q", slower)
	}
	scale := scaleScenario(10)
	big := BulkCase{Scenario: scale.Name, Runs: []BulkRun{{Phase: "copy", PeakRSSMiB: 300, WallSeconds: 2, Summary: summaryListed(10)}}}
	if g := bulkGoals(scale, []BulkCase{big}); len(g) != 2 || !strings.Contains(g[0], "NOT met; the largest was 300 MiB (copy)") {
		t.Errorf("scale: %q", g)
	}
	md := BulkMarkdown(BulkReport{Suite: BulkSuite{Name: "t", Scenarios: []BulkScenario{scale, sc}},
		Cases: []BulkCase{big, run("adaptive", 1, 5), run("fixed", 2, 9)}})
	for _, want := range []string{"### scale: 10 objects", "### throttle: 10 objects", "| copy | 2.0 |", "| adaptive | 1 | 1.00, 1.00, 1.00 | 5, 5, 5 |"} {
		if !strings.Contains(md, want) {
			t.Errorf("the Markdown lacks %q:\n%s", want, md)
		}
	}
}

func summaryListed(n int64) (s bulk.Summary) {
	s.Listed = n
	return s
}
