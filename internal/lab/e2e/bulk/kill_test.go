package bulk_test

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/osscopy/osscopy/internal/lab/e2e"
	"github.com/osscopy/osscopy/planner"
)

// The migration TestKillAndRerun interrupts: 5,000 small objects and 3
// large ones under one prefix. The large ones sort first, so their parts
// are under way when the kill comes, and their part copies are slowed so
// that the run lasts a few seconds.
const (
	killSmall    = 5000
	killParallel = 16
)

var killLarge = []struct {
	key  string
	size int64
}{{"p/big-0", 10 << 30}, {"p/big-1", 20 << 30}, {"p/big-2", 30 << 30}}

// TestKillAndRerun: `cp -r` is stopped mid-run, with SIGKILL or with
// SIGTERM, after some hundreds of small objects and some parts were
// copied, and the same command is run again to completion. Every object
// then equals its source, and from the access log of both runs: each small
// object got at least one successful CopyObject and at most --parallel of
// them got a second one (those in flight at the stop, which the journal
// could not record); the successful UploadPartCopy requests number at
// least the parts and at most parts + --parallel; no upload with parts is
// left behind; the rerun skips what the journal holds without a request.
//
// SIGTERM is a graceful stop: exit 1 with "resume with:" and the command,
// and parts in flight get --grace to finish and be recorded, so no part
// is copied twice. Small objects' CopyObject requests in flight are cut at
// once (the grace covers parts only, as --help says), so the bound for them
// is --parallel as for SIGKILL; none was copied twice in practice, since a
// cancelled request still in the server's --latency wait is not carried
// out, while after SIGKILL up to 10 were (answered, not yet journaled).
func TestKillAndRerun(t *testing.T) {
	t.Parallel()
	totalParts := 0
	var partSizes []int64
	for _, l := range killLarge {
		plan, err := planner.New(l.size, planner.Options{Parallel: killParallel})
		if err != nil {
			t.Fatal(err)
		}
		totalParts += len(plan.Parts)
		partSizes = append(partSizes, plan.PartSize)
	}
	for _, tc := range []struct {
		name string
		sig  syscall.Signal
	}{
		{name: "SIGKILL", sig: syscall.SIGKILL},
		{name: "SIGTERM", sig: syscall.SIGTERM},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := []string{"--bucket", "dst", "--seed-objects", e2e.SeedObjects("src", "p/s", killSmall, "1KiB-16KiB"),
				"--latency", "UploadPartCopy=40ms", "--latency", "CopyObject=2ms"}
			for _, l := range killLarge {
				args = append(args, "--seed-object", e2e.SeedObject("src", l.key, fmt.Sprint(l.size)))
			}
			s := e2e.StartServer(t, args...)
			ckpt := ckptDir(t)
			cmd := e2e.CpRArgs(ckpt, "oss://src/p/", "oss://dst/q/", "--parallel", fmt.Sprint(killParallel))
			tail := s.Tail(t)
			first := e2e.Start(t, s.Env(), cmd...)
			small, parts := waitForCopies(t, tail, first, 300, 20)
			stopped := time.Now()
			first.Signal(tc.sig)
			first.Wait(e2e.RunTimeout)
			t.Logf("%s sent after %d CopyObject and %d UploadPartCopy requests; the run ended %v later", tc.name, small, parts,
				time.Since(stopped).Round(time.Millisecond))
			if tc.sig == syscall.SIGKILL {
				if !first.KilledBy(syscall.SIGKILL) {
					t.Fatalf("the first run was not killed: %v (it finished before the kill?)", first.Cmd.ProcessState)
				}
			} else {
				first.RequireCode(1)
				e2e.RequireMentions(t, "stderr", first.Stderr(), "resume with: "+strings.Join(first.Cmd.Args, " "))
			}

			quiet(t, tail) // requests of the first run still in the server finish
			second := e2e.Run(t, s.Env(), cmd...)
			second.RequireCode(0)
			sum := second.BulkSummary()
			rerun := e2e.WithoutProbes(tail.Next(t))
			const all = killSmall + 3
			if sum.Skipped.DoneBefore == 0 || sum.Skipped.DoneBefore+sum.Copied != all || sum.Failed != 0 || sum.Listed != all {
				t.Errorf("rerun: listed %d, %d done before + %d copied, %d failed; want %d listed, some done before, %d in all, none failed",
					sum.Listed, sum.Skipped.DoneBefore, sum.Copied, sum.Failed, all, all)
			}
			if sum.Requests != int64(len(rerun)) {
				t.Errorf("the rerun's summary counts %d requests, the access log %d", sum.Requests, len(rerun))
			}
			// Journaled objects cost no request: one HEAD of the source
			// per object copied; of the destination, one per large object
			// whose upload the first run completed but did not journal
			// (killed in between), which finds it and proves it.
			heads := map[string]int{}
			for _, e := range rerun {
				if e.Op == "HeadObject" {
					heads[e.Bucket]++
				}
			}
			completed := strings.Count(second.Stderr(), "already completed upload")
			if int64(heads["src"]) != sum.Copied || heads["dst"] != completed {
				t.Errorf("the rerun sent %d HEADs of sources for %d objects copied and %d of destinations for %d uploads completed before; want one each",
					heads["src"], sum.Copied, heads["dst"], completed)
			}
			log := s.Log(t)
			copies := e2e.PerKey(log, "CopyObject", 200)
			twice, more := 0, 0
			for _, k := range e2e.SeededKeys("p/s", killSmall) {
				switch n := copies["dst/q/"+strings.TrimPrefix(k, "p/")]; {
				case n == 0:
					t.Errorf("%s was never copied", k)
				case n == 2:
					twice++
				case n > 2:
					more++
					t.Errorf("%s was copied %d times", k, n)
				}
			}
			if twice > killParallel {
				t.Errorf("%d small objects were copied twice; at most --parallel (%d) were in flight at the stop", twice, killParallel)
			}
			if n := e2e.Count(log, "CopyObject", 200); n != killSmall+twice+2*more {
				t.Errorf("%d successful CopyObject, want %d (one per small object, and the repeats)", n, killSmall+twice)
			}
			partCopies := e2e.Count(log, "UploadPartCopy", 200)
			maxParts := totalParts + killParallel
			if tc.sig == syscall.SIGTERM {
				maxParts = totalParts // parts in flight finished within --grace and were recorded
			}
			if partCopies < totalParts || partCopies > maxParts {
				t.Errorf("%d successful UploadPartCopy over both runs, want %d to %d", partCopies, totalParts, maxParts)
			}
			if n := e2e.Count(log, "CompleteMultipartUpload", 200); n != len(killLarge) {
				t.Errorf("%d successful CompleteMultipartUpload, want %d", n, len(killLarge))
			}
			// A kill between InitiateMultipartUpload and the checkpoint
			// recording its ID leaves an empty upload the rerun cannot know
			// of (it costs nothing; osscopy cleanup removes it); one with
			// parts would be paid-for work lost.
			for _, u := range s.Uploads(t, "dst") {
				if u.Parts > 0 {
					t.Errorf("upload %s of %s is left behind with %d parts", u.ID, u.Key, u.Parts)
				}
			}
			requireMirror(t, s, "p/", "q/", all, 50, 16)
			for i, l := range killLarge {
				s.RequireSameObject(t, "src", l.key, "dst", "q/"+strings.TrimPrefix(l.key, "p/"), partSizes[i])
			}
			t.Logf("%s: %d small objects copied twice (bound %d), %d part copies for %d parts (bound %d); rerun: %d done before, %d copied in %.1fs",
				tc.name, twice, killParallel, partCopies, totalParts, maxParts, sum.Skipped.DoneBefore, sum.Copied, sum.Seconds)
		})
	}
}

// quiet follows the log until it has not grown for 200 ms.
func quiet(t *testing.T, tail *e2e.LogTail) {
	t.Helper()
	for still := 0; still < 4; still++ {
		if len(tail.Next(t)) > 0 {
			still = -1
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitForCopies follows the log until it shows at least small CopyObject
// and parts UploadPartCopy requests, and returns how many it saw. The run
// must not end meanwhile: then there is nothing left to interrupt.
func waitForCopies(t *testing.T, tail *e2e.LogTail, p *e2e.Proc, small, parts int) (int, int) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	seenSmall, seenParts := 0, 0
	for seenSmall < small || seenParts < parts {
		log := tail.Next(t)
		seenSmall += e2e.Count(log, "CopyObject", 0)
		seenParts += e2e.Count(log, "UploadPartCopy", 0)
		if p.Exited() {
			t.Fatalf("the run ended (%v) after %d CopyObject and %d UploadPartCopy, before it could be stopped at %d and %d",
				p.Cmd.ProcessState, seenSmall, seenParts, small, parts)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the access log shows %d CopyObject and %d UploadPartCopy after a minute, want %d and %d", seenSmall, seenParts, small, parts)
		}
		time.Sleep(time.Millisecond)
	}
	return seenSmall, seenParts
}
