package bulk

import (
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"hash/crc64"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/osscopy/osscopy/internal/etag"
	"github.com/osscopy/osscopy/internal/osserr"
	"github.com/osscopy/osscopy/worker"
)

// fakeObject is an object of the fake store: no bytes, only what a copy
// compares and carries over.
type fakeObject struct {
	Size       int64
	ETag       string
	CRC64      string
	Attributes worker.Attributes // with the tags and storage class
}

// fakeStatus is the HTTP status OSS answers each code of the fake with.
var fakeStatus = map[string]int{
	"AccessDenied": 403, "NoSuchBucket": 404, "NoSuchKey": 404, "NoSuchUpload": 404, "PreconditionFailed": 412,
	"InvalidRange": 416, "InvalidPart": 400, "MixedSources": 400,
	"InternalError": 500, "ServiceUnavailable": 503, "SlowDown": 503,
}

// fakeAnswer is an error answer of the fake OSS as internal/ossclient
// turns one into an *osserr.Error: OSS's status for code, the class the
// client gives it, and EndsRun for a bucket that is gone. The store names
// the request (see named).
func fakeAnswer(code string, class osserr.Class) *osserr.Error {
	return &osserr.Error{Status: fakeStatus[code], Code: code, Message: "the fake OSS answers " + code,
		RequestID: "fake-request-id", Class: class, EndsRun: code == "NoSuchBucket"}
}

func permanentErr(code string) error { return fakeAnswer(code, osserr.Permanent) }
func transientErr(code string) error { return fakeAnswer(code, osserr.Transient) }
func throttledErr(code string) error { return fakeAnswer(code, osserr.Throttled) }

// fakeOps are the OSS operations of the fake's requests, by the Store
// method's name (the names its counts and fail use).
var fakeOps = map[string]string{
	"Head": osserr.OpHeadObject, "GetTagging": "GetObjectTagging", "CopyObject": osserr.OpCopyObject,
	"Initiate": "InitiateMultipartUpload", "UploadPartCopy": osserr.OpUploadPartCopy, "ListParts": "ListParts",
	"Complete": "CompleteMultipartUpload", "Abort": "AbortMultipartUpload", "List": "ListObjectsV2",
}

// named names the request an *osserr.Error answered, as the client does:
// the operation and the object (the destination, for a copy); the
// conditions (osserr.ErrNoSuchKey...) match by them.
func named(err error, op string, obj worker.Object) error {
	if e, ok := err.(*osserr.Error); ok && e.Op == "" {
		e.Op, e.Bucket, e.Key = fakeOps[op], obj.Bucket, obj.Key
	}
	return err
}

// unanswered is a request whose context ended before the fake answered,
// as the client makes it: a timeout of one attempt is transient, a
// cancellation permanent.
func unanswered(err error, op string, obj worker.Object) error {
	class := osserr.Permanent
	if errors.Is(err, context.DeadlineExceeded) {
		class = osserr.Transient
	}
	return &osserr.Error{Op: fakeOps[op], Bucket: obj.Bucket, Key: obj.Key, Class: class, Err: err}
}

type fakeUpload struct {
	dst    worker.Object
	source *worker.Object
	parts  map[int32]worker.PartInfo
	attrs  worker.Attributes // the completed object's
}

// fakeStore is an in-memory OSS: a worker.Store and a Lister.
type fakeStore struct {
	pageSize int           // objects per List page; 0: 1000
	delay    time.Duration // how long each Store request is in flight

	// fail, when set, is asked before each request (op is the Store
	// method's name, or "List"); an error it returns is the answer.
	fail func(op string, obj worker.Object) error
	// afterCopy, when set, is called after each successful CopyObject and
	// Complete, with the destination, outside the lock.
	afterCopy func(dst worker.Object)

	mu          sync.Mutex
	objects     map[worker.Object]fakeObject // VersionID always ""
	uploads     map[string]*fakeUpload
	nextUpload  int
	calls       map[string]int
	written     map[worker.Object]int // successful CopyObject and Complete per destination
	inFlight    int
	maxInFlight int
}

func newFakeStore() *fakeStore {
	return &fakeStore{objects: map[worker.Object]fakeObject{}, uploads: map[string]*fakeUpload{},
		calls: map[string]int{}, written: map[worker.Object]int{}}
}

