package faults_test

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/osscopy/osscopy/internal/lab/e2e"
)

// bulkWrites counts the requests that write under prefix in dst: what a
// bulk run's progress is measured in.
func bulkWrites(log []e2e.LogEntry, prefix string) int {
	n := 0
	for _, e := range e2e.UnderPrefix(log, "dst", prefix) {
		switch e.Op {
		case "CopyObject", "InitiateMultipartUpload", "UploadPartCopy", "CompleteMultipartUpload":
			n++
		}
	}
	return n
}

// journaledIn is how many objects the run journal in ckpt holds (0 when
// a kill came before there was one).
func journaledIn(t *testing.T, ckpt string) int {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(ckpt, "run-*.journal"))
	if err != nil || len(names) > 1 {
		t.Fatalf("run journals in %s: %q (%v), want at most one", ckpt, names, err)
	}
	if len(names) == 0 {
		return 0
	}
	return len(e2e.ReadJournal(t, names[0]).Entries)
}

// TestBulkKillCp: a bulk run of 202 objects (200 small, two of 16 parts)
// is killed with SIGKILL at seeded random moments, once or twice (3 runs,
// 50 with OSSCOPY_LONG=1; OSSCOPY_KILL_SEED replays one), and the same
// command is run again until it exits 0. Then every object verifies; each
// rerun skips exactly the objects the journal held when it started
// (summary skipped.done_before); and the access log bounds what the kills
// cost: successful CopyObject per small object at most 1 + kills, in all
// at most objects + --parallel x kills, successful UploadPartCopy at most
// parts + --parallel x kills; no upload holding parts is left behind, and
// no checkpoint.
func TestBulkKillCp(t *testing.T) {
	t.Parallel()
	const parallel = 8
	const small = 200
	iterations := 3
	if e2e.Long() {
		iterations = 50
	}
	seedValue := killSeed(t)
	rng := rand.New(rand.NewPCG(seedValue, 17))
	s := e2e.StartServer(t, bulkServerArgs(small, "--latency", "CopyObject=5ms", "--latency", "UploadPartCopy=20ms")...)
	keys := bulkKeys(small)
	parts := bulkParts(keys)
	// A run writes a CopyObject per small object, and an initiation, the
	// parts and a completion per large one.
	writes := small + parts + 2*len(bulkLarge)
	root := t.TempDir()
	type outcome struct {
		prefix     string
		afters     []int // writes logged when each kill was sent
		kills      int   // runs that died of the kill
		runs       int
		doneBefore []int // skipped.done_before of the run that completed, and what the journal held
	}
	var outcomes []outcome
	for i := range iterations {
		o := outcome{prefix: fmt.Sprintf("i%02d/", i)}
		ckpt := filepath.Join(root, o.prefix)
		args := bulkCp(ckpt, "oss://src/p/", "oss://dst/"+o.prefix, "--parallel", fmt.Sprint(parallel))
		planned := 1 + rng.IntN(2)
		for run := 0; ; run++ {
			o.runs++
			journaled := journaledIn(t, ckpt)
			tail := s.Tail(t)
			p := e2e.Start(t, s.Env(), args...)
			if run < planned {
				after := rng.IntN(writes + 1) // 0: as it starts
				jitter := time.Duration(rng.IntN(3000)) * time.Microsecond
				for seen := 0; !p.Exited() && seen < after; {
					seen += bulkWrites(tail.Next(t), o.prefix)
					time.Sleep(200 * time.Microsecond)
				}
				time.Sleep(jitter)
				p.Kill()
				if p.KilledBy(syscall.SIGKILL) {
					o.kills++
					o.afters = append(o.afters, after)
					continue
				}
			}
			p.Wait(e2e.RunTimeout)
			p.RequireCode(0)
			sum := p.BulkSummary()
			o.doneBefore = []int{int(sum.Skipped.DoneBefore), journaled}
			if sum.Skipped.DoneBefore != int64(journaled) || sum.Copied+sum.Skipped.DoneBefore != int64(len(keys)) || sum.Failed != 0 {
				t.Errorf("%s run %d: summary %+v; want the %d objects the journal held skipped, the others copied, none failed",
					o.prefix, run+1, sum, journaled)
			}
			break
		}
		requireBulkCopies(t, s, keys, o.prefix)
		requireNoUploadWithParts(t, s, o.prefix)
		// Even a checkpoint a kill left after its object's journal line:
		// the run that skipped the object removed it.
		if left := stateFiles(t, ckpt); len(left) != 0 {
			t.Errorf("%s: checkpoints %q are left after the run that completed", o.prefix, left)
		}
		outcomes = append(outcomes, o)
	}
	log := s.Log(t)
	var summary []string
	kills, recopied, recopiedParts, resumed := 0, 0, 0, 0
	for _, o := range outcomes {
		mine := e2e.UnderPrefix(log, "dst", o.prefix)
		perKey := e2e.PerKey(mine, "CopyObject", 200)
		copies, partCopies := e2e.Count(mine, "CopyObject", 200), e2e.Count(mine, "UploadPartCopy", 200)
		for k, n := range perKey {
			if n > 1+o.kills {
				t.Errorf("%s: %d successful CopyObject to %s, want at most 1 + %d kills", o.prefix, n, k, o.kills)
			}
		}
		if len(perKey) != small || copies > small+parallel*o.kills {
			t.Errorf("%s: %d successful CopyObject to %d keys, want %d keys and at most %d (objects + --parallel x %d kills)",
				o.prefix, copies, len(perKey), small, small+parallel*o.kills, o.kills)
		}
		if partCopies < parts || partCopies > parts+parallel*o.kills {
			t.Errorf("%s: %d successful UploadPartCopy, want %d to %d (parts + --parallel x %d kills)", o.prefix, partCopies, parts,
				parts+parallel*o.kills, o.kills)
		}
		kills += o.kills
		recopied += copies - small
		recopiedParts += partCopies - parts
		if o.doneBefore[0] > 0 {
			resumed++
		}
		summary = append(summary, fmt.Sprintf("%v:%d/+%d/+%dp", o.afters, o.doneBefore[0], copies-small, partCopies-parts))
	}
	if kills == 0 {
		t.Error("no run was killed: the kill moments miss the runs")
	}
	t.Logf("seed %d: %d migrations of %d objects (%d parts): %d kills; all completed and verified; %d completing runs skipped journaled objects; %d objects and %d parts copied twice in all (bounds: --parallel %d per kill); writes-before-kills:done_before/+extra CopyObject/+extra parts: %s",
		seedValue, len(outcomes), len(keys), parts, kills, resumed, recopied, recopiedParts, parallel, strings.Join(summary, " "))
}

