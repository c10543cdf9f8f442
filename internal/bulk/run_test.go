package bulk

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
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
	skipped := s.Skipped.DoneBefore + s.Skipped.Exists + s.Skipped.UpToDate
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
		int64(a[observe.ActionSkipped+"/"+observe.ReasonUpToDate]) != s.Skipped.UpToDate {
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

func TestRunCopiesEveryListedObject(t *testing.T) {
	t.Parallel()
	g := newRig(t)
	g.fs.pageSize = 2
	objects := map[string]int64{
		"empty": 0, "one-byte": 1, "a.txt": 1000, "sub/b.log": 5000, "sub/deep/c.bin": 77_777,
		"at-threshold": threshold, "odd": oddSize, "big": bigSize, "name with spaces & ümlauts": 10,
	}
	g.putSrc(objects)
	// Not under the source prefix: not copied.
	g.fs.put(srcBkt, "database/x", 10, "v1")
	g.fs.put(srcBkt, "other/y", 10, "v1")
	g.fs.put(srcBkt, "data", 10, "v1")
	// An object already in the destination bucket is left alone.
	unrelated := g.fs.put(dstBkt, "keep/me", 3, "v1")

	res := g.run(context.Background(), nil)
	if res.err != nil {
		t.Fatalf("Run: %v", res.err)
	}
	var total int64
	for rel, size := range objects {
		total += size
		g.requireSame("data/"+rel, "backup/2024/"+rel)
		if n := g.fs.writtenTimes(dstBkt, "backup/2024/"+rel); n != 1 {
			t.Errorf("%s written %d times", rel, n)
		}
		o := res.outcomeOf(t, "data/"+rel)
		wantHow := "CopyObject"
		switch rel {
		case "odd":
			wantHow = "3 parts"
		case "big":
			wantHow = "6 parts"
		}
		if o.Action != observe.ActionCopied || o.How != wantHow || o.Size != size || o.Destination != "oss://dst-bkt/backup/2024/"+rel || o.CRC64 == "" {
			t.Errorf("outcome of %s = %+v, want copied by %s", rel, o, wantHow)
		}
	}
	wantKeys := []string{"keep/me"}
	for rel := range objects {
		wantKeys = append(wantKeys, "backup/2024/"+rel)
	}
	sort.Strings(wantKeys)
	if got := g.fs.keys(dstBkt); !slices.Equal(got, wantKeys) {
		t.Errorf("destination holds %q, want %q", got, wantKeys)
	}
	if o, _ := g.fs.get(dstBkt, "keep/me"); !reflect.DeepEqual(o, unrelated) {
		t.Errorf("unrelated destination object changed")
	}
	s := res.sum
	if s.Listed != int64(len(objects)) || s.Copied != int64(len(objects)) || s.Filtered != 0 || s.Failed != 0 || s.Bytes != total || s.FailureReport != "" {
		t.Errorf("summary %+v, want %d listed and copied, %d bytes", s, len(objects), total)
	}
	// 9 objects in pages of 2: 5 pages, each one request.
	if n := g.fs.count("List"); n != 5 {
		t.Errorf("%d List requests, want 5", n)
	}
	// HEAD of each source (the copy needs its CRC64), the copy requests,
	// and nothing else: CopyObject's and Complete's CRC64 prove the copies.
	wantRequests := int64(len(objects) + (len(objects) - 2) + (3 + 2) + (6 + 2) + 5)
	if s.Requests != wantRequests {
		t.Errorf("Requests = %d, want %d", s.Requests, wantRequests)
	}
	if g.fs.openUploads() != 0 || len(g.stateFiles()) != 0 {
		t.Errorf("left %d uploads and state files %v", g.fs.openUploads(), g.stateFiles())
	}
	j, err := checkpoint.OpenJournal(g.dir, res.opts.RunName)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if j.Len() != len(objects) {
		t.Errorf("journal holds %d objects, want %d", j.Len(), len(objects))
	}
}

// A rerun of a finished run skips everything without sending a request
// but the listing.
func TestRunRerunSkipsDone(t *testing.T) {
	t.Parallel()
	g := newRig(t)
	objects := map[string]int64{"a": 10, "b": 20, "c/d": 30, "big": bigSize, "odd": oddSize}
	g.putSrc(objects)
	first := g.run(context.Background(), nil)
	if first.err != nil || first.sum.Copied != int64(len(objects)) {
		t.Fatalf("first run: %v, %+v", first.err, first.sum)
	}
	g.fs.resetCounts()
	second := g.run(context.Background(), nil)
	if second.err != nil {
		t.Fatal(second.err)
	}
	s := second.sum
	if s.Copied != 0 || s.Skipped.DoneBefore != int64(len(objects)) || s.Failed != 0 || s.Bytes != 0 {
		t.Errorf("rerun summary %+v, want all %d done before", s, len(objects))
	}
	if w, h := g.fs.writes(), g.fs.count("Head"); w != 0 || h != 0 {
		t.Errorf("rerun sent %d writes and %d HEADs, want none", w, h)
	}
	if s.Requests != 1 {
		t.Errorf("rerun Requests = %d, want 1 (the listing)", s.Requests)
	}
	var total int64
	for _, size := range objects {
		total += size
	}
	if second.snap.BytesSkipped != total || second.snap.BytesSelected != total {
		t.Errorf("rerun: %d bytes skipped of %d selected, want %d", second.snap.BytesSkipped, second.snap.BytesSelected, total)
	}
	for _, o := range second.outcomes {
		if o.Action != observe.ActionSkipped || o.Reason != observe.ReasonDoneBefore {
			t.Errorf("rerun outcome %+v, want skipped done-before", o)
		}
	}
}

// A run killed between a large object's journal line and the removal of
// its checkpoint leaves the checkpoint behind: the next run skips the
// object by its journal line and removes the checkpoint (aborting its
// upload, which the copy completed: a no-op). A dry run leaves it.
func TestRunRerunRemovesLeftoverCheckpoint(t *testing.T) {
	t.Parallel()
	g := newRig(t)
	g.putSrc(map[string]int64{"a": 10, "big": bigSize})
	saved := map[string][]byte{} // the state files as they were at completion
	g.fs.fail = func(op string, _ worker.Object) error {
		if op == "Complete" {
			for _, path := range g.stateFiles() {
				data, err := os.ReadFile(path)
				if err != nil {
					return err
				}
				saved[path] = data
			}
		}
		return nil
	}
	first := g.run(context.Background(), nil)
	if first.err != nil || first.sum.Copied != 2 || len(saved) == 0 || len(g.stateFiles()) != 0 {
		t.Fatalf("first run: %v, %+v; %d state files saved at completion, %v left", first.err, first.sum, len(saved), g.stateFiles())
	}
	g.fs.fail = nil
	for path, data := range saved { // as a kill after the journal line leaves them
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, dry := range []bool{true, false} {
		g.fs.resetCounts()
		res := g.run(context.Background(), func(o *Options) { o.DryRun = dry })
		if res.err != nil || res.sum.Copied != 0 || res.sum.Skipped.DoneBefore != 2 {
			t.Fatalf("dry run %v: %v, %+v; want both done before", dry, res.err, res.sum)
		}
		left, aborts := len(g.stateFiles()), g.fs.count("Abort")
		if dry && (left != len(saved) || aborts != 0) || !dry && (left != 0 || aborts != 1 || g.fs.writes() != 1) {
			t.Errorf("dry run %v: %d state files left of %d, %d aborts, %d writes", dry, left, len(saved), aborts, g.fs.writes())
		}
		if !dry && !slices.ContainsFunc(res.notes, func(n observe.Note) bool {
			return n.Source == "oss://src-bkt/data/big" && strings.Contains(n.Message, "the copy is done (the run's journal holds it)")
		}) {
			t.Errorf("notes %+v do not say why the checkpoint of data/big went", res.notes)
		}
	}
	g.requireSame("data/big", "backup/2024/big")
}

// A source overwritten since the last run is copied again; the others not.
func TestRunRecopiesChangedSource(t *testing.T) {
	t.Parallel()
	g := newRig(t)
	objects := map[string]int64{"a": 10, "b": 20, "c": 30, "big": bigSize}
	g.putSrc(objects)
	if first := g.run(context.Background(), nil); first.err != nil {
		t.Fatal(first.err)
	}
	g.fs.resetCounts()
	g.fs.put(srcBkt, "data/b", 20, "v2")        // same size, new ETag
	g.fs.put(srcBkt, "data/c", 31, "v1")        // new size
	g.fs.put(srcBkt, "data/big", bigSize, "v2") // multipart, new ETag
	g.fs.put(srcBkt, "data/new", 40, "v1")      // new object
	res := g.run(context.Background(), nil)
	if res.err != nil {
		t.Fatal(res.err)
	}
	if res.sum.Copied != 4 || res.sum.Skipped.DoneBefore != 1 {
		t.Errorf("summary %+v, want 4 copied, 1 done before", res.sum)
	}
	for _, rel := range []string{"b", "c", "big", "new"} {
		g.requireSame("data/"+rel, "backup/2024/"+rel)
		if n := g.fs.writtenTimes(dstBkt, "backup/2024/"+rel); n != 1 {
			t.Errorf("%s written %d times in the rerun, want 1", rel, n)
		}
	}
	if n := g.fs.writtenTimes(dstBkt, "backup/2024/a"); n != 0 {
		t.Errorf("unchanged a written %d times in the rerun", n)
	}
}

func TestRunFilters(t *testing.T) {
	t.Parallel()
	objects := map[string]int64{"a.log": 100, "b.txt": 2000, "tmp/c.log": 50, "tmp/d.txt": 10, "e.bin": 0, "big.log": bigSize}
	for _, tc := range []struct {
		name string
		sel  Selection
		want []string
	}{
		{"everything", Selection{MaxSize: -1}, []string{"a.log", "b.txt", "big.log", "e.bin", "tmp/c.log", "tmp/d.txt"}},
		{"include logs", Selection{Rules: []Rule{inc("*.log")}, MaxSize: -1}, []string{"a.log", "big.log", "tmp/c.log"}},
		{"exclude a directory", Selection{Rules: []Rule{exc("tmp/**")}, MaxSize: -1}, []string{"a.log", "b.txt", "big.log", "e.bin"}},
		{"first match wins", Selection{Rules: []Rule{exc("tmp/c.log"), inc("*.log")}, MaxSize: -1}, []string{"a.log", "big.log"}},
		{"min size", Selection{MinSize: 50, MaxSize: -1}, []string{"a.log", "b.txt", "big.log", "tmp/c.log"}},
		{"max size", Selection{MaxSize: 50}, []string{"e.bin", "tmp/c.log", "tmp/d.txt"}},
		{"size range and rule", Selection{Rules: []Rule{inc("*.log")}, MinSize: 1, MaxSize: 100}, []string{"a.log", "tmp/c.log"}},
		{"nothing", Selection{Rules: []Rule{inc("*.none")}, MaxSize: -1}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g := newRig(t)
			g.putSrc(objects)
			res := g.run(context.Background(), func(o *Options) { o.Select = tc.sel })
			if res.err != nil {
				t.Fatal(res.err)
			}
			var got []string
			for _, k := range g.fs.keys(dstBkt) {
				got = append(got, strings.TrimPrefix(k, "backup/2024/"))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("copied %q, want %q", got, tc.want)
			}
			if res.sum.Copied != int64(len(tc.want)) || res.sum.Filtered != int64(len(objects)-len(tc.want)) || res.sum.Listed != int64(len(objects)) {
				t.Errorf("summary %+v: want %d copied, %d filtered", res.sum, len(tc.want), len(objects)-len(tc.want))
			}
			// Filtered objects cost nothing: no HEAD.
			if h := g.fs.count("Head"); h != len(tc.want) {
				t.Errorf("%d HEADs, want %d", h, len(tc.want))
			}
		})
	}
}

func TestRunIgnoreExistingAndUpdate(t *testing.T) {
	t.Parallel()
	setup := func(g *rig) {
		g.putSrc(map[string]int64{"same": 100, "diffcrc": 100, "diffsize": 100, "missing": 100, "nocrc": 100, "big": bigSize})
		for _, rel := range []string{"same", "big"} {
			src, _ := g.fs.get(srcBkt, "data/"+rel)
			g.fs.mu.Lock()
			g.fs.objects[worker.Object{Bucket: dstBkt, Key: "backup/2024/" + rel}] = src
			g.fs.mu.Unlock()
		}
		g.fs.put(dstBkt, "backup/2024/diffcrc", 100, "other")
		g.fs.put(dstBkt, "backup/2024/diffsize", 99, "v1")
		src, _ := g.fs.get(srcBkt, "data/nocrc")
		g.fs.mu.Lock()
		g.fs.objects[worker.Object{Bucket: dstBkt, Key: "backup/2024/nocrc"}] = fakeObject{Size: src.Size, ETag: src.ETag}
		g.fs.mu.Unlock()
	}
	for _, tc := range []struct {
		name                   string
		ignoreExisting, update bool
		copied                 []string
		reason                 string
		skipped                []string
	}{
		{"neither", false, false, []string{"big", "diffcrc", "diffsize", "missing", "nocrc", "same"}, "", nil},
		{"ignore existing", true, false, []string{"missing"}, observe.ReasonExists, []string{"big", "diffcrc", "diffsize", "nocrc", "same"}},
		{"update", false, true, []string{"diffcrc", "diffsize", "missing", "nocrc"}, observe.ReasonUpToDate, []string{"big", "same"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g := newRig(t)
			setup(g)
			res := g.run(context.Background(), func(o *Options) { o.IgnoreExisting, o.Update = tc.ignoreExisting, tc.update })
			if res.err != nil {
				t.Fatal(res.err)
			}
			for _, rel := range tc.copied {
				if n := g.fs.writtenTimes(dstBkt, "backup/2024/"+rel); n != 1 {
					t.Errorf("%s written %d times, want 1", rel, n)
				}
				g.requireSame("data/"+rel, "backup/2024/"+rel)
				if o := res.outcomeOf(t, "data/"+rel); o.Action != observe.ActionCopied {
					t.Errorf("outcome of %s: %+v, want copied", rel, o)
				}
			}
			for _, rel := range tc.skipped {
				if n := g.fs.writtenTimes(dstBkt, "backup/2024/"+rel); n != 0 {
					t.Errorf("%s written %d times, want 0", rel, n)
				}
				if o := res.outcomeOf(t, "data/"+rel); o.Action != observe.ActionSkipped || o.Reason != tc.reason {
					t.Errorf("outcome of %s: %+v, want skipped %s", rel, o, tc.reason)
				}
			}
			s := res.sum
			if s.Copied != int64(len(tc.copied)) || s.Skipped.Exists+s.Skipped.UpToDate != int64(len(tc.skipped)) || s.Failed != 0 {
				t.Errorf("summary %+v", s)
			}
			// The skip by destination holds on a rerun too: everything is
			// now done before or equal.
			g.fs.resetCounts()
			again := g.run(context.Background(), func(o *Options) { o.IgnoreExisting, o.Update = tc.ignoreExisting, tc.update })
			if again.err != nil || again.sum.Copied != 0 || g.fs.writes() != 0 {
				t.Errorf("rerun: %v, %+v, %d writes; want nothing copied", again.err, again.sum, g.fs.writes())
			}
		})
	}
}

func TestRunDryRun(t *testing.T) {
	t.Parallel()
	objects := map[string]int64{"a": 10, "b": 20, "c": 30, "big": bigSize, "odd": oddSize}
	var total int64
	for _, size := range objects {
		total += size
	}
	// HEAD+CopyObject for 3 small; HEAD, initiate, parts, complete for the others.
	const wantRequests = 3*2 + (6 + 3) + (3 + 3)
	for _, tc := range []struct {
		name   string
		update bool
		heads  int
	}{
		{"listing", false, 0},
		{"update", true, 2 * len(objects)}, // source and destination
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g := newRig(t)
			g.putSrc(objects)
			res := g.run(context.Background(), func(o *Options) { o.DryRun, o.Update = true, tc.update })
			if res.err != nil {
				t.Fatal(res.err)
			}
			if w := g.fs.writes(); w != 0 {
				t.Errorf("dry run sent %d writes", w)
			}
			if h := g.fs.count("Head"); h != tc.heads {
				t.Errorf("dry run sent %d HEADs, want %d", h, tc.heads)
			}
			if keys := g.fs.keys(dstBkt); len(keys) != 0 {
				t.Errorf("dry run wrote %q", keys)
			}
			s := res.sum
			if !s.DryRun || s.Copied != int64(len(objects)) || s.Bytes != total || s.Requests != wantRequests || s.FailureReport != "" {
				t.Errorf("dry run summary %+v, want %d would-copy, %d bytes, %d requests", s, len(objects), total, wantRequests)
			}
			for rel, size := range objects {
				o := res.outcomeOf(t, "data/"+rel)
				// The part size's spelling is the CLI's business: only the count is checked.
				wantHow, wantReq := "CopyObject", int64(2)
				switch rel {
				case "big":
					wantHow, wantReq = "6 parts of ", 9
				case "odd":
					wantHow, wantReq = "3 parts of ", 6
				}
				if o.Action != observe.ActionWouldCopy || !strings.HasPrefix(o.How, wantHow) || o.Requests != wantReq || o.Size != size || o.Destination != "oss://dst-bkt/backup/2024/"+rel {
					t.Errorf("outcome %+v, want would-copy by %s in %d requests", o, wantHow, wantReq)
				}
			}
			// The dry run recorded nothing: a real run copies everything.
			real := g.run(context.Background(), func(o *Options) { o.Update = tc.update })
			if real.err != nil || real.sum.Copied != int64(len(objects)) {
				t.Errorf("run after the dry run: %v, %+v", real.err, real.sum)
			}
			// And a dry run after it would copy nothing.
			g.fs.resetCounts()
			dry := g.run(context.Background(), func(o *Options) { o.DryRun, o.Update = true, tc.update })
			if dry.err != nil || dry.sum.Copied != 0 || dry.sum.Requests != 0 || g.fs.writes() != 0 {
				t.Errorf("dry run after the run: %v, %+v", dry.err, dry.sum)
			}
		})
	}
}

