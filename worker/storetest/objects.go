package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/osscopy/osscopy/internal/etag"
	"github.com/osscopy/osscopy/internal/osserr"
	"github.com/osscopy/osscopy/worker"
)

// attrs are attributes unlike a default object's in every field.
var attrs = worker.Attributes{ContentType: "text/plain", CacheControl: "no-cache",
	ContentDisposition: `attachment; filename="a.txt"`, ContentEncoding: "identity",
	Expires: "Wed, 21 Oct 2037 07:28:00 GMT", Meta: map[string]string{"owner": "suite", "run": "1"},
	Tagging: "team=copy&tier=hot", StorageClass: "IA"}

// otherAttrs replace attrs when a copy says so.
var otherAttrs = worker.Attributes{ContentType: "application/json", Meta: map[string]string{"owner": "other"},
	Tagging: "team=other", StorageClass: "Archive"}

func testHead(t *testing.T, f Fixture) {
	tests := []struct {
		name  string
		attrs worker.Attributes
	}{
		{"with attributes", attrs},
		{"plain", worker.Attributes{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := f.seed(t, "head/"+tt.name, partSize+1, tt.attrs)
			f.wantObject(t, s.obj, s.content, md5ETag(s.content), tt.attrs)
		})
	}
}

func testHeadMissing(t *testing.T, f Fixture) {
	obj := worker.Object{Bucket: f.Buckets[0], Key: "never/stored"}
	_, err := f.Store.Head(context.Background(), obj)
	wantErr(t, "Head of a missing key", err, osserr.ErrNoSuchKey)
}

func testGetTagging(t *testing.T, f Fixture) {
	tests := []struct{ name, tagging string }{
		{"none", ""},
		{"one", "k=v"},
		{"several, escaped", "b=2&a=1&path=x%2Fy+z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := f.seed(t, "tagging/"+tt.name, 1, worker.Attributes{Tagging: tt.tagging})
			f.wantTags(t, s.obj, tt.tagging)
		})
	}
}

// testCopyObject copies a source with attrs as the copy's options say.
func testCopyObject(t *testing.T, f Fixture) {
	tests := []struct {
		name string
		in   worker.CopyObjectInput
		want worker.Attributes // the destination's
	}{
		{name: "keeps metadata and tags",
			in:   worker.CopyObjectInput{Attributes: withClass(otherAttrs, "")}, // ignored without a Replace
			want: withClass(attrs, "")},
		{name: "ReplaceMetadata",
			in:   worker.CopyObjectInput{ReplaceMetadata: true, Attributes: withClass(otherAttrs, "")},
			want: worker.Attributes{ContentType: otherAttrs.ContentType, Meta: otherAttrs.Meta, Tagging: attrs.Tagging}},
		{name: "ReplaceTagging",
			in: worker.CopyObjectInput{ReplaceTagging: true, Attributes: worker.Attributes{Tagging: otherAttrs.Tagging}},
			want: worker.Attributes{ContentType: attrs.ContentType, CacheControl: attrs.CacheControl,
				ContentDisposition: attrs.ContentDisposition, ContentEncoding: attrs.ContentEncoding, Expires: attrs.Expires,
				Meta: attrs.Meta, Tagging: otherAttrs.Tagging}},
		{name: "StorageClass",
			in:   worker.CopyObjectInput{Attributes: worker.Attributes{StorageClass: "Archive"}},
			want: withClass(attrs, "Archive")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := f.seed(t, "copy/"+tt.name, 2*partSize, attrs)
			src := f.head(t, s.obj)
			in := tt.in
			in.Source, in.Dest, in.IfMatch, in.Size = s.obj, f.dest("copy/"+tt.name), src.ETag, src.Size
			res, err := f.Store.CopyObject(context.Background(), in)
			if err != nil {
				t.Fatalf("CopyObject: %v", err)
			}
			if !etag.Equal(res.ETag, src.ETag) || res.CRC64 != src.CRC64 {
				t.Errorf("CopyObject answered ETag %s, CRC64 %s; want the source's %s, %s", res.ETag, res.CRC64, src.ETag, src.CRC64)
			}
			f.wantObject(t, in.Dest, s.content, src.ETag, tt.want)
		})
	}
}

func withClass(a worker.Attributes, class string) worker.Attributes {
	a.StorageClass = class
	return a
}

// testCopyObjectFails copies a source that changed or vanished: the copy
// fails as such, and writes nothing.
func testCopyObjectFails(t *testing.T, f Fixture) {
	s := f.seed(t, "copy-fails/src", partSize, worker.Attributes{})
	tests := []struct {
		name    string
		source  worker.Object
		ifMatch string
		want    error
	}{
		{"If-Match of another ETag", s.obj, md5ETag([]byte("other content")), osserr.ErrPreconditionFailed},
		{"missing source", worker.Object{Bucket: f.Buckets[0], Key: "copy-fails/never-stored"}, "", osserr.ErrSourceGone},
		{"missing source pinned", worker.Object{Bucket: f.Buckets[0], Key: "copy-fails/never-stored"}, md5ETag(s.content), osserr.ErrSourceGone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := f.dest("copy-fails/" + tt.name)
			_, err := f.Store.CopyObject(context.Background(), worker.CopyObjectInput{Source: tt.source, Dest: dst, IfMatch: tt.ifMatch, Size: partSize})
			wantErr(t, "CopyObject", err, tt.want)
			if errors.Is(err, osserr.ErrNoSuchKey) {
				t.Errorf("CopyObject of a missing source matches ErrNoSuchKey, which names a missing HEAD: %v", err)
			}
			wantMissing(t, f, dst)
		})
	}
}

// wantMissing checks that nothing was written to obj.
func wantMissing(t *testing.T, f Fixture, obj worker.Object) {
	t.Helper()
	_, err := f.Store.Head(context.Background(), obj)
	wantErr(t, "Head of what a failed request would have written", err, osserr.ErrNoSuchKey)
}