// TestBulkInterrupted: SIGTERM in the middle of a bulk run. It stops
// within the grace period with exit 1, says "run interrupted" and the
// command to resume with, and prints its summary, whose copied count is
// what its journal holds; the same command then skips exactly those
// objects, copies the rest, and every object verifies.
func TestBulkInterrupted(t *testing.T) {
	t.Parallel()
	const parallel = 8
	s := e2e.StartServer(t, bulkServerArgs(bulkSmall, "--latency", "CopyObject=10ms", "--latency", "UploadPartCopy=50ms")...)
	keys := bulkKeys(bulkSmall)
	ckpt := filepath.Join(t.TempDir(), "ckpt")
	args := bulkCp(ckpt, "oss://src/p/", "oss://dst/q/", "--parallel", fmt.Sprint(parallel))
	tail := s.Tail(t)
	first := e2e.Start(t, s.Env(), args...)
	tail.WaitFor(t, "CopyObject", 100)
	first.Signal(syscall.SIGTERM)
	start := time.Now()
	first.Wait(e2e.RunTimeout)
	stopped := time.Since(start)
	first.RequireCode(1)
	e2e.RequireMentions(t, "stderr", first.Stderr(), "osscopy: run interrupted: ", "resume with: "+e2e.Bin()+" cp -r oss://src/p/ oss://dst/q/")
	sum := first.BulkSummary()
	j := e2e.ReadJournal(t, sum.Journal)
	journaled, lines := len(j.Entries), j.Lines
	if int64(journaled) != sum.Copied || lines != journaled || sum.Copied == 0 || sum.Copied == int64(len(keys)) || sum.Failed != 0 {
		t.Errorf("interrupted run: summary %+v, journal of %d entries in %d lines; want some copied, each journaled once, none failed",
			sum, journaled, lines)
	}
	e2e.RequireMentions(t, "stderr", first.Stderr(), sum.Journal)
	second := e2e.Run(t, s.Env(), args...)
	second.RequireCode(0)
	sum2 := second.BulkSummary()
	if sum2.Skipped.DoneBefore != int64(journaled) || sum2.Copied != int64(len(keys)-journaled) || sum2.Failed != 0 {
		t.Errorf("rerun: summary %+v; want %d done before and %d copied", sum2, journaled, len(keys)-journaled)
	}
	requireBulkCopies(t, s, keys, "q/")
	// An initiation in flight at the signal finishes and is saved (it
	// runs on a context the signal does not cancel), so the rerun resumed
	// or completed every upload: none is left.
	empty := requireNoUploadWithParts(t, s, "q/")
	if empty != 0 {
		t.Errorf("%d empty uploads are left, want none: an initiation cut off by the signal was not recorded", empty)
	}
	log := s.Log(t)
	small, parts := len(keys)-len(bulkLarge), bulkParts(keys)
	copies, partCopies := e2e.Count(log, "CopyObject", 200), e2e.Count(log, "UploadPartCopy", 200)
	if copies < small || copies > small+parallel || partCopies < parts || partCopies > parts+parallel {
		t.Errorf("%d successful CopyObject and %d UploadPartCopy, want %d to %d and %d to %d", copies, partCopies, small, small+parallel,
			parts, parts+parallel)
	}
	t.Logf("SIGTERM after 100 CopyObject: stopped in %v with exit 1 (%q); %d objects journaled; the rerun skipped them and copied %d; all %d verified; %d CopyObject OK for %d small objects, %d UploadPartCopy OK for %d parts, %d InitiateMultipartUpload OK for %d large objects, %d empty uploads left",
		stopped.Round(time.Millisecond), errorLine(first.Stderr()), journaled, sum2.Copied, len(keys), copies, small, partCopies, parts,
		e2e.Count(log, "InitiateMultipartUpload", 200), len(bulkLarge), empty)
}