func readFailures(t *testing.T, path string) []Failure {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []Failure
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var fl Failure
		dec := json.NewDecoder(strings.NewReader(sc.Text()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&fl); err != nil {
			t.Fatalf("failure report line %q: %v", sc.Text(), err)
		}
		// Every field of the documented format is present.
		var raw map[string]any
		if err := json.Unmarshal(sc.Bytes(), &raw); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"source", "destination", "error_code", "message", "attempts"} {
			if _, ok := raw[k]; !ok {
				t.Errorf("failure report line %q has no %q", sc.Text(), k)
			}
		}
		out = append(out, fl)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// Objects that fail are reported, once each, and the run goes on.
func TestRunFailureReport(t *testing.T) {
	t.Parallel()
	g := newRig(t)
	g.putSrc(map[string]int64{"a": 10, "denied": 20, "flaky": 30, "gone": 40, "changed": 50, "d": 60})
	var broken, goneBroken atomic.Bool
	broken.Store(true)
	goneBroken.Store(true)
	g.fs.fail = func(op string, obj worker.Object) error {
		if op == "Head" && obj.Key == "data/gone" && goneBroken.Load() {
			return noSuchKey(obj) // deleted after the listing
		}
		if !broken.Load() {
			return nil
		}
		switch {
		case op == "CopyObject" && obj.Key == "backup/2024/denied":
			return permanentErr("AccessDenied")
		case op == "CopyObject" && obj.Key == "backup/2024/flaky":
			return transientErr("InternalError")
		case op == "CopyObject" && obj.Key == "backup/2024/changed":
			g.fs.put(srcBkt, "data/changed", 50, "v2") // overwritten as the copy starts
		}
		return nil
	}
	res := g.run(context.Background(), nil)
	if res.err != nil {
		t.Fatalf("Run: %v (failed objects are not the run's error)", res.err)
	}
	s := res.sum
	if s.Failed != 4 || s.Copied != 2 {
		t.Errorf("summary %+v, want 4 failed, 2 copied", s)
	}
	wantPath := filepath.Join(g.dir, res.opts.RunName+".failures.jsonl")
	if s.FailureReport != wantPath {
		t.Fatalf("FailureReport = %q, want %q", s.FailureReport, wantPath)
	}
	if fi, err := os.Stat(wantPath); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("failure report: %v, mode %v", err, fi.Mode().Perm())
	}
	got := map[string]Failure{}
	for _, f := range readFailures(t, wantPath) {
		if _, dup := got[f.Source]; dup {
			t.Errorf("%s reported twice", f.Source)
		}
		got[f.Source] = f
	}
	for _, want := range []struct {
		rel, code string
		attempts  int
		msg       string
	}{
		{"denied", "AccessDenied", 1, "AccessDenied"},
		{"flaky", "InternalError", 3, "InternalError"},
		{"gone", "NoSuchKey", 1, "reading the source: HeadObject of oss://src-bkt/data/gone"},
		{"changed", "SourceChanged", 1, "overwritten or deleted"},
	} {
		src := "oss://src-bkt/data/" + want.rel
		f, ok := got[src]
		if !ok {
			t.Errorf("%s is not in the failure report %v", src, got)
			continue
		}
		if f.Destination != "oss://dst-bkt/backup/2024/"+want.rel || f.Code != want.code || f.Attempts != want.attempts || !strings.Contains(f.Message, want.msg) {
			t.Errorf("failure of %s = %+v, want code %s after %d attempts, message with %q", want.rel, f, want.code, want.attempts, want.msg)
		}
		if o := res.outcomeOf(t, "data/"+want.rel); o.Action != observe.ActionFailed || o.Code != want.code || o.Error != f.Message {
			t.Errorf("outcome of %s = %+v", want.rel, o)
		}
		if _, ok := g.fs.get(dstBkt, "backup/2024/"+want.rel); ok {
			t.Errorf("the failed %s was written", want.rel)
		}
	}
	if len(got) != 4 {
		t.Errorf("failure report has %d objects, want 4", len(got))
	}
	for _, rel := range []string{"a", "d"} {
		g.requireSame("data/"+rel, "backup/2024/"+rel)
	}

	// Fixed: the rerun copies the failed objects (gone is still gone) and
	// its report holds this run's failures only.
	broken.Store(false)
	g.fs.resetCounts()
	again := g.run(context.Background(), nil)
	if again.err != nil {
		t.Fatal(again.err)
	}
	if again.sum.Copied != 3 || again.sum.Failed != 1 || again.sum.Skipped.DoneBefore != 2 {
		t.Errorf("rerun summary %+v, want 3 copied, 1 failed, 2 done before", again.sum)
	}
	if fl := readFailures(t, wantPath); len(fl) != 1 || fl[0].Source != "oss://src-bkt/data/gone" {
		t.Errorf("rerun failure report %+v, want only gone", fl)
	}
	for _, rel := range []string{"denied", "flaky", "changed"} {
		g.requireSame("data/"+rel, "backup/2024/"+rel)
	}

	// All fine: no report, and the last one is gone.
	goneBroken.Store(false)
	third := g.run(context.Background(), nil)
	if third.err != nil || third.sum.Failed != 0 || third.sum.FailureReport != "" || third.sum.Copied != 1 {
		t.Errorf("third run: %v, %+v", third.err, third.sum)
	}
	if _, err := os.Stat(wantPath); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the last run's failure report is still there: %v", err)
	}
}

