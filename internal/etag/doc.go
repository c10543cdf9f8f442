// Package etag computes and compares the ETags OSS gives objects.
//
// OSS quotes ETags and writes them in upper-case hex. A completed multipart
// upload's ETag is not S3's: it is the MD5 of the parts' ETags written as
// upper-case hex strings and concatenated, then "-" and the number of parts.
// The local server (internal/lab/ossserver) and the copy (worker) both use
// Multipart, so that they cannot disagree with each other while one of them
// disagrees with OSS; the SDK v1's own test vector pins it to OSS.
package etag
