package main

import (
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/osscopy/osscopy/internal/lab/e2e"
)

func TestVersionText(t *testing.T) {
	t.Parallel()
	vcs := func(kv ...string) []debug.BuildSetting {
		var out []debug.BuildSetting
		for i := 0; i < len(kv); i += 2 {
			out = append(out, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return out
	}
	const rev, at = "318ebe7c82e2e8a624b05005a64803deb7a724dd", "2026-12-03T09:34:06Z"
	built := "built with go1.26.8 for " + runtime.GOOS + "/" + runtime.GOARCH
	for _, tc := range []struct {
		name     string
		version  string
		settings []debug.BuildSetting
		want     string
	}{
		{"a tagged release", "v1.2.0", vcs("vcs", "git", "vcs.revision", rev, "vcs.time", at, "vcs.modified", "false"),
			"osscopy v1.2.0\ncommit " + rev + " (" + at + ")\n" + built},
		{"a pseudo-version with changes", "v0.0.0-20261203093406-318ebe7c82e2+dirty", vcs("vcs.revision", rev, "vcs.time", at, "vcs.modified", "true"),
			"osscopy v0.0.0-20261203093406-318ebe7c82e2+dirty\ncommit " + rev + " (" + at + "), with uncommitted changes\n" + built},
		{"(devel) without version control", "(devel)", vcs("-buildmode", "exe"),
			"osscopy (devel: built from a source tree, not a tagged module version)\ncommit unknown (built without version control information)\n" + built},
		{"no version at all", "", vcs("vcs.revision", rev),
			"osscopy (devel: built from a source tree, not a tagged module version)\ncommit " + rev + "\n" + built},
	} {
		info := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/osscopy/osscopy", Version: tc.version}, Settings: tc.settings}
		if got := versionText(info, true); got != tc.want {
			t.Errorf("%s:\ngot  %q\nwant %q", tc.name, got, tc.want)
		}
	}
	if got := versionText(nil, false); !strings.HasPrefix(got, "osscopy ") {
		t.Errorf("without build information: %q", got)
	}
}

// TestVersionFlag: osscopy --version (and -v) prints the version, the
// commit and the Go release it was built with, and exits 0.
func TestVersionFlag(t *testing.T) {
	t.Parallel()
	for _, flag := range []string{"--version", "-v"} {
		p := e2e.Run(t, e2e.ChildEnv(), flag)
		p.RequireCode(0)
		lines := strings.Split(strings.TrimSuffix(p.Stdout(), "\n"), "\n")
		if len(lines) != 3 || !strings.HasPrefix(lines[0], "osscopy ") || !strings.HasPrefix(lines[1], "commit ") ||
			lines[2] != "built with "+runtime.Version()+" for "+runtime.GOOS+"/"+runtime.GOARCH {
			t.Errorf("%s printed %q; want the version, the commit and the Go release", flag, p.Stdout())
		}
	}
}
