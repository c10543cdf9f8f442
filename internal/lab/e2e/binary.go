package e2e

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/osscopy/osscopy/internal/lab/gobuild"
)

// binPath is the binary Main builds.
var binPath string

// fileLimitEnv asks the test binary, run by StartWithFileLimit, to limit the
// size of files it writes (RLIMIT_FSIZE) and exec osscopy: a way to make
// writes fail as on a full disk, without root or a small file system.
const fileLimitEnv = "OSSCOPY_E2E_FILE_LIMIT"

// Main is the TestMain of an e2e package: it builds osscopy (with -race
// when the test binary has it) into a temporary directory, runs the tests
// and removes the directory.
func Main(m *testing.M) { MainOf(m, "osscopy") }

// MainOf is Main for the command cmd/name of this module: Bin, and so
// Start, run that command.
func MainOf(m *testing.M, name string) {
	if limit := os.Getenv(fileLimitEnv); limit != "" {
		execWithFileLimit(limit) // never returns
	}
	flag.Parse()
	os.Exit(buildAndRun(m, name))
}

func buildAndRun(m *testing.M, name string) int {
	dir, err := os.MkdirTemp("", "osscopy-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	// Readable by all, so that tests run as root can run it as another user (Unprivileged).
	if err := os.Chmod(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if binPath, err = gobuild.Command(ctx, dir, name, Race()); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	return m.Run()
}

// Bin is the path of the binary under test (osscopy but for MainOf).
func Bin() string { return binPath }

// Race reports whether the tests, and so the binary, are built with -race.
func Race() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range bi.Settings {
		if s.Key == "-race" && s.Value == "true" {
			return true
		}
	}
	return false
}

// Long reports whether OSSCOPY_LONG=1 asks for the long stress runs.
func Long() bool { return os.Getenv("OSSCOPY_LONG") == "1" }

// ChildEnv is this process's environment without anything that would
// configure osscopy (OSS_*, HOME, XDG_STATE_HOME), plus extra ("NAME=value",
// later ones win).
func ChildEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "OSS_") || name == "HOME" || name == "XDG_STATE_HOME" || name == fileLimitEnv {
			continue
		}
		env = append(env, kv)
	}
	if _, set := os.LookupEnv("GORACE"); !set {
		env = append(env, "GORACE=atexit_sleep_ms=0") // a -race binary otherwise sleeps 1 s before exiting
	}
	return append(env, extra...)
}

// execWithFileLimit sets RLIMIT_FSIZE to limit bytes and execs os.Args[1:]
// in place of the test binary. Writes past the limit then fail with EFBIG
// (Go ignores SIGXFSZ), as writes to a full disk fail with ENOSPC.
func execWithFileLimit(limit string) {
	n, err := strconv.ParseUint(limit, 10, 64)
	if err == nil {
		err = syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: n, Max: n})
	}
	if err == nil && len(os.Args) > 1 {
		var env []string
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, fileLimitEnv+"=") {
				env = append(env, kv)
			}
		}
		err = syscall.Exec(os.Args[1], os.Args[1:], env)
	}
	fmt.Fprintf(os.Stderr, "e2e: running %q with a file size limit of %s: %v\n", os.Args[1:], limit, err)
	os.Exit(127)
}
