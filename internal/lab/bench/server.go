package bench

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/osscopy/osscopy/internal/lab/ossserver"
)

// Where every scenario's object lives on the local server.
const (
	srcBucket = "bench-src"
	srcKey    = "big.bin"
	dstBucket = "bench-dst"
	region    = ossserver.DefaultRegion
)

// serverSpec is what a server child is told to serve.
type serverSpec struct {
	AccessKeyID     string  `json:"access_key_id"`
	AccessKeySecret string  `json:"access_key_secret"`
	Model           Model   `json:"model"`
	Size            int64   `json:"size"`
	ErrorRate       float64 `json:"error_rate"`
	Capacity        int     `json:"capacity"`
	FaultSeed       uint64  `json:"fault_seed"`
}

type serverHello struct {
	Endpoint string `json:"endpoint"`
}

// serveChild serves spec on a free loopback port, prints its endpoint,
// answers each "counts" line with the counts so far, and returns when its
// input closes.
func serveChild(r *bufio.Reader, out io.Writer) error {
	var spec serverSpec
	if err := readJSONLine(r, &spec); err != nil {
		return fmt.Errorf("reading the server to start: %w", err)
	}
	log := newCounter()
	cfg := ossserver.Config{
		Credentials: []ossserver.Credential{{AccessKeyID: spec.AccessKeyID, AccessKeySecret: spec.AccessKeySecret}},
		Buckets:     []string{dstBucket},
		Seeds:       []ossserver.Seed{{Bucket: srcBucket, Key: srcKey, Size: spec.Size, Seed: 2026}},
		Latency:     map[string]time.Duration{"*": spec.Model.Latency},
		Bandwidth:   map[string]int64{"copy": spec.Model.Bandwidth},
		MaxInflight: spec.Capacity,
		FaultSeed:   spec.FaultSeed,
		AccessLog:   log,
	}
	if spec.ErrorRate > 0 {
		cfg.ErrorRate = map[string]float64{"*": spec.ErrorRate}
	}
	srv, err := ossserver.New(cfg)
	if err != nil {
		return fmt.Errorf("starting the local OSS server: %w", err)
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("no free loopback port for the server: %w", err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 30 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	defer hs.Close()
	enc := json.NewEncoder(out)
	if err := enc.Encode(serverHello{Endpoint: "http://" + ln.Addr().String()}); err != nil {
		return err
	}
	for {
		line, err := r.ReadString('\n')
		if strings.TrimSpace(line) == "counts" {
			if err := enc.Encode(log.snapshot()); err != nil {
				return err
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// serverProc is a server child seen from the parent.
type serverProc struct {
	cmd      *exec.Cmd
	in       io.WriteCloser
	out      *bufio.Reader
	stderr   bytes.Buffer
	endpoint string
	stopOnce sync.Once
	stopErr  error
}

func startServer(start Starter, spec serverSpec) (*serverProc, error) {
	cmd := start(RoleServer)
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	s := &serverProc{cmd: cmd, in: in, out: bufio.NewReader(out)}
	if cmd.Stderr == nil {
		cmd.Stderr = &s.stderr
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the server process: %w", err)
	}
	var hello serverHello
	err = writeJSONLine(in, spec)
	if err == nil {
		err = readJSONLine(s.out, &hello)
	}
	if err != nil {
		_ = s.stop()
		return nil, fmt.Errorf("the server process did not start: %w: %s", err, lastLines(s.stderr.String()))
	}
	s.endpoint = hello.Endpoint
	return s, nil
}

// counts asks the server for its counts so far.
func (s *serverProc) counts() (Counts, error) {
	var c Counts
	if _, err := io.WriteString(s.in, "counts\n"); err != nil {
		return c, fmt.Errorf("asking the server for its counts: %w", err)
	}
	if err := readJSONLine(s.out, &c); err != nil {
		return c, fmt.Errorf("reading the server's counts: %w", err)
	}
	return c, nil
}

// stop closes the server's input, which ends it, and waits for it. Calls
// after the first return what it returned.
func (s *serverProc) stop() error {
	s.stopOnce.Do(func() { s.stopErr = s.wait() })
	return s.stopErr
}

func (s *serverProc) wait() error {
	_ = s.in.Close()
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("the server process failed: %w: %s", err, lastLines(s.stderr.String()))
		}
		return nil
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		return fmt.Errorf("the server process did not stop; killed: %w", <-done)
	}
}

func writeJSONLine(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
