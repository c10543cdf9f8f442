package e2e

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/retry"

	"github.com/osscopy/osscopy/internal/lab/ossserver"
)

// The key pair servers accept unless told otherwise.
const (
	KeyID  = "LTAIe2eFaultKey"
	Secret = "e2e-secret-5c1f9a"
)

// ReadyLine is what `osscopy server` prints once it serves (and handles
// signals), after its banner.
const ReadyLine = "ready (Ctrl-C stops)"

const (
	startTimeout = 30 * time.Second // a -race binary on a loaded machine starts slowly
	stopTimeout  = 10 * time.Second
	callTimeout  = 30 * time.Second
)

// ServerOptions configure StartServerWith.
type ServerOptions struct {
	// Args are `osscopy server` flags after the harness's own (--addr,
	// the key pair, --access-log): buckets, seeds, faults.
	Args []string
	// Addr to listen on (default 127.0.0.1:0).
	Addr string
	// KeyID and Secret to accept (default KeyID and Secret).
	KeyID, Secret string
	// Env of the server process (default ChildEnv()).
	Env []string
	// DataDir keeps the server's state in a directory (--data-dir), so
	// that it survives Kill and a Restart or RestartClean.
	DataDir bool
	// KeysInEnv gives the key pair in OSS_ACCESS_KEY_ID and
	// OSS_ACCESS_KEY_SECRET instead of flags.
	KeysInEnv bool
	// Bin is the osscopy binary to run as the server (default Bin()):
	// another build of it, for a server that must not run with -race.
	Bin string
}

// Server is an `osscopy server` process (or, from StartInProcess, a server
// in the test process) with an access log.
type Server struct {
	opts     ServerOptions
	dir      string
	LogPath  string
	Endpoint string
	Region   string
	KeyID    string
	Secret   string
	Token    string // security token clients must send (in-process STS servers)
	Banner   map[string]string

	proc    *ServerProc
	inproc  *http.Server
	inClose func()
}

// StartServer runs `osscopy server` with the default key pair, an access
// log and args, and returns once it is ready. It is killed when the test ends.
func StartServer(t testing.TB, args ...string) *Server {
	t.Helper()
	return StartServerWith(t, ServerOptions{Args: args})
}

