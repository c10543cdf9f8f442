// Tests of Run copying what it lists: every listed object, filters, shards, and a listing that fails.

package bulk

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/osscopy/osscopy/checkpoint"
	"github.com/osscopy/osscopy/internal/observe"
	"github.com/osscopy/osscopy/worker"
)

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
	j, err := checkpoint.OpenJournal(g.dir, res.opts.RunName, res.opts.JournalHeader())
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if j.Len() != len(objects) {
		t.Errorf("journal holds %d objects, want %d", j.Len(), len(objects))
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

// TestRunNothingUnderThePrefix: a prefix no key starts with does not exist
// (OSS has no folders), and the run fails saying "0 objects under" it, in
// a dry run too; an empty bucket, a prefix whose objects are all filtered
// out, and an empty manifest are runs with nothing to do.
func TestRunNothingUnderThePrefix(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		src     Location
		objects map[string]int64 // under data/
		mod     func(*Options)
		wantErr string
	}{
		{name: "missing prefix", src: Location{Bucket: srcBkt, Prefix: "Data/"}, objects: map[string]int64{"a": 1},
			wantErr: `0 objects under oss://src-bkt/Data/: no key in bucket src-bkt starts with "Data/"`},
		{name: "missing prefix, dry run", src: Location{Bucket: srcBkt, Prefix: "nope/"},
			mod: func(o *Options) { o.DryRun = true }, wantErr: "0 objects under oss://src-bkt/nope/"},
		{name: "empty bucket", src: Location{Bucket: srcBkt}},
		{name: "all filtered out", src: Location{Bucket: srcBkt, Prefix: "data/"}, objects: map[string]int64{"a.log": 1},
			mod: func(o *Options) { o.Select.Rules = []Rule{{Include: true, Pattern: "*.gz"}} }},
		{name: "empty manifest", src: Location{Bucket: srcBkt, Prefix: "data/"}, mod: func(o *Options) { o.FilesFrom = strings.NewReader("") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g := newRig(t)
			g.src = tc.src
			for rel, size := range tc.objects {
				g.fs.put(srcBkt, "data/"+rel, size, "v1")
			}
			res := g.run(context.Background(), tc.mod)
			if tc.wantErr == "" && res.err != nil || tc.wantErr != "" && (res.err == nil || !strings.Contains(res.err.Error(), tc.wantErr)) {
				t.Errorf("Run = %v, want %q", res.err, tc.wantErr)
			}
			if res.sum.Copied != 0 || res.sum.Failed != 0 {
				t.Errorf("summary %+v, want nothing copied or failed", res.sum)
			}
		})
	}
}
