package ossserver

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Seeded objects are made without their CRC64 and ETag, which an empty ETag
// marks (only delete markers have none otherwise): hashing a million objects
// at start would take a minute. They are computed when first asked for, and
// without the store lock, since an object's content never changes once made
// and a listing page may hash a thousand objects.

// settle computes the CRC64 and ETag of objs, which lacked them when the
// caller looked under the store lock, and records them. The caller must not
// hold the lock now.
func (s *Server) settle(objs []*objectState) {
	type digest struct {
		crc  uint64
		etag string
	}
	out := make([]digest, len(objs))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(len(objs), runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(objs); i = int(next.Add(1) - 1) {
				o := objs[i]
				out[i].crc, out[i].etag = o.Content.digest(o.Size, s.cfg.MD5Limit)
			}
		})
	}
	wg.Wait()
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	for i, o := range objs {
		if o.ETag == "" { // another request may have settled it meanwhile
			o.CRC, o.ETag = out[i].crc, out[i].etag
		}
	}
}
