// Shared fixtures of the Run tests: the rig (fake OSS, checkpoint directory, locations), its run and the checks every run must pass.

package bulk

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/osscopy/osscopy/checkpoint"
	"github.com/osscopy/osscopy/internal/gate"
	"github.com/osscopy/osscopy/internal/observe"
	"github.com/osscopy/osscopy/internal/retry"
	"github.com/osscopy/osscopy/planner"
	"github.com/osscopy/osscopy/worker"
)

const (
	srcBkt    = "src-bkt"
	dstBkt    = "dst-bkt"
	threshold = 256 << 10           // larger sources go multipart
	partSize  = planner.MinPartSize // 100 KiB
	bigSize   = 6 * partSize        // 6 parts
	oddSize   = threshold + 1       // 3 parts, the last of 54,785 bytes
)

// rig is a fake OSS, a checkpoint directory that outlives runs, and the
// locations of the run.
type rig struct {
	t        *testing.T
	fs       *fakeStore
	dir      string
	src, dst Location
}

func newRig(t *testing.T) *rig {
	return &rig{t: t, fs: newFakeStore(), dir: t.TempDir(),
		src: Location{Bucket: srcBkt, Prefix: "data/"}, dst: Location{Bucket: dstBkt, Prefix: "backup/2024/"}}
}

// putSrc stores source objects under the source prefix: rel → size.
func (g *rig) putSrc(objects map[string]int64) {
	for rel, size := range objects {
		g.fs.put(g.src.Bucket, g.src.Prefix+rel, size, "v1")
	}
}

func fastPolicy() retry.Policy {
	return retry.Policy{Attempts: 3, Initial: time.Millisecond, Max: 2 * time.Millisecond}
}

func (g *rig) options(mod func(*Options)) Options {
	o := Options{Source: g.src, Dest: g.dst, Select: Selection{MaxSize: -1},
		Job: worker.Job{Parallel: 4, Threshold: threshold, PartSize: partSize, CheckpointDir: g.dir, Retry: fastPolicy(), Grace: 10 * time.Second}}
	if mod != nil {
		mod(&o)
	}
	if o.RunName == "" {
		files := ""
		if o.FilesFrom != nil {
			files = "manifest"
		}
		o.RunName = checkpoint.RunName(o.Source.String(), o.Dest.String(), "files-from="+files, o.Select.String())
	}
	return o
}

type runResult struct {
	opts     Options
	sum      Summary
	err      error
	snap     Snapshot
	outcomes []observe.Outcome
	notes    []observe.Note
	retries  int // retries the run's observer was told of
	peak     int // requests in flight at most, as the gate saw them
}

// recorder is the run's observer: it keeps what a run tells.
type recorder struct {
	observe.Nop
	mu  sync.Mutex
	res *runResult
}

func (r *recorder) ObjectFinished(o observe.Outcome) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.res.outcomes = append(r.res.outcomes, o)
}

func (r *recorder) Note(n observe.Note) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.res.notes = append(r.res.notes, n)
}

func (r *recorder) Retry(observe.Retry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.res.retries++
}

func (r runResult) actions() map[string]int {
	m := map[string]int{}
	for _, o := range r.outcomes {
		m[o.Action+"/"+o.Reason]++
	}
	return m
}

