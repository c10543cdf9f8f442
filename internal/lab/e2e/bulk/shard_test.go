package bulk_test

import (
	"fmt"
	"hash/fnv"
	"strings"
	"testing"

	"github.com/osscopy/osscopy/internal/lab/e2e"
)

// TestShardsCoverEveryKeyOnce: four runs with --shard 0/4 .. 3/4 to the
// same destination copy each of 2,000 keys exactly once overall (one
// successful CopyObject per key in the access log, no other write), each
// key by the one shard the README's rule gives it (FNV-1a of the source
// key modulo N); the shards' copied counts sum to 2,000, each lists all
// 2,000 and filters the rest; every copy equals its source. A shard out of
// range is a usage error (exit 2) that sends nothing.
func TestShardsCoverEveryKeyOnce(t *testing.T) {
	t.Parallel()
	const count, shards = 2000, 4
	s := e2e.StartServer(t, "--bucket", "dst", "--seed-objects", e2e.SeedObjects("src", "p/", count, "1KiB-4KiB"))
	keys := e2e.SeededKeys("p/", count)
	ckpt := ckptDir(t)
	by := map[string]int{} // destination key: the shard that copied it
	total := int64(0)
	for k := range shards {
		tail := s.Tail(t)
		p := e2e.Run(t, s.Env(), e2e.CpRArgs(ckpt, "oss://src/p/", "oss://dst/q/", "--shard", fmt.Sprintf("%d/%d", k, shards))...)
		p.RequireCode(0)
		sum := p.BulkSummary()
		log := tail.Next(t)
		copies := e2e.PerKey(log, "CopyObject", 200)
		if sum.Listed != count || sum.Copied+sum.Filtered != count || sum.Failed != 0 || sum.Copied == 0 {
			t.Errorf("shard %d/%d: listed %d, copied %d, filtered %d, failed %d; want %d listed, copied + filtered = %d, some copied",
				k, shards, sum.Listed, sum.Copied, sum.Filtered, sum.Failed, count, count)
		}
		if int64(len(copies)) != sum.Copied || e2e.Count(log, "CopyObject", 0) != len(copies) {
			t.Errorf("shard %d/%d: the summary counts %d copied, the access log %d CopyObject to %d keys", k, shards, sum.Copied,
				e2e.Count(log, "CopyObject", 0), len(copies))
		}
		if w := e2e.OpCounts(e2e.Writes(log)); len(w) != 1 {
			t.Errorf("shard %d/%d wrote %v, want CopyObject only", k, shards, w)
		}
		total += sum.Copied
		for key := range copies {
			if prev, seen := by[key]; seen {
				t.Errorf("%s was copied by shard %d and again by shard %d", key, prev, k)
			}
			by[key] = k
		}
	}
	if total != count {
		t.Errorf("the shards copied %d objects in all, want %d", total, count)
	}
	wrong := 0
	for _, key := range keys {
		dst := "dst/q/" + strings.TrimPrefix(key, "p/")
		k, ok := by[dst]
		switch want := fnvShard(key, shards); {
		case !ok:
			t.Errorf("%s was copied by no shard", key)
		case k != want:
			if wrong++; wrong <= 5 {
				t.Errorf("%s was copied by shard %d; FNV-1a of the key modulo %d is %d", key, k, shards, want)
			}
		}
	}
	requireMirror(t, s, "p/", "q/", count, 20, 16)

	for _, bad := range []string{"4/4", "-1/4", "1/0", "1", "a/4"} {
		tail := s.Tail(t)
		p := e2e.Run(t, s.Env(), e2e.CpRArgs(ckpt, "oss://src/p/", "oss://dst/q/", "--shard", bad)...)
		p.RequireCode(2)
		e2e.RequireMentions(t, "stderr of --shard "+bad, p.Stderr(), "--shard")
		if log := tail.Next(t); len(log) != 0 {
			t.Errorf("--shard %s sent %d requests, want none", bad, len(log))
		}
	}
}

// fnvShard is the shard of a source key: 64-bit FNV-1a modulo n.
func fnvShard(key string, n int) int {
	h := fnv.New64a()
	h.Write([]byte(key))
	return int(h.Sum64() % uint64(n))
}
