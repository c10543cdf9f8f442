package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/osscopy/osscopy/internal/lab/e2e"
)

// The demo copies, is interrupted, resumes, and proves both: the CRC64
// matches and the two runs together copied at most parts + parallel parts.
func TestDemo(t *testing.T) {
	t.Parallel()
	stdout, stderr, code := runOsscopy(t, e2e.ChildEnv(), "demo", "--size", "3GiB", "--no-progress")
	if code != 0 {
		t.Fatalf("demo exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"local OSS server at http://127.0.0.1:", "copy interrupted", "resuming upload", "equals the source's", "osscopy cp oss://"} {
		if !strings.Contains(stdout+stderr, want) {
			t.Errorf("demo output lacks %q:\n%s%s", want, stdout, stderr)
		}
	}
	m := regexp.MustCompile(`(\d+) before the interruption \+ (\d+) after = (\d+) for (\d+) parts`).FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("demo did not report its request counts:\n%s", stdout)
	}
	n := make([]int, 5)
	for i := 1; i < 5; i++ {
		n[i], _ = strconv.Atoi(m[i])
	}
	if n[1]+n[2] != n[3] || n[1] == 0 || n[2] == 0 || n[3] < n[4] || n[3] > n[4]+demoParallel {
		t.Errorf("demo counts %v: want both runs to copy parts, and parts <= total <= parts + %d", n[1:], demoParallel)
	}
}

func TestDemoUsageErrors(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--size", "10XB"}, {"--size", "512MiB"}, {"--parallel", "0"}, {"extra"}} {
		t.Run(fmt.Sprint(args), func(t *testing.T) {
			t.Parallel()
			_, stderr, code := runOsscopy(t, e2e.ChildEnv(), append([]string{"demo"}, args...)...)
			if code != 2 || !strings.HasPrefix(stderr, "osscopy: ") {
				t.Errorf("demo %v: exit %d, stderr %q; want exit 2 with a message", args, code, stderr)
			}
		})
	}
}

// TestDemoHelp: demo --help lists every flag and matches testdata/demo-help.golden.
func TestDemoHelp(t *testing.T) {
	t.Parallel()
	checkHelp(t, "demo", newDemoCommand(), 5)
}
