package bench

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// goldenReport has a row of each kind: complete, failed, interrupted.
func goldenReport() Report {
	counts := func(upc, upcOK int64, tried, copied int) Counts {
		return Counts{Requests: map[string]int64{"UploadPartCopy": upc, "HeadObject": 2, "InitiateMultipartUpload": 1,
			"CompleteMultipartUpload": 1, "PutObject|odd": 1}, Succeeded: map[string]int64{"UploadPartCopy": upcOK},
			PartsTried: tried, PartsCopied: copied}
	}
	failed := counts(70, 40, 60, 40)
	failed.Throttled, failed.Cut = 25, 5
	return Report{
		Suite:   Suite{Name: "golden", Model: Model{Latency: 50 * time.Millisecond, Bandwidth: 4 * gib}, FaultSeed: 8},
		Started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Seconds: 214.56,
		Rows: []Row{
			{Scenario: "100gib", Title: "one object of 100 GiB", Tool: Osscopy, Plan: Plan{Parts: 512, PartSize: 200 * mib, Parallel: 64},
				IdealSeconds: 0.79, WallSeconds: 1.06, Ratio: 1.3418, PartsSeconds: 0.83, PartsRatio: 1.0506, Runs: 1, Counts: counts(512, 512, 512, 512),
				CPUSeconds: 0.21, PeakRSSMiB: 24.4, Completed: true, CRC64Verified: true},
			{Scenario: "throttle", Title: "server capacity 32", Tool: CopierEqual, Plan: Plan{Parts: 512, PartSize: 200 * mib, Parallel: 64},
				Capacity: 32, IdealSeconds: 1.58, WallSeconds: 2.5, Ratio: 1.58, Runs: 1, Counts: failed, Retries: 10,
				CPUSeconds: 0.1, PeakRSSMiB: 20, Error: "copy failed, upload id: X | cause: 503\nActiveRequestLimitExceeded"},
			{Scenario: "interrupt", Title: "interrupted at 50%, run again", Tool: CopierDefaults, Plan: Plan{Parts: 1600, PartSize: 64 * mib, Parallel: 3},
				IdealSeconds: 35.03, WallSeconds: 52.61, Ratio: 1.5019, Runs: 2, Interrupted: true, FirstRunCopied: 800,
				Counts: counts(2403, 2400, 1600, 1600), Retries: 803, Recopied: 800, CPUSeconds: 1.5, PeakRSSMiB: 30.2,
				Completed: true, CRC64Verified: true, UploadsLeft: 1},
		},
	}
}

func TestMarkdownGolden(t *testing.T) {
	got := Markdown(goldenReport())
	golden := filepath.Join("testdata", "report.md.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (go test -run TestMarkdownGolden -update writes it)", err)
	}
	if got != string(want) {
		t.Errorf("Markdown differs from %s (go test -run TestMarkdownGolden -update rewrites it):\n%s", golden, got)
	}
}

// TestTableAndChart: the terminal table has a line per row and the chart
// is an SVG that marks the failed run.
func TestTableAndChart(t *testing.T) {
	rep := goldenReport()
	var b strings.Builder
	if err := WriteTable(&b, rep); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"wall/ideal", "1.342", "52.61 (2 runs)", "0.83 (1.051)", "UPC 2403, Head 2, Init 1, Complete 1, PutObject|odd 1",
		"throttled 25, cut 5", "throttle, copier-equal: did not complete: copy failed", "had 800 of 1,600 parts copied, the second 1,600; 800 copied twice", "1 multipart upload(s) left open", "model: 50ms per request"} {
		if !strings.Contains(out, want) {
			t.Errorf("the table lacks %q:\n%s", want, out)
		}
	}
	svg, err := Chart(rep, "svg")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<svg", "failed", "copier-defaults", "1.34"} {
		if !strings.Contains(string(svg), want) {
			t.Errorf("the chart lacks %q", want)
		}
	}
	if _, err := Chart(Report{}, "svg"); err == nil {
		t.Error("an empty report gave a chart")
	}
}
