// Package worker copies one object inside OSS without moving its bytes:
// one CopyObject for small sources, otherwise a multipart upload whose
// parts are UploadPartCopy requests issued by a bounded pool, resumable
// from a checkpoint and proven by comparing CRC64s at the end.
//
// A copy reads top to bottom: copy.go plans it (Copy, copier), single.go
// makes one CopyObject, multipart.go runs a multipart copy's steps in
// order (prepare in resume.go, the parts in pool.go, complete, prove,
// clean up).
//
// It talks to OSS only through the Store interface (store.go), which
// internal/ossclient implements with the SDK, retried by retrystore.go
// (internal/retry, internal/gate), and it knows nothing of flags or
// terminals: what it does goes to an observe.Observer.
package worker
