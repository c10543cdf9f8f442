package ossserver

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// bruteWalk is walk the slow way: over every live key, sorted afresh.
func bruteWalk(b *bucketState, prefix, delim, marker string, limit int) page {
	var keys []string
	for k := range b.Objects {
		if b.current(k) != nil {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var p page
	for _, k := range keys {
		if k <= marker || !strings.HasPrefix(k, prefix) {
			continue
		}
		cp := commonPrefix(k, prefix, delim)
		if cp != "" && (cp <= marker || slices.Contains(p.prefixes, cp)) {
			continue
		}
		if len(p.keys)+len(p.prefixes) == limit {
			p.truncated = true
			break
		}
		if cp != "" {
			p.prefixes = append(p.prefixes, cp)
			p.last = cp
		} else {
			p.keys = append(p.keys, k)
			p.last = k
		}
	}
	return p
}

// Listings interleaved with writes, deletes, delete markers, removed
// versions and a reload give what sorting every live key would, while the
// index takes its incremental paths: keys waiting, a recent run, merges.
func TestListingMatchesBruteForceAcrossWrites(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	randKey := func() string {
		var sb strings.Builder
		for range 1 + rng.IntN(6) {
			sb.WriteByte("ab/c"[rng.IntN(4)])
		}
		return sb.String()
	}
	st := newState()
	apply := func(r record) {
		t.Helper()
		if err := st.apply(r); err != nil {
			t.Fatal(err)
		}
	}
	apply(record{Op: opPutBucket, Bucket: "b", NewBucket: &bucketState{Name: "b"}})
	b := st.Buckets["b"]
	sawRecent, merges := false, 0
	steps := 3000
	if testing.Short() {
		steps = 1000
	}
	for step := range steps {
		key := randKey()
		switch r := rng.IntN(100); {
		case r < 55:
			apply(record{Op: opPutObject, Bucket: "b", Object: &objectState{Key: key, VersionID: b.versionIDFor()}})
		case r < 80:
			if b.Versioning == "" || rng.IntN(2) == 0 {
				apply(record{Op: opDeleteObject, Bucket: "b", Key: key})
			} else {
				apply(record{Op: opDeleteObject, Bucket: "b", Key: key,
					Object: &objectState{Key: key, VersionID: b.versionIDFor(), DeleteMarker: true}})
			}
		case r < 85:
			if versions := b.Objects[key]; len(versions) > 0 {
				apply(record{Op: opDeleteObject, Bucket: "b", Key: key, VersionID: versions[rng.IntN(len(versions))].VersionID})
			}
		case r < 86:
			apply(record{Op: opVersioning, Bucket: "b", Versioning: []string{"Enabled", "Suspended"}[rng.IntN(2)]})
		case r < 87 && step%10 == 0:
			b.index = keyIndex{} // as after loading a data directory
		case r < 88:
			// A burst, like a bulk copy's, outgrows the recent run.
			for range 1100 {
				apply(record{Op: opPutObject, Bucket: "b", Object: &objectState{Key: key + randKey() + randKey(), VersionID: b.versionIDFor()}})
			}
		case r < 90:
			n := 0
			for k := range b.Objects {
				if n++; n > 1100 {
					break
				}
				apply(record{Op: opDeleteObject, Bucket: "b", Key: k})
			}
		default:
			prefix, delim, marker := "", "", ""
			if rng.IntN(2) == 0 {
				prefix = randKey()[:1]
			}
			if rng.IntN(2) == 0 {
				delim = "/"
			}
			if rng.IntN(2) == 0 {
				marker = randKey()
			}
			limit := 1 + rng.IntN(20)
			base := b.index.base
			got := walk(b.listing(), prefix, delim, marker, limit)
			if want := bruteWalk(b, prefix, delim, marker, limit); !samePage(got, want) {
				t.Fatalf("step %d: walk(prefix %q, delim %q, marker %q, limit %d) = %+v, want %+v", step, prefix, delim, marker, limit, got, want)
			}
			sawRecent = sawRecent || len(b.index.recent) > 0
			if len(base) > 0 && len(b.index.base) > 0 && &base[0] != &b.index.base[0] {
				merges++
			}
		}
	}
	if !sawRecent || merges < 2 {
		t.Errorf("the index listed from a recent run: %v, merged %d times; the test misses its paths", sawRecent, merges)
	}
}

func samePage(a, b page) bool {
	return slices.Equal(a.keys, b.keys) && slices.Equal(a.prefixes, b.prefixes) && a.last == b.last && a.truncated == b.truncated
}