func fakeVersion(bucket, key, version string, size int64) fakeObject {
	sum := md5.Sum([]byte(bucket + "/" + key + "#" + version + "#" + strconv.FormatInt(size, 10)))
	crc := crc64.Checksum(sum[:], crc64.MakeTable(crc64.ECMA))
	return fakeObject{Size: size, ETag: fmt.Sprintf(`"%X"`, sum), CRC64: strconv.FormatUint(crc, 10)}
}

// put stores an object of size bytes; version makes its ETag and CRC64.
func (s *fakeStore) put(bucket, key string, size int64, version string) fakeObject {
	o := fakeVersion(bucket, key, version, size)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.objects[worker.Object{Bucket: bucket, Key: key}] = o
	return o
}

func (s *fakeStore) get(bucket, key string) (fakeObject, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.objects[worker.Object{Bucket: bucket, Key: key}]
	return o, ok
}

// keys lists the keys of bucket, sorted.
func (s *fakeStore) keys(bucket string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for o := range s.objects {
		if o.Bucket == bucket {
			out = append(out, o.Key)
		}
	}
	sort.Strings(out)
	return out
}

func (s *fakeStore) count(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[op]
}

// writes counts the requests that write: none may be sent by a dry run or
// for a finished object.
func (s *fakeStore) writes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls["CopyObject"] + s.calls["Initiate"] + s.calls["UploadPartCopy"] + s.calls["Complete"] + s.calls["Abort"]
}

// writtenTimes is how often dst was written (CopyObject or Complete).
func (s *fakeStore) writtenTimes(bucket, key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.written[worker.Object{Bucket: bucket, Key: key}]
}

func (s *fakeStore) writtenAll() map[worker.Object]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[worker.Object]int, len(s.written))
	for k, v := range s.written {
		out[k] = v
	}
	return out
}

func (s *fakeStore) resetCounts() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = map[string]int{}
	s.written = map[worker.Object]int{}
	s.maxInFlight = 0
}

func (s *fakeStore) peak() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxInFlight
}

func (s *fakeStore) openUploads() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.uploads)
}

