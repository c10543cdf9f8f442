package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/osscopy/osscopy/internal/lab/e2e"
)

// TestMain builds osscopy-bench (with -race when the tests have it), the
// program the tests run.
func TestMain(m *testing.M) { e2e.MainOf(m, "osscopy-bench") }

// runOsscopyBench runs osscopy-bench with env and args to its end,
// failing the test if that takes longer than limit.
func runOsscopyBench(t *testing.T, env []string, limit time.Duration, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	p := e2e.Start(t, env, args...)
	code = p.Wait(limit)
	return p.Stdout(), p.Stderr(), code
}

// TestBenchUsage: bad arguments are usage errors, found before any process starts.
func TestBenchUsage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--scenario", "nope"}, `--scenario: no scenario "nope" (there are 100gib, 10000-parts, faults, throttle, interrupt)`},
		{[]string{"--bulk", "--scenario", "nope"}, `--scenario: no bulk scenario "nope" (there are scale, throttle)`},
		{[]string{"extra"}, `osscopy-bench takes no arguments`},
		{[]string{"--parallel", "3"}, `unknown flag: --parallel (see 'osscopy-bench --help')`},
	} {
		_, stderr, code := runOsscopyBench(t, e2e.ChildEnv(), 10*time.Second, tc.args...)
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("osscopy-bench %q: exit status %d, stderr %q; want 2 and %q", tc.args, code, stderr, tc.want)
		}
	}
}

// TestBenchQuickScenario runs one quick scenario through the binary, whose
// children are `osscopy-bench child ROLE`, and finds the three tools in
// the table and the files.
func TestBenchQuickScenario(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "out")
	stdout, stderr, code := runOsscopyBench(t, e2e.ChildEnv(), 10*time.Second, "--quick", "--scenario", "100gib", "--out", dir)
	if code != 0 {
		t.Fatalf("exit status %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"wall/ideal", "osscopy ", "copier-defaults", "copier-equal", "equal", "wrote "} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if !strings.Contains(stderr, "[3/3] 100gib: copier-equal") {
		t.Errorf("stderr shows no progress:\n%s", stderr)
	}
	data, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Rows []struct {
			Tool          string `json:"tool"`
			Completed     bool   `json:"completed"`
			CRC64Verified bool   `json:"crc64_verified"`
		} `json:"rows"`
	}
	if err := json.Unmarshal(data, &rep); err != nil || len(rep.Rows) != 3 {
		t.Fatalf("results.json: %v, %d rows", err, len(rep.Rows))
	}
	for _, r := range rep.Rows {
		if !r.Completed || !r.CRC64Verified {
			t.Errorf("%s: completed %v, CRC64 verified %v", r.Tool, r.Completed, r.CRC64Verified)
		}
	}
	for _, f := range []string{"results.md", "wall-vs-ideal.svg"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
}

// TestBenchBulkQuickScenario runs one quick bulk scenario through the
// binary, which builds osscopy and runs it as the server and the cp -r it
// measures, and finds every copy complete in bulk.json.
func TestBenchBulkQuickScenario(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "out")
	// The go command that builds osscopy finds its caches and settings
	// under HOME; building takes most of the limit when the cache is cold.
	env := e2e.ChildEnv("HOME=" + os.Getenv("HOME"))
	stdout, stderr, code := runOsscopyBench(t, env, 5*time.Minute, "--bulk", "--quick", "--scenario", "throttle", "--out", dir)
	if code != 0 {
		t.Fatalf("exit status %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if want := "wrote " + filepath.Join(dir, "bulk.md") + " and " + filepath.Join(dir, "bulk.json"); !strings.Contains(stdout, want) {
		t.Errorf("stdout lacks %q:\n%s", want, stdout)
	}
	data, err := os.ReadFile(filepath.Join(dir, "bulk.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Cases []struct {
			Scenario string `json:"scenario"`
			Variant  string `json:"variant"`
			Runs     []struct {
				Phase    string `json:"phase"`
				ExitCode int    `json:"exit_code"`
				Summary  struct {
					Listed int `json:"listed"`
					Copied int `json:"copied"`
				} `json:"summary"`
			} `json:"runs"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(data, &rep); err != nil || len(rep.Cases) == 0 {
		t.Fatalf("bulk.json: %v, %d cases", err, len(rep.Cases))
	}
	for _, c := range rep.Cases {
		if c.Scenario != "throttle" || len(c.Runs) == 0 {
			t.Errorf("case %s/%s with %d runs; want only throttle, each with its runs", c.Scenario, c.Variant, len(c.Runs))
		}
		for _, r := range c.Runs {
			if s := r.Summary; r.ExitCode != 0 || s.Listed == 0 || s.Copied != s.Listed {
				t.Errorf("%s/%s/%s: exit status %d, copied %d of %d listed", c.Scenario, c.Variant, r.Phase, r.ExitCode, s.Copied, s.Listed)
			}
		}
	}
}
