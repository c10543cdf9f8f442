package compat

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// CopyModule puts a writable copy of module path@version (from the module
// cache, which `go mod download` fills from the Go module proxy when
// needed) at dir/NAME, NAME being the last element of path, and returns
// it. Tests of the module can then run there: they write files next to
// themselves, and the cache is read-only.
func CopyModule(ctx context.Context, dir, path, version string) (string, error) {
	out, err := goCommand(ctx, "", nil, "mod", "download", "-json", path+"@"+version)
	if err != nil {
		return "", err
	}
	var mod struct{ Dir, Error string }
	if err := json.Unmarshal(out, &mod); err != nil || mod.Error != "" || mod.Dir == "" {
		return "", fmt.Errorf("go mod download %s@%s: %s %v", path, version, mod.Error, err)
	}
	dst := filepath.Join(dir, filepath.Base(path))
	if err := os.CopyFS(dst, os.DirFS(mod.Dir)); err != nil {
		return "", fmt.Errorf("copying %s: %w", mod.Dir, err)
	}
	return dst, nil
}

// ModuleVersion is the version of module path the main module requires.
func ModuleVersion(ctx context.Context, path string) (string, error) {
	out, err := goCommand(ctx, "", nil, "list", "-m", "-f", "{{.Version}}", path)
	return string(bytes.TrimSpace(out)), err
}

// BuildTestBinary compiles the tests of package pkg of the module in
// modDir, with build tags tags, into a binary in modDir and returns its
// path. GOFLAGS=-mod=mod lets a module whose go.mod was written for the
// run (see sdkv1_test.go) fill in its go.sum from the module proxy.
func BuildTestBinary(ctx context.Context, modDir, pkg, tags string) (string, error) {
	bin := filepath.Join(modDir, filepath.Base(pkg)+".test")
	_, err := goCommand(ctx, modDir, []string{"GOFLAGS=-mod=mod " + os.Getenv("GOFLAGS")}, "test", "-c", "-tags", tags, "-o", bin, pkg)
	return bin, err
}

func goCommand(ctx context.Context, dir string, env []string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go %v: %w\n%s", args, err, stderr.Bytes())
	}
	return out, nil
}
