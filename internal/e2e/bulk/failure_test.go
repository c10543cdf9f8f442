package bulk_test

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"

	"github.com/osscopy/osscopy/internal/e2e"
)

// TestFailingObjectRecorded: one source of a hundred is denied (to read it
// at all, or only to copy from it). The run copies the other 99, exits 4,
// prints the failure report's path on stderr and in the summary, and the
// report holds exactly one line: that source, its destination,
// AccessDenied, one attempt (a permanent error is not retried: the access
// log shows one 403). The same command against the server without the
// denial copies that one object and nothing else, and leaves no report.
func TestFailingObjectRecorded(t *testing.T) {
	t.Parallel()
	const count = 100
	for _, tc := range []struct {
		name, deny string
		op         string // the request that meets the denial
	}{
		{name: "read-denied", deny: "src/p/k42", op: "HeadObject"},
		{name: "copy-denied", deny: "CopyObject=src/p/k42", op: "CopyObject"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := e2e.StartServerWith(t, e2e.ServerOptions{DataDir: true, Args: []string{"--bucket", "dst",
				"--seed-objects", seedMany("src", "p/k", count, "1KiB-4KiB"), "--deny", tc.deny}})
			keys := seededKeys("p/k", count)
			if keys[42] != "p/k42" {
				t.Fatalf("seeded key 42 is %q, want p/k42", keys[42])
			}
			ckpt := ckptDir(t)
			args := cpR(ckpt, "oss://src/p/", "oss://dst/q/")
			first := e2e.Run(t, s.Env(), args...)
			first.RequireCode(4)
			sum, _ := summaryOf(t, first)
			if sum.Listed != count || sum.Copied != count-1 || sum.Failed != 1 {
				t.Errorf("summary: listed %d, copied %d, failed %d; want %d, %d, 1", sum.Listed, sum.Copied, sum.Failed, count, count-1)
			}
			if sum.FailureReport == "" || !strings.Contains(first.Stderr(), sum.FailureReport) {
				t.Errorf("stderr does not name the failure report %q:\n%s", sum.FailureReport, first.Stderr())
			}
			report := readFailures(t, sum.FailureReport)
			want := failure{Source: "oss://src/p/k42", Destination: "oss://dst/q/k42", Code: "AccessDenied", Attempts: 1}
			if len(report) != 1 || report[0].Source != want.Source || report[0].Destination != want.Destination ||
				report[0].Code != want.Code || report[0].Attempts != want.Attempts || report[0].Message == "" {
				t.Errorf("failure report %+v, want exactly one line like %+v with a message", report, want)
			}
			log := s.Log(t)
			denied := 0
			for _, e := range log {
				if e.Status == 403 {
					denied++
					if e.Op != tc.op || e.Code != "AccessDenied" {
						t.Errorf("%s %s/%s answered 403 %s; want only the %s of src/p/k42 denied", e.Op, e.Bucket, e.Key, e.Code, tc.op)
					}
				}
			}
			if denied != 1 {
				t.Errorf("%d requests were denied, want 1: a permanent error must not be retried", denied)
			}
			var copied []pair
			for i, k := range keys {
				if i != 42 {
					copied = append(copied, pair{k, "q/" + strings.TrimPrefix(k, "p/")})
				}
			}
			requireCopies(t, s, "src", "dst", copied)
			s.RequireNoObject(t, "dst", "q/k42")
			requireJournal(t, s, readJournal(t, ckpt, sum.Journal), copied)

			// The denial lifted: the server restarts on its data directory
			// without --deny, and the same command copies the one object.
			// (Kill, not Stop: see TestServerStopsWithSpareConnection.)
			s.Kill(t)
			s.RestartClean(t)
			tail := s.Tail(t)
			second := e2e.Run(t, s.Env(), args...)
			second.RequireCode(0)
			sum2, _ := summaryOf(t, second)
			if sum2.Copied != 1 || sum2.Skipped.DoneBefore != count-1 || sum2.Failed != 0 || sum2.FailureReport != "" {
				t.Errorf("rerun: copied %d, done before %d, failed %d, report %q; want 1, %d, 0, none", sum2.Copied,
					sum2.Skipped.DoneBefore, sum2.Failed, sum2.FailureReport, count-1)
			}
			log2 := tail.Next(t)
			if w := writes(log2); len(w) != 1 || w["CopyObject"] != 1 || perKey(log2, "CopyObject", 200)["dst/q/k42"] != 1 {
				t.Errorf("the rerun wrote %v, want one CopyObject, to dst/q/k42", w)
			}
			if n := e2e.Count(log2, "HeadObject", 0); n != 1 {
				t.Errorf("the rerun sent %d HEADs, want 1 (of the one object left): journaled objects cost no request", n)
			}
			if _, err := os.Stat(sum.FailureReport); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("the last run's failure report %s is still there after a run without failures (%v)", sum.FailureReport, err)
			}
			requireCopies(t, s, "src", "dst", []pair{{"p/k42", "q/k42"}})
			requireJournal(t, s, readJournal(t, ckpt, sum2.Journal), append(copied, pair{"p/k42", "q/k42"}))
		})
	}
}

// requireJournal requires the journal to hold exactly one entry for each
// of want, with the source's ETag, size and CRC64.
func requireJournal(t *testing.T, s *e2e.Server, journal []journalEntry, want []pair) {
	t.Helper()
	if len(journal) != len(want) {
		t.Errorf("the journal holds %d entries, want %d", len(journal), len(want))
	}
	var keys []string
	for _, p := range want {
		keys = append(keys, p.src)
	}
	src := heads(t, s, "src", keys, 16)
	byDst := map[string]journalEntry{}
	for _, e := range journal {
		byDst[e.Dest] = e
	}
	for _, p := range want {
		e, h := byDst[p.dst], src[p.src]
		if e.Source != p.src || e.ETag != h.etag || e.Size != h.size || e.CRC64 != h.crc {
			t.Errorf("journal entry for %s: %+v; want source %s, ETag %s, %d bytes, CRC64 %s", p.dst, e, p.src, h.etag, h.size, h.crc)
		}
	}
}
