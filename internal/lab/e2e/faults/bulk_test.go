package faults_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/osscopy/osscopy/internal/bulk"
	"github.com/osscopy/osscopy/internal/lab/e2e"
	"github.com/osscopy/osscopy/internal/lab/ossserver"
	"github.com/osscopy/osscopy/internal/ossclient"
)

// The shape of the bulk runs here (issue 7: every fault class proven for
// one object, shown for `cp -r`): bulkSmall small objects p/k000.. of 1 to
// 16 KiB (one CopyObject each; 500 in the transient-fault runs) and two
// large ones of 4 GiB in 16 parts of 256 MiB, p/k100.big and p/k300.big,
// which the listing returns among the small ones (k100.big right after
// k100), so that their parts share the run's budget with small copies.
const (
	bulkSmall      = 200
	bulkLargeSize  = "4GiB"
	bulkPartSize   = 256 << 20
	bulkLargeParts = 16
)

var bulkLarge = []string{"p/k100.big", "p/k300.big"}

// slowBulkParts makes the parts of a large object at --parallel 4 last
// most of a second after its second part: time for a test to act on it
// while it runs even when a loaded machine delays the test process.
const slowBulkParts = "UploadPartCopy=200ms"

// bulkServerArgs are the flags of a server holding the bulk sources
// (small small objects and bulkLarge), bucket dst, and extra.
func bulkServerArgs(small int, extra ...string) []string {
	args := []string{"--bucket", "dst", "--seed-objects", e2e.SeedObjects("src", "p/k", small, "1KiB-16KiB")}
	for i, k := range bulkLarge {
		args = append(args, "--seed-object", e2e.SeedObject("src", k, fmt.Sprintf("%s@%d", bulkLargeSize, i+1)))
	}
	return append(args, extra...)
}

// bulkKeys are the source keys of bulkServerArgs(small), in listing order.
func bulkKeys(small int) []string {
	keys := append(e2e.SeededKeys("p/k", small), bulkLarge...)
	slices.Sort(keys)
	return keys
}

// bulkCp is `cp -r SRC DST` as e2e.CpRArgs has it, with parts of 256 MiB
// (bulkLargeParts of them for each large object), and extra.
func bulkCp(ckpt, src, dst string, extra ...string) []string {
	return e2e.CpRArgs(ckpt, src, dst, append([]string{"--part-size", "256MiB"}, extra...)...)
}

// bulkParts is how many parts the large objects of keys have.
func bulkParts(keys []string) int {
	n := 0
	for _, k := range keys {
		if strings.HasSuffix(k, ".big") {
			n += bulkLargeParts
		}
	}
	return n
}

// requireBulkCopies requires every source key (under p/) to have a copy
// under dstPrefix in dst with its size and CRC64 (HEADs of both, 8 at a
// time), and the large ones to read back equal around every part boundary.
func requireBulkCopies(t *testing.T, s *e2e.Server, keys []string, dstPrefix string) {
	t.Helper()
	s.RequireCopiesWith(t, 8, "src", "dst", e2e.PrefixPairs(keys, "p/", dstPrefix))
	for _, k := range keys {
		if strings.HasSuffix(k, ".big") {
			s.RequireSameObject(t, "src", k, "dst", dstPrefix+strings.TrimPrefix(k, "p/"), bulkPartSize)
		}
	}
}

// requireNoUploadWithParts requires that no upload under prefix in dst
// holds a part (empty ones: an initiation whose answer was lost, or that
// a kill cut off before its checkpoint was saved, cost nothing).
func requireNoUploadWithParts(t *testing.T, s *e2e.Server, prefix string) (empty int) {
	t.Helper()
	for _, u := range s.Uploads(t, "dst") {
		if !strings.HasPrefix(u.Key, prefix) {
			continue
		}
		if u.Parts > 0 {
			t.Errorf("upload %s of %s is left with %d parts", u.ID, u.Key, u.Parts)
		}
		empty++
	}
	return empty
}

