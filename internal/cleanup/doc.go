// Package cleanup finds the multipart uploads left behind in a bucket (by
// osscopy or anything else) and aborts them: until aborted, their parts
// cost storage. Uploads that are recent, or that a local osscopy
// checkpoint can still resume, are kept.
package cleanup
