// Package planner turns an object's size into a copy plan: one CopyObject
// for objects up to the big-file threshold, and for copies within one
// bucket that keep the storage class and encryption (OSS's CopyObject
// takes those at any size), otherwise the part size and the ordered byte
// ranges of a multipart copy. It does no I/O.
//
// The default part size is chosen for speed and request cost together:
//
//	target   = size / (8 × parallel)        every worker gets about 8 parts,
//	                                         so the last wave wastes ≤ 1/8
//	partSize = clamp(target, 64 MiB, 512 MiB)
//	partSize = max(partSize, ceil(size / 10,000))   OSS allows 10,000 parts
//	rounded up to a whole MiB
//
// 64 MiB keeps the fixed cost of a request (tens of milliseconds) small
// next to the copy itself; 512 MiB keeps parts well under the 1-2 GB at
// which the real service has been reported to time out (504), and keeps
// what a failed part must redo small. Only objects over 5 TB (512 MiB ×
// 10,000) get larger parts, because the part limit forces them.
package planner