// A transient error is retried within the attempts, then the copy succeeds.
func TestRunTransientErrorRetried(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, op, key string
		failures      int32
		wantRetries   int64
	}{
		{"CopyObject", "CopyObject", "backup/2024/b", 2, 2},
		{"part copy", "UploadPartCopy", "backup/2024/big", 2, 2},
		{"complete", "Complete", "backup/2024/big", 1, 1},
		{"initiate", "Initiate", "backup/2024/big", 2, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g := newRig(t)
			g.putSrc(map[string]int64{"a": 10, "b": 20, "big": bigSize})
			var left atomic.Int32
			left.Store(tc.failures)
			g.fs.fail = func(op string, obj worker.Object) error {
				if op == tc.op && obj.Key == tc.key && left.Add(-1) >= 0 {
					return transientErr("InternalError")
				}
				return nil
			}
			res := g.run(context.Background(), nil)
			if res.err != nil {
				t.Fatal(res.err)
			}
			if res.sum.Copied != 3 || res.sum.Failed != 0 || res.sum.Retries != tc.wantRetries {
				t.Errorf("summary %+v, want 3 copied, %d retries", res.sum, tc.wantRetries)
			}
			g.requireSame("data/b", "backup/2024/b")
			g.requireSame("data/big", "backup/2024/big")
			if g.fs.openUploads() != 0 {
				t.Errorf("%d uploads left", g.fs.openUploads())
			}
		})
	}
}