// TestBulkTransientFaults: a bulk run of 502 objects (500 small, two of
// 16 parts) against 500/503 answers to 5% and 30% of all requests, and
// connection resets after the operation took effect on 10% of them
// (listing, HEADs, CopyObject, initiations, parts, completions). Every run
// completes (exit 0, nothing failed) and every copy verifies; each
// injected fault costs exactly one retry; no request is tried more than
// --retry-times; each small object is copied by exactly one successful
// CopyObject and each part by one successful UploadPartCopy (a reset one
// is logged without a status); no upload holding parts is left behind.
func TestBulkTransientFaults(t *testing.T) {
	t.Parallel()
	const retryTimes = 10
	const small = 500
	for _, tc := range []struct {
		name   string
		server []string
	}{
		{"errors-5pct", []string{"--error-rate", "*=5%", "--fault-seed", "5"}},
		// Seed 27: at most 4 failures in a row (the run lasts as long as
		// its longest chain of backoffs: seed 30 had one of 6, 13 s).
		{"errors-30pct", []string{"--error-rate", "*=30%", "--fault-seed", "27"}},
		{"resets-10pct", []string{"--reset-rate", "*=10%", "--fault-seed", "10"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := e2e.StartServerWith(t, e2e.ServerOptions{DataDir: true, Args: bulkServerArgs(small, tc.server...)})
			keys := bulkKeys(small)
			ckpt := filepath.Join(t.TempDir(), "ckpt")
			p := e2e.Run(t, s.Env(), bulkCp(ckpt, "oss://src/p/", "oss://dst/q/", "--retry-times", fmt.Sprint(retryTimes), "--parallel", "16")...)
			p.RequireCode(0)
			sum := p.BulkSummary()
			if sum.Listed != int64(len(keys)) || sum.Copied != int64(len(keys)) || sum.Failed != 0 || sum.FailureReport != "" {
				t.Errorf("summary %+v: want %d listed and copied, none failed, no failure report", sum, len(keys))
			}
			s.Stop(t)                          // every request it answered is logged
			log := e2e.WithoutProbes(s.Log(t)) // a fault the probe met is not retried: the run goes on
			faults := e2e.Faults(log)
			injected := 0
			for _, n := range faults {
				injected += n
			}
			if injected == 0 || sum.Retries != int64(injected) {
				t.Errorf("the server injected %d faults %v and the summary reports %d retries: want some, each costing one retry",
					injected, faults, sum.Retries)
			}
			worst, what := e2e.MaxAttempts(log)
			if worst > retryTimes {
				t.Errorf("%s was tried %d times, more than --retry-times %d", what, worst, retryTimes)
			}
			parts := bulkParts(keys)
			if n := e2e.Count(log, "CopyObject", 200); n != small {
				t.Errorf("%d CopyObject succeeded, want %d: one per small object", n, small)
			}
			if n := e2e.Count(log, "UploadPartCopy", 200); n != parts {
				t.Errorf("%d UploadPartCopy succeeded, want %d: one per part", n, parts)
			}
			if n := e2e.Count(log, "CompleteMultipartUpload", 200); n != len(bulkLarge) {
				t.Errorf("%d CompleteMultipartUpload succeeded, want %d", n, len(bulkLarge))
			}
			if j := e2e.ReadJournal(t, sum.Journal); len(j.Entries) != len(keys) || j.Lines != len(keys) {
				t.Errorf("the journal holds %d entries in %d lines, want %d", len(j.Entries), j.Lines, len(keys))
			}
			s.RestartClean(t)
			requireBulkCopies(t, s, keys, "q/")
			empty := requireNoUploadWithParts(t, s, "q/")
			if empty > 0 && !strings.HasPrefix(tc.name, "resets") {
				t.Errorf("%d empty uploads left without a reset to explain them", empty)
			}
			t.Logf("%s: %d objects (%d parts) completed and verified in %.1fs; faults %v, %d retries; %d requests, %d CopyObject (%d OK), %d UploadPartCopy (%d OK); at most %d attempts (%s); %d empty uploads left",
				tc.name, len(keys), parts, sum.Seconds, faults, sum.Retries, len(log), e2e.Count(log, "CopyObject", 0),
				e2e.Count(log, "CopyObject", 200), e2e.Count(log, "UploadPartCopy", 0), e2e.Count(log, "UploadPartCopy", 200), worst, what, empty)
		})
	}
}

