package osserr

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Class says what to do about an error.
type Class int

const (
	// Permanent errors fail at once: retrying cannot help (403, 404, 412, 400).
	Permanent Class = iota
	// Transient errors are retried with backoff (5xx, timeouts, resets).
	Transient
	// Throttled errors are retried too, no sooner than RetryAfter says,
	// and shrink a run's requests in flight.
	Throttled
)

func (c Class) String() string {
	switch c {
	case Transient:
		return "transient"
	case Throttled:
		return "throttled"
	}
	return "permanent"
}

// Error is how one request to OSS failed.
type Error struct {
	Op          string // the OSS operation, like UploadPartCopy
	Bucket, Key string // the object (or bucket) the request named
	Part        int32  // the part number of UploadPartCopy, else 0
	Status      int    // HTTP status; 0 when no answer arrived
	Code        string // OSS's error code, like AccessDenied
	Message     string // OSS's message
	EC          string // OSS's error center code
	RequestID   string
	Class       Class
	RetryAfter  time.Duration // how long a throttling answer asked to wait; 0 when it did not say
	// EndsRun: no other request of a run can succeed either (the bucket is
	// gone, or the credentials or the clock are wrong): a bulk run stops
	// rather than fail every object the same way.
	EndsRun bool
	// Endpoint is the endpoint the request went to, when it matters to
	// what went wrong (no OSS there, or OSS said to use another one).
	Endpoint string
	// Hint says what to try, when the client that made the error knows
	// better than a hint by code (the right endpoint or region, say).
	Hint string
	Err  error // the cause: the SDK's error, or the transport's
}

// Error is one line: the request, then OSS's answer or the transport's
// failure, then the request id that OSS's support asks for.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	if e.Part > 0 {
		fmt.Fprintf(&b, " part %d", e.Part)
	}
	if e.Bucket != "" {
		b.WriteString(" of oss://" + e.Bucket + "/" + e.Key)
	}
	if e.Endpoint != "" {
		b.WriteString(" at " + e.Endpoint)
	}
	b.WriteString(": ")
	switch {
	case e.Status != 0:
		fmt.Fprintf(&b, "%d", e.Status)
		if e.Code != "" {
			b.WriteString(" " + e.Code)
		}
		if e.Message != "" {
			b.WriteString(": " + oneLine(e.Message))
		}
	case e.Err != nil:
		b.WriteString(oneLine(e.Err.Error()))
	default:
		b.WriteString("failed")
	}
	if e.RequestID != "" {
		b.WriteString(" (request id " + e.RequestID + ")")
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// oneLine joins the lines of s: an error a person reads is one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.TrimSuffix(strings.TrimSpace(s), ".")), " ")
}

// As returns the *Error inside err, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// ClassOf is the class of err and how long it asked to wait: an *Error's
// own; Transient for a bare deadline, which is one attempt's timeout (the
// retry layer checks the caller's own deadline first); and Permanent for
// any other error (a checkpoint that cannot be written does not heal by
// sending the request again).
func ClassOf(err error) (Class, time.Duration) {
	if e, ok := As(err); ok {
		return e.Class, e.RetryAfter
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return Transient, 0
	}
	return Permanent, 0
}

// Code is OSS's code in err, like AccessDenied; "" when OSS did not answer.
func Code(err error) string {
	if e, ok := As(err); ok {
		return e.Code
	}
	return ""
}

// EndsRun reports whether err means that every other request of a run
// would fail as well.
func EndsRun(err error) bool {
	e, ok := As(err)
	return ok && e.EndsRun
}
