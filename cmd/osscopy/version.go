package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// versionText is what --version prints, from what the Go toolchain records
// in a build: the module's version (a tag, a pseudo-version naming the
// commit, or "(devel)" for a tree without either), the commit, its time,
// and whether the tree had uncommitted changes.
func versionText(info *debug.BuildInfo, ok bool) string {
	if !ok {
		return "osscopy (no build information: built without module support)"
	}
	vcs := map[string]string{}
	for _, s := range info.Settings {
		vcs[s.Key] = s.Value
	}
	version := info.Main.Version
	if version == "" || version == "(devel)" {
		version = "(devel: built from a source tree, not a tagged module version)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "osscopy %s\n", version)
	if rev := vcs["vcs.revision"]; rev != "" {
		fmt.Fprintf(&b, "commit %s", rev)
		if t := vcs["vcs.time"]; t != "" {
			fmt.Fprintf(&b, " (%s)", t)
		}
		if vcs["vcs.modified"] == "true" {
			b.WriteString(", with uncommitted changes")
		}
	} else {
		b.WriteString("commit unknown (built without version control information)")
	}
	fmt.Fprintf(&b, "\nbuilt with %s for %s/%s", info.GoVersion, runtime.GOOS, runtime.GOARCH)
	return b.String()
}