// TestBulkUploadAbortedElsewhere: while the parts of the first large
// object are copied, another tool aborts its upload. The run starts a new
// upload for it, says so, and completes: exit 0, every object verified,
// one initiation more than there are large objects, no upload left.
func TestBulkUploadAbortedElsewhere(t *testing.T) {
	t.Parallel()
	// Parts of 200 ms, 4 at a time: the 14 parts left after the second
	// take most of a second, time to abort the upload on a loaded machine.
	s := e2e.StartServer(t, bulkServerArgs(bulkSmall, "--latency", slowBulkParts)...)
	keys := bulkKeys(bulkSmall)
	ckpt := filepath.Join(t.TempDir(), "ckpt")
	tail := s.Tail(t)
	p := e2e.Start(t, s.Env(), bulkCp(ckpt, "oss://src/p/", "oss://dst/q/", "--parallel", "4")...)
	waitForParts(t, tail, "q/k100.big", 2)
	aborted := s.AbortUploads(t, "dst")
	if len(aborted) != 1 {
		t.Fatalf("aborted uploads %q, want the one of q/k100.big (--parallel 4 runs one large object at a time)", aborted)
	}
	p.Wait(e2e.RunTimeout)
	p.RequireCode(0)
	sum := p.BulkSummary()
	if sum.Copied != int64(len(keys)) || sum.Failed != 0 {
		t.Errorf("summary %+v: want %d copied, none failed", sum, len(keys))
	}
	e2e.RequireMentions(t, "stderr", p.Stderr(), "oss://src/p/k100.big", "the upload "+aborted[0]+" vanished", "starting a new upload")
	requireBulkCopies(t, s, keys, "q/")
	if left := s.Uploads(t, "dst"); len(left) != 0 {
		t.Errorf("uploads %+v are left", left)
	}
	log := s.Log(t)
	if n := e2e.Count(log, "InitiateMultipartUpload", 200); n != len(bulkLarge)+1 {
		t.Errorf("%d InitiateMultipartUpload, want %d (one per large object, and the one replacing the aborted upload)", n, len(bulkLarge)+1)
	}
	if n := e2e.Count(log, "CopyObject", 200); n != len(keys)-len(bulkLarge) {
		t.Errorf("%d CopyObject succeeded, want one per small object", n)
	}
	t.Logf("upload of q/k100.big aborted after 2 parts; the run started a new one and completed: %d objects verified; %d UploadPartCopy (%d OK) for %d parts",
		len(keys), e2e.Count(log, "UploadPartCopy", 0), e2e.Count(log, "UploadPartCopy", 200), bulkParts(keys))
}

