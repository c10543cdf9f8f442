package worker_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/osscopy/osscopy/internal/lab/ossserver"
	"github.com/osscopy/osscopy/internal/osserr"
	"github.com/osscopy/osscopy/worker"
)

// refusingCopyObject is a CopyObject hook that answers as an OSS refusing
// a same-bucket copy over its CopyObject limit would.
func refusingCopyObject(ctx context.Context, in worker.CopyObjectInput, next func() (worker.CopyResult, error)) (worker.CopyResult, error) {
	return worker.CopyResult{}, &osserr.Error{Op: osserr.OpCopyObject, Bucket: in.Dest.Bucket, Key: in.Dest.Key, Status: 400, Code: "EntityTooLarge",
		Message: "Your proposed upload exceeds the maximum allowed size.", Class: osserr.Permanent}
}

// TestWithinBucket: OSS's CopyObject takes a copy within one bucket that
// keeps the storage class and encryption at any size, so such a copy is one
// request; parts copy it when OSS refuses all the same, when a storage
// class is asked for, and when an earlier run began it by parts.
func TestWithinBucket(t *testing.T) {
	t.Parallel()
	const size = 6 * gib
	inBucket := worker.Object{Bucket: srcBkt, Key: "dst/object.bin"}
	tests := []struct {
		name       string
		modify     func(*worker.Job)
		store      func(*fixture) worker.Store
		begunParts bool // an earlier run copied some parts
		single     bool
		copies     int    // CopyObject requests the server saw
		note       string // the notes ("": none); one begun by parts notes only that it resumes
	}{
		{name: "one CopyObject", single: true, copies: 1},
		{name: "OSS refuses: by parts", store: func(f *fixture) worker.Store {
			return &hooked{Store: f.store, copyObject: refusingCopyObject}
		}, note: "OSS refused to copy oss://copy-src/src/object.bin within its bucket with one CopyObject (EntityTooLarge): copying it by parts"},
		{name: "another storage class: by parts", modify: func(j *worker.Job) { j.Attributes.StorageClass = "IA" }},
		{name: "a part size asked for: by parts", modify: func(j *worker.Job) { j.PartSize = gib }},
		{name: "begun by parts: resumed by parts", begunParts: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, size, ossserver.Config{})
			srcCRC := oss.ToString(f.mustHead(t, src).HashCRC64)
			job := f.job()
			job.Dest, job.PartSize = inBucket, 0
			if tt.modify != nil {
				tt.modify(&job)
			}
			var first worker.Result
			if tt.begunParts {
				first, _ = interrupt(t, f, &hooked{Store: f.store, copyObject: refusingCopyObject}, job, 2)
			}
			store := worker.Store(f.store)
			if tt.store != nil {
				store = tt.store(f)
			}
			from := len(f.env.Log.Entries(t))
			var rec recorder
			job.Observer = &rec
			res, err := worker.Copy(context.Background(), store, job)
			if err != nil {
				t.Fatal(err)
			}
			log := f.log(t, from)
			d := f.mustHead(t, inBucket)
			if oss.ToString(d.HashCRC64) != srcCRC || res.CRC64 != srcCRC || d.ContentLength != size {
				t.Errorf("destination CRC64 %s and %d bytes, result CRC64 %s; the source's %s and %d", oss.ToString(d.HashCRC64), d.ContentLength, res.CRC64, srcCRC, size)
			}
			if res.Single != tt.single || count(log, "CopyObject", 0) != tt.copies || (count(log, "UploadPartCopy", 0) == 0) == !tt.single {
				t.Errorf("Result %+v; the server saw %d CopyObject (want %d) and %d UploadPartCopy", res, count(log, "CopyObject", 0), tt.copies, count(log, "UploadPartCopy", 0))
			}
			if tt.begunParts && (res.UploadID != first.UploadID || res.ResumedParts < 2) {
				t.Errorf("Result %+v, want upload %s resumed with at least 2 parts", res, first.UploadID)
			}
			if tt.begunParts {
				if !rec.resumedOnly(first.UploadID) {
					t.Errorf("notes %q, want only that upload %s is resumed", rec.messages(), first.UploadID)
				}
			} else if notes := rec.messages(); !strings.Contains(notes, tt.note) || (tt.note == "") != (notes == "") {
				t.Errorf("notes %q, want %q", notes, tt.note)
			}
		})
	}
}
