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
