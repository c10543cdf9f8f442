package ossserver

import (
	"maps"
	"slices"
	"sort"
)

// keyIndex keeps a bucket's keys in byte order for listings without sorting
// them all again after every write: a bulk copy inside one bucket lists one
// prefix while writing another, a million keys apart.
//
// New keys wait unsorted in pending until a listing needs them; it sorts
// them into recent, a sorted run kept apart from base so that merging them
// costs O(len(recent) + k log k) rather than O(n). Once recent outgrows a
// share of base (or deletions have left enough dead keys) the two are merged
// in O(n), which the writes since the last merge amortize. Deleted keys stay
// until then; listings skip keys without a current object.
type keyIndex struct {
	complete bool     // false: build from the bucket's objects (after loading them)
	base     []string // sorted; never changed in place, as merge may share it
	recent   []string // sorted, none of them in base; never changed in place
	pending  []string // added since the last listing, in any order, maybe twice
	removed  int      // keys deleted from the bucket since base was last merged
}

// add notes a key that the bucket's objects did not have.
func (x *keyIndex) add(key string) {
	if x.complete {
		x.pending = append(x.pending, key)
	}
}

// view readies the index for a listing of objects and returns a cursor on it.
func (x *keyIndex) view(objects map[string][]*objectState, live func(string) bool) *keyCursor {
	if !x.complete {
		*x = keyIndex{complete: true, base: slices.Sorted(maps.Keys(objects))}
	}
	if len(x.pending) > 0 {
		slices.Sort(x.pending)
		fresh := x.pending
		// Unless keys were deleted since base was merged, pending keys are
		// all in objects, each once, and in neither run: a key must leave
		// objects to be added again. Only then do they need checking.
		if x.removed > 0 {
			fresh = fresh[:0]
			for _, k := range slices.Compact(x.pending) {
				if objects[k] != nil && !has(x.base, k) && !has(x.recent, k) {
					fresh = append(fresh, k)
				}
			}
		}
		x.recent = merge(x.recent, fresh, nil)
		x.pending = nil
	}
	if len(x.recent) > 1024+len(x.base)/32 || x.removed > 1024+len(x.base)/8 {
		var keep map[string][]*objectState
		if x.removed > 0 {
			keep = objects
		}
		x.base = merge(x.base, x.recent, keep)
		x.recent, x.removed = nil, 0
	}
	return &keyCursor{base: x.base, recent: x.recent, live: live}
}

func has(sorted []string, k string) bool {
	i := sort.SearchStrings(sorted, k)
	return i < len(sorted) && sorted[i] == k
}

// merge returns the sorted union of disjoint sorted a and b, without the
// keys keep lacks when keep is not nil. It may return a or b itself.
func merge(a, b []string, keep map[string][]*objectState) []string {
	switch {
	case keep == nil && len(a) == 0:
		return b
	case keep == nil && len(b) == 0:
		return a
	}
	out := make([]string, 0, len(a)+len(b))
	for len(a) > 0 || len(b) > 0 {
		var k string
		if len(b) == 0 || len(a) > 0 && a[0] < b[0] {
			k, a = a[0], a[1:]
		} else {
			k, b = b[0], b[1:]
		}
		if keep == nil || keep[k] != nil {
			out = append(out, k)
		}
	}
	return out
}

// keyCursor walks the live keys of a keyIndex in order.
type keyCursor struct {
	base, recent []string
	i, j         int
	live         func(string) bool
}

// seek moves to the first key at or after s.
func (c *keyCursor) seek(s string) {
	c.i, c.j = sort.SearchStrings(c.base, s), sort.SearchStrings(c.recent, s)
}

// seekPast moves past every key that starts with p.
func (c *keyCursor) seekPast(p string) {
	if end := prefixEnd(p); end != "" {
		c.seek(end)
	} else {
		c.i, c.j = len(c.base), len(c.recent)
	}
}

// key returns the live key at the cursor, moving over dead ones.
func (c *keyCursor) key() (string, bool) {
	for {
		var k string
		switch {
		case c.i < len(c.base) && (c.j == len(c.recent) || c.base[c.i] < c.recent[c.j]):
			k = c.base[c.i]
		case c.j < len(c.recent):
			k = c.recent[c.j]
		default:
			return "", false
		}
		if c.live(k) {
			return k, true
		}
		c.next(k)
	}
}

// next moves past k, the key at the cursor.
func (c *keyCursor) next(k string) {
	if c.i < len(c.base) && c.base[c.i] == k {
		c.i++
	} else {
		c.j++
	}
}
