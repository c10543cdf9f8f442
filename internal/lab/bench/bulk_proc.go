package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/osscopy/osscopy/internal/bulk"
	"github.com/osscopy/osscopy/internal/ossclient"
)

// bulkEnv is this process's environment without OSS_* settings of the
// user's, plus the key pair the server accepts and cp signs with.
func bulkEnv(id, secret string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "OSS_") {
			env = append(env, kv)
		}
	}
	return append(env, ossclient.EnvAccessKeyID+"="+id, ossclient.EnvAccessKeySecret+"="+secret)
}

// bulkServer is an `osscopy server` process seen from the parent.
type bulkServer struct {
	cmd          *exec.Cmd
	banner       *bannerWriter
	stderr       bytes.Buffer
	endpoint     string
	startSeconds float64
	logPath      string
	logOff       int64 // what counts has read of the access log

	exited  chan struct{} // closed once cmd.Wait returned
	waitErr error
	once    sync.Once
}

// serverStartLimit bounds the seeding of a server's objects.
const serverStartLimit = 10 * time.Minute

// startBulkServer starts `osscopy args... --access-log logPath` and waits
// for its "ready" line.
func startBulkServer(ctx context.Context, bin Binary, env, args []string, logPath string) (*bulkServer, error) {
	s := &bulkServer{banner: newBannerWriter(), logPath: logPath, exited: make(chan struct{})}
	s.cmd = bin(append(args, "--access-log", logPath)...)
	s.cmd.Env, s.cmd.Stdout, s.cmd.Stderr = env, s.banner, &s.stderr
	resetPeakRSS()
	start := time.Now()
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the server: %w", err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.exited)
	}()
	timeout := time.NewTimer(serverStartLimit)
	defer timeout.Stop()
	select {
	case <-s.banner.ready:
		s.startSeconds = time.Since(start).Seconds()
		s.endpoint = s.banner.endpoint()
		if s.endpoint == "" {
			s.kill()
			return nil, fmt.Errorf("the server printed no endpoint: %q", s.banner.text())
		}
		return s, nil
	case <-s.exited:
		return nil, fmt.Errorf("the server exited before it was ready: %v: %s", s.waitErr, lastLines(s.stderr.String()))
	case <-ctx.Done():
		s.kill()
		return nil, ctx.Err()
	case <-timeout.C:
		s.kill()
		return nil, fmt.Errorf("the server was not ready after %v", serverStartLimit)
	}
}

// counts reads the access log written since the last call, once the
// server has written the lines of the requests answered so far: the
// counts, and the seconds the server spent on requests it did not
// throttle (the in-flight slots its work took, summed).
func (s *bulkServer) counts() (Counts, float64, error) {
	if err := waitStable(s.logPath, 200*time.Millisecond, 10*time.Second); err != nil {
		return Counts{}, 0, err
	}
	f, err := os.Open(s.logPath)
	if err != nil {
		return Counts{}, 0, fmt.Errorf("reading the server's access log: %w", err)
	}
	defer f.Close()
	if _, err := f.Seek(s.logOff, io.SeekStart); err != nil {
		return Counts{}, 0, err
	}
	c, busy := newCounter(), 0.0
	r := bufio.NewReaderSize(f, 1<<20)
	for {
		line, err := r.ReadBytes('\n')
		if err == io.EOF {
			break // a last line without its newline is still being written
		}
		if err != nil {
			return Counts{}, 0, fmt.Errorf("reading the server's access log: %w", err)
		}
		s.logOff += int64(len(line))
		_, _ = c.Write(line)
		var e struct {
			DurationMS float64 `json:"duration_ms"`
			Fault      string  `json:"fault"`
		}
		if json.Unmarshal(line, &e) == nil && e.Fault != "throttle" {
			busy += e.DurationMS / 1000
		}
	}
	return c.snapshot(), busy, nil
}

// waitStable waits until path's size has not changed for quiet (the
// server writes a request's line after answering it), at most limit.
func waitStable(path string, quiet, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	last := int64(-1)
	for {
		st, err := os.Stat(path)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		size := int64(0)
		if st != nil {
			size = st.Size()
		}
		if size == last || time.Now().After(deadline) {
			return nil
		}
		last = size
		time.Sleep(quiet)
	}
}

// stop ends the server as Ctrl-C would and returns what it used.
func (s *bulkServer) stop() (usage, error) {
	var err error
	s.once.Do(func() {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.exited:
			if s.waitErr != nil {
				err = fmt.Errorf("the server failed: %w: %s", s.waitErr, lastLines(s.stderr.String()))
			}
		case <-time.After(time.Minute):
			_ = s.cmd.Process.Kill()
			<-s.exited
			err = errors.New("the server did not stop within a minute of SIGTERM; killed")
		}
	})
	<-s.exited
	return usageOf(s.cmd.ProcessState), err
}