// enter counts a request in flight, asks fail, and holds the request for
// delay; the returned func ends it.
func (s *fakeStore) enter(ctx context.Context, op string, obj worker.Object) (func(), error) {
	s.mu.Lock()
	s.calls[op]++
	s.inFlight++
	s.maxInFlight = max(s.maxInFlight, s.inFlight)
	s.mu.Unlock()
	done := func() {
		s.mu.Lock()
		s.inFlight--
		s.mu.Unlock()
	}
	if s.delay > 0 {
		t := time.NewTimer(s.delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
	}
	if err := ctx.Err(); err != nil {
		done()
		return nil, unanswered(err, op, obj)
	}
	if s.fail != nil {
		if err := s.fail(op, obj); err != nil {
			done()
			return nil, named(err, op, obj)
		}
	}
	return done, nil
}

// noSuchKey is the answer to a HEAD of a missing object.
func noSuchKey(obj worker.Object) error {
	return named(permanentErr("NoSuchKey"), "Head", obj)
}

func (s *fakeStore) Head(ctx context.Context, obj worker.Object) (worker.ObjectInfo, error) {
	done, err := s.enter(ctx, "Head", obj)
	if err != nil {
		return worker.ObjectInfo{}, err
	}
	defer done()
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.objects[worker.Object{Bucket: obj.Bucket, Key: obj.Key}]
	if !ok {
		return worker.ObjectInfo{}, noSuchKey(obj)
	}
	return worker.ObjectInfo{Size: o.Size, ETag: o.ETag, CRC64: o.CRC64, TagCount: tagCount(o.Attributes.Tagging),
		Attributes: headAttributes(o.Attributes)}, nil
}

func (s *fakeStore) GetTagging(ctx context.Context, obj worker.Object) (string, error) {
	done, err := s.enter(ctx, "GetTagging", obj)
	if err != nil {
		return "", err
	}
	defer done()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.objects[worker.Object{Bucket: obj.Bucket, Key: obj.Key}].Attributes.Tagging, nil
}

// source returns the source of a copy (op, to dst) pinned to ifMatch.
// s.mu is held.
func (s *fakeStore) source(op string, dst, obj worker.Object, ifMatch string) (fakeObject, error) {
	o, ok := s.objects[worker.Object{Bucket: obj.Bucket, Key: obj.Key}]
	if !ok {
		return o, named(permanentErr("NoSuchKey"), op, dst)
	}
	if ifMatch != "" && ifMatch != o.ETag {
		return o, named(permanentErr("PreconditionFailed"), op, dst)
	}
	return o, nil
}

func (s *fakeStore) CopyObject(ctx context.Context, in worker.CopyObjectInput) (worker.CopyResult, error) {
	done, err := s.enter(ctx, "CopyObject", in.Dest)
	if err != nil {
		return worker.CopyResult{}, err
	}
	defer done()
	s.mu.Lock()
	o, err := s.source("CopyObject", in.Dest, in.Source, in.IfMatch)
	if err == nil {
		o.Attributes = copiedAttributes(o.Attributes, in)
		s.objects[worker.Object{Bucket: in.Dest.Bucket, Key: in.Dest.Key}] = o
		s.written[worker.Object{Bucket: in.Dest.Bucket, Key: in.Dest.Key}]++
	}
	s.mu.Unlock()
	if err != nil {
		return worker.CopyResult{}, err
	}
	if s.afterCopy != nil {
		s.afterCopy(in.Dest)
	}
	return worker.CopyResult{ETag: o.ETag, CRC64: o.CRC64}, nil
}

func (s *fakeStore) Initiate(ctx context.Context, dst worker.Object, attrs worker.Attributes) (string, error) {
	done, err := s.enter(ctx, "Initiate", dst)
	if err != nil {
		return "", err
	}
	defer done()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextUpload++
	id := fmt.Sprintf("upload-%d", s.nextUpload)
	s.uploads[id] = &fakeUpload{dst: dst, parts: map[int32]worker.PartInfo{}, attrs: attrs}
	return id, nil
}

// upload returns the upload id to dst, for a request op. s.mu is held.
func (s *fakeStore) upload(op string, dst worker.Object, id string) (*fakeUpload, error) {
	u, ok := s.uploads[id]
	if !ok || u.dst != dst {
		return nil, named(permanentErr("NoSuchUpload"), op, dst)
	}
	return u, nil
}

func (s *fakeStore) UploadPartCopy(ctx context.Context, in worker.PartCopyInput) (string, error) {
	done, err := s.enter(ctx, "UploadPartCopy", in.Dest)
	if err != nil {
		return "", err
	}
	defer done()
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.upload("UploadPartCopy", in.Dest, in.UploadID)
	if err != nil {
		return "", err
	}
	o, err := s.source("UploadPartCopy", in.Dest, in.Source, in.IfMatch)
	if err != nil {
		return "", err
	}
	if in.First < 0 || in.Last < in.First || in.Last >= o.Size {
		return "", named(permanentErr("InvalidRange"), "UploadPartCopy", in.Dest)
	}
	src := worker.Object{Bucket: in.Source.Bucket, Key: in.Source.Key}
	if u.source != nil && *u.source != src {
		return "", named(permanentErr("MixedSources"), "UploadPartCopy", in.Dest)
	}
	u.source = &src
	sum := md5.Sum([]byte(fmt.Sprintf("%s %s %d-%d", o.ETag, in.UploadID, in.First, in.Last)))
	etag := fmt.Sprintf(`"%X"`, sum)
	u.parts[in.PartNumber] = worker.PartInfo{Number: in.PartNumber, ETag: etag, Size: in.Last - in.First + 1}
	return etag, nil
}

func (s *fakeStore) ListParts(ctx context.Context, dst worker.Object, uploadID string) ([]worker.PartInfo, error) {
	done, err := s.enter(ctx, "ListParts", dst)
	if err != nil {
		return nil, err
	}
	defer done()
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.upload("ListParts", dst, uploadID)
	if err != nil {
		return nil, err
	}
	var out []worker.PartInfo
	for _, p := range u.parts {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b worker.PartInfo) int { return int(a.Number - b.Number) })
	return out, nil
}

