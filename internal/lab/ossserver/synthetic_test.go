package ossserver

import (
	"bytes"
	"hash/crc64"
	"io"
	"testing"

	"github.com/osscopy/osscopy/internal/lab/crcmath"
)

// The structural CRC of synthetic content must equal the CRC of its bytes,
// for whole objects and for ranges that cut blocks and headers anywhere.
func TestSyntheticBlobCRCMatchesItsBytes(t *testing.T) {
	t.Parallel()
	size := int64(5*synthBlock + 12345)
	b := newSyntheticBlob(42, size)
	data := make([]byte, size)
	if _, err := b.ReadAt(data, 0); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ off, n int64 }{
		{0, size}, {0, 0}, {0, 1}, {0, 7}, {3, 5}, {0, synthBlock}, {synthBlock, synthBlock},
		{synthBlock - 3, 20}, {synthBlock + 4, 3*synthBlock + 17}, {size - 1, 1}, {12345, 4096},
		{2*synthBlock + 4095, 4097},
	}
	for _, tc := range cases {
		want := crc64.Checksum(data[tc.off:tc.off+tc.n], crcmath.Table)
		if got := rangeCRC(b, tc.off, tc.n); got != want {
			t.Errorf("rangeCRC(%d, %d) = %d, want %d", tc.off, tc.n, got, want)
		}
	}
}

// A blob of one block, which makes its pattern afresh instead of caching
// tables, holds the first bytes of a larger blob of the same seed, and its
// CRC over any range is that of its bytes.
func TestSmallSyntheticBlobIsAPrefixOfALargeOne(t *testing.T) {
	t.Parallel()
	large := make([]byte, 2*synthBlock)
	if _, err := newSyntheticBlob(9, int64(len(large))).ReadAt(large, 0); err != nil {
		t.Fatal(err)
	}
	for _, size := range []int64{1, 7, 8, 1000, 4097, synthBlock - 1, synthBlock} {
		b := newSyntheticBlob(9, size)
		data := make([]byte, size)
		if _, err := b.ReadAt(data, 0); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(data, large[:size]) {
			t.Fatalf("a blob of %d bytes is not the start of a larger one of its seed", size)
		}
		if part := make([]byte, size); size > 3 {
			if n, err := b.ReadAt(part, 3); n != int(size-3) || err != io.EOF || !bytes.Equal(part[:n], data[3:]) {
				t.Fatalf("ReadAt 3 of %d bytes: %d, %v", size, n, err)
			}
		}
		for _, r := range [][2]int64{{0, size}, {0, 0}, {size / 3, size - size/3}, {size - 1, 1}} {
			want := crc64.Checksum(data[r[0]:r[0]+r[1]], crcmath.Table)
			if got := rangeCRC(b, r[0], r[1]); got != want {
				t.Errorf("rangeCRC of %d bytes (%d, %d) = %d, want %d", size, r[0], r[1], got, want)
			}
		}
	}
}

func TestSyntheticBlocksDifferAndSeedsDiffer(t *testing.T) {
	t.Parallel()
	a, b := newSyntheticBlob(1, 4*synthBlock), newSyntheticBlob(2, 4*synthBlock)
	if rangeCRC(a, 0, synthBlock) == rangeCRC(a, synthBlock, synthBlock) {
		t.Error("blocks 0 and 1 of one seed have equal CRCs: misplaced parts would go unnoticed")
	}
	if rangeCRC(a, 0, a.size) == rangeCRC(b, 0, b.size) {
		t.Error("two seeds made equal content")
	}
	again := newSyntheticBlob(1, 4*synthBlock)
	if rangeCRC(a, 0, a.size) != rangeCRC(again, 0, again.size) {
		t.Error("the same seed made different content")
	}
}

// A huge synthetic object's CRC agrees with combining its halves computed
// independently, and a large prefix agrees with reading its bytes when the
// bytes are few enough to read (1 GiB + odd tail is read in the long test).
func TestSyntheticHugeObjectCRCIsConsistent(t *testing.T) {
	t.Parallel()
	size := int64(48_800_000_000_000)
	b := newSyntheticBlob(7, size)
	half := size/2 + 12345
	whole := rangeCRC(b, 0, size)
	combined := crcmath.Combine(rangeCRC(b, 0, half), rangeCRC(b, half, size-half), size-half)
	if whole != combined {
		t.Fatalf("CRC of 48.8 TB = %d, combined halves = %d", whole, combined)
	}
	if testing.Short() {
		return
	}
	n := int64(1<<30 + 777)
	h := crc64.New(crcmath.Table)
	if _, err := io.Copy(h, io.NewSectionReader(b, 3*synthBlock+5, n)); err != nil {
		t.Fatal(err)
	}
	if got := rangeCRC(b, 3*synthBlock+5, n); got != h.Sum64() {
		t.Fatalf("CRC of a 1 GiB range = %d, bytes say %d", got, h.Sum64())
	}
}

func TestSyntheticIDRoundTrip(t *testing.T) {
	t.Parallel()
	seed, size, ok := parseSyntheticID(syntheticID(99, 5<<40))
	if !ok || seed != 99 || size != 5<<40 {
		t.Fatalf("got %d %d %v", seed, size, ok)
	}
	for _, bad := range []string{"", "syn", "syn-1", "syn-x-1", "syn-1--5", "b123"} {
		if _, _, ok := parseSyntheticID(bad); ok {
			t.Errorf("parseSyntheticID(%q) accepted", bad)
		}
	}
}
