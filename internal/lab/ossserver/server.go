package ossserver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Server answers the OSS API over HTTP. Create it with New and serve it with
// any http.Server; Close releases the data directory.
type Server struct {
	cfg      Config
	store    *store
	creds    map[string]Credential
	inflight atomic.Int64
	faults   *faults
	log      *accessLog
}

// New builds a server from cfg, loading cfg.DataDir when set and creating
// the buckets and synthetic objects cfg asks for.
func New(cfg Config) (*Server, error) {
	c := cfg.withDefaults()
	if len(c.Credentials) == 0 {
		return nil, errors.New("no credentials: give at least one access key pair")
	}
	s := &Server{cfg: c, creds: map[string]Credential{}, faults: newFaults(c), log: newAccessLog(c.AccessLog)}
	for _, cr := range c.Credentials {
		if cr.AccessKeyID == "" || cr.AccessKeySecret == "" {
			return nil, errors.New("a credential needs both an access key ID and a secret")
		}
		s.creds[cr.AccessKeyID] = cr
	}
	s.store = &store{st: newState(), blobs: memStore{}}
	if c.DataDir != "" {
		st, j, blobs, err := openDataDir(c.DataDir)
		if err != nil {
			return nil, fmt.Errorf("data directory %s: %w", c.DataDir, err)
		}
		s.store = &store{st: st, journal: j, blobs: blobs}
	}
	for _, name := range c.Buckets {
		if err := s.ensureBucket(name); err != nil {
			return nil, err
		}
	}
	for _, seed := range c.Seeds {
		if err := s.seedObject(seed); err != nil {
			return nil, err
		}
	}
	for _, sp := range c.SeedObjects {
		if err := s.seedObjects(sp); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Close releases the data directory's journal.
func (s *Server) Close() error {
	if s.store.journal != nil {
		return s.store.journal.close()
	}
	return nil
}

// Region is the region requests must be signed for.
func (s *Server) Region() string { return s.cfg.Region }

func (s *Server) ensureBucket(name string) error {
	if e := validBucketName(name); e != nil {
		return fmt.Errorf("bucket %q: %s", name, e.Message)
	}
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	if s.store.st.Buckets[name] != nil {
		return nil
	}
	if e := s.store.commit(record{Op: opPutBucket, Bucket: name, NewBucket: &bucketState{
		Name: name, Created: s.cfg.Now().UTC(), StorageClass: "Standard"}}); e != nil {
		return e
	}
	return nil
}

// seedObject creates a synthetic object without storing its bytes.
func (s *Server) seedObject(seed Seed) error {
	if e := validKey(seed.Key); e != nil {
		return fmt.Errorf("seed object key %q: %s", seed.Key, e.Message)
	}
	if seed.Size < 0 || seed.Size > MaxObjectSize {
		return fmt.Errorf("seed object %s/%s: size %d is outside 0..%d (48.8 TB, the OSS maximum)", seed.Bucket, seed.Key, seed.Size, int64(MaxObjectSize))
	}
	if err := s.ensureBucket(seed.Bucket); err != nil {
		return err
	}
	c := contentOf(newSyntheticBlob(seed.Seed, seed.Size))
	crc := c.crc()
	o := &objectState{Key: seed.Key, Content: c, Size: seed.Size, CRC: crc,
		ETag: c.etag(crc, seed.Size, s.cfg.MD5Limit), LastModified: s.cfg.Now().UTC(),
		Type: "Normal", StorageClass: "Standard", Meta: octetStream}
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	bucket := s.store.st.Buckets[seed.Bucket]
	if cur := bucket.current(seed.Key); cur != nil && cur.Size == seed.Size && sameContent(cur.Content, c) {
		return nil // a restart with the same flags must not rewrite (or re-version) it
	}
	o.VersionID = bucket.versionIDFor()
	if e := s.store.commit(record{Op: opPutObject, Bucket: seed.Bucket, Object: o}); e != nil {
		return e
	}
	return nil
}

func sameContent(a, b content) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].BlobID != b[i].BlobID || a[i].Off != b[i].Off || a[i].N != b[i].N {
			return false
		}
	}
	return true
}

// request is one request on its way through the pipeline.
type request struct {
	r          *http.Request
	w          http.ResponseWriter
	id         string
	bucket     string
	key        string
	op         string
	start      time.Time
	partNumber int
	uploadID   string
	bytes      int64
	status     int
	code       string
	fault      string
}

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return strings.ToUpper(hex.EncodeToString(b[:]))
}

