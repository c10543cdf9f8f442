package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// RunTimeout bounds one osscopy run that is expected to end by itself:
// generous, for a -race binary on a loaded 2-core machine.
const RunTimeout = 2 * time.Minute

// SyncBuffer is a bytes.Buffer safe to write from exec's copying goroutine
// while a test reads it.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Proc is a running or finished osscopy.
type Proc struct {
	t      testing.TB
	Cmd    *exec.Cmd
	stdout SyncBuffer
	stderr SyncBuffer
	exited chan struct{}
	took   time.Duration // set before exited is closed
}

// Start starts osscopy with args and env (see ChildEnv and Server.Env);
// it is killed when the test ends, and its output logged if the test failed.
func Start(t testing.TB, env []string, args ...string) *Proc {
	t.Helper()
	return startCmd(t, env, exec.Command(Bin(), args...))
}

// StartCommand starts another program (a shell that execs osscopy, say)
// as Start starts osscopy.
func StartCommand(t testing.TB, env []string, name string, args ...string) *Proc {
	t.Helper()
	return startCmd(t, env, exec.Command(name, args...))
}

// StartWithFileLimit is Start with every file osscopy writes limited to
// limit bytes: writes past it fail (EFBIG), as on a full disk.
func StartWithFileLimit(t testing.TB, env []string, limit int64, args ...string) *Proc {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return startCmd(t, append(env, fmt.Sprintf("%s=%d", fileLimitEnv, limit)), exec.Command(self, append([]string{Bin()}, args...)...))
}

// StartShell runs line with /bin/sh in a process group of its own, so
// that Kill kills it and what it started (the osscopy of a resume command
// a run printed, say), as Start starts osscopy.
func StartShell(t testing.TB, env []string, line string) *Proc {
	t.Helper()
	cmd := exec.Command("/bin/sh", "-c", line)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return startCmd(t, env, cmd)
}

// Unprivileged is the user to run osscopy as for permissions to bind: nil
// when the tests do not run as root (they are bound already), else
// nobody (65534), since root writes through any file mode.
func Unprivileged() *syscall.Credential {
	if os.Geteuid() != 0 {
		return nil
	}
	return &syscall.Credential{Uid: 65534, Gid: 65534}
}

// StartAs is Start as the user cred (nil: this process's user).
func StartAs(t testing.TB, cred *syscall.Credential, env []string, args ...string) *Proc {
	t.Helper()
	cmd := exec.Command(Bin(), args...)
	if cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	}
	return startCmd(t, env, cmd)
}

func startCmd(t testing.TB, env []string, cmd *exec.Cmd) *Proc {
	t.Helper()
	return startWatched(t, env, cmd, nil)
}

// startWatched is startCmd with stdout also written to watch, when not
// nil, as it comes (a server's banner, read while it runs).
func startWatched(t testing.TB, env []string, cmd *exec.Cmd, watch io.Writer) *Proc {
	t.Helper()
	p := &Proc{t: t, Cmd: cmd, exited: make(chan struct{})}
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = &p.stdout, &p.stderr
	if watch != nil {
		cmd.Stdout = io.MultiWriter(&p.stdout, watch)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %q: %v", cmd.Args, err)
	}
	go func() {
		defer close(p.exited)
		_ = cmd.Wait()
		p.took = time.Since(start)
	}()
	t.Cleanup(func() {
		p.Kill()
		if t.Failed() {
			t.Logf("%q (%v)\nstdout:\n%s\nstderr:\n%s", cmd.Args, cmd.ProcessState, p.Stdout(), p.Stderr())
		}
	})
	return p
}

// Run runs osscopy to completion (at most RunTimeout).
func Run(t testing.TB, env []string, args ...string) *Proc {
	t.Helper()
	p := Start(t, env, args...)
	p.Wait(RunTimeout)
	return p
}

func (p *Proc) Stdout() string { return p.stdout.String() }
func (p *Proc) Stderr() string { return p.stderr.String() }

// Exited reports whether the process has ended.
func (p *Proc) Exited() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// Done is closed when the process has ended.
func (p *Proc) Done() <-chan struct{} { return p.exited }

