package ossserver

import (
	"bytes"
	"crypto/md5"
	"fmt"
	"hash/crc64"
	"io"

	"github.com/osscopy/osscopy/internal/lab/crcmath"
)

var errEOF = io.EOF

// extent is a run of bytes inside a blob. Objects and parts are lists of
// extents, so copying a range costs O(extents), never O(bytes).
type extent struct {
	BlobID string `json:"blob"`
	Off    int64  `json:"off"`
	N      int64  `json:"n"`
	b      blob
}

// content is the bytes of an object or part as an ordered list of extents.
type content []extent

// slice returns the n bytes starting at off; the caller checks the bounds.
func (c content) slice(off, n int64) content {
	var out content
	for _, e := range c {
		if n == 0 {
			break
		}
		if off >= e.N {
			off -= e.N
			continue
		}
		take := min(e.N-off, n)
		out = append(out, extent{BlobID: e.BlobID, Off: e.Off + off, N: take, b: e.b})
		n -= take
		off = 0
	}
	return out
}

// crc returns the CRC64 of the content from its extents' blobs.
func (c content) crc() uint64 {
	var sum uint64
	for _, e := range c {
		sum = crcmath.Combine(sum, rangeCRC(e.b, e.Off, e.N), e.N)
	}
	return sum
}

// reader streams the content's bytes.
func (c content) reader() io.Reader {
	readers := make([]io.Reader, len(c))
	for i, e := range c {
		readers[i] = io.NewSectionReader(e.b, e.Off, e.N)
	}
	return io.MultiReader(readers...)
}

// etag returns the ETag of content that did not arrive as a request body
// (copies and synthetic objects): the MD5 of its bytes up to md5Limit bytes,
// beyond it a digest of its CRC64 and size, so that copying a 5 GB range
// costs no more than copying 5 MB. Equal content still gets equal ETags.
func (c content) etag(crc uint64, size, md5Limit int64) string {
	if size <= md5Limit {
		h := md5.New()
		if _, err := io.Copy(h, c.reader()); err == nil {
			return fmt.Sprintf("%X", h.Sum(nil))
		}
	}
	return fmt.Sprintf("%X", md5.Sum(fmt.Appendf(nil, "osscopy-content crc64=%d size=%d", crc, size)))
}

// digest returns the CRC64 and ETag (as etag makes it) of content made
// without them: seeded objects. Up to md5Limit bytes it reads them once for
// both, as small synthetic blobs compute their CRC64 by reading anyway.
func (c content) digest(size, md5Limit int64) (uint64, string) {
	if size > md5Limit {
		crc := c.crc()
		return crc, c.etag(crc, size, md5Limit)
	}
	h, sum := md5.New(), crc64.New(crcmath.Table)
	bufp := bufPool.Get().(*[]byte) // a listing settles a thousand objects
	defer bufPool.Put(bufp)
	// Hiding the MultiReader's WriteTo makes CopyBuffer use *bufp, not a new one.
	if _, err := io.CopyBuffer(io.MultiWriter(h, sum), struct{ io.Reader }{c.reader()}, *bufp); err != nil {
		// Blobs were readable when made; see bytesBlob.prefixLinear.
		panic(fmt.Sprintf("osscopy server: content unreadable: %v", err))
	}
	return sum.Sum64(), fmt.Sprintf("%X", h.Sum(nil))
}

// memBlob makes an in-memory bytesBlob.
func memBlob(id string, data []byte, marks []uint64) *bytesBlob {
	return &bytesBlob{id: id, size: int64(len(data)), r: bytes.NewReader(data), marks: marks}
}