// kill ends the server at once, unless it was stopped.
func (s *bulkServer) kill() {
	s.once.Do(func() { _ = s.cmd.Process.Kill() })
	<-s.exited
}

// bannerWriter takes the server's stdout: its banner, then nothing.
type bannerWriter struct {
	mu    sync.Mutex
	buf   []byte
	ready chan struct{} // closed at the "ready" line
	seen  bool
}

func newBannerWriter() *bannerWriter { return &bannerWriter{ready: make(chan struct{})} }

func (b *bannerWriter) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.seen || len(b.buf) > 64<<10 {
		return len(p), nil
	}
	b.buf = append(b.buf, p...)
	for _, line := range strings.Split(string(b.buf), "\n") {
		if strings.HasPrefix(line, "ready") {
			b.seen = true
			close(b.ready)
			break
		}
	}
	return len(p), nil
}

func (b *bannerWriter) text() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}

func (b *bannerWriter) endpoint() string {
	for _, line := range strings.Split(b.text(), "\n") {
		if v, ok := strings.CutPrefix(line, "endpoint: "); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// bulkClientResult is what one run of cp -r did and used.
type bulkClientResult struct {
	exitCode int
	wall     time.Duration
	use      usage
	summary  bulk.Summary
	err      string // why the run did not end well: cp's last lines
}

// runBulkClient runs `osscopy args...` with its stdout in outPath and its
// stderr (progress) copied to logw. It returns an error only when the
// process could not run (not started, or ctx ended); a copy that failed
// is a result that says so.
func runBulkClient(ctx context.Context, bin Binary, env, args []string, outPath string, logw io.Writer) (bulkClientResult, error) {
	var res bulkClientResult
	out, err := os.Create(outPath)
	if err != nil {
		return res, err
	}
	defer out.Close()
	var stderr bytes.Buffer
	cmd := bin(args...)
	cmd.Env, cmd.Stdout, cmd.Stderr = env, out, io.MultiWriter(&stderr, logw)
	start := time.Now()
	err = runUntilDone(ctx, cmd)
	res.wall = time.Since(start)
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		res.exitCode = exit.ExitCode()
		res.err = fmt.Sprintf("exit status %d: %s", res.exitCode, lastLines(stderr.String()))
	default:
		return res, fmt.Errorf("running osscopy %s: %w", args[0], err)
	}
	res.use = usageOf(cmd.ProcessState)
	if res.summary, err = lastSummary(outPath); err != nil {
		res.err = strings.TrimSpace(res.err + "; " + err.Error())
	}
	return res, nil
}

// lastSummary reads the summary cp prints at the end of its JSON output:
// an indented object whose first line is "{", after the one-line objects
// a dry run prints per object.
func lastSummary(path string) (bulk.Summary, error) {
	var sum bulk.Summary
	f, err := os.Open(path)
	if err != nil {
		return sum, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return sum, err
	}
	const tail = 64 << 10
	off := max(st.Size()-tail, 0)
	data := make([]byte, st.Size()-off)
	if _, err := f.ReadAt(data, off); err != nil && err != io.EOF {
		return sum, err
	}
	i := bytes.LastIndex(data, []byte("\n{\n"))
	switch {
	case i >= 0:
		data = data[i+1:]
	case off == 0 && bytes.HasPrefix(data, []byte("{\n")):
	default:
		return sum, fmt.Errorf("no JSON summary at the end of cp's output (%d bytes)", st.Size())
	}
	if err := json.Unmarshal(data, &sum); err != nil {
		return sum, fmt.Errorf("decoding cp's JSON summary: %w", err)
	}
	return sum, nil
}

// loadAverage is /proc/loadavg's three averages, "" where there is none.
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// resetPeakRSS lowers this process's peak RSS to its RSS now, where Linux
// allows it, so that a child started next does not inherit it as the
// floor of its own (see BulkRun.ParentPeakRSSMiB): parsing the access log
// of a million copies leaves the parent's peak at tens of MiB otherwise.
// It returns the peak left, the floor under the child's.
func resetPeakRSS() float64 {
	debug.FreeOSMemory()
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // resets VmHWM to VmRSS (Linux 4.0)
	return selfPeakRSSMiB()
}

// selfPeakRSSMiB is this process's peak RSS (VmHWM), 0 where /proc has none.
func selfPeakRSSMiB() float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kib float64
			if _, err := fmt.Sscanf(strings.TrimSpace(v), "%f kB", &kib); err == nil {
				return kib / 1024
			}
		}
	}
	return 0
}
