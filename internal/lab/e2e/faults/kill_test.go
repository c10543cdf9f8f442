package faults_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/osscopy/osscopy/internal/lab/e2e"
)

// killSeed is the seed of TestKillCp's kill moments: OSSCOPY_KILL_SEED,
// else 1, so that a failure can be replayed.
func killSeed(t *testing.T) uint64 {
	if v := os.Getenv("OSSCOPY_KILL_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("OSSCOPY_KILL_SEED=%q: %v", v, err)
		}
		return n
	}
	return 1
}

// TestKillCp: osscopy cp is killed with SIGKILL at seeded random moments
// (any request of the copy: reading the source, initiating, any part,
// completing, verifying; 3 copies, 50 with OSSCOPY_LONG=1), and the same
// command run again finishes: the destination is byte-identical to the
// source, the successful UploadPartCopy requests over both runs are at
// most parts + --parallel (only parts in flight at the kill may be copied
// twice), and no upload with parts is left behind. A kill that lands after
// cp printed its result (the copy is proven; the checkpoint may not be
// removed yet) needs no rerun: the destination must already be the copy.
//
// This test found that a kill after the checkpoint was removed and before
// the result was printed (3 of 50 kills) left a finished copy its user
// never heard of, whose rerun copied every part again: cp now prints the
// result before it removes the checkpoint (worker.Job.Proven).
func TestKillCp(t *testing.T) {
	t.Parallel()
	const parallel = 4
	iterations := 3
	if e2e.Long() {
		iterations = 50
	}
	seedValue := killSeed(t)
	rng := rand.New(rand.NewPCG(seedValue, 9))
	s := e2e.StartServer(t, "--bucket", "dst", "--seed-object", e2e.SeedObject("src", "f.bin", srcSize), "--latency", "UploadPartCopy=20ms")
	ckpt := filepath.Join(t.TempDir(), "ckpt")
	type outcome struct {
		key      string
		after    int // requests of the copy logged when the kill was sent
		killed   bool
		reported bool // killed after it printed its result
		resumed  int
	}
	var outcomes []outcome
	// The copy makes parts + 3 requests naming the destination (Initiate,
	// the parts, Complete, HEAD to verify), after reading the source.
	const requests = partCount + 3
	for i := range iterations {
		key := fmt.Sprintf("k%03d.bin", i)
		o := outcome{key: key, after: rng.IntN(requests + 1)} // 0: as it starts
		jitter := time.Duration(rng.IntN(3000)) * time.Microsecond
		args := cpArgs(ckpt, "oss://src/f.bin", "oss://dst/"+key, "--parallel", fmt.Sprint(parallel))
		tail := s.Tail(t)
		first := e2e.Start(t, s.Env(), args...)
		for seen := 0; !first.Exited() && seen < o.after; {
			seen += copyRequests(tail.Next(t), key)
			time.Sleep(200 * time.Microsecond)
		}
		time.Sleep(jitter)
		first.Kill()
		o.killed = first.KilledBy(syscall.SIGKILL)
		if !o.killed {
			first.RequireCode(0) // it finished before the kill
		} else {
			if o.reported = first.Stdout() != ""; o.reported {
				if res := first.Result(); res.CRC64 != s.RequireSameObject(t, "src", "f.bin", "dst", key, partSize) {
					t.Errorf("%s: the killed run reported CRC64 %s, not the source's", key, res.CRC64)
				}
			}
		}
		switch {
		case o.killed && !o.reported:
			second := e2e.Run(t, s.Env(), args...)
			second.RequireCode(0)
			o.resumed = second.Result().ResumedParts
		case o.reported && len(stateFiles(t, ckpt)) > 0:
			// Killed between the report and the removal of the checkpoint:
			// a rerun finds the upload completed and only verifies it.
			second := e2e.Run(t, s.Env(), args...)
			second.RequireCode(0)
			e2e.RequireMentions(t, "stderr of the rerun", second.Stderr(), "already completed")
		}
		s.RequireSameObject(t, "src", "f.bin", "dst", key, partSize)
		for _, u := range s.Uploads(t, "dst") {
			if u.Key == key && u.Parts > 0 {
				t.Errorf("%s: upload %s is left with %d parts", key, u.ID, u.Parts)
			}
		}
		outcomes = append(outcomes, o)
	}
	if names := stateFiles(t, ckpt); len(names) != 0 {
		t.Errorf("checkpoint files %q are left after every copy completed", names)
	}
	s.Stop(t)
	log := s.Log(t)
	killed, reported, worst := 0, 0, 0
	var summary []string
	for _, o := range outcomes {
		ok := 0
		for _, e := range log {
			if e.Op == "UploadPartCopy" && e.Key == o.key && e.Status == 200 {
				ok++
			}
		}
		mark := "-" // finished before the kill
		switch {
		case o.reported:
			mark = "R" // killed after it reported success
			reported++
		case o.killed:
			mark = "K"
			killed++
		}
		if ok < partCount || ok > partCount+parallel {
			t.Errorf("%s (killed %v after %d requests, reported %v): %d successful UploadPartCopy, want %d to %d", o.key, o.killed, o.after,
				o.reported, ok, partCount, partCount+parallel)
		}
		worst = max(worst, ok-partCount)
		summary = append(summary, fmt.Sprintf("%d:%s/%d/+%d", o.after, mark, o.resumed, ok-partCount))
	}
	if killed == 0 {
		t.Error("no run was killed: the kill moments miss the copy")
	}
	t.Logf("seed %d: %d copies: %d killed mid-copy and resumed, %d killed after reporting success, %d finished first; all verified; at most %d parts copied twice (bound %d); requests-before-kill:K(illed mid-copy)|R(eported)|-(finished)/resumed parts/+extra copies: %s",
		seedValue, len(outcomes), killed, reported, len(outcomes)-killed-reported, worst, parallel, strings.Join(summary, " "))
}

// copyRequests counts the logged requests that name the destination key.
func copyRequests(log []e2e.LogEntry, key string) int {
	n := 0
	for _, e := range log {
		if e.Key == key {
			n++
		}
	}
	return n
}
