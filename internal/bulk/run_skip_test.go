// Tests of what a run skips: objects done before, leftover checkpoints, changed sources, --ignore-existing and --update.

package bulk

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/osscopy/osscopy/internal/observe"
	"github.com/osscopy/osscopy/worker"
)

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

// TestRunUpdateChecksDestination: after a finished run, destinations are
// deleted or overwritten (same size, other content; the multipart one
// too). A rerun with --update does not take the journal's word: it
// lists the destination prefix alongside the source (small pages, and
// destination keys with no source, so that the two listings must be
// walked in step) and copies again what is gone or differs from what the
// journal says the copy made, with no HEAD of a destination the listing
// shows absent and none at all of the objects still as copied. With a
// manifest, which lists nothing, each destination is read with a HEAD.
func TestRunUpdateChecksDestination(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		manifest bool
		heads    int // HEADs of the rerun
	}{
		// sources of a, b, big and the new e; destinations of b and big
		// (same size as listed: their CRC64 decides)
		{name: "listing", heads: 6},
		// each source and each destination
		{name: "manifest", manifest: true, heads: 12},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g := newRig(t)
			g.fs.pageSize = 2
			g.putSrc(map[string]int64{"a": 10, "b": 20, "c": 30, "d": 40, "big": bigSize})
			g.fs.put(dstBkt, "backup/2024/0-not-a-source", 5, "x")
			g.fs.put(dstBkt, "backup/2024/bb-not-a-source", 5, "x")
			manifest := "a\nb\nc\nd\nbig\ne\n"
			mod := func(o *Options) {
				o.Update = true
				if tc.manifest {
					o.FilesFrom = strings.NewReader(manifest)
				}
			}
			first := g.run(context.Background(), func(o *Options) {
				mod(o)
				if tc.manifest {
					o.FilesFrom = strings.NewReader("a\nb\nc\nd\nbig\n")
				}
			})
			if first.err != nil || first.sum.Copied != 5 {
				t.Fatalf("first run: %v, %+v", first.err, first.sum)
			}
			g.fs.mu.Lock()
			delete(g.fs.objects, worker.Object{Bucket: dstBkt, Key: "backup/2024/a"})
			g.fs.mu.Unlock()
			g.fs.put(dstBkt, "backup/2024/b", 20, "overwritten")
			g.fs.put(dstBkt, "backup/2024/big", bigSize, "overwritten")
			g.putSrc(map[string]int64{"e": 50})
			g.fs.resetCounts()

			res := g.run(context.Background(), mod)
			if res.err != nil {
				t.Fatal(res.err)
			}
			for _, rel := range []string{"a", "b", "big", "e"} {
				g.requireSame("data/"+rel, "backup/2024/"+rel)
				if o := res.outcomeOf(t, "data/"+rel); o.Action != observe.ActionCopied {
					t.Errorf("outcome of %s: %+v, want copied", rel, o)
				}
			}
			for _, rel := range []string{"c", "d"} {
				if o := res.outcomeOf(t, "data/"+rel); o.Action != observe.ActionSkipped || o.Reason != observe.ReasonDoneBefore {
					t.Errorf("outcome of %s: %+v, want skipped as done before", rel, o)
				}
				if n := g.fs.writtenTimes(dstBkt, "backup/2024/"+rel); n != 0 {
					t.Errorf("%s written %d times", rel, n)
				}
			}
			if h := g.fs.count("Head"); h != tc.heads {
				t.Errorf("the rerun sent %d HEADs, want %d", h, tc.heads)
			}
			// Now everything is as the journal says: a third run sends no
			// HEAD but, with a manifest, those it needs to know the objects.
			g.fs.resetCounts()
			again := g.run(context.Background(), mod)
			wantHeads := 0
			if tc.manifest {
				wantHeads = 12
			}
			if again.err != nil || again.sum.Copied != 0 || again.sum.Skipped.DoneBefore != 6 || g.fs.count("Head") != wantHeads {
				t.Errorf("third run: %v, %+v, %d HEADs (want %d); want all 6 done before", again.err, again.sum, g.fs.count("Head"), wantHeads)
			}
		})
	}
}
