package faults_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/osscopy/osscopy/internal/lab/e2e"
)

// TestCheckpointDirDeletedMidCopy: the checkpoint directory is deleted
// (a cleaner, a person) while a copy runs. The copy completes and
// verifies: cp reports it and exits 0 (it used to exit 1 because the
// checkpoint, already gone, could not be removed).
func TestCheckpointDirDeletedMidCopy(t *testing.T) {
	t.Parallel()
	s := e2e.StartServer(t, "--bucket", "dst", "--seed-object", e2e.SeedObject("src", "f.bin", srcSize), "--latency", slowParts)
	ckpt := filepath.Join(t.TempDir(), "ckpt")
	p := e2e.Start(t, s.Env(), cpArgs(ckpt, "oss://src/f.bin", "oss://dst/f.bin", "--parallel", "4")...)
	s.WaitForLog(t, "UploadPartCopy", 12)
	if err := os.RemoveAll(ckpt); err != nil {
		t.Fatal(err)
	}
	p.Wait(e2e.RunTimeout)
	p.RequireCode(0)
	res := p.Result()
	if crc := s.RequireSameObject(t, "src", "f.bin", "dst", "f.bin", partSize); res.CRC64 != crc || res.Parts != partCount {
		t.Errorf("result %+v, want the source's CRC64 %s in %d parts", res, crc, partCount)
	}
	if _, err := os.Stat(ckpt); !os.IsNotExist(err) {
		t.Errorf("the deleted checkpoint directory is back: %v", err)
	}
}

// TestBulkJournalUnwritable: the journal cannot be written mid-run (a
// full disk, simulated with a file size limit: writes past it fail with
// EFBIG where a full disk gives ENOSPC). The run stops at once with an
// error that names the journal and the cause, exit 1; no object is
// reported failed (they used to be, each copied object written to the
// failure report, exit 4). The journal keeps every entry written before;
// the same command without the limit skips them and copies the rest.
func TestBulkJournalUnwritable(t *testing.T) {
	t.Parallel()
	const small = 200
	s := e2e.StartServer(t, "--bucket", "dst", "--seed-objects", e2e.SeedObjects("src", "p/k", small, "1KiB"), "--latency", "CopyObject=5ms")
	keys := e2e.SeededKeys("p/k", small)
	ckpt := filepath.Join(t.TempDir(), "ckpt")
	args := e2e.CpRArgs(ckpt, "oss://src/p/", "oss://dst/q/", "--parallel", "8")
	// The header and about 25 entries of some 180 bytes.
	full := e2e.StartWithFileLimit(t, s.Env(), 5000, args...)
	full.Wait(e2e.RunTimeout)
	full.RequireCode(1)
	journal := e2e.JournalIn(t, ckpt)
	e2e.RequireMentions(t, "stderr", full.Stderr(), "the run stopped", "run journal", journal, "file too large")
	sum := full.BulkSummary()
	if sum.Failed != 0 || sum.Copied == 0 || sum.Copied == small {
		t.Errorf("the stopped run: %d copied, %d failed; want some copied, none failed", sum.Copied, sum.Failed)
	}
	if strings.Contains(full.Stderr(), "failed:") {
		t.Errorf("objects reported failed:\n%s", full.Stderr())
	}
	kept := e2e.ReadJournal(t, journal)
	if len(kept.Entries) == 0 || kept.Lines > len(kept.Entries)+1 {
		t.Errorf("the journal holds %d entries in %d lines: want the entries written before, at most one line torn", len(kept.Entries), kept.Lines)
	}

	rerun := e2e.Run(t, s.Env(), args...)
	rerun.RequireCode(0)
	again := rerun.BulkSummary()
	if again.Skipped.DoneBefore != int64(len(kept.Entries)) || again.Copied != int64(small-len(kept.Entries)) || again.Failed != 0 {
		t.Errorf("rerun: %d done before, %d copied, %d failed; want the %d journaled skipped and the %d others copied",
			again.Skipped.DoneBefore, again.Copied, again.Failed, len(kept.Entries), small-len(kept.Entries))
	}
	s.RequireCopies(t, "src", "dst", e2e.PrefixPairs(keys, "p/", "q/"))
	t.Logf("journal full after %d entries: %s; the rerun skipped them and copied %d", len(kept.Entries), errorLine(full.Stderr()), again.Copied)
}
