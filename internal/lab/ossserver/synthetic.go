package ossserver

import (
	"encoding/binary"
	"math/bits"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"

	"github.com/osscopy/osscopy/internal/lab/crcmath"
)

// Synthetic content stands for objects of any logical size (tests copy 5 TiB
// and 48.8 TB objects) without storing their bytes. It is made of 64 KiB
// blocks: block i is a pattern drawn from the seed, with the first 8 bytes
// xored with i (big-endian), so that every block differs and parts copied to
// the wrong place change the CRC64.
//
// Because the CRC register is linear, the CRC of the first n blocks follows
// from a few precomputed operators in O(log n): see blocksLinear.
const (
	synthBlockShift = 16
	synthBlock      = 1 << synthBlockShift
	synthLevels     = 40 // 2^40 blocks of 64 KiB: far beyond OSS's 48.8 TB
	synthMarkShift  = 12 // prefix marks of the pattern every 4 KiB
)

// synthOps holds what does not depend on the seed.
type synthOps struct {
	sigma [synthLevels]crcmath.Op // sigma[k] = sum of shifts by 0..2^k-1 blocks
	bit   [64]uint64              // linear CRC of a zero block whose index has only bit j set
}

var sharedSynthOps = sync.OnceValue(func() *synthOps {
	ops := &synthOps{}
	ops.sigma[0] = crcmath.Identity
	for k := 0; k+1 < synthLevels; k++ {
		shifted := ops.sigma[k].Then(crcmath.ZeroBytesOp(synthBlockShift + k))
		ops.sigma[k+1] = ops.sigma[k].Plus(&shifted)
	}
	var header [8]byte
	for j := range ops.bit {
		binary.BigEndian.PutUint64(header[:], 1<<j)
		ops.bit[j] = crcmath.Shift(crcmath.Linear(header[:]), synthBlock-8)
	}
	return ops
})

// indexLinear returns the linear CRC of a zero block carrying index i.
func (o *synthOps) indexLinear(i uint64) uint64 {
	var v uint64
	for ; i != 0; i &= i - 1 {
		v ^= o.bit[bits.TrailingZeros64(i)]
	}
	return v
}

// syntheticBlob is only a seed and a size, so that a million seeded objects
// cost little. A blob of one block makes its pattern afresh when used (a
// listing settles a thousand, each once); larger ones share their seed's
// tables through synthCache.
type syntheticBlob struct {
	seed uint64
	size int64
}

// syntheticID names a synthetic blob; the name alone rebuilds it.
func syntheticID(seed uint64, size int64) string {
	var buf [48]byte // on the stack: a million seeded objects need a million names
	id := append(buf[:0], "syn-"...)
	id = strconv.AppendUint(id, seed, 10)
	id = append(id, '-')
	return string(strconv.AppendInt(id, size, 10))
}

func parseSyntheticID(id string) (seed uint64, size int64, ok bool) {
	parts := strings.Split(id, "-")
	if len(parts) != 3 || parts[0] != "syn" {
		return 0, 0, false
	}
	seed, err1 := strconv.ParseUint(parts[1], 10, 64)
	size, err2 := strconv.ParseInt(parts[2], 10, 64)
	return seed, size, err1 == nil && err2 == nil && size >= 0
}

func newSyntheticBlob(seed uint64, size int64) *syntheticBlob {
	return &syntheticBlob{seed: seed, size: size}
}

// fillPattern fills dst, a multiple of 8 bytes long, with the start of the
// pattern drawn from seed.
func fillPattern(dst []byte, seed uint64) []byte {
	var rng rand.PCG
	rng.Seed(seed, 0x6f7373636f7079)
	for i := 0; i < len(dst); i += 8 {
		binary.LittleEndian.PutUint64(dst[i:], rng.Uint64())
	}
	return dst
}

var patternPool = sync.Pool{New: func() any { b := make([]byte, synthBlock); return &b }}

// withPattern calls fn with the pattern b's blocks repeat, or at least its
// first n bytes.
func (b *syntheticBlob) withPattern(n int64, fn func(pattern []byte)) {
	if b.size > synthBlock {
		fn(synthCache.get(b.seed).pattern)
		return
	}
	bufp := patternPool.Get().(*[]byte)
	defer patternPool.Put(bufp)
	fn(fillPattern((*bufp)[:(n+7)&^7], b.seed))
}

func (b *syntheticBlob) ID() string  { return syntheticID(b.seed, b.size) }
func (b *syntheticBlob) Size() int64 { return b.size }

func (b *syntheticBlob) ReadAt(p []byte, off int64) (n int, err error) {
	if off >= b.size {
		return 0, errEOF
	}
	b.withPattern(min(off+int64(len(p)), b.size), func(pattern []byte) {
		for n < len(p) && off < b.size {
			block, within := uint64(off>>synthBlockShift), int(off&(synthBlock-1))
			chunk := min(len(p)-n, synthBlock-within, int(b.size-off))
			copy(p[n:n+chunk], pattern[within:within+chunk])
			if within < 8 {
				var header [8]byte
				binary.BigEndian.PutUint64(header[:], block)
				for i := within; i < 8 && i-within < chunk; i++ {
					p[n+i-within] ^= header[i]
				}
			}
			n += chunk
			off += int64(chunk)
		}
	})
	if n < len(p) {
		return n, errEOF
	}
	return n, nil
}

// blocksLinear returns the linear CRC of blocks 0..n-1, splitting n into
// aligned power-of-two runs: a run of 2^k blocks starting at a multiple of
// 2^(k+1) is blocks 0..2^k-1 with the run's base index xored into each.
func (t *synthTables) blocksLinear(n uint64) uint64 {
	ops := sharedSynthOps()
	var reg, base uint64
	for k := synthLevels - 1; k >= 0; k-- {
		if n>>k&1 == 0 {
			continue
		}
		run := t.full[k] ^ ops.sigma[k].Apply(ops.indexLinear(base))
		reg = crcmath.ZeroBytesOp(synthBlockShift+k).Apply(reg) ^ run
		base |= 1 << k
	}
	return reg
}

func (b *syntheticBlob) prefixLinear(n int64) uint64 {
	if b.size <= synthBlock {
		// One block, whose index 0 changes nothing: reading costs less than tables.
		var reg uint64
		b.withPattern(n, func(pattern []byte) { reg = crcmath.Linear(pattern[:n]) })
		return reg
	}
	block := uint64(n >> synthBlockShift)
	within := n & (synthBlock - 1)
	t := synthCache.get(b.seed)
	reg := t.blocksLinear(block)
	if within == 0 {
		return reg
	}
	mark := within >> synthMarkShift
	pattern := crcmath.UpdateLinear(t.marks[mark], t.pattern[mark<<synthMarkShift:within])
	var header [8]byte
	binary.BigEndian.PutUint64(header[:], block)
	h := min(within, 8)
	index := crcmath.Shift(crcmath.Linear(header[:h]), within-h)
	return crcmath.Shift(reg, within) ^ pattern ^ index
}
