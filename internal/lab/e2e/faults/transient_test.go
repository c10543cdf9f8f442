package faults_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/osscopy/osscopy/internal/lab/e2e"
)

// TestTransientFaults: 500/503 answers to 5% and 30% of all requests,
// throttling by a server that takes fewer requests at once than cp sends
// (503 and 429, with Retry-After), connections reset mid-response after
// the operation took effect (on every operation, Initiate and Complete
// included), and part copies answered only after the per-attempt timeout.
// Each copy completes and verifies; every fault costs exactly one retry
// (slow answers at least one); no request is tried more than
// --retry-times; no upload holding parts is left behind.
func TestTransientFaults(t *testing.T) {
	t.Parallel()
	const retryTimes = 10
	for _, tc := range []struct {
		name   string
		server []string
		cp     []string
		slow   float64  // share of UploadPartCopy answers held past --part-timeout
		want   []string // "Op fault" the access log must show
	}{
		{name: "errors-5pct", server: []string{"--error-rate", "*=5%", "--fault-seed", "5"}},
		{name: "errors-30pct", server: []string{"--error-rate", "*=30%", "--fault-seed", "30"}},
		{name: "throttle-503", server: []string{"--max-inflight", "2", "--latency", "UploadPartCopy=20ms"}, cp: []string{"--parallel", "8"}},
		{name: "throttle-429", server: []string{"--max-inflight", "2", "--latency", "UploadPartCopy=20ms", "--throttle-status", "429",
			"--throttle-code", "SlowDown"}, cp: []string{"--parallel", "8"}},
		{name: "resets-10pct", server: []string{"--reset-rate", "*=10%", "--fault-seed", "10"}},
		// Seed 3 resets the first InitiateMultipartUpload (the upload is
		// made, cp never hears of it) and the first CompleteMultipartUpload
		// (the object is made; the retry finds no upload and must recognise
		// its own object).
		{name: "resets-initiate-complete", server: []string{"--reset-rate", "InitiateMultipartUpload=50%", "--reset-rate",
			"CompleteMultipartUpload=50%", "--fault-seed", "3"},
			want: []string{"InitiateMultipartUpload reset", "CompleteMultipartUpload reset"}},
		{name: "slow-answers-20pct", cp: []string{"--part-timeout", "1s"}, slow: 0.2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := e2e.StartServerWith(t, e2e.ServerOptions{DataDir: true,
				Args: append([]string{"--bucket", "dst", "--seed-object", e2e.SeedObject("src", "f.bin", srcSize)}, tc.server...)})
			env := s.Env()
			var proxy *e2e.SlowProxy
			if tc.slow > 0 {
				proxy = e2e.StartSlowProxy(t, s.Endpoint, 7, tc.slow, e2e.IsPartCopy)
				env = s.Env("OSS_ENDPOINT=" + proxy.URL)
			}
			ckpt := filepath.Join(t.TempDir(), "ckpt")
			p := e2e.Run(t, env, cpArgs(ckpt, "oss://src/f.bin", "oss://dst/f.bin",
				append([]string{"--retry-times", fmt.Sprint(retryTimes), "--parallel", "4"}, tc.cp...)...)...)
			p.RequireCode(0)
			res := p.Result()
			s.Stop(t)                          // every request it answered is logged
			log := e2e.WithoutProbes(s.Log(t)) // a fault the probe met is not retried: the copy goes on
			faults := e2e.Faults(log)
			injected := 0
			for _, n := range faults {
				injected += n
			}
			held := int64(0)
			if proxy != nil {
				held = proxy.Held.Load()
			}
			switch {
			case res.Parts != partCount || res.ResumedParts != 0:
				t.Errorf("result %+v: want %d parts, none resumed", res, partCount)
			case proxy == nil && (injected == 0 || res.Retries != int64(injected)):
				t.Errorf("the server injected %d faults %v and cp reports %d retries: want some, each costing one retry", injected, faults, res.Retries)
			case proxy != nil && (held == 0 || res.Retries < held):
				t.Errorf("the proxy held %d answers past the timeout and cp reports %d retries: want some, each costing a retry", held, res.Retries)
			}
			for _, w := range tc.want {
				op, fault, _ := strings.Cut(w, " ")
				if !slices.ContainsFunc(log, func(e e2e.LogEntry) bool { return e.Op == op && e.Fault == fault }) {
					t.Errorf("the access log shows no %s with fault %q", op, fault)
				}
			}
			worst, what := e2e.MaxAttempts(log)
			if worst > retryTimes {
				t.Errorf("%s was tried %d times, more than --retry-times %d", what, worst, retryTimes)
			}
			partCopies := e2e.Count(log, "UploadPartCopy", 0)
			s.RestartClean(t)
			if crc := s.RequireSameObject(t, "src", "f.bin", "dst", "f.bin", partSize); res.CRC64 != crc {
				t.Errorf("result CRC64 %q, the source's %q", res.CRC64, crc)
			}
			for _, u := range s.Uploads(t, "dst") {
				// A reset InitiateMultipartUpload leaves an upload cp never
				// heard of; it holds no part, so nothing paid for is lost.
				if u.Parts > 0 || !strings.HasPrefix(tc.name, "resets") {
					t.Errorf("upload %s of %s is left with %d parts", u.ID, u.Key, u.Parts)
				}
			}
			if names := stateFiles(t, ckpt); len(names) != 0 {
				t.Errorf("checkpoint files %q are left after success", names)
			}
			t.Logf("%s: completed and verified; faults %v, %d answers held past the timeout, %d retries, %d UploadPartCopy for %d parts, at most %d attempts (%s)",
				tc.name, faults, held, res.Retries, partCopies, res.Parts, worst, what)
		})
	}
}