// A multipart copy that fails midway keeps its upload; the rerun resumes
// it without copying the finished parts again.
func TestRunMultipartFailureResumes(t *testing.T) {
	t.Parallel()
	g := newRig(t)
	g.putSrc(map[string]int64{"a": 10, "big": bigSize})
	var broken atomic.Bool
	broken.Store(true)
	g.fs.fail = func(op string, obj worker.Object) error {
		if op == "UploadPartCopy" && broken.Load() && g.fs.count("UploadPartCopy") > 3 {
			return permanentErr("AccessDenied")
		}
		return nil
	}
	res := g.run(context.Background(), nil)
	if res.err != nil || res.sum.Failed != 1 || res.sum.Copied != 1 {
		t.Fatalf("first run: %v, %+v", res.err, res.sum)
	}
	if g.fs.openUploads() != 1 || len(g.stateFiles()) == 0 {
		t.Fatalf("after the failure: %d uploads, state files %v; want the upload and its checkpoint kept", g.fs.openUploads(), g.stateFiles())
	}
	var onServer int
	g.fs.mu.Lock()
	for _, u := range g.fs.uploads {
		onServer = len(u.parts)
	}
	g.fs.mu.Unlock()
	if onServer == 0 {
		t.Fatal("no part was copied before the failure")
	}
	broken.Store(false)
	g.fs.resetCounts()
	again := g.run(context.Background(), nil)
	if again.err != nil || again.sum.Copied != 1 || again.sum.Failed != 0 || again.sum.Skipped.DoneBefore != 1 {
		t.Fatalf("rerun: %v, %+v", again.err, again.sum)
	}
	if n := g.fs.count("UploadPartCopy"); n != 6-onServer {
		t.Errorf("rerun copied %d parts, want %d (%d were on the server)", n, 6-onServer, onServer)
	}
	if g.fs.count("Initiate") != 0 || g.fs.count("ListParts") != 1 {
		t.Errorf("rerun: %d initiates, %d ListParts; want 0, 1", g.fs.count("Initiate"), g.fs.count("ListParts"))
	}
	if o := again.outcomeOf(t, "data/big"); !strings.Contains(o.How, fmt.Sprintf("%d resumed", onServer)) {
		t.Errorf("outcome %+v does not say %d parts were resumed", o, onServer)
	}
	g.requireSame("data/big", "backup/2024/big")
	if g.fs.openUploads() != 0 || len(g.stateFiles()) != 0 {
		t.Errorf("left %d uploads and state files %v", g.fs.openUploads(), g.stateFiles())
	}
}

