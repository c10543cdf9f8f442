package bulk_test

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"

	"github.com/osscopy/osscopy/checkpoint"
	"github.com/osscopy/osscopy/internal/bulk"
	"github.com/osscopy/osscopy/internal/lab/e2e"
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
				"--seed-objects", e2e.SeedObjects("src", "p/k", count, "1KiB-4KiB"), "--deny", tc.deny}})
			keys := e2e.SeededKeys("p/k", count)
			if keys[42] != "p/k42" {
				t.Fatalf("seeded key 42 is %q, want p/k42", keys[42])
			}
			ckpt := ckptDir(t)
			args := e2e.CpRArgs(ckpt, "oss://src/p/", "oss://dst/q/")
			first := e2e.Run(t, s.Env(), args...)
			first.RequireCode(4)
			sum := first.BulkSummary()
			if sum.Listed != count || sum.Copied != count-1 || sum.Failed != 1 {
				t.Errorf("summary: listed %d, copied %d, failed %d; want %d, %d, 1", sum.Listed, sum.Copied, sum.Failed, count, count-1)
			}
			if sum.FailureReport == "" || !strings.Contains(first.Stderr(), sum.FailureReport) {
				t.Errorf("stderr does not name the failure report %q:\n%s", sum.FailureReport, first.Stderr())
			}
			report := e2e.ReadFailureReport(t, sum.FailureReport)
			want := bulk.Failure{Source: "oss://src/p/k42", Destination: "oss://dst/q/k42", Code: "AccessDenied", Attempts: 1}
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
			var copied []e2e.Pair
			for i, k := range keys {
				if i != 42 {
					copied = append(copied, e2e.Pair{Src: k, Dst: "q/" + strings.TrimPrefix(k, "p/")})
				}
			}
			s.RequireCopies(t, "src", "dst", copied)
			s.RequireNoObject(t, "dst", "q/k42")
			requireJournal(t, s, ckpt, sum.Journal, copied)

			// The denial lifted: the server restarts on its data directory
			// without --deny, and the same command copies the one object.
			// (Kill, not Stop: see TestServerStopsWithSpareConnection.)
			s.Kill(t)
			s.RestartClean(t)
			tail := s.Tail(t)
			second := e2e.Run(t, s.Env(), args...)
			second.RequireCode(0)
			sum2 := second.BulkSummary()
			if sum2.Copied != 1 || sum2.Skipped.DoneBefore != count-1 || sum2.Failed != 0 || sum2.FailureReport != "" {
				t.Errorf("rerun: copied %d, done before %d, failed %d, report %q; want 1, %d, 0, none", sum2.Copied,
					sum2.Skipped.DoneBefore, sum2.Failed, sum2.FailureReport, count-1)
			}
			log2 := tail.Next(t)
			if w := e2e.OpCounts(e2e.Writes(log2)); len(w) != 1 || w["CopyObject"] != 1 || e2e.PerKey(log2, "CopyObject", 200)["dst/q/k42"] != 1 {
				t.Errorf("the rerun wrote %v, want one CopyObject, to dst/q/k42", w)
			}
			if n := e2e.Count(log2, "HeadObject", 0); n != 1 {
				t.Errorf("the rerun sent %d HEADs, want 1 (of the one object left): journaled objects cost no request", n)
			}
			if _, err := os.Stat(sum.FailureReport); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("the last run's failure report %s is still there after a run without failures (%v)", sum.FailureReport, err)
			}
			s.RequireCopies(t, "src", "dst", []e2e.Pair{{Src: "p/k42", Dst: "q/k42"}})
			requireJournal(t, s, ckpt, sum2.Journal, append(copied, e2e.Pair{Src: "p/k42", Dst: "q/k42"}))
		})
	}
}

// requireJournal requires the journal at path, which the summary names, to
// be the one in the checkpoint dir ckpt and to hold exactly one entry for
// each of want, with the source's ETag, size and CRC64, and no other line.
func requireJournal(t *testing.T, s *e2e.Server, ckpt, path string, want []e2e.Pair) {
	t.Helper()
	if in := e2e.JournalIn(t, ckpt); path != in {
		t.Fatalf("the summary names the journal %s, want the one in the checkpoint dir, %s", path, in)
	}
	journal := e2e.ReadJournal(t, path)
	if len(journal.Entries) != len(want) || journal.Lines != len(want) {
		t.Errorf("the journal holds %d entries in %d lines, want %d in as many", len(journal.Entries), journal.Lines, len(want))
	}
	var keys []string
	for _, p := range want {
		keys = append(keys, p.Src)
	}
	src := s.Heads(t, "src", keys, 16)
	byDst := map[string]checkpoint.Entry{}
	for _, e := range journal.Entries {
		byDst[e.Dest] = e
	}
	for _, p := range want {
		e, h := byDst[p.Dst], src[p.Src]
		if e.Source != p.Src || e.ETag != h.ETag || e.Size != h.Size || e.CRC64 != h.CRC64 {
			t.Errorf("journal entry for %s: %+v; want source %s, ETag %s, %d bytes, CRC64 %s", p.Dst, e, p.Src, h.ETag, h.Size, h.CRC64)
		}
	}
}