// outcomeOf returns the outcome of the source key (full key).
func (r runResult) outcomeOf(t *testing.T, srcKey string) observe.Outcome {
	t.Helper()
	var found []observe.Outcome
	for _, o := range r.outcomes {
		if o.Source == "oss://"+srcBkt+"/"+srcKey {
			found = append(found, o)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d outcomes for %s, want 1: %+v", len(found), srcKey, r.outcomes)
	}
	return found[0]
}

func (g *rig) run(ctx context.Context, mod func(*Options)) runResult {
	g.t.Helper()
	res := runResult{opts: g.options(mod)}
	res.opts.Observer = &recorder{res: &res}
	r := New(g.fs, g.fs, gate.New(res.opts.Job.Parallel, true, nil), res.opts)
	res.sum, res.err = r.Run(ctx)
	res.snap = r.Snapshot()
	res.peak = g.fs.peak()
	g.checkConsistent(res)
	return res
}

// checkConsistent checks what holds after any run: the snapshot agrees
// with the summary and the outcomes.
func (g *rig) checkConsistent(res runResult) {
	t := g.t
	t.Helper()
	s, n := res.sum, res.snap
	skipped := s.Skipped.DoneBefore + s.Skipped.Exists + s.Skipped.UpToDate + s.Skipped.Duplicate
	if n.Listing {
		t.Errorf("snapshot after Run: still listing")
	}
	if n.Listed != s.Listed || n.Copied != s.Copied || n.Failed != s.Failed || n.Skipped != skipped {
		t.Errorf("snapshot %+v disagrees with summary %+v", n, s)
	}
	if n.InFlight != 0 {
		t.Errorf("snapshot after Run: %d requests in flight", n.InFlight)
	}
	if n.Listed != s.Filtered+n.Selected {
		t.Errorf("listed %d != filtered %d + selected %d", n.Listed, s.Filtered, n.Selected)
	}
	if res.err == nil && n.Selected != s.Copied+skipped+s.Failed {
		t.Errorf("selected %d != copied %d + skipped %d + failed %d", n.Selected, s.Copied, skipped, s.Failed)
	}
	if n.BytesDone != n.BytesCopied {
		t.Errorf("after Run: %d bytes done but %d bytes copied", n.BytesDone, n.BytesCopied)
	}
	if !s.DryRun {
		if n.BytesCopied != s.Bytes || n.Requests != s.Requests {
			t.Errorf("snapshot bytes %d, requests %d; summary %d, %d", n.BytesCopied, n.Requests, s.Bytes, s.Requests)
		}
		if res.err == nil && s.Failed == 0 && n.BytesSelected != n.BytesCopied+n.BytesSkipped {
			t.Errorf("bytes selected %d != copied %d + skipped %d", n.BytesSelected, n.BytesCopied, n.BytesSkipped)
		}
	} else if n.BytesCopied != 0 || n.BytesDone != 0 {
		t.Errorf("dry run: %d bytes copied, %d done", n.BytesCopied, n.BytesDone)
	}
	if res.peak > res.opts.Job.Parallel {
		t.Errorf("%d requests were in flight at once, over --parallel %d", res.peak, res.opts.Job.Parallel)
	}
	if int64(res.retries) != s.Retries {
		t.Errorf("the observer was told of %d retries, the summary counts %d", res.retries, s.Retries)
	}
	a := res.actions()
	copied := int64(a[observe.ActionCopied+"/"] + a[observe.ActionWouldCopy+"/"])
	if copied != s.Copied || int64(a[observe.ActionFailed+"/"]) != s.Failed ||
		int64(a[observe.ActionSkipped+"/"+observe.ReasonDoneBefore]) != s.Skipped.DoneBefore ||
		int64(a[observe.ActionSkipped+"/"+observe.ReasonExists]) != s.Skipped.Exists ||
		int64(a[observe.ActionSkipped+"/"+observe.ReasonUpToDate]) != s.Skipped.UpToDate ||
		int64(a[observe.ActionSkipped+"/"+observe.ReasonDuplicate]) != s.Skipped.Duplicate {
		t.Errorf("outcomes %v disagree with summary %+v", a, s)
	}
	if want := filepath.Join(g.dir, res.opts.RunName+".journal"); s.Journal != want {
		t.Errorf("Journal = %q, want %q", s.Journal, want)
	}
	if s.Source != res.opts.Source.String() || s.Destination != res.opts.Dest.String() || s.DryRun != res.opts.DryRun {
		t.Errorf("summary names %s → %s (dry run %v)", s.Source, s.Destination, s.DryRun)
	}
}

// requireSame checks that the destination object holds the source's version.
func (g *rig) requireSame(srcKey, dstKey string) {
	g.t.Helper()
	src, ok := g.fs.get(srcBkt, srcKey)
	if !ok {
		g.t.Fatalf("no source %s", srcKey)
	}
	dst, ok := g.fs.get(dstBkt, dstKey)
	if !ok {
		g.t.Fatalf("%s was not copied to %s", srcKey, dstKey)
	}
	if dst.Size != src.Size || dst.CRC64 != src.CRC64 {
		g.t.Errorf("%s holds %+v, its source %s %+v", dstKey, dst, srcKey, src)
	}
}

func (g *rig) stateFiles() []string {
	var out []string
	for _, pat := range []string{"*.json", "*.parts"} {
		m, _ := filepath.Glob(filepath.Join(g.dir, pat))
		out = append(out, m...)
	}
	return out
}
