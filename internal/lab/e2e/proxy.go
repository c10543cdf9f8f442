package e2e

import (
	"fmt"
	"hash/fnv"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// SlowProxy is an HTTP proxy in front of a server that holds back the
// answers to a seeded share of requests until the client gives up: the
// server did the work, the client never hears of it in time. It stands in
// for responses slower than osscopy's per-attempt timeout.
type SlowProxy struct {
	URL string
	// Held counts the answers held back until the client gave up.
	Held atomic.Int64

	seed uint64
	rate float64
	pick func(*http.Request) bool

	mu   sync.Mutex
	seen map[string]uint64
}

// maxHold bounds how long an answer is held: past it, it is delivered late.
const maxHold = 2 * time.Minute

// StartSlowProxy proxies to upstream (an endpoint URL). Of the requests
// pick selects, a share rate is held, decided from seed and the request's
// identity (method, path, part number; not the upload ID, which is random)
// and how often it was seen, so that a retry of a held request is decided
// afresh and a run is reproducible.
func StartSlowProxy(t testing.TB, upstream string, seed uint64, rate float64, pick func(*http.Request) bool) *SlowProxy {
	t.Helper()
	target, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	p := &SlowProxy{seed: seed, rate: rate, pick: pick, seen: map[string]uint64{}}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.Transport = &holdTransport{p: p, base: http.DefaultTransport}
	rp.ErrorLog = log.New(io.Discard, "", 0) // "context canceled" for every held answer
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: rp, ReadHeaderTimeout: 30 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Close() })
	p.URL = "http://" + ln.Addr().String()
	return p
}

// hold decides whether to hold the answer to r.
func (p *SlowProxy) hold(r *http.Request) bool {
	if p.pick != nil && !p.pick(r) {
		return false
	}
	id := fmt.Sprintf("%s %s partNumber=%s", r.Method, r.URL.Path, r.URL.Query().Get("partNumber"))
	p.mu.Lock()
	n := p.seen[id]
	p.seen[id] = n + 1
	p.mu.Unlock()
	h := fnv.New64a()
	fmt.Fprintf(h, "%d|%s|%d", p.seed, id, n)
	return float64(mix64(h.Sum64())>>11)/float64(1<<53) < p.rate
}

// mix64 is SplitMix64's finalizer (FNV-1a alone barely moves its top bits).
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

type holdTransport struct {
	p    *SlowProxy
	base http.RoundTripper
}

func (h *holdTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	hold := h.p.hold(r)
	res, err := h.base.RoundTrip(r)
	if err != nil || !hold {
		return res, err
	}
	t := time.NewTimer(maxHold)
	defer t.Stop()
	select {
	case <-r.Context().Done(): // the client gave up: it never sees the answer
		h.p.Held.Add(1)
		res.Body.Close()
		return nil, r.Context().Err()
	case <-t.C:
		return res, nil
	}
}

// IsPartCopy selects UploadPartCopy requests.
func IsPartCopy(r *http.Request) bool {
	return r.Method == http.MethodPut && r.URL.Query().Has("partNumber") && r.Header.Get("x-oss-copy-source") != ""
}
