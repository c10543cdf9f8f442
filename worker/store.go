package worker

import (
	"context"
	"time"
)

// Store is what a copy needs from OSS. Its requests fail with an
// *osserr.Error (internal/ossclient makes every SDK error one), whose class
// decides the retries and which matches the conditions the copy reacts to
// (osserr.ErrNoSuchUpload, ...).
type Store interface {
	Head(ctx context.Context, obj Object) (ObjectInfo, error)
	GetTagging(ctx context.Context, obj Object) (string, error)
	CopyObject(ctx context.Context, in CopyObjectInput) (CopyResult, error)
	Initiate(ctx context.Context, dst Object, attrs Attributes) (uploadID string, err error)
	UploadPartCopy(ctx context.Context, in PartCopyInput) (etag string, err error)
	ListParts(ctx context.Context, dst Object, uploadID string) ([]PartInfo, error)
	Complete(ctx context.Context, dst Object, uploadID string, parts []PartETag) (CopyResult, error)
	Abort(ctx context.Context, dst Object, uploadID string) error
}

// Object names an object, and for sources optionally a version.
type Object struct {
	Bucket, Key, VersionID string
}

func (o Object) String() string {
	s := "oss://" + o.Bucket + "/" + o.Key
	if o.VersionID != "" {
		s += "?versionId=" + o.VersionID
	}
	return s
}

// Attributes are the metadata, tags and storage class of an object: what
// a copy carries over or replaces, and what the api commands send.
type Attributes struct {
	ContentType        string            `json:"content_type,omitempty"`
	CacheControl       string            `json:"cache_control,omitempty"`
	ContentDisposition string            `json:"content_disposition,omitempty"`
	ContentEncoding    string            `json:"content_encoding,omitempty"`
	Expires            string            `json:"expires,omitempty"`
	Meta               map[string]string `json:"meta,omitempty"`
	Tagging            string            `json:"tagging,omitempty"` // URL-encoded k=v&k2=v2
	StorageClass       string            `json:"storage_class,omitempty"`
}

// ObjectInfo is what HEAD says about an object.
type ObjectInfo struct {
	Size         int64
	ETag         string
	LastModified time.Time
	VersionID    string
	CRC64        string // decimal x-oss-hash-crc64ecma; empty when OSS gave none
	TagCount     int
	Attributes   Attributes // without Tagging: HEAD gives only the count
}

// CopyObjectInput is a single server-side copy: of a source up to 1 GB, or
// of any size within one bucket.
type CopyObjectInput struct {
	Source, Dest    Object
	IfMatch         string
	Size            int64 // the source's, which bounds how long the copy may take
	ReplaceMetadata bool
	ReplaceTagging  bool
	Attributes      Attributes
}

// PartCopyInput copies bytes [First, Last] of the source as a part.
type PartCopyInput struct {
	Source, Dest Object
	UploadID     string
	PartNumber   int32
	First, Last  int64
	IfMatch      string
}

// PartInfo is a part the server holds.
type PartInfo struct {
	Number int32
	ETag   string
	Size   int64
}

// PartETag is a part listed at completion.
type PartETag struct {
	Number int32
	ETag   string
}

// CopyResult is what a finished copy or upload reports.
type CopyResult struct {
	ETag  string
	CRC64 string
}