// TestCompleteAnswerAlwaysLost: every answer to CompleteMultipartUpload is
// reset after the operation ran, so cp never hears that its upload was
// completed, nor what the retries found. The destination's ETag, which OSS
// derives from the parts', tells cp the object is its own: it exits 0
// with the copy verified, having started one upload and copied each part
// once.
func TestCompleteAnswerAlwaysLost(t *testing.T) {
	t.Parallel()
	const size, parts = "3GiB", 3
	s := e2e.StartServerWith(t, e2e.ServerOptions{DataDir: true,
		Args: []string{"--bucket", "dst", "--seed-object", e2e.SeedObject("src", "f.bin", size), "--reset-rate", "CompleteMultipartUpload=100%"}})
	ckpt := filepath.Join(t.TempDir(), "ckpt")
	p := e2e.Run(t, s.Env(), cpArgs(ckpt, "oss://src/f.bin", "oss://dst/f.bin", "--retry-times", "3")...)
	p.RequireCode(0)
	res := p.Result()
	s.Stop(t)
	log := s.Log(t)
	if n := e2e.Count(log, "InitiateMultipartUpload", 0); n != 1 {
		t.Errorf("%d InitiateMultipartUpload, want 1", n)
	}
	if n := e2e.Count(log, "UploadPartCopy", 0); n != parts || res.Parts != parts {
		t.Errorf("%d UploadPartCopy for a result of %d parts, want %d", n, res.Parts, parts)
	}
	if !slices.ContainsFunc(log, func(e e2e.LogEntry) bool {
		return e.Op == "CompleteMultipartUpload" && e.Code == "" && e.Fault == "reset"
	}) {
		t.Error("the access log shows no completion that succeeded and whose answer was reset")
	}
	s.RestartClean(t)
	if crc := s.RequireSameObject(t, "src", "f.bin", "dst", "f.bin", partSize); res.CRC64 != crc {
		t.Errorf("result CRC64 %q, the source's %q", res.CRC64, crc)
	}
	if names := stateFiles(t, ckpt); len(names) != 0 {
		t.Errorf("checkpoint files %q are left after success", names)
	}
}
