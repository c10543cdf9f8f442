package ossapi

import "github.com/osscopy/osscopy/worker"

// The requests the api commands send, checked: every field has passed its
// parser. Empty strings are headers or parameters left out.

// Conditions are the four conditional headers, as HTTP dates and ETags.
type Conditions struct {
	IfMatch, IfNoneMatch, IfModifiedSince, IfUnmodifiedSince string
}

// CopyFrom is what both copies take: the source, conditions on it, and
// the directives ("COPY" or "REPLACE") for metadata and tags.
type CopyFrom struct {
	Source                              CopySource
	SourceIf                            Conditions
	MetadataDirective, TaggingDirective string
}

// UploadPartCopyInput copies a range of a source as part PartNumber. The
// directives and Tagging are sent as ossutil sends them; see the command's
// help for their effect.
type UploadPartCopyInput struct {
	CopyFrom
	Bucket, Key, UploadID string
	PartNumber            int32
	Range                 string // bytes=first-last; empty: the whole source
	Tagging               string
}

// CopyObjectInput copies a whole source of up to 1 GB.
type CopyObjectInput struct {
	CopyFrom
	Bucket, Key     string
	Attributes      worker.Attributes
	ForbidOverwrite string
}

// InitiateInput starts a multipart upload.
type InitiateInput struct {
	Bucket, Key     string
	Attributes      worker.Attributes
	ForbidOverwrite string
	EncodingType    string
}

// CompleteInput assembles an upload from Parts, or from every part the
// upload holds when CompleteAll.
type CompleteInput struct {
	Bucket, Key, UploadID string
	Parts                 []CompletePart
	CompleteAll           bool
	ForbidOverwrite       string
	EncodingType          string
}

// ListPartsInput asks for one page of an upload's parts.
type ListPartsInput struct {
	Bucket, Key, UploadID      string
	MaxParts, PartNumberMarker int32
	EncodingType               string
}

// ListUploadsInput asks for one page of a bucket's multipart uploads.
type ListUploadsInput struct {
	Bucket, Prefix, Delimiter, KeyMarker, UploadIDMarker string
	MaxUploads                                           int32
	EncodingType                                         string
}

// HeadObjectInput asks for an object's headers.
type HeadObjectInput struct {
	Bucket, Key, VersionID string
	If                     Conditions
}
