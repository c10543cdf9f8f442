package faults_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/osscopy/osscopy/checkpoint"
	"github.com/osscopy/osscopy/internal/lab/e2e"
)

// TestBulkCheckpointDirReadOnly: a bulk run is stopped (by SIGTERM, which
// removes its journal's lock file, or by SIGKILL, which leaves it and the
// checkpoint of a large object in progress), its checkpoint directory is
// made read-only (mode 0500; as root the test runs osscopy as nobody),
// and the same command is run. It must refuse at once: exit 1, naming the
// directory and "permission denied", before any request, every file of
// the directory byte-identical. Made writable again, the same command
// skips the objects the journal holds and completes; every object
// verifies.
//
// The "killed" case fails: with the stale lock file the run opens the
// journal, goes on, copies the small objects and fails the large ones
// (their checkpoints cannot be written) into a failure report it cannot
// create either, then exits 4 naming that report, which does not exist.
func TestBulkCheckpointDirReadOnly(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		stop func(p *e2e.Proc)
	}{
		{"interrupted", func(p *e2e.Proc) { p.Signal(syscall.SIGTERM); p.Wait(e2e.RunTimeout); p.RequireCode(1) }},
		{"killed", func(p *e2e.Proc) { p.Kill() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := e2e.StartServer(t, bulkServerArgs(bulkSmall, "--latency", "CopyObject=10ms", "--latency", "UploadPartCopy=50ms")...)
			keys := bulkKeys(bulkSmall)
			cred := e2e.Unprivileged() // root writes through modes: run as another user
			ckpt, home := userDirs(t, cred)
			env := s.Env("HOME=" + home)
			args := bulkCp(ckpt, "oss://src/p/", "oss://dst/q/", "--parallel", "8")
			tail := s.Tail(t)
			first := e2e.StartAs(t, cred, env, args...)
			waitForParts(t, tail, "q/k100.big", 2) // a large object in progress, after 100 small ones
			tc.stop(first)
			before := checkpointFiles(t, ckpt)
			if err := os.Chmod(ckpt, 0o500); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = os.Chmod(ckpt, 0o700) }) // for TempDir's removal
			time.Sleep(100 * time.Millisecond)              // requests the stopped run had in flight reach the log
			tail = s.Tail(t)
			refused := e2e.StartAs(t, cred, env, args...)
			refused.Wait(e2e.RunTimeout)
			sent := e2e.WithoutProbes(tail.Next(t)) // the endpoint's probe comes first
			if refused.Code() != 1 {
				report := "no failure report"
				if p := reportIn(t, ckpt); p != "" {
					report = "failure report " + p
				}
				t.Errorf("in the read-only checkpoint directory the run went on: exit %d after %d requests (%v); %s; stderr:\n%s",
					refused.Code(), len(sent), e2e.OpCounts(sent), report, refused.Stderr())
				if refused.Code() == 4 {
					sum := refused.BulkSummary()
					if _, err := os.Stat(sum.FailureReport); err != nil || !strings.Contains(refused.Stderr(), sum.FailureReport) {
						t.Errorf("exit 4 names the failure report %s, which holds its %d failures: %v", sum.FailureReport, sum.Failed, err)
					}
				}
			} else {
				e2e.RequireMentions(t, "stderr", refused.Stderr(), ckpt, "permission denied")
				if len(sent) != 0 {
					t.Errorf("the refused run sent %d requests (%v), want none", len(sent), e2e.OpCounts(sent))
				}
			}
			if after := checkpointFiles(t, ckpt); !maps.Equal(before, after) {
				t.Errorf("the checkpoint directory changed: %d files before, %d after", len(before), len(after))
			}
			if err := os.Chmod(ckpt, 0o700); err != nil {
				t.Fatal(err)
			}
			journaled := journaledIn(t, ckpt)
			last := e2e.StartAs(t, cred, env, args...)
			last.Wait(e2e.RunTimeout)
			last.RequireCode(0)
			sum := last.BulkSummary()
			if sum.Skipped.DoneBefore != int64(journaled) || sum.Copied != int64(len(keys)-journaled) || sum.Failed != 0 {
				t.Errorf("the run after the fix: summary %+v, want the %d journaled objects skipped and the rest copied", sum, journaled)
			}
			requireBulkCopies(t, s, keys, "q/")
			requireNoUploadWithParts(t, s, "q/")
			t.Logf("%s: in the read-only directory: exit %d, %q, %d requests; made writable, the rerun skipped %d journaled objects, copied %d, all verified",
				tc.name, refused.Code(), errorLine(refused.Stderr()), len(sent), journaled, sum.Copied)
		})
	}
}

