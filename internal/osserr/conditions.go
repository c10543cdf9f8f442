package osserr

import "errors"

// Conditions a copy reacts to. An *Error matches them with errors.Is by
// its operation, status and code, so that callers need not know OSS's
// codes.
var (
	// ErrNoSuchUpload: the multipart upload was aborted, completed or expired.
	ErrNoSuchUpload = errors.New("the multipart upload no longer exists")
	// ErrPreconditionFailed: an If-Match on the source's ETag failed.
	ErrPreconditionFailed = errors.New("the source no longer has the ETag the copy started from")
	// ErrNoSuchKey: a HEAD found no object.
	ErrNoSuchKey = errors.New("no such object")
	// ErrSourceGone: a copy found no source object (deleted meanwhile);
	// the destination of a copy need not exist, so NoSuchKey names the source.
	ErrSourceGone = errors.New("the source object no longer exists")
	// ErrEntityTooLarge: CopyObject refused the source as too large for
	// one request.
	ErrEntityTooLarge = errors.New("the source is too large for one CopyObject")
)

// Operations whose errors the conditions tell apart.
const (
	OpHeadObject     = "HeadObject"
	OpCopyObject     = "CopyObject"
	OpUploadPartCopy = "UploadPartCopy"
)

// Is matches e against the conditions above.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrNoSuchUpload:
		return e.Code == "NoSuchUpload"
	case ErrPreconditionFailed:
		return e.Status == 412
	case ErrNoSuchKey:
		// A HEAD has no body: a 404 of a missing bucket carries its code
		// only in a header, which the client reads into Code.
		return e.Op == OpHeadObject && e.Status == 404 && e.Code != "NoSuchBucket"
	case ErrSourceGone:
		return e.Code == "NoSuchKey" && (e.Op == OpCopyObject || e.Op == OpUploadPartCopy)
	case ErrEntityTooLarge:
		return e.Code == "EntityTooLarge"
	}
	return false
}