// ServeHTTP runs a request through routing, throttling, authentication,
// fault injection and simulated latency, then the operation itself.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rq := &request{r: r, w: w, id: newRequestID(), start: time.Now()}
	h := w.Header()
	h.Set("x-oss-request-id", rq.id)
	h.Set("Server", "AliyunOSS")
	h.Set("Date", s.cfg.Now().UTC().Format(http.TimeFormat))
	defer s.log.write(rq)
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			rq.fault = fmt.Sprint("panic: ", v)
			s.fail(rq, newErr(500, "InternalError", "the server failed on this request; please report it with request ID %s", rq.id))
		}
	}()
	if e := s.serve(rq); e != nil {
		s.fail(rq, e)
	}
}

func (s *Server) serve(rq *request) *ossError {
	var e *ossError
	if rq.bucket, rq.key, e = s.target(rq.r); e != nil {
		return e
	}
	// An operation the server lacks is refused after the signature check,
	// as any request is checked first: a client learns that it signed
	// right, and a request nobody signed learns nothing of what is here.
	var unimplemented *ossError
	if rq.op, e = identify(rq.r, rq.bucket, rq.key); e != nil && e.Status != http.StatusNotImplemented {
		return e
	}
	unimplemented = e
	rq.partNumber, _ = strconv.Atoi(rq.r.URL.Query().Get("partNumber"))
	rq.uploadID = rq.r.URL.Query().Get("uploadId")
	if e = checkHeaderSize(rq.r); e != nil {
		return e
	}
	if s.cfg.MaxInflight > 0 {
		defer s.inflight.Add(-1)
		if s.inflight.Add(1) > int64(s.cfg.MaxInflight) {
			rq.fault = "throttle"
			rq.w.Header().Set("Retry-After", strconv.Itoa(int(max(1, s.cfg.RetryAfter.Seconds()))))
			return newErr(s.cfg.ThrottleStatus, s.cfg.ThrottleCode, "Max active request limit is exceeded. Retry later.")
		}
	}
	if e = s.checkBucketExists(rq.op, rq.bucket); e != nil {
		return e
	}
	if e = s.authenticate(rq.r, rq.bucket, rq.key); e != nil {
		return e
	}
	if unimplemented != nil {
		return unimplemented
	}
	if e = s.deny(rq); e != nil {
		return e
	}
	if e = s.faults.injectError(rq); e != nil {
		return e
	}
	if s.faults.injectReset(rq) {
		rq.w = &resetWriter{ResponseWriter: rq.w, noBody: rq.r.Method == http.MethodHead}
	}
	if !ops[rq.op].readsBody {
		_, _ = io.Copy(io.Discard, io.LimitReader(rq.r.Body, maxIgnoredBody))
	}
	if err := s.wait(rq.r.Context(), lookupOp(s.cfg.Latency, rq.op)); err != nil {
		return errClientGone
	}
	return ops[rq.op].handle(s, rq)
}

// maxIgnoredBody is how much of a body no operation uses is read and dropped.
const maxIgnoredBody = 64 << 10

// errClientGone is logged, never sent: the client hung up.
var errClientGone = &ossError{Status: 499, Code: "ClientClosedRequest", Message: "the client closed the connection"}

// wait sleeps d unless the client goes away first.
func (s *Server) wait(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// transfer simulates moving or copying n bytes at the op's bandwidth.
func (s *Server) transfer(rq *request, n int64) *ossError {
	rq.bytes = n
	bw := lookupOp(s.cfg.Bandwidth, rq.op)
	if bw <= 0 {
		return nil
	}
	d := time.Duration(float64(n) / float64(bw) * float64(time.Second))
	if s.wait(rq.r.Context(), d) != nil {
		return errClientGone
	}
	return nil
}

// target finds the bucket and key of a request, path-style or virtual-hosted.
func (s *Server) target(r *http.Request) (bucket, key string, e *ossError) {
	host := r.Host
	if h, _, ok := strings.Cut(host, ":"); ok && !strings.HasPrefix(host, "[") {
		host = h
	}
	path := strings.TrimPrefix(r.URL.Path, "/")
	if sub, ok := strings.CutSuffix(host, "."+s.cfg.Domain); ok && sub != "" {
		bucket, key = sub, path
	} else {
		bucket, key, _ = strings.Cut(path, "/")
	}
	if bucket != "" {
		if e := validBucketName(bucket); e != nil {
			return "", "", e
		}
	}
	if key != "" {
		if e := validKey(key); e != nil {
			return "", "", e
		}
	}
	return bucket, key, nil
}

func checkHeaderSize(r *http.Request) *ossError {
	total := 0
	for k, vs := range r.Header {
		for _, v := range vs {
			total += len(k) + len(v) + 4
		}
	}
	if total > maxHeaderBytesTotal {
		return errInvalidArgument("The request headers total %d bytes, more than the %d this server accepts.", total, maxHeaderBytesTotal)
	}
	return nil
}
