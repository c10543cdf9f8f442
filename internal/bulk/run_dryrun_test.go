// Tests of a dry run: it reports what it would copy and copies nothing.

package bulk

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/osscopy/osscopy/internal/observe"
)

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
		{"update", true, len(objects)}, // the sources: the destination's listing shows none
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
			if files := g.files(); len(files) != 0 {
				t.Errorf("dry run wrote %q in the checkpoint directory", files)
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
			// And a dry run after it would copy nothing, and changes no file.
			g.fs.resetCounts()
			before := g.files()
			dry := g.run(context.Background(), func(o *Options) { o.DryRun, o.Update = true, tc.update })
			if dry.err != nil || dry.sum.Copied != 0 || dry.sum.Requests != 0 || g.fs.writes() != 0 {
				t.Errorf("dry run after the run: %v, %+v", dry.err, dry.sum)
			}
			if after := g.files(); !maps.Equal(after, before) {
				t.Errorf("the dry run changed the checkpoint directory from %q to %q", before, after)
			}
		})
	}
}

// files maps each file in the checkpoint directory to its content.
func (g *rig) files() map[string]string {
	g.t.Helper()
	out := map[string]string{}
	entries, err := os.ReadDir(g.dir)
	if err != nil {
		g.t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(g.dir, e.Name()))
		if err != nil {
			g.t.Fatal(err)
		}
		out[e.Name()] = string(data)
	}
	return out
}
