package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/osscopy/osscopy/internal/osserr"
	"github.com/osscopy/osscopy/internal/retry"
)

// afterAttempts is err as retry.Do returns it after n attempts.
func afterAttempts(t *testing.T, n int, err error) error {
	t.Helper()
	_, got := retry.Do(context.Background(), retry.Policy{Attempts: n, Initial: time.Microsecond, Max: time.Microsecond}, "Op",
		func(context.Context) (struct{}, error) { return struct{}{}, err })
	if retry.Attempts(got) != n {
		t.Fatalf("retry.Do made %d attempts, want %d", retry.Attempts(got), n)
	}
	return got
}

func TestHint(t *testing.T) {
	t.Parallel()
	denied := &osserr.Error{Op: "CopyObject", Bucket: "b", Key: "k", Status: 403, Code: "AccessDenied", Class: osserr.Permanent}
	unhinted := &osserr.Error{Op: "CopyObject", Bucket: "b", Key: "k", Status: 400, Code: "InvalidObjectName", Class: osserr.Permanent}
	internal := &osserr.Error{Op: "UploadPartCopy", Bucket: "b", Key: "k", Part: 3, Status: 500, Code: "InternalError", Class: osserr.Transient}
	throttled := &osserr.Error{Op: "UploadPartCopy", Bucket: "b", Key: "k", Status: 503, Code: "SlowDown", Class: osserr.Throttled}
	refused := &osserr.Error{Op: "HeadObject", Bucket: "b", Key: "k", Class: osserr.Transient, Err: errors.New("connection refused")}
	for _, tc := range []struct {
		name string
		err  error
		want string // a part of the hint; "" for none
	}{
		{"not OSS's", errors.New("the checkpoint dir is not writable"), ""},
		{"a code with a hint", denied, "check the credentials and the permissions"},
		{"a code with a hint, wrapped", fmt.Errorf("copying oss://a/b to oss://b/k: %w", denied), "check the credentials and the permissions"},
		{"a code with a hint, through retry", afterAttempts(t, 1, denied), "check the credentials and the permissions"},
		{"the API's own code", &osserr.Error{Op: "HeadObject", Status: 304, Code: "NotModified", Class: osserr.Permanent}, "the condition held"},
		{"a permanent code without a hint", unhinted, ""},
		{"transient, sent once", internal, "failed for the moment: run the same command again"},
		{"no answer, sent once", refused, "failed for the moment: run the same command again"},
		{"no answer, after one attempt through retry", afterAttempts(t, 1, refused), "failed for the moment"},
		{"transient, after retries", afterAttempts(t, 4, internal), "failed 4 times in a row: check the endpoint and the network"},
		{"throttled, after retries", afterAttempts(t, 10, throttled), "failed 10 times in a row"},
		{"after retries, wrapped", fmt.Errorf("reading source: %w", afterAttempts(t, 2, refused)), "failed 2 times in a row"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := hint(tc.err)
			if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
				t.Errorf("hint(%v) = %q, want %q", tc.err, got, tc.want)
			}
			if strings.Contains(got, "\n") {
				t.Errorf("hint(%v) spans lines: %q", tc.err, got)
			}
		})
	}
}

func TestPrintError(t *testing.T) {
	t.Parallel()
	denied := &osserr.Error{Op: "CopyObject", Bucket: "b", Key: "k", Status: 403, Code: "AccessDenied", Message: "denied.",
		RequestID: "REQ1", Class: osserr.Permanent}
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"with a hint", denied, "osscopy: CopyObject of oss://b/k: 403 AccessDenied: denied (request id REQ1)\n" +
			"osscopy: hint: check the credentials and the permissions of this key on both buckets\n"},
		{"without one", errors.New("boom"), "osscopy: boom\n"},
	} {
		var b bytes.Buffer
		printError(&b, tc.err)
		if b.String() != tc.want {
			t.Errorf("%s: printed %q, want %q", tc.name, b.String(), tc.want)
		}
	}
}
