package compat

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// Outcome is what a test reported.
type Outcome string

// Outcomes a parser reports; a test a process never reported on is Failed.
const (
	Passed  Outcome = "passed"
	Failed  Outcome = "failed"
	Skipped Outcome = "skipped"
)

// Result is one test's outcome and, unless it passed, its output.
type Result struct {
	Test    string
	Outcome Outcome
	Detail  string
}

// Job is one run of an outside client's process against a server of its
// own.
type Job struct {
	// Tests are the tests the process runs; each gets a Result. Empty
	// means the tests it reports, for a client whose tests are named only
	// as they run (Node's test runner); a process that reports none then
	// fails as the one test NoTests.
	Tests []string
	// Command builds the process for srv, to run in (or under) work, an
	// empty directory of its own that RunJobs removes afterwards. RunJobs
	// kills the process when ctx ends.
	Command func(ctx context.Context, srv *Server, work string) (*exec.Cmd, error)
	// Parse reads the process's combined output.
	Parse func(output []byte) []Result
}

// Parallel is how many outside processes run at once. They mostly wait
// (on loopback round trips and on the suites' own sleeps), so more of
// them than cores keeps both busy.
const Parallel = 16

// slots bounds the outside processes of every runner in this test binary
// together.
var slots = make(chan struct{}, Parallel)

// RunJobs runs jobs, Parallel at a time across all callers, each for at
// most timeout, and returns the results of all their tests.
func RunJobs(ctx context.Context, jobs []Job, timeout time.Duration) []Result {
	var (
		mu  sync.Mutex
		out []Result
		wg  sync.WaitGroup
	)
	for _, job := range jobs {
		wg.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			rs := runJob(ctx, job, timeout)
			mu.Lock()
			defer mu.Unlock()
			out = append(out, rs...)
		})
	}
	wg.Wait()
	return out
}

func runJob(ctx context.Context, job Job, timeout time.Duration) []Result {
	srv, err := StartServer()
	if err != nil {
		return unreported(job.Tests, fmt.Sprintf("starting the server: %v", err))
	}
	defer func() { _ = srv.Close() }()
	work, err := os.MkdirTemp("", "compat-job-")
	if err != nil {
		return unreported(job.Tests, fmt.Sprintf("making a working directory: %v", err))
	}
	defer func() { _ = os.RemoveAll(work) }()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd, err := job.Command(ctx, srv, work)
	if err != nil {
		return unreported(job.Tests, fmt.Sprintf("preparing the process: %v", err))
	}
	cmd.WaitDelay = 10 * time.Second // a grandchild holding the output open must not hang us
	output, runErr := cmd.CombinedOutput()
	if ctx.Err() != nil {
		runErr = fmt.Errorf("killed after %v: %w", timeout, ctx.Err())
	}
	byTest := map[string]Result{}
	tests := job.Tests
	for _, r := range job.Parse(output) {
		byTest[r.Test] = r
		if len(job.Tests) == 0 {
			tests = append(tests, r.Test)
		}
	}
	if len(tests) == 0 {
		tests = []string{NoTests}
	}
	summary := srv.ErrorSummary()
	results := make([]Result, 0, len(tests))
	for _, name := range tests {
		r, ok := byTest[name]
		if !ok {
			r = Result{Test: name, Outcome: Failed, Detail: fmt.Sprintf(
				"no result: the process ended (%v) before reporting this test; its output ends:\n%s",
				runErr, tail(string(output), 40))}
		}
		if r.Outcome == Failed && summary != "" {
			r.Detail = "error answers of the server during this run:\n" + summary + "\n" + r.Detail
		}
		results = append(results, r)
	}
	return results
}

// NoTests stands for the tests of a Job that names none in advance when
// its process reported none.
const NoTests = "(no test reported)"

func unreported(tests []string, why string) []Result {
	if len(tests) == 0 {
		tests = []string{NoTests}
	}
	out := make([]Result, len(tests))
	for i, name := range tests {
		out[i] = Result{Test: name, Outcome: Failed, Detail: why}
	}
	return out
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// ClientEnv is the environment of an outside process: this process's,
// without any OSS or Alibaba Cloud settings a developer may have (a real
// account's keys must never reach a suite meant for the local server),
// plus vars.
func ClientEnv(vars ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, "OSS_") && !strings.HasPrefix(name, "ALIBABA_CLOUD_") {
			env = append(env, kv)
		}
	}
	return append(env, vars...)
}
