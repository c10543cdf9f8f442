package ossserver

import (
	"crypto/md5"
	"fmt"
	"io"
	"sync"

	"github.com/osscopy/osscopy/internal/lab/crcmath"
)

// blob is immutable content that extents point into. Every blob can give the
// linear CRC value of any prefix cheaply, so the CRC64 of any range costs
// O(1) operator applications plus at most one mark interval of bytes.
type blob interface {
	io.ReaderAt
	ID() string
	Size() int64
	// prefixLinear returns crcmath's linear value of the first n bytes.
	prefixLinear(n int64) uint64
}

// rangeCRC returns the CRC64 checksum of n bytes of b starting at off.
func rangeCRC(b blob, off, n int64) uint64 {
	head := b.prefixLinear(off)
	whole := b.prefixLinear(off + n)
	return crcmath.Checksum(whole^crcmath.Shift(head, n), n)
}

// markInterval is how often a bytesBlob records its prefix CRC.
const markInterval = 64 << 10

// bufPool holds buffers of one mark interval, for reading and copying.
var bufPool = sync.Pool{New: func() any { b := make([]byte, markInterval); return &b }}

// bytesBlob holds real bytes (in memory or in a file) with prefix CRC marks
// every markInterval bytes.
type bytesBlob struct {
	id    string
	size  int64
	r     io.ReaderAt
	marks []uint64 // marks[i] = linear CRC of the first i*markInterval bytes
}

func (b *bytesBlob) ID() string                              { return b.id }
func (b *bytesBlob) Size() int64                             { return b.size }
func (b *bytesBlob) ReadAt(p []byte, off int64) (int, error) { return b.r.ReadAt(p, off) }

func (b *bytesBlob) prefixLinear(n int64) uint64 {
	i := n / markInterval
	rest := n - i*markInterval
	if rest == 0 {
		return b.marks[i]
	}
	bufp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bufp)
	buf := (*bufp)[:rest]
	if _, err := b.r.ReadAt(buf, i*markInterval); err != nil && err != io.EOF {
		// The bytes were readable when the blob was made; losing them now is
		// a broken data directory, which no answer could make right.
		panic(fmt.Sprintf("osscopy server: blob %s unreadable: %v", b.id, err))
	}
	return crcmath.UpdateLinear(b.marks[i], buf)
}

// ingested is what reading a request body into a blob learns about it.
type ingested struct {
	blob blob
	md5  [16]byte
	crc  uint64
}

// ingest copies r into w while computing the MD5, the CRC64 and the prefix
// marks of the bytes. It stops with errTooLarge past limit bytes.
func ingest(r io.Reader, w io.Writer, limit int64) (marks []uint64, sum [16]byte, size int64, err error) {
	h := md5.New()
	marks = []uint64{0}
	var lin uint64
	bufp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bufp)
	buf := *bufp
	for {
		n, rerr := io.ReadFull(r, buf)
		if n > 0 {
			size += int64(n)
			if size > limit {
				return nil, sum, size, errTooLarge
			}
			h.Write(buf[:n])
			lin = crcmath.UpdateLinear(lin, buf[:n])
			if _, werr := w.Write(buf[:n]); werr != nil {
				return nil, sum, size, werr
			}
			if n == len(buf) {
				marks = append(marks, lin)
			}
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			break
		}
		if rerr != nil {
			return nil, sum, size, rerr
		}
	}
	copy(sum[:], h.Sum(nil))
	return marks, sum, size, nil
}

var errTooLarge = fmt.Errorf("body larger than allowed")
