// Tests of interrupted runs: resuming from the journal, cancelling before the start, the journal's lock, and the grace for copies in flight.

package bulk

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/osscopy/osscopy/checkpoint"
	"github.com/osscopy/osscopy/internal/gate"
	"github.com/osscopy/osscopy/internal/observe"
	"github.com/osscopy/osscopy/worker"
)

// An interrupted run returns ErrInterrupted; the rerun copies the rest and
// nothing twice (the part copies of a multipart object included).
func TestRunInterruptedThenResumed(t *testing.T) {
	t.Parallel()
	g := newRig(t)
	objects := map[string]int64{"0-big": bigSize}
	for i := range 30 {
		objects[fmt.Sprintf("obj-%02d", i)] = int64(100 + i)
	}
	g.putSrc(objects)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var writes atomic.Int32
	g.fs.afterCopy = func(worker.Object) {
		if writes.Add(1) == 8 {
			cancel()
		}
	}
	first := g.run(ctx, func(o *Options) { o.Job.Parallel = 3 })
	if !errors.Is(first.err, ErrInterrupted) {
		t.Fatalf("interrupted Run = %v, want ErrInterrupted", first.err)
	}
	if first.sum.Failed != 0 {
		t.Errorf("the interruption made %d objects fail: %+v", first.sum.Failed, first.outcomes)
	}
	if first.sum.Copied < 8 || first.sum.Copied >= int64(len(objects)) {
		t.Errorf("interrupted run copied %d of %d", first.sum.Copied, len(objects))
	}
	if !strings.Contains(first.err.Error(), fmt.Sprintf("%d objects copied", first.sum.Copied)) || !strings.Contains(first.err.Error(), first.sum.Journal) {
		t.Errorf("error %q does not tell the count and the journal", first.err)
	}
	copiedFirst := map[string]bool{}
	for _, o := range first.outcomes {
		if o.Action == observe.ActionCopied {
			copiedFirst[o.Source] = true
		}
	}
	g.fs.afterCopy = nil
	second := g.run(context.Background(), func(o *Options) { o.Job.Parallel = 3 })
	if second.err != nil {
		t.Fatal(second.err)
	}
	if second.sum.Skipped.DoneBefore != first.sum.Copied || first.sum.Copied+second.sum.Copied != int64(len(objects)) {
		t.Errorf("first copied %d, second %+v; want the rest of %d", first.sum.Copied, second.sum, len(objects))
	}
	for _, o := range second.outcomes {
		if o.Action == observe.ActionCopied && copiedFirst[o.Source] {
			t.Errorf("%s copied again by the rerun", o.Source)
		}
	}
	for rel := range objects {
		g.requireSame("data/"+rel, "backup/2024/"+rel)
		if n := g.fs.writtenTimes(dstBkt, "backup/2024/"+rel); n != 1 {
			t.Errorf("%s written %d times over both runs", rel, n)
		}
	}
	if n := g.fs.count("UploadPartCopy"); n != 6 {
		t.Errorf("%d part copies over both runs, want 6", n)
	}
	if g.fs.openUploads() != 0 || len(g.stateFiles()) != 0 {
		t.Errorf("left %d uploads and state files %v", g.fs.openUploads(), g.stateFiles())
	}
}

// A run cancelled before it starts copies nothing and fails nothing.
func TestRunCancelledBeforeStart(t *testing.T) {
	t.Parallel()
	g := newRig(t)
	g.putSrc(map[string]int64{"a": 1, "b": 2})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res := g.run(ctx, nil)
	if !errors.Is(res.err, ErrInterrupted) || res.sum.Copied != 0 || res.sum.Failed != 0 || g.fs.writes() != 0 {
		t.Errorf("Run = %v, %+v, %d writes", res.err, res.sum, g.fs.writes())
	}
}

// Two runs of one migration cannot run at once.
func TestRunJournalLocked(t *testing.T) {
	t.Parallel()
	g := newRig(t)
	g.putSrc(map[string]int64{"a": 1})
	o := g.options(nil)
	j, err := checkpoint.OpenJournal(g.dir, o.RunName, o.JournalHeader())
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	r := New(g.fs, g.fs, gate.New(1, false, nil), o)
	if _, err := r.Run(context.Background()); !errors.Is(err, checkpoint.ErrLocked) {
		t.Errorf("Run while the journal is locked = %v, want ErrLocked", err)
	}
	if g.fs.count("List") != 0 {
		t.Error("a locked-out run listed the source")
	}
}

// CopyObjects in flight when the run is interrupted finish within the
// grace and are journaled; past the grace they are cut, and neither
// counts as a failure.
func TestRunGraceForCopiesInFlight(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		grace      time.Duration
		wantCopied int64
	}{
		{"finish within the grace", 10 * time.Second, 4},
		{"cut past the grace", time.Millisecond, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g := newRig(t)
			g.putSrc(map[string]int64{"a": 1, "b": 2, "c": 3, "d": 4})
			g.fs.delay = 300 * time.Millisecond
			ctx, cancel := context.WithCancel(context.Background())
			go func() {
				for g.fs.count("CopyObject") < 4 {
					time.Sleep(time.Millisecond)
				}
				cancel()
			}()
			res := g.run(ctx, func(o *Options) { o.Job.Grace = tc.grace })
			if !errors.Is(res.err, ErrInterrupted) {
				t.Fatalf("Run = %v, want ErrInterrupted", res.err)
			}
			if res.sum.Copied != tc.wantCopied || res.sum.Failed != 0 {
				t.Errorf("copied %d, failed %d; want %d copied, none failed", res.sum.Copied, res.sum.Failed, tc.wantCopied)
			}
			rerun := g.run(context.Background(), nil)
			if rerun.err != nil || rerun.sum.Skipped.DoneBefore != tc.wantCopied || rerun.sum.Copied != 4-tc.wantCopied {
				t.Errorf("rerun: %v, %+v; want the %d finished skipped and the rest copied", rerun.err, rerun.sum, tc.wantCopied)
			}
		})
	}
}