func TestRunListingFails(t *testing.T) {
	t.Parallel()
	t.Run("permanent", func(t *testing.T) {
		t.Parallel()
		g := newRig(t)
		g.putSrc(map[string]int64{"a": 1})
		g.fs.fail = func(op string, _ worker.Object) error {
			if op == "List" {
				return permanentErr("AccessDenied")
			}
			return nil
		}
		res := g.run(context.Background(), nil)
		if res.err == nil || !strings.Contains(res.err.Error(), "listing oss://src-bkt/data/") || !strings.Contains(res.err.Error(), "AccessDenied") {
			t.Errorf("Run = %v, want the listing's error", res.err)
		}
		if errors.Is(res.err, ErrInterrupted) || g.fs.count("List") != 1 {
			t.Errorf("Run = %v after %d List requests", res.err, g.fs.count("List"))
		}
	})
	t.Run("transient", func(t *testing.T) {
		t.Parallel()
		g := newRig(t)
		g.fs.pageSize = 1
		g.putSrc(map[string]int64{"a": 1, "b": 2, "c": 3})
		var failed atomic.Int32
		g.fs.fail = func(op string, obj worker.Object) error {
			if op == "List" && failed.Add(1) <= 2 {
				return transientErr("ServiceUnavailable")
			}
			return nil
		}
		res := g.run(context.Background(), nil)
		if res.err != nil || res.sum.Copied != 3 {
			t.Errorf("Run = %v, %+v; want the listing retried", res.err, res.sum)
		}
	})
}

