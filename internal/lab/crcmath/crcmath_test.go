package crcmath

import (
	"hash/crc64"
	"math/rand/v2"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

func randomBytes(r *rand.Rand, n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(r.Uint32())
	}
	return p
}

func TestCombineAndSubMatchDirectChecksums(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct{ a, b int }{{0, 0}, {0, 7}, {7, 0}, {1, 1}, {100, 3}, {4096, 65537}, {3, 1 << 20}} {
		a, b := randomBytes(r, tc.a), randomBytes(r, tc.b)
		ca, cb := crc64.Checksum(a, Table), crc64.Checksum(b, Table)
		cab := crc64.Checksum(append(append([]byte{}, a...), b...), Table)
		if got := Combine(ca, cb, int64(len(b))); got != cab {
			t.Errorf("Combine(%d,%d) = %d, want %d", tc.a, tc.b, got, cab)
		}
		if got := oss.CRC64Combine(ca, cb, uint64(len(b))); got != cab {
			t.Errorf("SDK CRC64Combine(%d,%d) = %d, want %d: the two disagree on the algorithm", tc.a, tc.b, got, cab)
		}
		if got := Sub(cab, ca, int64(len(b))); got != cb {
			t.Errorf("Sub(%d,%d) = %d, want %d", tc.a, tc.b, got, cb)
		}
	}
}

func TestLinearDomainRoundTripsAndIsLinear(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 8, 1000, 70000} {
		a, b := randomBytes(r, n), randomBytes(r, n)
		x := make([]byte, n)
		for i := range x {
			x[i] = a[i] ^ b[i]
		}
		if Linear(x) != Linear(a)^Linear(b) {
			t.Errorf("n=%d: L(a^b) != L(a)^L(b)", n)
		}
		c := crc64.Checksum(a, Table)
		if got := Checksum(Linear(a), int64(n)); got != c {
			t.Errorf("n=%d: Checksum(Linear) = %d, want %d", n, got, c)
		}
		if got := LinearOf(c, int64(n)); got != Linear(a) {
			t.Errorf("n=%d: LinearOf(c) = %d, want %d", n, got, Linear(a))
		}
		half := n / 2
		if got := UpdateLinear(Linear(a[:half]), a[half:]); got != Linear(a) {
			t.Errorf("n=%d: UpdateLinear split = %d, want %d", n, got, Linear(a))
		}
	}
}

func TestOperatorAlgebra(t *testing.T) {
	t.Parallel()
	one, two := ZeroBytesOp(0), ZeroBytesOp(1)
	three := one.Then(two)
	v := uint64(0xDEADBEEF12345678)
	if got, want := three.Apply(v), Shift(v, 3); got != want {
		t.Errorf("op(1)·op(2) = %x, Shift(3) = %x", got, want)
	}
	id := Identity
	sum := id.Plus(one)
	if got, want := sum.Apply(v), v^Shift(v, 1); got != want {
		t.Errorf("(I + op1)·v = %x, want %x", got, want)
	}
}

func BenchmarkCombine(b *testing.B) {
	for b.Loop() {
		Combine(0x1234, 0x5678, 64<<20+12345)
	}
}

func BenchmarkSDKCRC64Combine(b *testing.B) {
	for b.Loop() {
		oss.CRC64Combine(0x1234, 0x5678, 64<<20+12345)
	}
}
