// Package gobuild builds this module's commands for the lab: the end-to-end
// tests run the real binaries, and the bulk benchmark measures osscopy's.
package gobuild

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
)

// Command builds cmd/name of this module (the one the working directory is
// in) to dir/name, with the race detector if race, and returns that path.
func Command(ctx context.Context, dir, name string, race bool) (string, error) {
	bin := filepath.Join(dir, name)
	args := []string{"build", "-o", bin}
	if race {
		args = append(args, "-race")
	}
	out, err := exec.CommandContext(ctx, "go", append(args, "github.com/osscopy/osscopy/cmd/"+name)...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("building %s: %w\n%s", name, err, out)
	}
	return bin, nil
}
