package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMain lets this test binary be the benchmark's children: the smoke
// test starts it again with ChildEnv set to the role.
func TestMain(m *testing.M) {
	if role := os.Getenv(ChildEnv); role != "" {
		if err := RunChild(context.Background(), role, os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "bench child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func testStarter(role string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	// Under -race, a process sleeps a second at exit (GORACE atexit_sleep_ms)
	// unless told not to: 35 seconds over the children of the quick suite.
	cmd.Env = append(os.Environ(), ChildEnv+"="+role, "GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	return cmd
}

// TestQuickEndToEnd runs the quick suite through child processes, as
// `osscopy-bench --quick` does, and checks what it measured, not how fast.
func TestQuickEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts about 35 processes")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	suite := Quick()
	rep, err := Run(ctx, Options{Suite: suite, Start: testStarter, Log: testLog{t, &strings.Builder{}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Rows) != len(suite.Scenarios)*len(Tools) {
		t.Fatalf("%d rows, want %d", len(rep.Rows), len(suite.Scenarios)*len(Tools))
	}
	for _, r := range rep.Rows {
		name := r.Scenario + "/" + string(r.Tool)
		if r.Counts.Requests["UploadPartCopy"] == 0 || r.Counts.Requests["HeadObject"] == 0 || r.WallSeconds <= 0 {
			t.Errorf("%s: requests %v in %.3fs: the tool did not run", name, r.Counts.Requests, r.WallSeconds)
		}
		if r.CPUSeconds <= 0 || r.PeakRSSMiB <= 0 {
			t.Errorf("%s: CPU %.3fs, peak RSS %.1f MiB: the client was not measured", name, r.CPUSeconds, r.PeakRSSMiB)
		}
		if r.Tool == Osscopy && !r.Completed {
			t.Errorf("%s: osscopy did not complete: %s", name, r.Error)
		}
		if !r.Completed {
			continue
		}
		if !r.CRC64Verified {
			t.Errorf("%s: completed, but the CRC64 was not verified: %s", name, r.Error)
		}
		if r.Ratio < 1 {
			t.Errorf("%s: %.3fs is faster than the ideal %.3fs: the ideal is wrong", name, r.WallSeconds, r.IdealSeconds)
		}
		if r.Counts.PartsCopied != r.Plan.Parts {
			t.Errorf("%s: the server copied %d distinct parts, the plan has %d", name, r.Counts.PartsCopied, r.Plan.Parts)
		}
		if r.Scenario != "interrupt" {
			continue
		}
		if r.Runs != 2 || !r.Interrupted || r.FirstRunCopied == 0 {
			t.Errorf("%s: %d runs, interrupted %v, %d parts in the first: not an interruption and a rerun", name, r.Runs, r.Interrupted, r.FirstRunCopied)
		}
		if r.Tool == Osscopy && r.Recopied > int64(r.Plan.Parallel) {
			t.Errorf("%s: re-copied %d parts, more than the %d that can be in flight", name, r.Recopied, r.Plan.Parallel)
		}
	}

	dir := t.TempDir()
	if err := WriteFiles(dir, rep); err != nil {
		t.Fatal(err)
	}
	var back Report
	data, err := os.ReadFile(filepath.Join(dir, JSONFile))
	if err == nil {
		err = json.Unmarshal(data, &back)
	}
	if err != nil || len(back.Rows) != len(rep.Rows) {
		t.Errorf("the JSON file does not hold the report: %v", err)
	}
	for _, f := range []string{MarkdownFile, ChartFile} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// testLog sends the benchmark's progress lines to the test's log, a
// whole line at a time.
type testLog struct {
	t    *testing.T
	line *strings.Builder
}

func (l testLog) Write(p []byte) (int, error) {
	l.line.Write(p)
	if s := l.line.String(); strings.HasSuffix(s, "\n") {
		l.t.Log(strings.TrimSuffix(s, "\n"))
		l.line.Reset()
	}
	return len(p), nil
}
