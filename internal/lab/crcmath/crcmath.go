package crcmath

import (
	"hash/crc64"
	"math/bits"
)

// Table is the CRC-64/ECMA table OSS uses for x-oss-hash-crc64ecma.
var Table = crc64.MakeTable(crc64.ECMA)

// Op is a linear operator on the 64-bit CRC register: column j is the image
// of the register with only bit j set.
type Op [64]uint64

// Apply returns m·v.
func (m *Op) Apply(v uint64) uint64 {
	var r uint64
	for v != 0 {
		j := bits.TrailingZeros64(v)
		r ^= m[j]
		v &= v - 1
	}
	return r
}

// Then returns the operator that applies m first and n after it (n·m).
func (m *Op) Then(n *Op) Op {
	var r Op
	for j := range r {
		r[j] = n.Apply(m[j])
	}
	return r
}

// Plus returns m + n (bitwise xor of the operators).
func (m *Op) Plus(n *Op) Op {
	var r Op
	for j := range r {
		r[j] = m[j] ^ n[j]
	}
	return r
}

// Identity is the operator that changes nothing.
var Identity = func() Op {
	var r Op
	for j := range r {
		r[j] = 1 << j
	}
	return r
}()

// zeroOps[k] appends 2^k zero bytes to a register.
var zeroOps = func() [64]Op {
	var ops [64]Op
	for j := range ops[0] {
		reg := uint64(1) << j
		ops[0][j] = Table[byte(reg)] ^ (reg >> 8)
	}
	for k := 1; k < len(ops); k++ {
		ops[k] = ops[k-1].Then(&ops[k-1])
	}
	return ops
}()

// ZeroBytesOp returns the operator that appends 2^k zero bytes.
func ZeroBytesOp(k int) *Op { return &zeroOps[k] }

// Shift returns the register v after n zero bytes.
func Shift(v uint64, n int64) uint64 {
	for u := uint64(n); u != 0 && v != 0; u &= u - 1 {
		v = zeroOps[bits.TrailingZeros64(u)].Apply(v)
	}
	return v
}

// Combine returns c(A||B) from c(A), c(B) and len(B): the same result as the
// SDK's CRC64Combine, with precomputed operators.
func Combine(crcA, crcB uint64, lenB int64) uint64 {
	return Shift(crcA, lenB) ^ crcB
}

// Sub returns c(B) from c(A||B), c(A) and len(B): the inverse of Combine.
func Sub(crcAB, crcA uint64, lenB int64) uint64 {
	return crcAB ^ Shift(crcA, lenB)
}

// Linear returns L(p), the register after p starting from zero.
func Linear(p []byte) uint64 { return UpdateLinear(0, p) }

// UpdateLinear returns L(M||p) given l = L(M).
func UpdateLinear(l uint64, p []byte) uint64 {
	// crc64.Update inverts the register on entry and exit.
	return ^crc64.Update(^l, Table, p)
}

// zerosChecksum returns c(zeros(n)), the difference between the two domains.
func zerosChecksum(n int64) uint64 { return ^Shift(^uint64(0), n) }

// Checksum converts the linear value of an n-byte message to its checksum.
func Checksum(l uint64, n int64) uint64 { return l ^ zerosChecksum(n) }

// LinearOf converts the checksum of an n-byte message to its linear value.
func LinearOf(c uint64, n int64) uint64 { return c ^ zerosChecksum(n) }
