package e2e

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

// ServerProc is an `osscopy server` process that has printed its ready
// line, and the banner it printed before it. Server runs one with the
// harness's flags; StartServerProc runs one with a test's own.
type ServerProc struct {
	*Proc
	// Banner holds the "name: value" lines printed before ReadyLine:
	// endpoint, region, access-key-id (and the secret it generated).
	Banner map[string]string
}

// StartServerProc runs `osscopy server ARGS...`, no flag added, with env
// (nil: ChildEnv()) and returns once it is ready; bin is another build of
// osscopy to run ("": Bin()). It is killed when the test ends.
func StartServerProc(t testing.TB, bin string, env []string, args ...string) *ServerProc {
	t.Helper()
	p, err := startServerProc(t, bin, env, args)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// startServerProc is StartServerProc; an error means the server did not
// become ready.
func startServerProc(t testing.TB, bin string, env, args []string) (*ServerProc, error) {
	t.Helper()
	if bin == "" {
		bin = Bin()
	}
	if env == nil {
		env = ChildEnv()
	}
	args = append([]string{"server"}, args...)
	w := &bannerWriter{banner: map[string]string{}, ready: make(chan struct{})}
	p := startWatched(t, env, exec.Command(bin, args...), w)
	select {
	case <-w.ready:
		return &ServerProc{Proc: p, Banner: w.banner}, nil
	case <-p.Done():
		return nil, &startError{args, p.Cmd.ProcessState.String(), p.Stderr()}
	case <-time.After(startTimeout):
		p.Kill()
		return nil, &startError{args, "not ready after " + startTimeout.String(), p.Stderr()}
	}
}

type startError struct {
	args          []string
	state, stderr string
}

func (e *startError) Error() string {
	return "osscopy " + strings.Join(e.args, " ") + ": " + e.state + "\nstderr: " + e.stderr
}

// Endpoint and Region are the server's, from its banner.
func (p *ServerProc) Endpoint() string { return p.Banner["endpoint"] }
func (p *ServerProc) Region() string   { return p.Banner["region"] }

// Client is an SDK client for the server that signs with id and secret
// and never retries, so that each call is exactly one request; opts adjust
// its configuration (the signature version, say).
func (p *ServerProc) Client(id, secret string, opts ...func(*oss.Config)) *oss.Client {
	return newClient(p.Endpoint(), p.Region(), id, secret, "", opts)
}

// bannerWriter takes in a server's stdout, as exec copies it, and keeps
// the "name: value" lines before ReadyLine; it closes ready at that line.
// Only exec's copying goroutine writes, and the banner is not written
// after ready is closed, so tests may read it then.
type bannerWriter struct {
	banner  map[string]string
	ready   chan struct{}
	partial []byte // a line not yet ended
	done    bool   // ReadyLine was seen
}

func (w *bannerWriter) Write(b []byte) (int, error) {
	if w.done {
		return len(b), nil
	}
	w.partial = append(w.partial, b...)
	for !w.done {
		line, rest, ok := bytes.Cut(w.partial, []byte{'\n'})
		if !ok {
			break
		}
		w.partial = rest
		w.line(strings.TrimSuffix(string(line), "\r"))
	}
	return len(b), nil
}

func (w *bannerWriter) line(line string) {
	if line == ReadyLine {
		w.done, w.partial = true, nil
		close(w.ready)
		return
	}
	if k, v, ok := strings.Cut(line, ": "); ok {
		w.banner[k] = v
	}
}
