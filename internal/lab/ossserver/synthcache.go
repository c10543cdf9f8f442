package ossserver

import (
	"sync"

	"github.com/osscopy/osscopy/internal/lab/crcmath"
)

// synthTables are what the content of one seed needs: its pattern and the
// linear CRC tables that make the CRC of any range cheap.
type synthTables struct {
	pattern []byte
	marks   []uint64            // linear CRC of pattern[:i<<synthMarkShift]
	full    [synthLevels]uint64 // linear CRC of blocks 0..2^k-1
}

func newSynthTables(seed uint64) *synthTables {
	t := &synthTables{pattern: fillPattern(make([]byte, synthBlock), seed)}
	t.marks = make([]uint64, synthBlock>>synthMarkShift+1)
	for i := 1; i < len(t.marks); i++ {
		t.marks[i] = crcmath.UpdateLinear(t.marks[i-1], t.pattern[(i-1)<<synthMarkShift:i<<synthMarkShift])
	}
	ops := sharedSynthOps()
	t.full[0] = t.marks[len(t.marks)-1]
	for k := 0; k+1 < synthLevels; k++ {
		// Blocks 2^k..2^(k+1)-1 repeat blocks 0..2^k-1 with index bit k set.
		upper := t.full[k] ^ ops.sigma[k].Apply(ops.bit[k])
		t.full[k+1] = crcmath.ZeroBytesOp(synthBlockShift+k).Apply(t.full[k]) ^ upper
	}
	return t
}

// tableCache keeps the tables of recently used seeds in two generations:
// a seed used again moves to the current one, and when that fills up the
// older one is dropped. Tables take 66 KiB and ~100 µs to build: a huge
// object read or copied part by part keeps its own, and a million seeded
// objects never hold more than 2*synthCacheSize.
type tableCache struct {
	mu       sync.Mutex
	cur, old map[uint64]*synthTables
}

const synthCacheSize = 128

var synthCache tableCache

func (c *tableCache) get(seed uint64) *synthTables {
	c.mu.Lock()
	t := c.cur[seed]
	if t == nil {
		if t = c.old[seed]; t != nil {
			c.keep(seed, t)
		}
	}
	c.mu.Unlock()
	if t != nil {
		return t
	}
	t = newSynthTables(seed) // outside the lock: other seeds need not wait
	c.mu.Lock()
	defer c.mu.Unlock()
	if had := c.cur[seed]; had != nil {
		return had
	}
	c.keep(seed, t)
	return t
}

// keep puts t in the current generation; c.mu is held.
func (c *tableCache) keep(seed uint64, t *synthTables) {
	if c.cur == nil || len(c.cur) >= synthCacheSize {
		c.old, c.cur = c.cur, make(map[uint64]*synthTables, synthCacheSize)
	}
	c.cur[seed] = t
}