// TestBulkSourceChanged: one source changes after the listing returned
// it: a large one overwritten or deleted while its parts are copied, a
// small one deleted before its HEAD. That object fails (exit 4): the
// failure report holds exactly its line, with SourceChanged (NoSuchKey
// when it was gone before the run read it) and one attempt; it has no
// destination object; its upload is aborted; every other object is
// copied and verified. A rerun copies the new version of an overwritten
// source and nothing else.
func TestBulkSourceChanged(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, key   string
		latency     string
		change      func(t *testing.T, s *e2e.Server, tail *e2e.LogTail)
		code, want  string // in the report line
		gone        bool   // the source no longer exists
		abortedOnce bool
	}{
		{name: "large-overwritten", key: "p/k100.big", latency: slowBulkParts, change: func(t *testing.T, s *e2e.Server, tail *e2e.LogTail) {
			waitForParts(t, tail, "q/k100.big", 2)
			s.PutObject(t, "src", "p/k100.big", []byte("a new version"))
		}, code: "SourceChanged", want: "the source changed during the copy", abortedOnce: true},
		{name: "large-deleted", key: "p/k100.big", latency: slowBulkParts, change: func(t *testing.T, s *e2e.Server, tail *e2e.LogTail) {
			waitForParts(t, tail, "q/k100.big", 2)
			s.DeleteObject(t, "src", "p/k100.big")
		}, code: "SourceChanged", want: "the source changed during the copy", gone: true, abortedOnce: true},
		// The listing returns all 202 keys in one page; HEADs of 20 ms, 4 at a
		// time, reach the last key a second later.
		{name: "small-deleted-after-listing", key: "p/k199", latency: "HeadObject=20ms", change: func(t *testing.T, s *e2e.Server, tail *e2e.LogTail) {
			tail.WaitFor(t, "ListObjectsV2", 1)
			s.DeleteObject(t, "src", "p/k199")
		}, code: "NoSuchKey", want: "reading the source: HeadObject of oss://src/p/k199", gone: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := e2e.StartServer(t, bulkServerArgs(bulkSmall, "--latency", tc.latency)...)
			keys := bulkKeys(bulkSmall)
			ckpt := filepath.Join(t.TempDir(), "ckpt")
			args := bulkCp(ckpt, "oss://src/p/", "oss://dst/q/", "--parallel", "4")
			tail := s.Tail(t)
			p := e2e.Start(t, s.Env(), args...)
			tc.change(t, s, tail)
			p.Wait(e2e.RunTimeout)
			p.RequireCode(4)
			sum := p.BulkSummary()
			if sum.Listed != int64(len(keys)) || sum.Copied != int64(len(keys)-1) || sum.Failed != 1 {
				t.Errorf("summary %+v: want %d listed, %d copied, 1 failed", sum, len(keys), len(keys)-1)
			}
			e2e.RequireMentions(t, "stderr", p.Stderr(), "1 objects failed", sum.FailureReport)
			report := e2e.ReadFailureReport(t, sum.FailureReport)
			dstKey := "q/" + strings.TrimPrefix(tc.key, "p/")
			if len(report) != 1 || report[0].Source != "oss://src/"+tc.key || report[0].Destination != "oss://dst/"+dstKey ||
				report[0].Code != tc.code || report[0].Attempts != 1 || !strings.Contains(report[0].Message, tc.want) {
				t.Errorf("failure report %+v, want one line for oss://src/%s with %s, 1 attempt, saying %q", report, tc.key, tc.code, tc.want)
			}
			s.RequireNoObject(t, "dst", dstKey)
			if left := s.Uploads(t, "dst"); len(left) != 0 {
				t.Errorf("uploads %+v are left, want the upload of the changed source aborted", left)
			}
			others := slices.DeleteFunc(slices.Clone(keys), func(k string) bool { return k == tc.key })
			requireBulkCopies(t, s, others, "q/")
			log := s.Log(t)
			if n, want := e2e.Count(log, "AbortMultipartUpload", 204), map[bool]int{true: 1}[tc.abortedOnce]; n != want {
				t.Errorf("%d AbortMultipartUpload succeeded, want %d", n, want)
			}
			changed := 0
			for _, e := range e2e.UnderPrefix(log, "dst", dstKey) {
				if e.Op == "UploadPartCopy" && e.Status != 200 {
					changed++
				}
			}
			if tc.abortedOnce && (changed < 1 || changed > 4) {
				t.Errorf("%d part copies of %s failed, want 1 to 4 (--parallel): none retried", changed, dstKey)
			}
			if !tc.gone {
				tail := s.Tail(t)
				again := e2e.Run(t, s.Env(), args...)
				again.RequireCode(0)
				sum2 := again.BulkSummary()
				if sum2.Copied != 1 || sum2.Skipped.DoneBefore != int64(len(keys)-1) || sum2.Failed != 0 {
					t.Errorf("rerun summary %+v: want the new version copied and %d done before", sum2, len(keys)-1)
				}
				if n := e2e.Count(tail.Next(t), "CopyObject", 200); n != 1 {
					t.Errorf("the rerun made %d CopyObject, want 1 (the new, small version)", n)
				}
				s.RequireSameObject(t, "src", tc.key, "dst", dstKey, 0)
			}
			t.Logf("%s: exit 4; report %s: %s; no destination object, no upload left; %d others copied and verified; %d failed part copies",
				tc.name, report[0].Code, firstLine(report[0].Message), len(others), changed)
		})
	}
}

