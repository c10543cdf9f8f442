// Package bulk copies many objects in one run: every key under a source
// prefix, or the keys a manifest names, to a destination prefix.
//
// Objects stream from the listing (or the manifest) into a pool while the
// listing goes on, so memory stays bounded whatever the object count. All
// their requests, small objects' CopyObject and large objects' parts alike,
// share one budget of requests in flight (worker.Gate), which shrinks when
// OSS throttles and grows back when it stops. Each finished object is
// appended to the run's journal (checkpoint.Journal), and large objects
// keep their own checkpoints, so a rerun of the same command copies
// nothing again that was finished and resumes large objects part by part.
// An object that fails is recorded in the failure report and the run goes
// on.
package bulk
