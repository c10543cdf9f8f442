package ossserver

import (
	"bufio"
	"fmt"
	"hash/fnv"
	"net"
	"net/http"
	"strconv"
	"sync"
)

// faults decides which requests fail. A decision depends only on the seed,
// the request's identity (op, bucket, key, part) and how many times that
// identity was asked before, so a run is reproducible whatever order
// concurrent requests arrive in. The upload ID is left out: it is random, and
// would make every run against a fresh server fail differently.
type faults struct {
	seed   uint64
	errors map[string]float64
	resets map[string]float64
	mu     sync.Mutex
	seen   map[string]uint64
}

func newFaults(c Config) *faults {
	return &faults{seed: c.FaultSeed, errors: c.ErrorRate, resets: c.ResetRate, seen: map[string]uint64{}}
}

func (f *faults) roll(kind string, rq *request, rate float64) bool {
	if rate <= 0 {
		return false
	}
	id := fmt.Sprintf("%s|%s|%s|%s|%d|", kind, rq.op, rq.bucket, rq.key, rq.partNumber)
	f.mu.Lock()
	n := f.seen[id]
	f.seen[id] = n + 1
	f.mu.Unlock()
	h := fnv.New64a()
	fmt.Fprintf(h, "%d|%s|%d", f.seed, id, n)
	return float64(mix64(h.Sum64())>>11)/float64(1<<53) < rate
}

// mix64 is SplitMix64's finalizer. FNV-1a alone hardly changes its top bits
// when only the last bytes differ (the attempt count), so a request that
// failed once failed again on almost every retry.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// injectError answers a share of requests with 500 or 503 before they run.
func (f *faults) injectError(rq *request) *ossError {
	if !f.roll("error", rq, lookupOp(f.errors, rq.op)) {
		return nil
	}
	if f.roll("which", rq, 0.5) {
		rq.fault = "error-503"
		return newErr(http.StatusServiceUnavailable, "ServiceUnavailable", "Thread pool is almost full, please retry later (injected fault).")
	}
	rq.fault = "error-500"
	return newErr(http.StatusInternalServerError, "InternalError", "We encountered an internal error. Please try again (injected fault).")
}

// injectReset marks a request whose response is cut off mid-way.
func (f *faults) injectReset(rq *request) bool {
	if f.roll("reset", rq, lookupOp(f.resets, rq.op)) {
		rq.fault = "reset"
		return true
	}
	return false
}

// resetWriter lets the operation happen, sends the status line, headers and
// half the body, then resets the TCP connection: the client cannot know
// whether the operation took effect.
type resetWriter struct {
	http.ResponseWriter
	noBody bool // HEAD: no body follows the headers, so reset before them
	budget int
	status int
}

func (w *resetWriter) WriteHeader(status int) {
	w.status = status
	n, _ := strconv.Atoi(w.Header().Get("Content-Length"))
	w.budget = n / 2
	if w.budget == 0 || w.noBody {
		w.reset()
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *resetWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if len(p) < w.budget {
		w.budget -= len(p)
		return w.ResponseWriter.Write(p)
	}
	_, _ = w.ResponseWriter.Write(p[:w.budget])
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
	w.reset()
	return 0, nil
}

// reset closes the connection with SO_LINGER 0 (a TCP RST) and ends the
// handler; net/http treats ErrAbortHandler as a deliberate abort.
func (w *resetWriter) reset() {
	hj, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, buf, err := hj.Hijack()
	if err == nil {
		flushHijacked(buf)
		if tcp, ok := conn.(*net.TCPConn); ok {
			_ = tcp.SetLinger(0)
		}
		_ = conn.Close()
	}
	panic(http.ErrAbortHandler)
}

func flushHijacked(buf *bufio.ReadWriter) {
	if buf != nil {
		_ = buf.Flush()
	}
}
