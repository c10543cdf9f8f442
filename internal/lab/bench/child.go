package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
)

// The benchmark runs in three kinds of process: the parent (Run), which
// plans, counts and reports; a server child per tool and scenario (a fresh
// local OSS server, so its counts and fault decisions start from zero);
// and a client child per copy (per run of the copy: an interrupted copy
// and its second run are two processes, as two runs of a command are).
//
// Each copy runs in a process of its own so that the operating system
// measures it alone: its CPU time and peak RSS come from wait4's rusage
// of that child (ru_utime + ru_stime, ru_maxrss), with nothing left over
// from the copies before it. Resetting the high-water mark in one process
// (writing 5 to /proc/self/clear_refs) would still count heap the Go
// runtime kept from an earlier copy, and the CPU of its garbage collection.
// A child's figures include starting the Go runtime (a few milliseconds
// and a few MiB), the same for both tools, which share the binary.

// Roles of a child process.
const (
	RoleServer = "server"
	RoleClient = "client"
)

// ChildEnv is the environment variable a test binary reads to run as a
// child (see Starter); osscopy-bench uses `osscopy-bench child ROLE`.
const ChildEnv = "OSSCOPY_BENCH_CHILD"

// Starter makes the command that runs RunChild(role, stdin, stdout) in a
// new process of this program.
type Starter func(role string) *exec.Cmd

// RunChild is the body of a child process: it reads its orders on in and
// answers on out, one JSON value per line.
func RunChild(ctx context.Context, role string, in io.Reader, out io.Writer) error {
	r := bufio.NewReader(in)
	switch role {
	case RoleServer:
		return serveChild(r, out)
	case RoleClient:
		var spec clientSpec
		if err := readJSONLine(r, &spec); err != nil {
			return fmt.Errorf("reading the copy to make: %w", err)
		}
		return json.NewEncoder(out).Encode(runCopy(ctx, spec))
	}
	return fmt.Errorf("unknown benchmark child role %q (want %s or %s)", role, RoleServer, RoleClient)
}

func readJSONLine(r *bufio.Reader, v any) error {
	line, err := r.ReadBytes('\n')
	if err != nil && len(line) == 0 {
		return err
	}
	if err := json.Unmarshal(line, v); err != nil {
		return fmt.Errorf("decoding %q: %w", line, err)
	}
	return nil
}
