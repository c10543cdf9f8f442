// Package storetest is one conformance suite for every implementation of
// worker.Store: the SDK-backed client against the local OSS server, the
// retrying store around it, and the in-memory fakes of other packages'
// tests. Each runs Run with a fixture of its own, as restic runs one suite
// against every backend, so that a fake cannot drift from what the server
// does without a test saying so.
package storetest

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash/crc64"
	"math/rand/v2"
	"net/url"
	"reflect"
	"strconv"
	"testing"

	"github.com/osscopy/osscopy/internal/etag"
	"github.com/osscopy/osscopy/internal/osserr"
	"github.com/osscopy/osscopy/worker"
)

// Fixture is a store under test and what the suite needs that the Store
// interface does not give.
type Fixture struct {
	Store worker.Store
	// Buckets are two buckets that exist and hold none of the suite's keys:
	// the suite copies from the first to the second.
	Buckets [2]string
	// Put stores content as obj the way a PutObject with attrs does:
	// its metadata, its tags (attrs.Tagging) and its storage class.
	Put func(t *testing.T, obj worker.Object, content []byte, attrs worker.Attributes)
	// StorageClass is obj's storage class, which Store.Head does not report.
	StorageClass func(t *testing.T, obj worker.Object) string
}

// Run runs the suite; newFixture gives each test a fixture of its own.
func Run(t *testing.T, newFixture func(t *testing.T) Fixture) {
	tests := []struct {
		name string
		test func(t *testing.T, f Fixture)
	}{
		{"Head", testHead},
		{"HeadMissing", testHeadMissing},
		{"GetTagging", testGetTagging},
		{"CopyObject", testCopyObject},
		{"CopyObjectFails", testCopyObjectFails},
		{"Multipart", testMultipart},
		{"PartCopiedAgain", testPartCopiedAgain},
		{"UploadPartCopyFails", testUploadPartCopyFails},
		{"AfterAbort", testAfterAbort},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.test(t, newFixture(t))
		})
	}
}

// partSize is the smallest part OSS takes, but for the last: the suite's
// objects are a few parts of it.
const partSize = 100 << 10

// content is n bytes of its own for each key.
func content(key string, n int) []byte {
	b := make([]byte, n)
	_, _ = rand.NewChaCha8(sha256.Sum256([]byte(key))).Read(b)
	return b
}

// md5ETag is the ETag OSS gives an object stored by one PutObject.
func md5ETag(b []byte) string {
	sum := md5.Sum(b)
	return hex.EncodeToString(sum[:])
}

// crc is the x-oss-hash-crc64ecma of b.
func crc(b []byte) string {
	return strconv.FormatUint(crc64.Checksum(b, crc64.MakeTable(crc64.ECMA)), 10)
}

// seeded is an object the suite stored and what it holds.
type seeded struct {
	obj     worker.Object
	content []byte
}

// seed stores n bytes as key in the first bucket.
func (f Fixture) seed(t *testing.T, key string, n int, a worker.Attributes) seeded {
	t.Helper()
	s := seeded{obj: worker.Object{Bucket: f.Buckets[0], Key: key}, content: content(key, n)}
	f.Put(t, s.obj, s.content, a)
	return s
}

// dest names key in the second bucket.
func (f Fixture) dest(key string) worker.Object { return worker.Object{Bucket: f.Buckets[1], Key: key} }

func (f Fixture) head(t *testing.T, obj worker.Object) worker.ObjectInfo {
	t.Helper()
	info, err := f.Store.Head(context.Background(), obj)
	if err != nil {
		t.Fatalf("Head %s: %v", obj, err)
	}
	return info
}

// wantObject checks what Head says of obj: content's size and CRC64, the
// ETag etagWant, and the attributes a (Tagging as the tag count and
// through GetTagging, and StorageClass when given).
func (f Fixture) wantObject(t *testing.T, obj worker.Object, content []byte, etagWant string, a worker.Attributes) {
	t.Helper()
	info := f.head(t, obj)
	if info.Size != int64(len(content)) || info.CRC64 != crc(content) || !etag.Equal(info.ETag, etagWant) {
		t.Errorf("Head %s: size %d, CRC64 %s, ETag %s; want %d, %s, %s", obj, info.Size, info.CRC64, info.ETag,
			len(content), crc(content), etagWant)
	}
	if tags := parseTags(t, a.Tagging); info.TagCount != len(tags) {
		t.Errorf("Head %s: %d tags, want %d (%s)", obj, info.TagCount, len(tags), a.Tagging)
	}
	want, got := a, info.Attributes
	want.Tagging, want.StorageClass = "", ""
	if want.ContentType == "" {
		want.ContentType = defaultContentType
	}
	got.StorageClass = "" // not reported by Head: Fixture.StorageClass reads it
	if !reflect.DeepEqual(normalMeta(got), normalMeta(want)) {
		t.Errorf("Head %s: attributes %+v, want %+v", obj, got, want)
	}
	f.wantTags(t, obj, a.Tagging)
	if a.StorageClass != "" {
		if class := f.StorageClass(t, obj); class != a.StorageClass {
			t.Errorf("%s has storage class %q, want %q", obj, class, a.StorageClass)
		}
	}
}

// defaultContentType is the Content-Type OSS gives an object stored without one.
const defaultContentType = "application/octet-stream"

// normalMeta makes no metadata one value, whether nil or empty.
func normalMeta(a worker.Attributes) worker.Attributes {
	if len(a.Meta) == 0 {
		a.Meta = nil
	}
	return a
}

// wantTags checks obj's tags through GetTagging.
func (f Fixture) wantTags(t *testing.T, obj worker.Object, tagging string) {
	t.Helper()
	got, err := f.Store.GetTagging(context.Background(), obj)
	if err != nil {
		t.Fatalf("GetTagging %s: %v", obj, err)
	}
	if !reflect.DeepEqual(parseTags(t, got), parseTags(t, tagging)) {
		t.Errorf("GetTagging %s = %q, want %q", obj, got, tagging)
	}
}

func parseTags(t *testing.T, tagging string) url.Values {
	t.Helper()
	v, err := url.ParseQuery(tagging)
	if err != nil {
		t.Fatalf("tags %q: %v", tagging, err)
	}
	return v
}

// wantErr checks that err is an *osserr.Error matching the condition
// target, and permanent: none of the conditions heals by retrying.
func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	e, ok := osserr.As(err)
	switch {
	case err == nil:
		t.Errorf("%s succeeded, want an error matching %q", what, target)
	case !ok:
		t.Errorf("%s: error %v (%T) is no *osserr.Error", what, err, err)
	case !errors.Is(err, target):
		t.Errorf("%s: error %v does not match %q", what, err, target)
	case e.Class != osserr.Permanent:
		t.Errorf("%s: error %v is %s, want permanent", what, err, e.Class)
	}
}
