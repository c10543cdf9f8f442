// Package checkpoint keeps the state of one resumable copy on disk.
//
// A checkpoint is two files in the checkpoint directory, named by a hash of
// the source, the destination and the source version, so that object keys
// never become paths:
//
//	NAME.json   the state: schema version, source identity, destination,
//	            plan, options, upload ID and the parts known done. Written
//	            atomically: temp file, fsync, rename, fsync of the directory.
//	NAME.parts  parts finished since NAME.json was written, one JSON line
//	            each, appended with a single write. A line torn by a crash is
//	            ignored: the server is the truth about parts anyway (resume
//	            reconciles with ListParts), so losing it costs one re-copy.
//
// Recording a part therefore costs one short append, never a rewrite of a
// 10,000-part file; Open folds the lines into NAME.json. A lock file
// (NAME.lock, flock) keeps a second run of the same copy out while the
// first holds it, and dies with its process, even on kill -9.
//
// Files are 0600 in a 0700 directory, and hold no secrets.
package checkpoint
