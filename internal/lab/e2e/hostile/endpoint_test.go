package hostile_test

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/osscopy/osscopy/internal/lab/e2e"
)

// endpointBound is how soon a wrong endpoint or network must fail: the
// issue's 15 s, a functional bound (one probe of at most 8 s), not a
// benchmark.
const endpointBound = 15 * time.Second

// TestWrongEndpointFailsFast: before any copy, cp, cp -r and cleanup send
// one probe that decides within seconds, exit 1 with the endpoint named in
// the error and a hint that says what to try, for every way an endpoint or
// network can be wrong: a closed port, a listener that never answers, a
// plain HTTP server given as https, a host that does not resolve, an HTML
// page answering 200 (a captive portal), a bucket of another region (OSS
// names its endpoint) and a signature for another region (OSS's HostId
// names the right one). Before the probe these took 59-78 s (refused, TLS,
// DNS: retried as network errors), over 120 s (the black hole), or exited
// 0 having listed nothing (the HTML page, with cp -r).
func TestWrongEndpointFailsFast(t *testing.T) {
	t.Parallel()
	ok := e2e.StartServer(t, "--bucket", "src", "--bucket", "dst", "--seed-object", "oss://src/a.bin=1MiB")
	elsewhere := e2e.StartServer(t, "--bucket", "dst", "--bucket-elsewhere", "src=cn-beijing")
	okHost := strings.TrimPrefix(ok.Endpoint, "http://")
	for _, tc := range []struct {
		name      string
		server    *e2e.Server
		endpoint  string
		region    string
		inMessage string // besides the endpoint
		inHint    string
	}{
		{name: "refused", server: ok, endpoint: "http://" + closedPort(t), inMessage: "connection refused", inHint: "check the host and port of --endpoint"},
		{name: "black-hole", server: ok, endpoint: "http://" + blackHole(t), inMessage: "no answer within 8s", inHint: "check --endpoint and the network"},
		{name: "plain-http-as-https", server: ok, endpoint: "https://" + okHost, inMessage: "answered plain HTTP to HTTPS", inHint: "give the endpoint as http://HOST"},
		{name: "dns", server: ok, endpoint: "http://oss-cn-hangzhou.osscopy.invalid", inMessage: "resolve", inHint: "--endpoint"},
		{name: "html-200", server: ok, endpoint: captivePortal(t), inMessage: "200: a text/html answer, not OSS's XML", inHint: "this endpoint is not OSS"},
		{name: "bucket-elsewhere", server: elsewhere, endpoint: elsewhere.Endpoint, inMessage: "403 AccessDenied",
			inHint: "use --endpoint oss-cn-beijing.aliyuncs.com --region cn-beijing"},
		{name: "wrong-region", server: ok, endpoint: ok.Endpoint, region: "cn-beijing", inMessage: "400 InvalidArgument: Invalid signing region",
			inHint: "this endpoint serves region cn-hangzhou, not cn-beijing: use --region cn-hangzhou"},
	} {
		for name, command := range map[string][]string{
			"cp":      {"cp", "oss://src/a.bin", "oss://dst/a.bin"},
			"cp-r":    {"cp", "-r", "oss://src/", "oss://dst/copy/"},
			"cleanup": {"cleanup", "oss://src", "--include-resumable"},
		} {
			t.Run(tc.name+"/"+name, func(t *testing.T) {
				t.Parallel()
				env := tc.server.Env("OSS_ENDPOINT="+tc.endpoint, "OSS_REGION="+firstNonEmpty(tc.region, tc.server.Region))
				p := e2e.Start(t, env, command...)
				p.Wait(e2e.RunTimeout)
				p.RequireCode(1)
				if p.Took() >= endpointBound {
					t.Errorf("took %v to fail, want under %v", p.Took().Round(time.Millisecond), endpointBound)
				}
				lines := strings.Split(strings.TrimSpace(p.Stderr()), "\n")
				if len(lines) != 2 || !strings.HasPrefix(lines[1], "osscopy: hint: ") {
					t.Fatalf("stderr is not the error and its hint:\n%s", p.Stderr())
				}
				e2e.RequireMentions(t, "the error", lines[0], " at "+tc.endpoint+": ", tc.inMessage)
				e2e.RequireMentions(t, "the hint", lines[1], tc.inHint)
				t.Logf("%.1fs: %s", p.Took().Seconds(), p.Stderr())
			})
		}
	}
}

// TestAPIBlackHoleFailsWithinAMinute: the api commands send their one request
// without a probe, but a request OSS answers at once (head-object,
// list-multipart-uploads, ...) is cut after 10 s of silence, so against an
// endpoint that never answers they fail within a minute with the default
// 3 retries (before: over 120 s, each attempt waiting 5m50s).
func TestAPIBlackHoleFailsWithinAMinute(t *testing.T) {
	t.Parallel()
	s := e2e.StartServer(t, "--bucket", "src")
	endpoint := "http://" + blackHole(t)
	for name, args := range map[string][]string{
		"head-object":            {"api", "head-object", "--bucket", "src", "--key", "a.bin"},
		"list-multipart-uploads": {"api", "list-multipart-uploads", "--bucket", "src"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := e2e.Start(t, s.Env("OSS_ENDPOINT="+endpoint), args...)
			p.Wait(e2e.RunTimeout)
			p.RequireCode(1)
			if p.Took() >= time.Minute {
				t.Errorf("took %v to fail, want under a minute", p.Took().Round(time.Millisecond))
			}
			e2e.RequireMentions(t, "stderr", p.Stderr(), strings.TrimPrefix(endpoint, "http://"), "timeout")
			t.Logf("%.1fs: %s", p.Took().Seconds(), p.Stderr())
		})
	}
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// closedPort is a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// blackHole is a loopback address that takes connections and never
// answers, as a firewall or a proxy that swallows traffic does.
func blackHole(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var held []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range held {
			c.Close()
		}
	})
	return ln.Addr().String()
}

// captivePortal is an endpoint that answers every request 200 with an
// HTML page, as a captive portal or a misconfigured proxy does.
func captivePortal(t *testing.T) string {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<html><head><title>Sign in</title></head><body><p>Sign in to use this network</p></body></html>")
	}))
	t.Cleanup(s.Close)
	return s.URL
}
