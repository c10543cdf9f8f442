package ossserver

import (
	"bytes"
	"crypto/md5"
	"fmt"
	"hash/crc64"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/osscopy/osscopy/internal/lab/crcmath"
)

// seededServer runs a fuzz-configured server with objects p/000..p/999 of
// 1 KiB to 64 KiB in bucket "many", and an MD5 limit of 32 KiB.
func seededServer(t *testing.T) (*Server, SeedObjects) {
	t.Helper()
	sp := SeedObjects{Bucket: "many", Prefix: "p/", Count: 1000, MinSize: 1 << 10, MaxSize: 64 << 10, Seed: 5}
	cfg := fuzzConfig(nil)
	cfg.MD5Limit = 32 << 10
	cfg.SeedObjects = []SeedObjects{sp}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s, sp
}

// send runs one signed request through s.
func send(s *Server, method, path, query string, hdr map[string]string) *httptest.ResponseRecorder {
	req := fuzzRequest(method, path, query, "127.0.0.1:8080", hdr, "", nil)
	fuzzSign(s, req, fuzzSignV4)
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec
}

// Seeded objects have the names, sizes and seeds asked for, and no CRC64 or
// ETag until a request needs them; then those of their bytes.
func TestSeedObjectsAreLazyAndDescribeTheirBytes(t *testing.T) {
	t.Parallel()
	s, sp := seededServer(t)
	b := s.store.st.Buckets["many"]
	sizes, seeds := map[int64]bool{}, map[uint64]bool{}
	for i := range sp.Count {
		o := b.current(fmt.Sprintf("p/%03d", i))
		if o == nil || o.Size < sp.MinSize || o.Size > sp.MaxSize || o.ETag != "" {
			t.Fatalf("object %d is %+v", i, o)
		}
		sizes[o.Size] = true
		seeds[o.Content[0].b.(*syntheticBlob).seed] = true
	}
	if len(sizes) < sp.Count*9/10 || len(seeds) != sp.Count {
		t.Errorf("%d objects have %d sizes and %d seeds", sp.Count, len(sizes), len(seeds))
	}
	// Objects up to MD5Limit get the MD5 of their bytes as ETag, larger ones
	// a digest of CRC64 and size: look at one of each.
	small, large := -1, -1
	for i := range sp.Count {
		if sp.size(i) <= s.cfg.MD5Limit {
			small = i
		} else {
			large = i
		}
	}
	for _, i := range []int{small, large} {
		path := fmt.Sprintf("/many/p/%03d", i)
		head, get := send(s, http.MethodHead, path, "", nil), send(s, http.MethodGet, path, "", nil)
		data := get.Body.Bytes()
		if head.Code != 200 || get.Code != 200 || int64(len(data)) != sp.size(i) {
			t.Fatalf("HEAD %s: %d, GET: %d with %d bytes", path, head.Code, get.Code, len(data))
		}
		crc := crc64.Checksum(data, crcmath.Table)
		etag := fmt.Sprintf("%X", md5.Sum(data))
		if len(data) > int(s.cfg.MD5Limit) {
			etag = content(nil).etag(crc, int64(len(data)), s.cfg.MD5Limit)
		}
		for _, h := range []http.Header{head.Header(), get.Header()} {
			if h.Get("x-oss-hash-crc64ecma") != strconv.FormatUint(crc, 10) || h.Get("ETag") != `"`+etag+`"` {
				t.Errorf("%s has CRC64 %s and ETag %s; its bytes say %d and %s", path, h.Get("x-oss-hash-crc64ecma"), h.Get("ETag"), crc, etag)
			}
		}
	}
	list := send(s, http.MethodGet, "/many/", "list-type=2&prefix=p/&max-keys=1000", nil)
	if list.Code != 200 {
		t.Fatalf("ListObjectsV2: %d %s", list.Code, list.Body)
	}
	for i := range sp.Count {
		if o := b.current(fmt.Sprintf("p/%03d", i)); o.ETag == "" || o.CRC == 0 {
			t.Fatalf("object %d was listed without its ETag and CRC64: %+v", i, o)
		}
	}
}

// CopyObject of a seeded object shares its synthetic blob: no bytes are made.
func TestCopyObjectSharesSyntheticBlob(t *testing.T) {
	t.Parallel()
	s, _ := seededServer(t)
	res := send(s, http.MethodPut, "/many/copy", "", map[string]string{"x-oss-copy-source": "/many/p/042"})
	if res.Code != 200 {
		t.Fatalf("CopyObject: %d %s", res.Code, res.Body)
	}
	b := s.store.st.Buckets["many"]
	src, dst := b.current("p/042"), b.current("copy")
	if len(dst.Content) != 1 || dst.Content[0].b != src.Content[0].b || dst.Content[0].BlobID != src.Content[0].BlobID {
		t.Fatalf("the copy has content %+v, the source %+v", dst.Content, src.Content)
	}
	if _, synthetic := dst.Content[0].b.(*syntheticBlob); !synthetic || dst.CRC != src.CRC || dst.ETag != src.ETag || dst.ETag == "" {
		t.Errorf("the copy is %+v, the source %+v", dst, src)
	}
}

// With a data directory, seeded objects go to the journal a batch per line
// and survive a restart, which with the same flags writes nothing again.
func TestSeedObjectsSurviveRestart(t *testing.T) {
	t.Parallel()
	cfg := fuzzConfig(nil)
	cfg.DataDir = t.TempDir()
	cfg.SeedObjects = []SeedObjects{{Bucket: "many", Prefix: "k", Count: 2*seedBatch + 1, MinSize: 0, MaxSize: 100, Seed: 1}}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	seq := s.store.st.Seq
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	journal, err := os.ReadFile(filepath.Join(cfg.DataDir, journalName))
	if n := bytes.Count(journal, []byte(`"op":"put-objects"`)); err != nil || n != 3 {
		t.Fatalf("the journal has %d put-objects lines (%v), want 3", n, err)
	}
	again, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	b := again.store.st.Buckets["many"]
	if again.store.st.Seq != seq || len(b.Objects) != 2*seedBatch+1 {
		t.Fatalf("after a restart: seq %d (was %d), %d objects", again.store.st.Seq, seq, len(b.Objects))
	}
	res := send(again, http.MethodHead, "/many/k20000", "", nil)
	if res.Code != 200 || res.Header().Get("x-oss-hash-crc64ecma") == "" {
		t.Errorf("HEAD k20000 after a restart: %d %v", res.Code, res.Header())
	}
}
