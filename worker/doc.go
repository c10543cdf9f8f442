// Package worker copies one object inside OSS without moving its bytes:
// one CopyObject for small sources, otherwise a multipart upload whose
// parts are UploadPartCopy requests issued by a bounded pool, resumable
// from a checkpoint and proven by comparing CRC64s at the end.
//
// It talks to OSS only through the Store interface (store.go), which
// internal/ossclient implements with the SDK, and it knows nothing of
// flags or terminals: progress goes to a callback.
package worker