// firstLine is s up to its first newline.
func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// TestBulkPermanentErrors: errors that every object would meet stop the
// run at once (exit 1, "the run stopped" or the refused listing, naming
// the code), bounded in requests and with no failure report; a denial of
// the whole destination is per object (a policy may deny one key): each
// object fails once, into the report, and the run exits 4.
func TestBulkPermanentErrors(t *testing.T) {
	t.Parallel()
	const parallel = 8
	const small = 100
	keys := bulkKeys(small)
	manifest := filepath.Join(t.TempDir(), "keys.csv")
	var list strings.Builder
	for _, k := range keys {
		list.WriteString(strings.TrimPrefix(k, "p/") + "\n")
	}
	if err := os.WriteFile(manifest, []byte(list.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	past := time.Now().Add(-time.Hour)
	for _, tc := range []struct {
		name      string
		server    []string
		inProcess *ossserver.Credential
		env       []string
		args      []string // after cp
		code      int
		want      []string // in stderr
		// bounds on the access log, besides the probe
		maxRequests, maxWrites int
		failed                 int // objects that fail into the report (0: the run stops)
	}{
		{name: "destination-bucket-missing", args: []string{"-r", "oss://src/p/", "oss://nosuch/q/"}, code: 1,
			want:        []string{"osscopy: the run stopped: ", "NoSuchBucket", "oss://nosuch/q/", "every other object would fail the same way"},
			maxRequests: 1 + 2*parallel, maxWrites: parallel},
		{name: "wrong-secret", env: []string{"OSS_ACCESS_KEY_SECRET=not-the-secret"}, args: []string{"-r", "oss://src/p/", "oss://dst/q/"},
			code: 1, want: []string{"osscopy: " + probeOf("src"), "SignatureDoesNotMatch"}},
		{name: "wrong-key-id", env: []string{"OSS_ACCESS_KEY_ID=LTAInoSuchKey"}, args: []string{"-r", "oss://src/p/", "oss://dst/q/"},
			code: 1, want: []string{"osscopy: " + probeOf("src"), "InvalidAccessKeyId"}},
		// A manifest run, which lists nothing, is probed the same way.
		{name: "wrong-secret-files-from", env: []string{"OSS_ACCESS_KEY_SECRET=not-the-secret"},
			args: []string{"--files-from", manifest, "oss://src/p/", "oss://dst/q/"}, code: 1,
			want: []string{"osscopy: " + probeOf("src"), "SignatureDoesNotMatch"}},
		{name: "sts-token-expired", inProcess: &ossserver.Credential{AccessKeyID: "STS.e2eExpired", AccessKeySecret: "sts-secret",
			SecurityToken: "sts-token-old", Expiration: past}, args: []string{"-r", "oss://src/p/", "oss://dst/q/"}, code: 1,
			want: []string{"osscopy: " + probeOf("src"), "SecurityTokenExpired"}},
		{name: "sts-token-expired-files-from", inProcess: &ossserver.Credential{AccessKeyID: "STS.e2eExpired", AccessKeySecret: "sts-secret",
			SecurityToken: "sts-token-old", Expiration: past}, args: []string{"--files-from", manifest, "oss://src/p/", "oss://dst/q/"}, code: 1,
			want: []string{"osscopy: " + probeOf("src"), "SecurityTokenExpired"}},
		{name: "sts-token-wrong", inProcess: &ossserver.Credential{AccessKeyID: "STS.e2eLive", AccessKeySecret: "sts-secret",
			SecurityToken: "sts-token-live", Expiration: time.Now().Add(time.Hour)}, env: []string{"OSS_SESSION_TOKEN=sts-token-forged"},
			args: []string{"-r", "oss://src/p/", "oss://dst/q/"}, code: 1, want: []string{"InvalidSecurityToken"}},
		{name: "destination-denied", server: []string{"--deny", "dst"}, args: []string{"-r", "oss://src/p/", "oss://dst/q/"}, code: 4,
			want: []string{fmt.Sprintf("%d objects failed", len(keys))}, maxRequests: 1 + 2*len(keys), maxWrites: len(keys), failed: len(keys)},
		// Only CopyObject is denied: the small objects fail, the large
		// ones (initiation, UploadPartCopy, completion) are copied.
		{name: "destination-denied-copyobject", server: []string{"--deny", "CopyObject=dst"}, args: []string{"-r", "oss://src/p/", "oss://dst/q/"},
			code: 4, want: []string{fmt.Sprintf("%d objects failed", small)}, maxRequests: 1 + 2*len(keys) + bulkParts(keys) + 2*len(bulkLarge),
			maxWrites: len(keys) + bulkParts(keys) + len(bulkLarge), failed: small},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var s *e2e.Server
			if tc.inProcess != nil {
				s = e2e.StartInProcess(t, ossserver.Config{Buckets: []string{"dst"}, Credentials: []ossserver.Credential{*tc.inProcess},
					SeedObjects: []ossserver.SeedObjects{{Bucket: "src", Prefix: "p/k", Count: small, MinSize: 1 << 10, MaxSize: 16 << 10}}})
			} else {
				s = e2e.StartServer(t, bulkServerArgs(small, tc.server...)...)
			}
			ckpt := filepath.Join(t.TempDir(), "ckpt")
			args := append(append([]string{"cp"}, tc.args...), "--checkpoint-dir", ckpt, "--part-size", "256MiB", "--no-progress",
				"--output-format", "json", "--parallel", fmt.Sprint(parallel))
			start := time.Now()
			p := e2e.Run(t, s.Env(tc.env...), args...)
			took := time.Since(start)
			p.RequireCode(tc.code)
			stderr := p.Stderr()
			e2e.RequireMentions(t, "stderr", stderr, tc.want...)
			if strings.Contains(stderr, "retrying") {
				t.Errorf("stderr shows retries of a permanent error:\n%s", stderr)
			}
			var sum bulk.Summary
			if strings.Contains(stderr, probeOf("src")) {
				// The probe stopped it before the run began: no summary.
				if p.Stdout() != "" {
					t.Errorf("a run stopped by its probe printed %q, want nothing", p.Stdout())
				}
			} else {
				sum = p.BulkSummary()
			}
			s.Stop(t)
			log := s.Log(t)
			writes := len(e2e.Writes(log))
			if len(log) == 0 || len(log) > 1+tc.maxRequests || writes > tc.maxWrites {
				t.Errorf("the access log shows %d requests (%d writes), want the probe and up to %d (at most %d writes)", len(log), writes, tc.maxRequests, tc.maxWrites)
			}
			if n := e2e.Count(log, "CopyObject", 0) + e2e.Count(log, "InitiateMultipartUpload", 0); n > tc.maxWrites {
				t.Errorf("%d CopyObject and InitiateMultipartUpload, want at most %d", n, tc.maxWrites)
			}
			if worst, what := e2e.MaxAttempts(log); worst > 1 {
				t.Errorf("%s was sent %d times: a permanent error must not be retried", what, worst)
			}
			if tc.failed == 0 {
				if sum.Failed != 0 || sum.Copied != 0 || sum.FailureReport != "" {
					t.Errorf("summary %+v: want nothing copied, no object failed, no failure report", sum)
				}
				if reports, _ := filepath.Glob(filepath.Join(ckpt, "*.failures.jsonl")); len(reports) != 0 {
					t.Errorf("failure reports %q written for a run-fatal error", reports)
				}
				t.Logf("%s: exit 1 after %v and %d requests (%d CopyObject, %d InitiateMultipartUpload): %s", tc.name, took.Round(time.Millisecond),
					len(log), e2e.Count(log, "CopyObject", 0), e2e.Count(log, "InitiateMultipartUpload", 0), firstLine(stderr))
				return
			}
			report := e2e.ReadFailureReport(t, sum.FailureReport)
			if sum.Failed != int64(tc.failed) || sum.Copied != int64(len(keys)-tc.failed) || len(report) != tc.failed {
				t.Errorf("summary %+v and %d report lines: want %d objects failed, each reported, and the other %d copied", sum, len(report),
					tc.failed, len(keys)-tc.failed)
			}
			sources := map[string]bool{}
			for _, f := range report {
				if f.Code != "AccessDenied" || f.Attempts != 1 || f.Destination != "oss://dst/q/"+strings.TrimPrefix(f.Source, "oss://src/p/") {
					t.Errorf("report line %+v: want AccessDenied after 1 attempt", f)
				}
				sources[f.Source] = true
			}
			if len(sources) != tc.failed {
				t.Errorf("the report names %d distinct sources, want %d", len(sources), tc.failed)
			}
			if n := e2e.Count(log, "", 403); n != tc.failed {
				t.Errorf("%d requests denied, want %d: one per failing object, none retried", n, tc.failed)
			}
			t.Logf("%s: exit 4 after %v; %d objects each denied once (%d CopyObject, %d InitiateMultipartUpload), %d report lines of AccessDenied, %d copied; %d requests",
				tc.name, took.Round(time.Millisecond), tc.failed, e2e.Count(log, "CopyObject", 403), e2e.Count(log, "InitiateMultipartUpload", 403),
				len(report), sum.Copied, len(log))
		})
	}
}

// probeOf is how the error of the probe before a run begins: the request,
// the bucket and the endpoint (whose address varies).
func probeOf(bucket string) string {
	return ossclient.ProbeOp + " of oss://" + bucket + "/ at "
}
