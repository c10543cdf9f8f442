package ossserver

import (
	"fmt"
	"strconv"
	"time"
)

// seedBatch is how many seeded objects one record puts: with a data
// directory, a million objects make a hundred synced journal lines.
const seedBatch = 10_000

// key returns the name of object i.
func (sp SeedObjects) key(i int) string {
	return string(sp.appendKey(nil, i, sp.width()))
}

// width is how many digits the index in a key has: those of Count-1.
func (sp SeedObjects) width() int { return len(strconv.Itoa(sp.Count - 1)) }

// appendKey appends the name of object i: Prefix, then i zero-padded to w.
func (sp SeedObjects) appendKey(dst []byte, i, w int) []byte {
	dst = append(dst, sp.Prefix...)
	for range w {
		dst = append(dst, '0')
	}
	for j := len(dst) - 1; i > 0; j, i = j-1, i/10 {
		dst[j] = byte('0' + i%10)
	}
	return dst
}

// seed returns the content seed of object i; neighbours get unrelated ones.
func (sp SeedObjects) seed(i int) uint64 {
	return mix64(sp.Seed + uint64(i)*0x9e3779b97f4a7c15)
}

// size returns the size of object i, drawn from MinSize..MaxSize.
func (sp SeedObjects) size(i int) int64 {
	span := uint64(sp.MaxSize-sp.MinSize) + 1 // sizes are at most 48.8 TB: no overflow
	return sp.MinSize + int64(mix64(sp.seed(i))%span)
}

// check says what is wrong with sp, or nil.
func (sp SeedObjects) check() error {
	name := fmt.Sprintf("seed objects oss://%s/%s", sp.Bucket, sp.Prefix)
	switch {
	case sp.Count < 1 || sp.Count > MaxSeedObjects:
		return fmt.Errorf("%s: count %d is outside 1..%d", name, sp.Count, MaxSeedObjects)
	case sp.MinSize < 0 || sp.MinSize > sp.MaxSize || sp.MaxSize > MaxObjectSize:
		return fmt.Errorf("%s: sizes %d..%d are not a range within 0..%d (48.8 TB, the OSS maximum)",
			name, sp.MinSize, sp.MaxSize, int64(MaxObjectSize))
	}
	// Keys differ only in their digits, which no rule on keys is about.
	if e := validKey(sp.key(0)); e != nil {
		return fmt.Errorf("%s: key %q: %s", name, sp.key(0), e.Message)
	}
	return nil
}

// objects makes sp's objects, without their CRC64 and ETag (see settle), in
// a few allocations rather than a few per object: the keys are cut from one
// string, and the records, extents and blobs are slices of one array each.
// An array stays in memory while any of its objects does.
func (sp SeedObjects) objects(now time.Time) []objectState {
	w := sp.width()
	n := len(sp.Prefix) + w
	names := make([]byte, 0, sp.Count*n)
	for i := range sp.Count {
		names = sp.appendKey(names, i, w)
	}
	all := string(names)
	objs := make([]objectState, sp.Count)
	exts := make([]extent, sp.Count)
	blobs := make([]syntheticBlob, sp.Count)
	for i := range objs {
		blobs[i] = syntheticBlob{seed: sp.seed(i), size: sp.size(i)}
		b := &blobs[i]
		var c content
		if b.size > 0 {
			exts[i] = extent{BlobID: b.ID(), N: b.size, b: b}
			c = exts[i : i+1 : i+1]
		}
		objs[i] = objectState{Key: all[i*n : (i+1)*n], Content: c, Size: b.size,
			LastModified: now, Type: "Normal", StorageClass: "Standard",
			Meta: octetStream}
	}
	return objs
}

// seedObjects creates sp's objects, leaving alone those that exist with the
// same content already (a restart with a data directory).
func (s *Server) seedObjects(sp SeedObjects) error {
	if err := sp.check(); err != nil {
		return err
	}
	if err := s.ensureBucket(sp.Bucket); err != nil {
		return err
	}
	objs := sp.objects(s.cfg.Now().UTC())
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	bucket := s.store.st.Buckets[sp.Bucket]
	batch := make([]*objectState, 0, min(seedBatch, len(objs)))
	put := func() error {
		if len(batch) == 0 {
			return nil
		}
		if e := s.store.commit(record{Op: opPutObjects, Bucket: sp.Bucket, Objects: batch}); e != nil {
			return e
		}
		batch = batch[:0]
		return nil
	}
	for i := range objs {
		o := &objs[i]
		if cur := bucket.current(o.Key); cur != nil && cur.Size == o.Size && sameContent(cur.Content, o.Content) {
			continue
		}
		o.VersionID = bucket.versionIDFor()
		if batch = append(batch, o); len(batch) == seedBatch {
			if err := put(); err != nil {
				return err
			}
		}
	}
	return put()
}
