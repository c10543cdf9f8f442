package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/osscopy/osscopy/internal/lab/e2e"
)

// The layering of docs/ARCHITECTURE.md, "Who may import whom", checked on
// what the go command sees.

const module = "github.com/osscopy/osscopy"

// goList runs go list with a template over patterns, one line per package.
func goList(t *testing.T, template string, args ...string) []string {
	t.Helper()
	out, err := exec.Command("go", append([]string{"list", "-f", template}, args...)...).Output()
	if err != nil {
		t.Fatalf("go list %v: %v", args, err)
	}
	return strings.Fields(string(out))
}

// nonStandardDeps are the packages pkg depends on, itself and the standard
// library left out.
func nonStandardDeps(t *testing.T, pkg string) []string {
	t.Helper()
	var out []string
	for _, dep := range goList(t, "{{if not .Standard}}{{.ImportPath}}{{end}}", "-deps", pkg) {
		if dep != pkg {
			out = append(out, dep)
		}
	}
	return out
}

// TestShippedBinaryLinksNoBenchmark: the binary every user installs links
// neither the benchmark nor gonum/plot, which draws its chart; they belong
// to cmd/osscopy-bench.
func TestShippedBinaryLinksNoBenchmark(t *testing.T) {
	t.Parallel()
	deps := nonStandardDeps(t, module+"/cmd/osscopy")
	// The listing must be of this program, or finding nothing proves nothing.
	if !slices.Contains(deps, "github.com/spf13/cobra") {
		t.Fatalf("go list -deps shows no github.com/spf13/cobra: not osscopy's dependencies: %v", deps)
	}
	const bench = module + "/internal/lab/bench"
	for _, dep := range deps {
		if strings.HasPrefix(dep, "gonum.org/") || dep == bench || strings.HasPrefix(dep, bench+"/") {
			t.Errorf("osscopy links %s", dep)
		}
	}
}

// TestShippedBinaryLinksNoTemplate: executing a text/template (cobra's
// version template, or a usage template) reaches into methods by name, so
// once it is linked the linker keeps every exported method of every type:
// osscopy grew from 13.5 to 18.3 MB when a change set cobra's Version
// field. cobra prints its default help without executing a template, and
// osscopy prints its version itself.
func TestShippedBinaryLinksNoTemplate(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "tool", "nm", e2e.Bin()).Output()
	if err != nil {
		t.Fatalf("go tool nm %s: %v", e2e.Bin(), err)
	}
	if !strings.Contains(string(out), " main.main") {
		t.Fatalf("go tool nm shows no main.main: not osscopy's symbols")
	}
	if strings.Contains(string(out), " text/template.(*Template).execute") {
		t.Error("osscopy links the execution of text/template: something prints through cobra's templates (Version? a usage template?)")
	}
}

// TestLeafPackages: the typed error, the observer, the retry policy and
// the gate depend on each other and the standard library only (retry on
// its backoff library too), never on the copy.
func TestLeafPackages(t *testing.T) {
	t.Parallel()
	osserr, observe := module+"/internal/osserr", module+"/internal/observe"
	for _, tc := range []struct {
		pkg     string
		allowed []string
	}{
		{osserr, nil},
		{observe, nil},
		{module + "/internal/retry", []string{osserr, observe, "github.com/cenkalti/backoff/v4"}},
		{module + "/internal/gate", []string{osserr, observe}},
	} {
		for _, dep := range nonStandardDeps(t, tc.pkg) {
			if !slices.Contains(tc.allowed, dep) {
				t.Errorf("%s depends on %s; it may depend on %v and the standard library only", tc.pkg, dep, tc.allowed)
			}
		}
	}
}

// TestNothingBelowWorkerImportsIt: the packages the copy is built on do
// not reach back into it, nor into bulk runs, the SDK client or the lab.
func TestNothingBelowWorkerImportsIt(t *testing.T) {
	t.Parallel()
	above := []string{module + "/worker", module + "/internal/bulk", module + "/internal/ossclient", module + "/internal/lab/", module + "/cmd/"}
	for _, pkg := range []string{"planner", "checkpoint", "internal/retry", "internal/gate", "internal/observe", "internal/osserr",
		"internal/etag", "internal/units", "internal/atomicfile", "internal/localfile"} {
		for _, dep := range nonStandardDeps(t, module+"/"+pkg) {
			for _, a := range above {
				if dep == a || strings.HasPrefix(dep, a) {
					t.Errorf("%s depends on %s, which is above it", pkg, dep)
				}
			}
		}
	}
}

// TestSDKAndLabStayInTheirPlace: of the product's packages, only
// internal/ossclient imports the OSS SDK, and only cmd/osscopy (its server
// and demo commands) imports the lab.
func TestSDKAndLabStayInTheirPlace(t *testing.T) {
	t.Parallel()
	const sdk = "github.com/aliyun/alibabacloud-oss-go-sdk-v2"
	lines := goList(t, "{{.ImportPath}}:{{join .Imports \",\"}}", module+"/...")
	if len(lines) < 10 {
		t.Fatalf("go list found %d packages: not this module's", len(lines))
	}
	for _, line := range lines {
		pkg, imports, _ := strings.Cut(line, ":")
		if strings.HasPrefix(pkg, module+"/internal/lab/") || pkg == module+"/cmd/osscopy-bench" {
			continue
		}
		for _, imp := range strings.Split(imports, ",") {
			if strings.HasPrefix(imp, sdk) && pkg != module+"/internal/ossclient" {
				t.Errorf("%s imports the SDK (%s): only internal/ossclient may", pkg, imp)
			}
			if strings.HasPrefix(imp, module+"/internal/lab/") && pkg != module+"/cmd/osscopy" {
				t.Errorf("%s imports the lab (%s)", pkg, imp)
			}
		}
	}
}