func TestRunManifest(t *testing.T) {
	t.Parallel()
	g := newRig(t)
	g.putSrc(map[string]int64{"a.txt": 10, "with,comma.txt": 20, "sub/b.txt": 30, "big": bigSize, "skip.tmp": 5, "not-named": 7})
	manifest := `a.txt
"with,comma.txt","renamed,too.txt"
sub/b.txt,other/b.txt

big
skip.tmp
missing.txt
`
	mod := func(o *Options) {
		o.FilesFrom = strings.NewReader(manifest)
		o.Select = Selection{Rules: []Rule{exc("*.tmp")}, MaxSize: -1}
	}
	res := g.run(context.Background(), mod)
	if res.err != nil {
		t.Fatal(res.err)
	}
	for src, dst := range map[string]string{"a.txt": "a.txt", "with,comma.txt": "renamed,too.txt", "sub/b.txt": "other/b.txt", "big": "big"} {
		g.requireSame("data/"+src, "backup/2024/"+dst)
	}
	if got, want := len(g.fs.keys(dstBkt)), 4; got != want {
		t.Errorf("destination holds %q, want %d objects", g.fs.keys(dstBkt), want)
	}
	s := res.sum
	if s.Listed != 6 || s.Filtered != 1 || s.Copied != 4 || s.Failed != 1 {
		t.Errorf("summary %+v, want 6 listed, 1 filtered, 4 copied, 1 failed", s)
	}
	if o := res.outcomeOf(t, "data/missing.txt"); o.Action != observe.ActionFailed || o.Code != "NoSuchKey" {
		t.Errorf("outcome of the missing object: %+v", o)
	}
	// The rerun HEADs each source (a manifest gives no ETag) and copies nothing.
	g.fs.resetCounts()
	again := g.run(context.Background(), mod)
	if again.err != nil || again.sum.Copied != 0 || again.sum.Skipped.DoneBefore != 4 || g.fs.writes() != 0 {
		t.Errorf("rerun: %v, %+v, %d writes", again.err, again.sum, g.fs.writes())
	}
}

func TestRunManifestSizeBounds(t *testing.T) {
	t.Parallel()
	g := newRig(t)
	g.putSrc(map[string]int64{"small": 50, "medium": 150, "large": 500})
	res := g.run(context.Background(), func(o *Options) {
		o.FilesFrom = strings.NewReader("small\nmedium\nlarge\n")
		o.Select = Selection{MinSize: 100, MaxSize: 200}
	})
	if res.err != nil {
		t.Fatal(res.err)
	}
	if res.sum.Copied != 1 || res.sum.Filtered != 2 || res.snap.Selected != 1 || res.snap.BytesSelected != 150 {
		t.Errorf("summary %+v, snapshot %+v; want medium only", res.sum, res.snap)
	}
	if keys := g.fs.keys(dstBkt); !slices.Equal(keys, []string{"backup/2024/medium"}) {
		t.Errorf("copied %q", keys)
	}
}

// A bad manifest line ends the run with ErrManifest; the lines before it
// are copied.
func TestRunManifestBadLine(t *testing.T) {
	t.Parallel()
	g := newRig(t)
	g.putSrc(map[string]int64{"a": 1, "b": 2, "c": 3})
	res := g.run(context.Background(), func(o *Options) { o.FilesFrom = strings.NewReader("a\nb\nx,y,z\nc\n") })
	if !errors.Is(res.err, ErrManifest) || !strings.Contains(res.err.Error(), "line 3") {
		t.Fatalf("Run = %v, want ErrManifest at line 3", res.err)
	}
	if errors.Is(res.err, ErrInterrupted) {
		t.Errorf("a bad manifest is not an interruption: %v", res.err)
	}
	for _, rel := range []string{"a", "b"} {
		g.requireSame("data/"+rel, "backup/2024/"+rel)
	}
	if _, ok := g.fs.get(dstBkt, "backup/2024/c"); ok {
		t.Error("c, after the bad line, was copied")
	}
	if res.sum.Copied != 2 {
		t.Errorf("summary %+v, want 2 copied", res.sum)
	}
}