// Took is how long the process ran (0 while it runs).
func (p *Proc) Took() time.Duration {
	if !p.Exited() {
		return 0
	}
	return p.took
}

// Kill kills the process with SIGKILL (and its process group, from
// StartShell) and waits for it.
func (p *Proc) Kill() {
	if p.Exited() {
		return
	}
	if a := p.Cmd.SysProcAttr; a != nil && a.Setpgid {
		_ = syscall.Kill(-p.Cmd.Process.Pid, syscall.SIGKILL) // the group StartShell made
	} else {
		_ = p.Cmd.Process.Kill()
	}
	<-p.exited
}

// Signal sends sig.
func (p *Proc) Signal(sig os.Signal) {
	p.t.Helper()
	if err := p.Cmd.Process.Signal(sig); err != nil {
		p.t.Fatalf("sending %v to %q: %v", sig, p.Cmd.Args, err)
	}
}

// Wait waits at most timeout for the process to end and returns its exit
// status; past timeout it kills it and fails the test.
func (p *Proc) Wait(timeout time.Duration) int {
	p.t.Helper()
	select {
	case <-p.exited:
		return p.Code()
	case <-time.After(timeout):
		p.Kill()
		p.t.Fatalf("%q still running after %v", p.Cmd.Args, timeout)
		return -1
	}
}

// Stop sends sig and requires a clean exit (status 0) within within: how
// a server is asked to stop.
func (p *Proc) Stop(sig os.Signal, within time.Duration) {
	p.t.Helper()
	p.Signal(sig)
	start := time.Now()
	p.requireCleanExit(p.t, sig, within)
	p.t.Logf("%v: clean exit after %v", sig, time.Since(start).Round(time.Millisecond))
}

// requireCleanExit waits at most within for the process, sent sig, to
// end, and requires exit status 0.
func (p *Proc) requireCleanExit(t testing.TB, sig os.Signal, within time.Duration) {
	t.Helper()
	select {
	case <-p.exited:
	case <-time.After(within):
		p.Kill()
		t.Fatalf("%q still ran %v after %v", p.Cmd.Args, within, sig)
	}
	if code := p.Code(); code != 0 {
		t.Fatalf("%q exited with %v after %v, want status 0; stderr: %s", p.Cmd.Args, p.Cmd.ProcessState, sig, p.Stderr())
	}
}

// Code is the exit status (-1 when killed by a signal).
func (p *Proc) Code() int { return p.Cmd.ProcessState.ExitCode() }

// KilledBy reports whether the process ended by signal sig.
func (p *Proc) KilledBy(sig syscall.Signal) bool {
	ws, ok := p.Cmd.ProcessState.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == sig
}

// RequireCode fails the test now unless the exit status is want.
func (p *Proc) RequireCode(want int) {
	p.t.Helper()
	if got := p.Code(); got != want {
		p.t.Fatalf("%q: exit %d, want %d\nstdout: %s\nstderr: %s", p.Cmd.Args, got, want, p.Stdout(), p.Stderr())
	}
}

// RequireMentions requires s (what names it in failures: "stderr", say)
// to contain every one of want.
func RequireMentions(t testing.TB, what, s string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(s, w) {
			t.Errorf("%s does not mention %q:\n%s", what, w, s)
		}
	}
}

// Result is the JSON result of `osscopy cp --output-format json`.
type Result struct {
	Source       string  `json:"source"`
	Destination  string  `json:"destination"`
	Size         int64   `json:"size"`
	Single       bool    `json:"single_copy"`
	Parts        int     `json:"parts"`
	PartSize     int64   `json:"part_size"`
	UploadID     string  `json:"upload_id"`
	ETag         string  `json:"etag"`
	CRC64        string  `json:"crc64"`
	Seconds      float64 `json:"seconds"`
	Retries      int64   `json:"retries"`
	ResumedParts int     `json:"resumed_parts"`
	UpToDate     bool    `json:"up_to_date"`
}

// Result parses stdout as the JSON result of a successful cp.
func (p *Proc) Result() Result {
	p.t.Helper()
	var res Result
	if err := json.Unmarshal([]byte(p.Stdout()), &res); err != nil {
		p.t.Fatalf("stdout is not a JSON result: %v\n%s", err, p.Stdout())
	}
	return res
}
