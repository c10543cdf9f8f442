package storetest

import (
	"context"
	"testing"

	"github.com/osscopy/osscopy/internal/etag"
	"github.com/osscopy/osscopy/internal/osserr"
	"github.com/osscopy/osscopy/worker"
)

// upload is a multipart upload the suite copies a source into.
type upload struct {
	f   Fixture
	src seeded
	dst worker.Object
	id  string
	// ifMatch pins the source, as every copy does.
	ifMatch string
}

// initiate seeds a source of size bytes and starts an upload of dst with attrs.
func (f Fixture) initiate(t *testing.T, name string, size int, a worker.Attributes) *upload {
	t.Helper()
	u := &upload{f: f, src: f.seed(t, name+"/src", size, worker.Attributes{}), dst: f.dest(name + "/dst")}
	u.ifMatch = f.head(t, u.src.obj).ETag
	id, err := f.Store.Initiate(context.Background(), u.dst, a)
	if err != nil || id == "" {
		t.Fatalf("Initiate %s: upload id %q, %v", u.dst, id, err)
	}
	u.id = id
	return u
}

// part is the range of part n (from 1) of the source, in parts of partSize.
func (u *upload) part(n int32) worker.PartCopyInput {
	first := int64(n-1) * partSize
	return worker.PartCopyInput{Source: u.src.obj, Dest: u.dst, UploadID: u.id, PartNumber: n,
		First: first, Last: min(first+partSize, int64(len(u.src.content))) - 1, IfMatch: u.ifMatch}
}

func (u *upload) copyPart(t *testing.T, in worker.PartCopyInput) worker.PartInfo {
	t.Helper()
	tag, err := u.f.Store.UploadPartCopy(context.Background(), in)
	if err != nil || tag == "" {
		t.Fatalf("UploadPartCopy part %d [%d, %d]: ETag %q, %v", in.PartNumber, in.First, in.Last, tag, err)
	}
	return worker.PartInfo{Number: in.PartNumber, ETag: tag, Size: in.Last - in.First + 1}
}

// wantParts checks that ListParts gives want, in order of part number.
func (u *upload) wantParts(t *testing.T, want []worker.PartInfo) {
	t.Helper()
	got, err := u.f.Store.ListParts(context.Background(), u.dst, u.id)
	if err != nil {
		t.Fatalf("ListParts: %v", err)
	}
	same := len(got) == len(want)
	for i := 0; same && i < len(got); i++ {
		same = got[i].Number == want[i].Number && got[i].Size == want[i].Size && etag.Equal(got[i].ETag, want[i].ETag)
	}
	if !same {
		t.Errorf("ListParts = %+v, want %+v", got, want)
	}
}

// complete completes the upload from parts and checks that the object is
// the source's bytes with the ETag OSS derives from the parts' and attrs.
func (u *upload) complete(t *testing.T, parts []worker.PartInfo, a worker.Attributes) {
	t.Helper()
	list := make([]worker.PartETag, len(parts))
	tags := make([]string, len(parts))
	for i, p := range parts {
		list[i], tags[i] = worker.PartETag{Number: p.Number, ETag: p.ETag}, p.ETag
	}
	res, err := u.f.Store.Complete(context.Background(), u.dst, u.id, list)
	if err != nil {
		t.Fatalf("Complete: %v", err)
	}
	want := etag.Multipart(tags...)
	if !etag.Equal(res.ETag, want) || res.CRC64 != crc(u.src.content) {
		t.Errorf("Complete answered ETag %s, CRC64 %s; want %s, the source's %s", res.ETag, res.CRC64, want, crc(u.src.content))
	}
	u.f.wantObject(t, u.dst, u.src.content, want, a)
	_, err = u.f.Store.ListParts(context.Background(), u.dst, u.id)
	wantErr(t, "ListParts of a completed upload", err, osserr.ErrNoSuchUpload)
}

// testMultipart copies a source of three parts, the last short, in any
// order, into an upload that gives the object its attributes.
func testMultipart(t *testing.T, f Fixture) {
	tests := []struct {
		name  string
		order []int32
	}{
		{"in order", []int32{1, 2, 3}},
		{"out of order", []int32{3, 1, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := f.initiate(t, "multipart/"+tt.name, 2*partSize+partSize/2, attrs)
			u.wantParts(t, nil)
			parts := make([]worker.PartInfo, len(tt.order))
			for _, n := range tt.order {
				parts[n-1] = u.copyPart(t, u.part(n))
			}
			u.wantParts(t, parts)
			u.complete(t, parts, attrs)
		})
	}
}

// testPartCopiedAgain copies a part again, as a resumed copy does: the
// server holds the second copy only.
func testPartCopiedAgain(t *testing.T, f Fixture) {
	u := f.initiate(t, "again", partSize+partSize/2, worker.Attributes{})
	first := u.copyPart(t, u.part(1))
	u.wantParts(t, []worker.PartInfo{first})
	whole := u.part(1)
	whole.Last = int64(len(u.src.content)) - 1
	again := u.copyPart(t, whole)
	u.wantParts(t, []worker.PartInfo{again})
	u.complete(t, []worker.PartInfo{again}, worker.Attributes{})
}

// testUploadPartCopyFails copies parts of a source that changed or
// vanished: the copy fails as such, and the upload holds no part.
func testUploadPartCopyFails(t *testing.T, f Fixture) {
	u := f.initiate(t, "part-fails", partSize, worker.Attributes{})
	tests := []struct {
		name   string
		change func(in *worker.PartCopyInput)
		want   error
	}{
		{"If-Match of another ETag", func(in *worker.PartCopyInput) { in.IfMatch = md5ETag([]byte("other content")) }, osserr.ErrPreconditionFailed},
		{"missing source", func(in *worker.PartCopyInput) { in.Source.Key += ".never-stored" }, osserr.ErrSourceGone},
	}
	for _, tt := range tests {
		in := u.part(1)
		tt.change(&in)
		_, err := f.Store.UploadPartCopy(context.Background(), in)
		wantErr(t, "UploadPartCopy, "+tt.name, err, tt.want)
	}
	u.wantParts(t, nil)
}

// testAfterAbort sends every request that names an upload after the
// upload was aborted: each fails with ErrNoSuchUpload, and nothing is
// written.
func testAfterAbort(t *testing.T, f Fixture) {
	u := f.initiate(t, "aborted", partSize, worker.Attributes{})
	p := u.copyPart(t, u.part(1))
	ctx := context.Background()
	if err := f.Store.Abort(ctx, u.dst, u.id); err != nil {
		t.Fatalf("Abort: %v", err)
	}
	tests := []struct {
		name string
		send func() error
	}{
		{"UploadPartCopy", func() error { _, err := f.Store.UploadPartCopy(ctx, u.part(1)); return err }},
		{"ListParts", func() error { _, err := f.Store.ListParts(ctx, u.dst, u.id); return err }},
		{"Complete", func() error {
			_, err := f.Store.Complete(ctx, u.dst, u.id, []worker.PartETag{{Number: p.Number, ETag: p.ETag}})
			return err
		}},
		{"Abort", func() error { return f.Store.Abort(ctx, u.dst, u.id) }},
	}
	for _, tt := range tests {
		wantErr(t, tt.name+" after Abort", tt.send(), osserr.ErrNoSuchUpload)
	}
	wantMissing(t, f, u.dst)
}