// TestBulkServerKilled: the server (with --data-dir) is killed with
// SIGKILL in the middle of a bulk run and restarted on the same data
// directory. Either the run goes on and retries through the outage (the
// server is back on the same address), or it is killed too and run again.
// Both complete with every object verified; the rerun skips what the
// journal held; successful copies over both runs are at most objects +
// --parallel (and parts + --parallel): the answers the crash lost.
func TestBulkServerKilled(t *testing.T) {
	t.Parallel()
	const parallel = 8
	for _, tc := range []struct {
		name   string
		killCp bool
	}{
		{"cp-retries-through", false},
		{"cp-killed-too", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := e2e.StartServerWith(t, e2e.ServerOptions{DataDir: true,
				Args: bulkServerArgs(bulkSmall, "--latency", "CopyObject=10ms", "--latency", "UploadPartCopy=50ms")})
			keys := bulkKeys(bulkSmall)
			ckpt := filepath.Join(t.TempDir(), "ckpt")
			args := bulkCp(ckpt, "oss://src/p/", "oss://dst/q/", "--parallel", fmt.Sprint(parallel))
			first := e2e.Start(t, s.Env(), args...)
			s.WaitForLog(t, "CopyObject", 100)
			if tc.killCp {
				first.Kill()
			}
			s.Kill(t)
			acked := e2e.Count(s.Log(t), "CopyObject", 200)
			sameAddr := s.Restart(t)
			var last *e2e.Proc
			journaled := -1
			if !tc.killCp && sameAddr {
				first.Wait(e2e.RunTimeout)
				last = first
			} else {
				first.Kill() // a run retrying an address the server no longer has
				journaled = len(e2e.ReadJournal(t, e2e.JournalIn(t, ckpt)).Entries)
				last = e2e.Run(t, s.Env(), args...)
			}
			last.RequireCode(0)
			sum := last.BulkSummary()
			switch {
			case sum.Failed != 0 || sum.Copied+sum.Skipped.DoneBefore != int64(len(keys)):
				t.Errorf("summary %+v: want all %d objects copied or done before, none failed", sum, len(keys))
			case journaled < 0 && (sum.Retries == 0 || sum.Copied != int64(len(keys))):
				t.Errorf("summary %+v: want every object copied by the run that outlived the server, with retries", sum)
			case journaled >= 0 && (sum.Skipped.DoneBefore != int64(journaled) || journaled < acked-parallel):
				t.Errorf("rerun summary %+v: want the %d objects journaled (of %d the server acknowledged) skipped", sum, journaled, acked)
			}
			requireBulkCopies(t, s, keys, "q/")
			requireNoUploadWithParts(t, s, "q/")
			log := s.Log(t)
			small, parts := len(keys)-len(bulkLarge), bulkParts(keys)
			copies, partCopies := e2e.Count(log, "CopyObject", 200), e2e.Count(log, "UploadPartCopy", 200)
			// Lines of requests answered just before the crash may be lost
			// with it, so these bounds hold for what the log shows.
			if copies > small+parallel || partCopies > parts+parallel {
				t.Errorf("%d successful CopyObject and %d UploadPartCopy, want at most %d and %d (+ --parallel)", copies, partCopies,
					small+parallel, parts+parallel)
			}
			t.Logf("%s: server killed after %d acknowledged CopyObject, restarted on the same address: %v; completed and verified: %d copied, %d done before (journal %d), %d retries; %d CopyObject OK for %d small objects, %d UploadPartCopy OK for %d parts",
				tc.name, acked, sameAddr, sum.Copied, sum.Skipped.DoneBefore, journaled, sum.Retries, copies, small, partCopies, parts)
		})
	}
}
