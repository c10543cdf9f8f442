package osserr

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

func TestErrorIsOneLine(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		err  *Error
		want string
	}{
		{"answer", &Error{Op: "CopyObject", Bucket: "dst", Key: "a/b", Status: 403, Code: "AccessDenied",
			Message: "You have no right\n to access this object.", RequestID: "5C3D"},
			"CopyObject of oss://dst/a/b: 403 AccessDenied: You have no right to access this object (request id 5C3D)"},
		{"part", &Error{Op: "UploadPartCopy", Bucket: "dst", Key: "k", Part: 7, Status: 503, Code: "SlowDown", RequestID: "R"},
			"UploadPartCopy part 7 of oss://dst/k: 503 SlowDown (request id R)"},
		{"no answer", &Error{Op: "HeadObject", Bucket: "b", Key: "k", Err: errors.New("dial tcp 127.0.0.1:1:\nconnection refused")},
			"HeadObject of oss://b/k: dial tcp 127.0.0.1:1: connection refused"},
		{"bucket only", &Error{Op: "ListObjectsV2", Bucket: "b", Status: 404, Code: "NoSuchBucket"},
			"ListObjectsV2 of oss://b/: 404 NoSuchBucket"},
		{"nothing known", &Error{Op: "AbortMultipartUpload"}, "AbortMultipartUpload: failed"},
		{"endpoint", &Error{Op: "ListObjectsV2", Bucket: "b", Endpoint: "http://127.0.0.1:1", Err: errors.New("connection refused")},
			"ListObjectsV2 of oss://b/ at http://127.0.0.1:1: connection refused"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tc.err.Error(); got != tc.want {
				t.Errorf("Error() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestConditions(t *testing.T) {
	t.Parallel()
	conditions := []error{ErrNoSuchUpload, ErrPreconditionFailed, ErrNoSuchKey, ErrSourceGone, ErrEntityTooLarge}
	for _, tc := range []struct {
		name string
		err  *Error
		want error // the one condition it matches; nil: none
	}{
		{"upload gone", &Error{Op: "ListParts", Status: 404, Code: "NoSuchUpload"}, ErrNoSuchUpload},
		{"if-match failed", &Error{Op: OpUploadPartCopy, Status: 412, Code: "PreconditionFailed"}, ErrPreconditionFailed},
		{"head of a missing key", &Error{Op: OpHeadObject, Status: 404, Code: "NoSuchKey"}, ErrNoSuchKey},
		{"head in a missing bucket", &Error{Op: OpHeadObject, Status: 404, Code: "NoSuchBucket"}, nil},
		{"copy of a missing source", &Error{Op: OpCopyObject, Status: 404, Code: "NoSuchKey"}, ErrSourceGone},
		{"part of a missing source", &Error{Op: OpUploadPartCopy, Status: 404, Code: "NoSuchKey"}, ErrSourceGone},
		{"tags of a missing key", &Error{Op: "GetObjectTagging", Status: 404, Code: "NoSuchKey"}, nil},
		{"too large", &Error{Op: OpCopyObject, Status: 400, Code: "EntityTooLarge"}, ErrEntityTooLarge},
		{"denied", &Error{Op: OpCopyObject, Status: 403, Code: "AccessDenied"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			wrapped := fmt.Errorf("copying: %w", tc.err)
			for _, c := range conditions {
				if got := errors.Is(wrapped, c); got != (c == tc.want) {
					t.Errorf("errors.Is(%v, %q) = %v", tc.err, c, got)
				}
			}
		})
	}
}

func TestClassOf(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		err   error
		class Class
		after time.Duration
	}{
		{"throttled", fmt.Errorf("x: %w", &Error{Class: Throttled, RetryAfter: 2 * time.Second}), Throttled, 2 * time.Second},
		{"transient", &Error{Class: Transient}, Transient, 0},
		{"permanent", &Error{Class: Permanent, Err: context.DeadlineExceeded}, Permanent, 0},
		{"an attempt's bare deadline", fmt.Errorf("x: %w", context.DeadlineExceeded), Transient, 0},
		{"cancelled", context.Canceled, Permanent, 0},
		{"anything else", io.ErrUnexpectedEOF, Permanent, 0},
		{"nil", nil, Permanent, 0},
	} {
		if class, after := ClassOf(tc.err); class != tc.class || after != tc.after {
			t.Errorf("%s: ClassOf = %v, %v; want %v, %v", tc.name, class, after, tc.class, tc.after)
		}
	}
}

func TestCodeAndEndsRun(t *testing.T) {
	t.Parallel()
	gone := fmt.Errorf("listing: %w", &Error{Code: "NoSuchBucket", EndsRun: true})
	if Code(gone) != "NoSuchBucket" || !EndsRun(gone) {
		t.Errorf("Code, EndsRun of %v = %q, %v", gone, Code(gone), EndsRun(gone))
	}
	plain := errors.New("checkpoint: no space left on device")
	if Code(plain) != "" || EndsRun(plain) {
		t.Errorf("Code, EndsRun of a plain error = %q, %v", Code(plain), EndsRun(plain))
	}
	for _, c := range []Class{Permanent, Transient, Throttled} {
		if s := c.String(); s == "" || strings.Contains(s, " ") {
			t.Errorf("Class(%d).String() = %q", c, s)
		}
	}
}