// A manifest line copying an object onto itself fails that object only.
func TestRunManifestSameObject(t *testing.T) {
	t.Parallel()
	g := newRig(t)
	g.dst = g.src
	g.putSrc(map[string]int64{"a": 1})
	res := g.run(context.Background(), func(o *Options) { o.FilesFrom = strings.NewReader("a\na,b\n") })
	if res.err != nil {
		t.Fatal(res.err)
	}
	if res.sum.Failed != 1 || res.sum.Copied != 1 {
		t.Errorf("summary %+v, want 1 failed, 1 copied", res.sum)
	}
	if g.fs.count("CopyObject") != 1 {
		t.Errorf("%d CopyObject requests, want 1", g.fs.count("CopyObject"))
	}
	var failed []observe.Outcome
	for _, o := range res.outcomes {
		if o.Action == observe.ActionFailed {
			failed = append(failed, o)
		}
	}
	if len(failed) != 1 || !strings.Contains(failed[0].Error, "same object") || failed[0].Code != "ClientError" {
		t.Errorf("failures %+v, want one for the same object", failed)
	}
	src, _ := g.fs.get(srcBkt, "data/a")
	if dst, _ := g.fs.get(srcBkt, "data/b"); !reflect.DeepEqual(dst, src) {
		t.Errorf("data/b = %+v, want %+v", dst, src)
	}
}

// N processes with shards K/N copy every object exactly once.
func TestRunShards(t *testing.T) {
	t.Parallel()
	g := newRig(t)
	g.fs.pageSize = 7
	objects := map[string]int64{"big": bigSize}
	for i := range 60 {
		objects[fmt.Sprintf("obj-%02d", i)] = int64(i)
	}
	g.putSrc(objects)
	const n = 4
	var copied, filtered int64
	for k := range n {
		res := g.run(context.Background(), func(o *Options) { o.Select = Selection{Shard: k, Shards: n, MaxSize: -1} })
		if res.err != nil {
			t.Fatal(res.err)
		}
		if res.sum.Listed != int64(len(objects)) || res.sum.Skipped.DoneBefore != 0 {
			t.Errorf("shard %d: %+v", k, res.sum)
		}
		if res.sum.Copied == 0 {
			t.Errorf("shard %d copied nothing", k)
		}
		copied += res.sum.Copied
		filtered += res.sum.Filtered
	}
	if copied != int64(len(objects)) || filtered != int64((n-1)*len(objects)) {
		t.Errorf("shards copied %d and filtered %d, want %d and %d", copied, filtered, len(objects), (n-1)*len(objects))
	}
	written := g.fs.writtenAll()
	for rel := range objects {
		if n := written[worker.Object{Bucket: dstBkt, Key: "backup/2024/" + rel}]; n != 1 {
			t.Errorf("%s written %d times, want 1", rel, n)
		}
		g.requireSame("data/"+rel, "backup/2024/"+rel)
	}
	if len(written) != len(objects) {
		t.Errorf("%d objects written, want %d", len(written), len(objects))
	}
}

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
	j, err := checkpoint.OpenJournal(g.dir, o.RunName)
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

// The gate bounds the requests in flight of the whole run: small objects'
// and the parts of several large ones together.
func TestRunGateBoundsConcurrency(t *testing.T) {
	t.Parallel()
	for _, parallel := range []int{1, 3, 8, 32} {
		t.Run(fmt.Sprint(parallel), func(t *testing.T) {
			t.Parallel()
			g := newRig(t)
			g.fs.delay = 500 * time.Microsecond
			g.fs.pageSize = 10
			objects := map[string]int64{}
			for i := range 4 {
				objects[fmt.Sprintf("big-%d", i)] = bigSize
			}
			for i := range 60 {
				objects[fmt.Sprintf("small-%02d", i)] = int64(i)
			}
			g.putSrc(objects)
			res := g.run(context.Background(), func(o *Options) { o.Job.Parallel = parallel })
			if res.err != nil || res.sum.Copied != int64(len(objects)) {
				t.Fatalf("Run = %v, %+v", res.err, res.sum)
			}
			if res.peak > parallel {
				t.Errorf("%d requests in flight at once, --parallel %d", res.peak, parallel)
			}
			if parallel > 1 && res.peak < 2 {
				t.Errorf("never more than %d request in flight with --parallel %d: the test did not exercise the gate", res.peak, parallel)
			}
			t.Logf("--parallel %d: at most %d requests in flight", parallel, res.peak)
			for rel := range objects {
				g.requireSame("data/"+rel, "backup/2024/"+rel)
			}
		})
	}
}

// The listing takes a slot of the run's budget: a throttled page is
// retried, counted as throttled, and cuts the limit as a throttled copy
// does; its requests are in the summary's count.
func TestRunListingThrottled(t *testing.T) {
	t.Parallel()
	g := newRig(t)
	g.fs.pageSize = 2
	g.putSrc(map[string]int64{"a": 1, "b": 2, "c": 3})
	var lists atomic.Int32
	g.fs.fail = func(op string, _ worker.Object) error {
		if op == "List" && lists.Add(1) == 1 {
			return throttledErr("SlowDown")
		}
		return nil
	}
	res := g.run(context.Background(), nil)
	if res.err != nil || res.sum.Copied != 3 {
		t.Fatalf("Run = %v, %+v", res.err, res.sum)
	}
	sent := g.fs.count("List") + g.fs.count("Head") + g.fs.count("CopyObject")
	if s := res.sum; s.Throttled != 1 || s.Retries != 1 || s.MinLimit != res.opts.Job.Parallel-1 || s.Requests != int64(sent) {
		t.Errorf("summary %+v; want 1 throttled, 1 retry, the limit cut to %d, %d requests (%d lists)", s,
			res.opts.Job.Parallel-1, sent, g.fs.count("List"))
	}
}