func (s *fakeStore) Complete(ctx context.Context, dst worker.Object, uploadID string, parts []worker.PartETag) (worker.CopyResult, error) {
	done, err := s.enter(ctx, "Complete", dst)
	if err != nil {
		return worker.CopyResult{}, err
	}
	defer done()
	s.mu.Lock()
	u, err := s.upload("Complete", dst, uploadID)
	if err != nil {
		s.mu.Unlock()
		return worker.CopyResult{}, err
	}
	var size int64
	partETags := make([]string, len(parts))
	for i, p := range parts {
		partETags[i] = p.ETag
		got, ok := u.parts[p.Number]
		if !ok || got.ETag != p.ETag || i > 0 && p.Number <= parts[i-1].Number {
			s.mu.Unlock()
			return worker.CopyResult{}, named(permanentErr("InvalidPart"), "Complete", dst)
		}
		size += got.Size
	}
	if u.source == nil {
		s.mu.Unlock()
		return worker.CopyResult{}, named(permanentErr("InvalidPart"), "Complete", dst)
	}
	src := s.objects[*u.source]
	o := fakeObject{Size: size, ETag: `"` + etag.Multipart(partETags...) + `"`, CRC64: "0", Attributes: u.attrs}
	if size == src.Size {
		o.CRC64 = src.CRC64 // the parts made the whole source
	}
	s.objects[worker.Object{Bucket: dst.Bucket, Key: dst.Key}] = o
	s.written[worker.Object{Bucket: dst.Bucket, Key: dst.Key}]++
	delete(s.uploads, uploadID)
	s.mu.Unlock()
	if s.afterCopy != nil {
		s.afterCopy(dst)
	}
	return worker.CopyResult{ETag: o.ETag, CRC64: o.CRC64}, nil
}

func (s *fakeStore) Abort(ctx context.Context, dst worker.Object, uploadID string) error {
	done, err := s.enter(ctx, "Abort", dst)
	if err != nil {
		return err
	}
	defer done()
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.upload("Abort", dst, uploadID); err != nil {
		return err
	}
	delete(s.uploads, uploadID)
	return nil
}

// List pages through the keys under prefix in order; the token is the
// last key of the previous page. It is not a Store request: it takes no
// place in flight.
func (s *fakeStore) List(ctx context.Context, bucket, prefix, token string) (Page, error) {
	listed := worker.Object{Bucket: bucket}
	if err := ctx.Err(); err != nil {
		return Page{}, unanswered(err, "List", listed)
	}
	s.mu.Lock()
	s.calls["List"]++
	s.mu.Unlock()
	if s.fail != nil {
		if err := s.fail("List", worker.Object{Bucket: bucket, Key: prefix}); err != nil {
			return Page{}, named(err, "List", listed)
		}
	}
	size := s.pageSize
	if size <= 0 {
		size = 1000
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var keys []string
	for o := range s.objects {
		if o.Bucket == bucket && strings.HasPrefix(o.Key, prefix) && o.Key > token {
			keys = append(keys, o.Key)
		}
	}
	sort.Strings(keys)
	var page Page
	for i, k := range keys {
		if i == size {
			page.Next = page.Objects[len(page.Objects)-1].Key
			break
		}
		o := s.objects[worker.Object{Bucket: bucket, Key: k}]
		page.Objects = append(page.Objects, Listed{Key: k, Size: o.Size, ETag: o.ETag})
	}
	return page, nil
}

// The attribute rules of OSS the fake keeps (the store suite,
// worker/storetest, checks them against the local OSS server).

// headAttributes are the attributes HEAD reports: no tags (only their
// count) nor storage class, and OSS's Content-Type when none was given.
func headAttributes(a worker.Attributes) worker.Attributes {
	a.Tagging, a.StorageClass = "", ""
	if a.ContentType == "" {
		a.ContentType = "application/octet-stream"
	}
	return a
}

func tagCount(tagging string) int {
	tags, _ := url.ParseQuery(tagging)
	return len(tags)
}

// copiedAttributes are the attributes CopyObject gives its destination:
// the source's metadata and tags unless the copy replaces them, and the
// storage class it asks for.
func copiedAttributes(src worker.Attributes, in worker.CopyObjectInput) worker.Attributes {
	a := src
	if in.ReplaceMetadata {
		a = in.Attributes
		a.Tagging = src.Tagging
	}
	if in.ReplaceTagging {
		a.Tagging = in.Attributes.Tagging
	}
	a.StorageClass = in.Attributes.StorageClass
	return a
}
