// Tests of runs driven by a manifest (--files-from): copying, size bounds, bad lines, and an object copied onto itself.

package bulk

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/osscopy/osscopy/internal/observe"
)

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

// A manifest naming an object twice copies it once: a duplicate of an
// object in flight is skipped, one that comes after its copy finished is
// done before (the journal holds it). Two sources for one destination are
// copied one after the other, the later line last. Each request takes
// 5 ms, so duplicates overlap: before, a large object's second copy failed
// on its own checkpoint's lock ("another run") and small ones were copied
// twice.
func TestRunManifestDuplicates(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, manifest string
		written        map[string]int // destination (relative) -> writes
		last           string         // the source the destination x must hold, if any
	}{
		{"adjacent", "big\nbig\na\na\n", map[string]int{"big": 1, "a": 1}, ""},
		{"interleaved", "a\nbig\nb\na\nbig\nbig,big\noss://src-bkt/data/a\n", map[string]int{"big": 1, "a": 1, "b": 1}, ""},
		{"far apart", "a\n" + strings.Repeat("b\nc\n", 20) + "a\n", map[string]int{"a": 1, "b": 1, "c": 1}, ""},
		{"one destination, two large sources", "big,x\nbig2,x\n", map[string]int{"x": 2}, "big2"},
		{"one destination, two small sources", "a,x\nb,x\n", map[string]int{"x": 2}, "b"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g := newRig(t)
			g.fs.delay = 5 * time.Millisecond
			g.putSrc(map[string]int64{"a": 10, "b": 20, "c": 30, "big": bigSize, "big2": bigSize + 1})
			res := g.run(context.Background(), func(o *Options) { o.FilesFrom = strings.NewReader(tc.manifest) })
			if res.err != nil || res.sum.Failed != 0 {
				t.Fatalf("Run = %v, %d failed (%+v)", res.err, res.sum.Failed, res.outcomes)
			}
			written := map[string]int{}
			for o, n := range g.fs.writtenAll() {
				written[strings.TrimPrefix(o.Key, g.dst.Prefix)] = n
			}
			if !reflect.DeepEqual(written, tc.written) {
				t.Errorf("destinations written %v, want %v", written, tc.written)
			}
			if tc.last != "" {
				g.requireSame("data/"+tc.last, "backup/2024/x")
			}
		})
	}
}
