// Package osstest starts the local OSS server (internal/lab/ossserver) for
// tests and gives them an SDK client that talks to it over real HTTP.
//
// When OSS_TEST_ENDPOINT, OSS_TEST_REGION, OSS_TEST_ACCESS_KEY_ID,
// OSS_TEST_ACCESS_KEY_SECRET and OSS_TEST_BUCKET are all set, Real returns
// an environment for the real service instead, so that one suite keeps the
// local server honest against OSS.
package osstest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"os"
	"sync"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/retry"

	"github.com/osscopy/osscopy/internal/lab/ossserver"
)

// Test credentials of the local server.
const (
	AccessKeyID     = "LTAItestkeyid"
	AccessKeySecret = "test-secret-not-for-production"
)

// Env is a server (local or real) and a client for it.
type Env struct {
	Endpoint string
	Region   string
	Client   *oss.Client
	Server   *ossserver.Server // nil against the real service
	Log      *AccessLog        // nil against the real service
	Local    bool
	// Bucket is a bucket tests may use (created locally; given for real).
	Bucket string
}

// Start runs a local server with cfg (credentials and access log filled in)
// for the duration of the test.
func Start(t testing.TB, cfg ossserver.Config) *Env {
	t.Helper()
	log := &AccessLog{}
	if cfg.Credentials == nil {
		cfg.Credentials = []ossserver.Credential{{AccessKeyID: AccessKeyID, AccessKeySecret: AccessKeySecret}}
	}
	if cfg.AccessLog == nil {
		cfg.AccessLog = log
	}
	srv, err := ossserver.New(cfg)
	if err != nil {
		t.Fatalf("starting the local OSS server: %v", err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		hs.Close()
		srv.Close()
	})
	env := &Env{Endpoint: hs.URL, Region: srv.Region(), Server: srv, Log: log, Local: true}
	env.Client = env.NewClient(AccessKeyID, AccessKeySecret)
	return env
}

// Real returns an environment for the real OSS service, or nil when the
// OSS_TEST_* variables are not all set.
func Real(t testing.TB) *Env {
	t.Helper()
	vars := map[string]string{}
	for _, name := range []string{"OSS_TEST_ENDPOINT", "OSS_TEST_REGION", "OSS_TEST_ACCESS_KEY_ID", "OSS_TEST_ACCESS_KEY_SECRET", "OSS_TEST_BUCKET"} {
		if vars[name] = os.Getenv(name); vars[name] == "" {
			return nil
		}
	}
	env := &Env{Endpoint: vars["OSS_TEST_ENDPOINT"], Region: vars["OSS_TEST_REGION"], Bucket: vars["OSS_TEST_BUCKET"]}
	env.Client = env.NewClient(vars["OSS_TEST_ACCESS_KEY_ID"], vars["OSS_TEST_ACCESS_KEY_SECRET"])
	return env
}

// NewClient makes an SDK client for the environment with the given keys.
// The SDK's own retries are off: tests see every answer as the server gave it.
func (e *Env) NewClient(id, secret string, opts ...func(*oss.Config)) *oss.Client {
	cfg := oss.LoadDefaultConfig().
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider(id, secret)).
		WithRegion(e.Region).
		WithEndpoint(e.Endpoint).
		WithRetryer(retry.NopRetryer{})
	if e.Local {
		cfg = cfg.WithUsePathStyle(true)
	}
	for _, o := range opts {
		o(cfg)
	}
	return oss.NewClient(cfg)
}

// AccessLog collects the server's access log in memory.
type AccessLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *AccessLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// Bytes returns a copy of what was logged so far: JSON lines.
func (l *AccessLog) Bytes() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return bytes.Clone(l.buf.Bytes())
}

// Entries parses what was logged so far.
func (l *AccessLog) Entries(t testing.TB) []ossserver.LogEntry {
	t.Helper()
	var out []ossserver.LogEntry
	sc := bufio.NewScanner(bytes.NewReader(l.Bytes()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var e ossserver.LogEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("access log line %q: %v", sc.Text(), err)
		}
		out = append(out, e)
	}
	return out
}

// Count returns how many logged requests were of op with the given status
// (status 0 counts every status).
func (l *AccessLog) Count(t testing.TB, op string, status int) int {
	n := 0
	for _, e := range l.Entries(t) {
		if e.Op == op && (status == 0 || e.Status == status) {
			n++
		}
	}
	return n
}