// reportIn is the failure report in ckpt, "" when there is none.
func reportIn(t *testing.T, ckpt string) string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(ckpt, "*.failures.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if len(names) == 0 {
		return ""
	}
	return names[0]
}

// TestBulkDamagedJournal: the journal of an interrupted bulk run is
// damaged: garbage and binary lines, a JSON line cut in the middle, a
// valid line without keys, a duplicate, and a torn last line (a kill in
// the middle of a write). The next run compacts it and resumes: it skips
// exactly the valid entries (the torn one's object is copied again),
// copies the rest, every object verifies, and the journal then holds one
// valid line per object.
func TestBulkDamagedJournal(t *testing.T) {
	t.Parallel()
	s := e2e.StartServer(t, bulkServerArgs(bulkSmall, "--latency", "CopyObject=10ms", "--latency", "UploadPartCopy=50ms")...)
	keys := bulkKeys(bulkSmall)
	ckpt := filepath.Join(t.TempDir(), "ckpt")
	args := bulkCp(ckpt, "oss://src/p/", "oss://dst/q/", "--parallel", "8")
	tail := s.Tail(t)
	first := e2e.Start(t, s.Env(), args...)
	tail.WaitFor(t, "CopyObject", 100)
	first.Signal(syscall.SIGTERM)
	first.Wait(e2e.RunTimeout)
	first.RequireCode(1)
	journal := first.BulkSummary().Journal
	data, err := os.ReadFile(journal)
	if err != nil {
		t.Fatal(err)
	}
	header, body, _ := strings.Cut(string(data), "\n")
	lines := strings.SplitAfter(strings.TrimSuffix(body, "\n"), "\n")
	if len(lines) < 50 {
		t.Fatalf("the interrupted run journaled %d objects, want at least 50", len(lines))
	}
	torn := lines[len(lines)-1]
	var tornEntry checkpoint.Entry
	if err := json.Unmarshal([]byte(torn), &tornEntry); err != nil || tornEntry.Source == "" {
		t.Fatalf("the journal's last line %q: %v", torn, err)
	}
	kept := lines[:len(lines)-1]
	var damaged bytes.Buffer
	damaged.WriteString(header + "\n")
	for i, line := range kept {
		damaged.WriteString(line)
		switch i {
		case 3:
			damaged.WriteString("garbage that is no JSON\n")
		case 7:
			damaged.WriteString("\x00\xff\xfe\x89PNG\r\n")
		case 11:
			damaged.WriteString(line[:len(line)/2] + "\n") // cut mid-line, then another write
		case 13:
			damaged.WriteString(`{"etag":"x","size":1}` + "\n") // valid JSON, no keys
		case 17:
			damaged.WriteString(line) // a duplicate
		}
	}
	damaged.WriteString(torn[:len(torn)/2]) // torn: no newline
	if err := os.WriteFile(journal, damaged.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	damagedJournal := e2e.ReadJournal(t, journal)
	valid, total := len(damagedJournal.Entries), damagedJournal.Lines
	if valid != len(kept) {
		t.Fatalf("the damaged journal holds %d valid entries, want the %d kept", valid, len(kept))
	}
	tail = s.Tail(t)
	second := e2e.Run(t, s.Env(), args...)
	second.RequireCode(0)
	sum := second.BulkSummary()
	if sum.Skipped.DoneBefore != int64(valid) || sum.Copied != int64(len(keys)-valid) || sum.Failed != 0 {
		t.Errorf("summary %+v: want the %d valid entries skipped and %d copied", sum, valid, len(keys)-valid)
	}
	rerun := tail.Next(t)
	if n := e2e.PerKey(rerun, "CopyObject", 200)["dst/q/"+strings.TrimPrefix(tornEntry.Source, "p/")]; n != 1 &&
		!strings.HasSuffix(tornEntry.Source, ".big") {
		t.Errorf("the object of the torn line, %s, was copied %d times by the rerun, want 1", tornEntry.Source, n)
	}
	if n := e2e.Count(rerun, "HeadObject", 0); n != len(keys)-valid {
		t.Errorf("the rerun sent %d HEADs, want %d: one per object not journaled, none for those journaled", n, len(keys)-valid)
	}
	requireBulkCopies(t, s, keys, "q/")
	if after := e2e.ReadJournal(t, journal); len(after.Entries) != len(keys) || after.Lines != len(keys) {
		t.Errorf("after the rerun the journal holds %d entries in %d lines, want %d in as many", len(after.Entries), after.Lines, len(keys))
	}
	t.Logf("journal of %d entries damaged with 5 bad lines and a torn last one (%d lines): the rerun skipped the %d valid entries, copied %d (the torn one's included), all %d verified; the journal was compacted to %d lines",
		len(lines), total, valid, sum.Copied, len(keys), len(keys))
}

// TestBulkConcurrentRuns: a second run of a migration in progress (the
// same command) is refused at once with exit 1, naming the journal and
// "another osscopy run", before any request; the first completes and
// every object verifies, each copied once.
func TestBulkConcurrentRuns(t *testing.T) {
	t.Parallel()
	s := e2e.StartServer(t, bulkServerArgs(bulkSmall, "--latency", "CopyObject=20ms")...)
	keys := bulkKeys(bulkSmall)
	ckpt := filepath.Join(t.TempDir(), "ckpt")
	args := bulkCp(ckpt, "oss://src/p/", "oss://dst/q/", "--parallel", "8")
	first := e2e.Start(t, s.Env(), args...)
	s.WaitForLog(t, "CopyObject", 10)
	journal := e2e.JournalIn(t, ckpt)
	tail := s.Tail(t)
	start := time.Now()
	second := e2e.Run(t, s.Env(), args...)
	took := time.Since(start)
	second.RequireCode(1)
	e2e.RequireMentions(t, "stderr", second.Stderr(), "another osscopy run", journal)
	if second.Stdout() != "" {
		t.Errorf("the refused run printed %q, want nothing: it did not start", second.Stdout())
	}
	if n := e2e.Count(tail.Next(t), "ListObjectsV2", 0); n != 0 {
		t.Errorf("%d listings while the second run ran, want none: it must send nothing", n)
	}
	if first.Exited() {
		t.Fatalf("the first run ended (%v) while the second ran", first.Cmd.ProcessState)
	}
	first.Wait(e2e.RunTimeout)
	first.RequireCode(0)
	sum := first.BulkSummary()
	if sum.Copied != int64(len(keys)) || sum.Failed != 0 {
		t.Errorf("summary %+v: want all %d copied", sum, len(keys))
	}
	requireBulkCopies(t, s, keys, "q/")
	log := s.Log(t)
	if n := e2e.Count(log, "CopyObject", 200); n != len(keys)-len(bulkLarge) {
		t.Errorf("%d CopyObject, want one per small object", n)
	}
	if n := e2e.Count(log, "ListObjectsV2", 0); n != 1 {
		t.Errorf("%d listings, want the first run's one", n)
	}
	if _, err := os.Stat(strings.TrimSuffix(journal, ".journal") + ".lock"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the journal's lock file is left after the run (%v)", err)
	}
	t.Logf("second run refused in %v: %q; the first completed and verified %d objects", took.Round(time.Millisecond),
		errorLine(second.Stderr()), len(keys))
}