// StartServerWith runs `osscopy server` as o says.
func StartServerWith(t testing.TB, o ServerOptions) *Server {
	t.Helper()
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	if o.KeyID == "" {
		o.KeyID, o.Secret = KeyID, Secret
	}
	dir := t.TempDir()
	s := &Server{opts: o, dir: dir, LogPath: filepath.Join(dir, "access.log"), KeyID: o.KeyID, Secret: o.Secret}
	if err := os.Mkdir(s.Home(), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := s.start(t, o.Addr, o.Args); err != nil {
		t.Fatal(err)
	}
	return s
}

// DataDir is the server's --data-dir ("" without ServerOptions.DataDir).
func (s *Server) DataDir() string {
	if !s.opts.DataDir {
		return ""
	}
	return filepath.Join(s.dir, "data")
}

// start runs the process on addr; an error means it did not become ready.
func (s *Server) start(t testing.TB, addr string, extra []string) error {
	t.Helper()
	args := []string{"--addr", addr, "--access-log", s.LogPath}
	env := s.opts.Env
	if env == nil {
		env = ChildEnv()
	}
	if s.opts.KeysInEnv {
		env = append(env[:len(env):len(env)], "OSS_ACCESS_KEY_ID="+s.opts.KeyID, "OSS_ACCESS_KEY_SECRET="+s.opts.Secret)
	} else {
		args = append(args, "--access-key-id", s.opts.KeyID, "--access-key-secret", s.opts.Secret)
	}
	if s.opts.DataDir {
		args = append(args, "--data-dir", s.DataDir())
	}
	p, err := startServerProc(t, s.opts.Bin, env, append(args, extra...))
	if err != nil {
		return err
	}
	s.proc, s.Banner = p, p.Banner
	s.Endpoint, s.Region = p.Endpoint(), p.Region()
	return nil
}

// Home is an empty directory to use as HOME for osscopy runs.
func (s *Server) Home() string { return filepath.Join(s.dir, "home") }

// Dir is a directory of the test's own that the server's files live in.
func (s *Server) Dir() string { return s.dir }

// Stdout and Stderr are what the server process printed so far.
func (s *Server) Stdout() string {
	if s.proc == nil {
		return ""
	}
	return s.proc.Stdout()
}

func (s *Server) Stderr() string {
	if s.proc == nil {
		return ""
	}
	return s.proc.Stderr()
}

// Kill kills the server with SIGKILL (a crash) and waits for it.
func (s *Server) Kill(t testing.TB) {
	t.Helper()
	if s.inClose != nil {
		s.inClose()
		return
	}
	s.proc.Kill()
	if !s.proc.KilledBy(syscall.SIGKILL) {
		t.Fatalf("the server did not die of SIGKILL: %v", s.proc.Cmd.ProcessState)
	}
}

// Stop stops the server with SIGTERM and requires a clean exit: every
// request it answered is then in the access log.
func (s *Server) Stop(t testing.TB) {
	t.Helper()
	if s.inClose != nil {
		s.inClose()
		return
	}
	_ = s.proc.Cmd.Process.Signal(syscall.SIGTERM) // fails only if it has ended: its status then says how
	s.proc.requireCleanExit(t, syscall.SIGTERM, stopTimeout)
}

// Restart starts the server again with the same flags (and data
// directory, if any), on the same address when it is still free, else on
// a fresh port; sameAddr says which. Endpoint is updated.
func (s *Server) Restart(t testing.TB) (sameAddr bool) {
	t.Helper()
	return s.restart(t, s.opts.Args)
}

// RestartClean restarts a stopped or killed server on its data directory
// without the flags it was started with (faults, seeds, buckets: the data
// directory holds the buckets and objects), so that tests can inspect
// what it holds without injected faults.
func (s *Server) RestartClean(t testing.TB) (sameAddr bool) {
	t.Helper()
	if !s.opts.DataDir {
		t.Fatal("RestartClean needs a server started with ServerOptions.DataDir")
	}
	return s.restart(t, nil)
}

func (s *Server) restart(t testing.TB, args []string) (sameAddr bool) {
	t.Helper()
	u, err := url.Parse(s.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	err = s.start(t, u.Host, args)
	if err == nil {
		return true
	}
	t.Logf("restarting on %s failed (%v); using a fresh port", u.Host, err)
	if err := s.start(t, "127.0.0.1:0", args); err != nil {
		t.Fatal(err)
	}
	return false
}

// Env is the environment of an osscopy run against the server: its
// endpoint, region and key pair (and token), an empty HOME, then extra.
func (s *Server) Env(extra ...string) []string {
	return ChildEnv(append([]string{"OSS_ACCESS_KEY_ID=" + s.KeyID, "OSS_ACCESS_KEY_SECRET=" + s.Secret,
		"OSS_SESSION_TOKEN=" + s.Token, "OSS_REGION=" + s.Region, "OSS_ENDPOINT=" + s.Endpoint, "HOME=" + s.Home()}, extra...)...)
}

// Client is an SDK client for the server that never retries, so that
// each call is exactly one request.
func (s *Server) Client() *oss.Client {
	return s.ClientFor(s.Endpoint)
}

// ClientFor is Client through another endpoint (a proxy in front of it).
func (s *Server) ClientFor(endpoint string) *oss.Client {
	return newClient(endpoint, s.Region, s.KeyID, s.Secret, s.Token, nil)
}

// ClientWith is Client with opts applied to its configuration (longer
// timeouts, or the SDK's checks off, say).
func (s *Server) ClientWith(opts ...func(*oss.Config)) *oss.Client {
	return newClient(s.Endpoint, s.Region, s.KeyID, s.Secret, s.Token, opts)
}

// newClient is an SDK client for endpoint that signs with the key pair
// (and token) and never retries, so that each call is exactly one
// request; opts then adjust its configuration.
func newClient(endpoint, region, id, secret, token string, opts []func(*oss.Config)) *oss.Client {
	cfg := oss.LoadDefaultConfig().
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider(id, secret, token)).
		WithRegion(region).
		WithEndpoint(endpoint).
		WithUsePathStyle(true).
		WithRetryer(retry.NopRetryer{}).
		WithConnectTimeout(5 * time.Second).
		WithReadWriteTimeout(callTimeout)
	for _, o := range opts {
		o(cfg)
	}
	return oss.NewClient(cfg)
}

// StartInProcess runs the server package in the test process with cfg,
// for what `osscopy server` has no flag for (temporary credentials that
// have expired). Its access log is written to LogPath as the binary's is.
// cfg.Credentials[0] is the key pair Env and Client use.
func StartInProcess(t testing.TB, cfg ossserver.Config) *Server {
	t.Helper()
	dir := t.TempDir()
	s := &Server{dir: dir, LogPath: filepath.Join(dir, "access.log")}
	if err := os.Mkdir(s.Home(), 0o700); err != nil {
		t.Fatal(err)
	}
	logFile, err := os.OpenFile(s.LogPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	cfg.AccessLog = logFile
	if len(cfg.Credentials) == 0 {
		cfg.Credentials = []ossserver.Credential{{AccessKeyID: KeyID, AccessKeySecret: Secret}}
	}
	c := cfg.Credentials[0]
	s.KeyID, s.Secret, s.Token = c.AccessKeyID, c.AccessKeySecret, c.SecurityToken
	srv, err := ossserver.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.inproc = &http.Server{Handler: srv, ReadHeaderTimeout: 30 * time.Second}
	go func() { _ = s.inproc.Serve(ln) }()
	var once sync.Once
	s.inClose = func() {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
			defer cancel()
			_ = s.inproc.Shutdown(ctx) // lets requests in flight finish and log
			_ = s.inproc.Close()
			_ = srv.Close()
			_ = logFile.Close()
		})
	}
	t.Cleanup(s.inClose)
	s.Endpoint, s.Region = "http://"+ln.Addr().String(), srv.Region()
	return s
}
