package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestShippedBinaryLinksNoBenchmark: the binary every user installs links
// neither the benchmark nor gonum/plot, which draws its chart; they belong
// to cmd/osscopy-bench.
func TestShippedBinaryLinksNoBenchmark(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	// The listing must be of this program, or finding nothing proves nothing.
	if !slices.Contains(deps, "github.com/spf13/cobra") {
		t.Fatalf("go list -deps shows no github.com/spf13/cobra: not osscopy's dependencies:\n%s", out)
	}
	const bench = "github.com/osscopy/osscopy/internal/lab/bench"
	for _, dep := range deps {
		if strings.HasPrefix(dep, "gonum.org/") || dep == bench || strings.HasPrefix(dep, bench+"/") {
			t.Errorf("osscopy links %s", dep)
		}
	}
}
