// Package ossserver is a local server that speaks the Alibaba Cloud OSS API
// over HTTP, faithfully enough that every test of osscopy can talk to it
// through the official SDK instead of the real service.
//
// It stores objects as lists of extents that point into immutable blobs, so
// UploadPartCopy and CompleteMultipartUpload cost O(parts), never O(bytes).
// Blobs are real bytes (in memory or under a data directory) or synthetic
// content of any size up to OSS's 48.8 TB, whose CRC64 (x-oss-hash-crc64ecma)
// over any range is computed from the structure of the content
// (see synthetic.go and internal/lab/crcmath) instead of by reading it.
//
// Requests go through one pipeline (server.go): routing, the in-flight
// capacity limit, NoSuchBucket, V4/V2/V1 signature checks (in the header or a
// presigned URL, against canonical strings built as OSS builds them),
// reproducible fault injection, simulated latency and bandwidth, then the
// handler. Every change of state is a record (record.go), applied the same
// way live and when a data directory is loaded, so that a restart, even
// after kill -9, finds every write it acknowledged.
//
// What it deliberately differs in from OSS is listed in README.md.
package ossserver
