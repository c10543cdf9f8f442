package bulk

import (
	"crypto/md5"
	"fmt"
	"hash/crc64"
	"strconv"
	"testing"

	"github.com/osscopy/osscopy/worker"
	"github.com/osscopy/osscopy/worker/storetest"
)

// TestFakeStoreConformance runs the store suite against the fake store,
// so that the bulk tests run on a store that behaves as the server does.
func TestFakeStoreConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) storetest.Fixture {
		s := newFakeStore()
		return storetest.Fixture{Store: s, Buckets: [2]string{"suite-src", "suite-dst"},
			Put: func(t *testing.T, obj worker.Object, content []byte, a worker.Attributes) {
				s.mu.Lock()
				defer s.mu.Unlock()
				s.objects[obj] = fakeObject{Size: int64(len(content)), ETag: fmt.Sprintf(`"%X"`, md5.Sum(content)),
					CRC64: strconv.FormatUint(crc64.Checksum(content, crc64.MakeTable(crc64.ECMA)), 10), Attributes: a}
			},
			StorageClass: func(t *testing.T, obj worker.Object) string {
				o, _ := s.get(obj.Bucket, obj.Key)
				return o.Attributes.StorageClass
			}}
	})
}