// Snapshot may be read while the run goes on (the CLI's progress starts
// reading it before Run), and its counters only grow. Not parallel: a data
// race here would be blamed on every test running alongside.
func TestRunSnapshotWhileRunning(t *testing.T) {
	g := newRig(t)
	g.fs.delay = 200 * time.Microsecond
	g.fs.pageSize = 5
	objects := map[string]int64{"big": bigSize}
	for i := range 40 {
		objects[fmt.Sprintf("o-%02d", i)] = 1000
	}
	g.putSrc(objects)
	o := g.options(nil)
	r := New(g.fs, g.fs, gate.New(o.Job.Parallel, true, nil), o)
	stop, done := make(chan struct{}), make(chan struct{})
	var snaps []Snapshot
	go func() {
		defer close(done)
		for {
			snaps = append(snaps, r.Snapshot())
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Microsecond):
			}
		}
	}()
	sum, err := r.Run(context.Background())
	close(stop)
	<-done
	snaps = append(snaps, r.Snapshot())
	if err != nil || sum.Copied != int64(len(objects)) {
		t.Fatalf("Run = %v, %+v", err, sum)
	}
	for i := 1; i < len(snaps); i++ {
		a, b := snaps[i-1], snaps[i]
		if b.Listed < a.Listed || b.Copied < a.Copied || b.BytesCopied < a.BytesCopied || b.Requests < a.Requests {
			t.Fatalf("snapshot went back: %+v then %+v", a, b)
		}
		if b.InFlight > b.Limit || b.Limit > o.Job.Parallel {
			t.Fatalf("snapshot %+v: in flight over the limit", b)
		}
	}
}

// An error every object would share (the destination bucket is gone)
// stops the run with one error instead of a failure line per object.
func TestRunFatalErrorStops(t *testing.T) {
	t.Parallel()
	g := newRig(t)
	objects := map[string]int64{}
	for i := range 200 {
		objects[fmt.Sprintf("k%03d", i)] = 10
	}
	g.putSrc(objects)
	g.fs.fail = func(op string, obj worker.Object) error {
		if op == "CopyObject" {
			return permanentErr("NoSuchBucket")
		}
		return nil
	}
	res := g.run(context.Background(), nil)
	if res.err == nil || !strings.Contains(res.err.Error(), "the run stopped") || !strings.Contains(res.err.Error(), "NoSuchBucket") {
		t.Fatalf("Run = %v, want the run stopped by NoSuchBucket", res.err)
	}
	if res.sum.Failed != 0 || res.sum.FailureReport != "" {
		t.Errorf("summary %+v: the fatal error is the run's, not each object's", res.sum)
	}
	if n := g.fs.count("CopyObject"); n > 2*res.opts.Job.Parallel {
		t.Errorf("%d CopyObjects sent after the bucket was known to be gone, want at most those in flight (%d)", n, res.opts.Job.Parallel)
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

// A large object listed first is copied while the listing goes on: its
// parts do not wait for the last page.
func TestRunLargeObjectProgressesWhileListing(t *testing.T) {
	t.Parallel()
	g := newRig(t)
	g.putSrc(map[string]int64{"a-big": bigSize, "b": 1, "c": 2, "d": 3})
	g.fs.pageSize = 1
	var partsDuringListing atomic.Bool
	g.fs.fail = func(op string, _ worker.Object) error {
		if op == "List" && g.fs.count("List") == 3 {
			deadline := time.Now().Add(10 * time.Second)
			for g.fs.count("UploadPartCopy") < 2 && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			partsDuringListing.Store(g.fs.count("UploadPartCopy") >= 2)
		}
		return nil
	}
	res := g.run(context.Background(), nil)
	if res.err != nil || res.sum.Copied != 4 {
		t.Fatalf("Run: %v, %+v", res.err, res.sum)
	}
	if !partsDuringListing.Load() {
		t.Error("no part of the large object was copied before the listing's third page was asked for")
	}
}

// One object of many parts does not starve the small objects listed after
// it: they share the budget in arrival order and all finish first.
func TestRunHugeObjectDoesNotStarveSmallOnes(t *testing.T) {
	t.Parallel()
	g := newRig(t)
	objects := map[string]int64{"a-huge": 200 * partSize}
	for i := range 20 {
		objects[fmt.Sprintf("s%02d", i)] = 10
	}
	g.putSrc(objects)
	g.fs.delay = 2 * time.Millisecond
	var mu sync.Mutex
	var order []string
	g.fs.afterCopy = func(dst worker.Object) {
		mu.Lock()
		defer mu.Unlock()
		order = append(order, dst.Key)
	}
	res := g.run(context.Background(), nil)
	if res.err != nil || res.sum.Copied != 21 {
		t.Fatalf("Run: %v, %+v", res.err, res.sum)
	}
	if len(order) != 21 || order[20] != g.dst.Prefix+"a-huge" {
		t.Errorf("objects finished in the order %v, want the 20 small ones before the huge one", order)
	}
}
