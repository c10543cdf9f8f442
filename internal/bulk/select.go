package bulk

import (
	"fmt"
	"hash/fnv"
	"path"
	"strconv"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
)

// Rule is one --include or --exclude pattern.
type Rule struct {
	Include bool
	Pattern string
}

// Selection decides which objects a run copies. Rules are tried in the
// order given and the first that matches decides; an object no rule
// matches is copied unless some rule is an --include (then only what an
// include matches is copied). A pattern without "/" matches the key's last
// element (its base name); one with "/" matches the whole key relative to
// the source prefix, where "*" stops at "/" and "**" does not.
type Selection struct {
	Rules []Rule
	// MinSize and MaxSize bound the sizes copied; MaxSize < 0: no bound.
	MinSize, MaxSize int64
	// Shard K of Shards N keeps the keys whose hash is K modulo N.
	Shard, Shards int
}

// Check reports the first bad pattern, size bound or shard.
func (s Selection) Check() error {
	for _, r := range s.Rules {
		if !doublestar.ValidatePattern(r.Pattern) || r.Pattern == "" {
			return fmt.Errorf("%s pattern %q is not a valid glob (use *, ?, [abc], {a,b} and **, and close every bracket)", r.flag(), r.Pattern)
		}
	}
	if s.MinSize < 0 {
		return fmt.Errorf("--min-size must not be negative")
	}
	if s.MaxSize >= 0 && s.MaxSize < s.MinSize {
		return fmt.Errorf("--max-size (%d bytes) is below --min-size (%d bytes): nothing would be copied", s.MaxSize, s.MinSize)
	}
	if s.Shards < 0 || s.Shards > 0 && (s.Shard < 0 || s.Shard >= s.Shards) {
		return fmt.Errorf("shard %d/%d is out of range: K must be from 0 to N-1", s.Shard, s.Shards)
	}
	return nil
}

func (r Rule) flag() string {
	if r.Include {
		return "--include"
	}
	return "--exclude"
}

// Keep reports whether the object of key (rel relative to the source
// prefix) is in the selection by name and shard.
func (s Selection) Keep(rel, key string) bool {
	return s.inShard(key) && s.byRules(rel)
}

func (s Selection) byRules(rel string) bool {
	anyInclude := false
	for _, r := range s.Rules {
		anyInclude = anyInclude || r.Include
		name := rel
		if !strings.Contains(r.Pattern, "/") {
			name = path.Base(rel)
		}
		if ok, _ := doublestar.Match(r.Pattern, name); ok {
			return r.Include
		}
	}
	return !anyInclude
}

// inShard hashes the whole source key (FNV-1a, 64 bits): the split depends
// only on the keys, so N processes agree without talking.
func (s Selection) inShard(key string) bool {
	if s.Shards <= 1 {
		return true
	}
	h := fnv.New64a()
	h.Write([]byte(key))
	return h.Sum64()%uint64(s.Shards) == uint64(s.Shard)
}

// SizeOK reports whether size is within the bounds.
func (s Selection) SizeOK(size int64) bool {
	return size >= s.MinSize && (s.MaxSize < 0 || size <= s.MaxSize)
}

// String renders the selection canonically, to name the run's journal.
func (s Selection) String() string {
	var b strings.Builder
	for _, r := range s.Rules {
		fmt.Fprintf(&b, "%s=%q ", r.flag(), r.Pattern)
	}
	fmt.Fprintf(&b, "size=%d..%d shard=%d/%d", s.MinSize, s.MaxSize, s.Shard, s.Shards)
	return b.String()
}

// ParseShard reads K/N, with 0 <= K < N (K is a Kubernetes Indexed Job's
// JOB_COMPLETION_INDEX as it is).
func ParseShard(v string) (k, n int, err error) {
	ks, ns, ok := strings.Cut(v, "/")
	k, kerr := strconv.Atoi(ks)
	n, nerr := strconv.Atoi(ns)
	if !ok || kerr != nil || nerr != nil || n < 1 || k < 0 || k >= n {
		return 0, 0, fmt.Errorf("--shard %q: write K/N with N at least 1 and K from 0 to N-1, like 0/4 (K is $JOB_COMPLETION_INDEX in a Kubernetes Indexed Job)", v)
	}
	return k, n, nil
}
