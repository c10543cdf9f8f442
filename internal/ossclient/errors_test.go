package ossclient

import (
	"context"
	"errors"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/osscopy/osscopy/internal/lab/ossserver"
	"github.com/osscopy/osscopy/internal/lab/osstest"
	"github.com/osscopy/osscopy/internal/osserr"
	"github.com/osscopy/osscopy/worker"
)

// ossError returns the *osserr.Error that err must be: every error of the
// client is one.
func ossError(t *testing.T, err error) *osserr.Error {
	t.Helper()
	e, ok := osserr.As(err)
	if !ok {
		t.Fatalf("error %v (%T) is no *osserr.Error", err, err)
	}
	return e
}

// TestErrors checks the *osserr.Error that errors the SDK really returns
// against the local server (and one against a closed port) become: the
// request it names, OSS's answer, the class, Retry-After and whether it
// ends a run.
func TestErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name string
		cfg  ossserver.Config
		err  func(t *testing.T, env *osstest.Env, c *Client) error
		// want holds the fields to compare: the request (Op, Bucket, Key,
		// Part), the answer (Status, Code; 0 and "" when none is expected)
		// and the decision (Class, RetryAfter, EndsRun).
		want osserr.Error
	}{
		{name: "403 SignatureDoesNotMatch",
			want: osserr.Error{Op: "GetObjectTagging", Bucket: bucket, Key: key, Status: 403, Code: "SignatureDoesNotMatch", Class: osserr.Permanent, EndsRun: true},
			err: func(t *testing.T, env *osstest.Env, c *Client) error {
				_, err := clientFor(env, "wrong-secret").GetTagging(ctx, src)
				return err
			}},
		{name: "403 on HEAD (code from x-oss-err)",
			want: osserr.Error{Op: osserr.OpHeadObject, Bucket: bucket, Key: key, Status: 403, Code: "SignatureDoesNotMatch", Class: osserr.Permanent, EndsRun: true},
			err: func(t *testing.T, env *osstest.Env, c *Client) error {
				_, err := clientFor(env, "wrong-secret").Head(ctx, src)
				return err
			}},
		{name: "403 AccessDenied does not end a run (a policy may deny one key)",
			cfg:  ossserver.Config{Deny: []ossserver.DenyRule{{Op: "GetObjectTagging", Bucket: bucket, Key: key}}},
			want: osserr.Error{Op: "GetObjectTagging", Bucket: bucket, Key: key, Status: 403, Code: "AccessDenied", Class: osserr.Permanent},
			err: func(t *testing.T, env *osstest.Env, c *Client) error {
				_, err := c.GetTagging(ctx, src)
				return err
			}},
		{name: "404 NoSuchKey",
			want: osserr.Error{Op: "GetObjectTagging", Bucket: bucket, Key: "missing", Status: 404, Code: "NoSuchKey", Class: osserr.Permanent},
			err: func(t *testing.T, env *osstest.Env, c *Client) error {
				_, err := c.GetTagging(ctx, worker.Object{Bucket: bucket, Key: "missing"})
				return err
			}},
		{name: "404 NoSuchKey on HEAD",
			want: osserr.Error{Op: osserr.OpHeadObject, Bucket: bucket, Key: "missing", Status: 404, Code: "NoSuchKey", Class: osserr.Permanent},
			err: func(t *testing.T, env *osstest.Env, c *Client) error {
				_, err := c.Head(ctx, worker.Object{Bucket: bucket, Key: "missing"})
				return err
			}},
		{name: "404 NoSuchBucket",
			want: osserr.Error{Op: "GetObjectTagging", Bucket: "no-such-bucket", Key: key, Status: 404, Code: "NoSuchBucket", Class: osserr.Permanent, EndsRun: true},
			err: func(t *testing.T, env *osstest.Env, c *Client) error {
				_, err := c.GetTagging(ctx, worker.Object{Bucket: "no-such-bucket", Key: key})
				return err
			}},
		{name: "404 NoSuchUpload",
			want: osserr.Error{Op: "ListParts", Bucket: bucket, Key: dst.Key, Status: 404, Code: "NoSuchUpload", Class: osserr.Permanent},
			err: func(t *testing.T, env *osstest.Env, c *Client) error {
				_, err := c.ListParts(ctx, dst, "0123456789ABCDEF")
				return err
			}},
		{name: "412 PreconditionFailed",
			want: osserr.Error{Op: osserr.OpCopyObject, Bucket: bucket, Key: dst.Key, Status: 412, Code: "PreconditionFailed", Class: osserr.Permanent},
			err: func(t *testing.T, env *osstest.Env, c *Client) error {
				_, err := c.CopyObject(ctx, worker.CopyObjectInput{Source: src, Dest: dst, IfMatch: `"0123456789ABCDEF0123456789ABCDEF"`})
				return err
			}},
		{name: "400 InvalidArgument",
			want: osserr.Error{Op: osserr.OpUploadPartCopy, Bucket: bucket, Key: dst.Key, Part: 1, Status: 400, Code: "InvalidArgument", Class: osserr.Permanent},
			err: func(t *testing.T, env *osstest.Env, c *Client) error {
				id, err := c.Initiate(ctx, dst, worker.Attributes{})
				if err != nil {
					t.Fatal(err)
				}
				_, err = c.UploadPartCopy(ctx, worker.PartCopyInput{Source: src, Dest: dst, UploadID: id, PartNumber: 1, First: 10, Last: 5})
				return err
			}},
		{name: "500 InternalError",
			cfg:  ossserver.Config{ErrorRate: map[string]float64{"GetObjectTagging": 1}, FaultSeed: 1},
			want: osserr.Error{Op: "GetObjectTagging", Bucket: bucket, Key: key, Status: 500, Code: "InternalError", Class: osserr.Transient},
			err:  func(t *testing.T, env *osstest.Env, c *Client) error { return injected(t, c, 500) }},
		{name: "503 ServiceUnavailable",
			cfg:  ossserver.Config{ErrorRate: map[string]float64{"GetObjectTagging": 1}, FaultSeed: 1},
			want: osserr.Error{Op: "GetObjectTagging", Bucket: bucket, Key: key, Status: 503, Code: "ServiceUnavailable", Class: osserr.Transient},
			err:  func(t *testing.T, env *osstest.Env, c *Client) error { return injected(t, c, 503) }},
		{name: "503 ActiveRequestLimitExceeded",
			cfg: ossserver.Config{MaxInflight: 1, RetryAfter: 2 * time.Second, Latency: map[string]time.Duration{"HeadObject": 2 * time.Second}},
			want: osserr.Error{Op: "GetObjectTagging", Bucket: bucket, Key: key, Status: 503, Code: "ActiveRequestLimitExceeded",
				Class: osserr.Throttled, RetryAfter: 2 * time.Second},
			err: throttled},
		{name: "429 with Retry-After",
			cfg: ossserver.Config{MaxInflight: 1, ThrottleStatus: 429, ThrottleCode: "TooManyRequests", RetryAfter: 3 * time.Second,
				Latency: map[string]time.Duration{"HeadObject": 2 * time.Second}},
			want: osserr.Error{Op: "GetObjectTagging", Bucket: bucket, Key: key, Status: 429, Code: "TooManyRequests",
				Class: osserr.Throttled, RetryAfter: 3 * time.Second},
			err: throttled},
		{name: "connection reset mid-answer",
			cfg:  ossserver.Config{ResetRate: map[string]float64{"GetObjectTagging": 1}},
			want: osserr.Error{Op: "GetObjectTagging", Bucket: bucket, Key: key, Class: osserr.Transient},
			err: func(t *testing.T, env *osstest.Env, c *Client) error {
				_, err := c.GetTagging(ctx, src)
				return err
			}},
		{name: "connection reset after a part copy",
			cfg:  ossserver.Config{ResetRate: map[string]float64{"UploadPartCopy": 1}},
			want: osserr.Error{Op: osserr.OpUploadPartCopy, Bucket: bucket, Key: dst.Key, Part: 1, Class: osserr.Transient},
			err: func(t *testing.T, env *osstest.Env, c *Client) error {
				id, err := c.Initiate(ctx, dst, worker.Attributes{})
				if err != nil {
					t.Fatal(err)
				}
				_, err = c.UploadPartCopy(ctx, worker.PartCopyInput{Source: src, Dest: dst, UploadID: id, PartNumber: 1, First: 0, Last: 1 << 20})
				return err
			}},
		{name: "context.Canceled",
			want: osserr.Error{Op: "GetObjectTagging", Bucket: bucket, Key: key, Class: osserr.Permanent},
			err: func(t *testing.T, env *osstest.Env, c *Client) error {
				ctx, cancel := context.WithCancel(ctx)
				cancel()
				_, err := c.GetTagging(ctx, src)
				if !errors.Is(err, context.Canceled) {
					t.Errorf("error %v does not wrap context.Canceled", err)
				}
				return err
			}},
		{name: "one attempt's deadline",
			cfg:  ossserver.Config{Latency: map[string]time.Duration{"GetObjectTagging": 5 * time.Second}},
			want: osserr.Error{Op: "GetObjectTagging", Bucket: bucket, Key: key, Class: osserr.Transient},
			err: func(t *testing.T, env *osstest.Env, c *Client) error {
				ctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
				defer cancel()
				_, err := c.GetTagging(ctx, src)
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("error %v does not wrap context.DeadlineExceeded", err)
				}
				return err
			}},
		{name: "connection refused (*url.Error)",
			want: osserr.Error{Op: osserr.OpHeadObject, Bucket: bucket, Key: key, Class: osserr.Transient},
			err: func(t *testing.T, env *osstest.Env, c *Client) error {
				l, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				addr := l.Addr().String()
				l.Close()
				closed := New(Settings{Endpoint: "http://" + addr, Region: env.Region, AccessKeyID: osstest.AccessKeyID,
					AccessKeySecret: osstest.AccessKeySecret, AddressingStyle: "path"})
				_, err = closed.Head(ctx, src)
				var ue *url.Error
				if !errors.As(err, &ue) {
					t.Errorf("error %v (%T) holds no *url.Error", err, err)
				}
				return err
			}},
		// net/http refuses to send these headers with an error of no type:
		// it was retried as a network failure, for minutes per object.
		{name: "a header value no request can carry",
			want: osserr.Error{Op: osserr.OpCopyObject, Bucket: bucket, Key: dst.Key, Class: osserr.Permanent},
			err: func(t *testing.T, env *osstest.Env, c *Client) error {
				_, err := c.CopyObject(ctx, worker.CopyObjectInput{Source: src, Dest: dst, ReplaceMetadata: true,
					Attributes: worker.Attributes{ContentType: "text/plain\n", Meta: map[string]string{"k": "v"}}})
				return unsent(t, env, err)
			}},
		{name: "a header name no request can carry",
			want: osserr.Error{Op: "InitiateMultipartUpload", Bucket: bucket, Key: dst.Key, Class: osserr.Permanent},
			err: func(t *testing.T, env *osstest.Env, c *Client) error {
				_, err := c.Initiate(ctx, dst, worker.Attributes{Meta: map[string]string{"a b": "c"}})
				return unsent(t, env, err)
			}},
		{name: "a user metadata value with a NUL",
			want: osserr.Error{Op: "InitiateMultipartUpload", Bucket: bucket, Key: dst.Key, Class: osserr.Permanent},
			err: func(t *testing.T, env *osstest.Env, c *Client) error {
				_, err := c.Initiate(ctx, dst, worker.Attributes{Meta: map[string]string{"k": "v\x00"}})
				return unsent(t, env, err)
			}},
		{name: "an error of no known kind",
			want: osserr.Error{Op: "GetObjectTagging", Bucket: bucket, Key: key, Class: osserr.Permanent},
			err: func(t *testing.T, env *osstest.Env, c *Client) error {
				return request{op: "GetObjectTagging", bucket: bucket, key: key}.fail(errors.New("something else"))
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env, c := start(t, tt.cfg)
			err := tt.err(t, env, c)
			if err == nil {
				t.Fatal("got no error")
			}
			e := ossError(t, err)
			got := osserr.Error{Op: e.Op, Bucket: e.Bucket, Key: e.Key, Part: e.Part, Status: e.Status, Code: e.Code,
				Class: e.Class, RetryAfter: e.RetryAfter, EndsRun: e.EndsRun}
			if got != tt.want {
				t.Errorf("got  %+v\nwant %+v\nfrom %v", got, tt.want, err)
			}
			checkCause(t, e)
			checkOneLine(t, e)
		})
	}
}

// checkCause checks that e keeps the SDK's error it came from: the
// service's answer (status, code, request id) when OSS answered, and none
// when it did not.
func checkCause(t *testing.T, e *osserr.Error) {
	t.Helper()
	if e.Err == nil {
		t.Fatalf("%v keeps no cause", e)
	}
	var se *oss.ServiceError
	answered := errors.As(e, &se)
	switch {
	case answered != (e.Status != 0):
		t.Errorf("%v: status %d, but the cause %v (%T) is a service error: %v", e, e.Status, e.Err, e.Err, answered)
	case answered && (se.StatusCode != e.Status || se.Code != e.Code || se.Message != e.Message || se.EC != e.EC || se.RequestID != e.RequestID):
		t.Errorf("%+v differs from the service error %d %s %q EC %s request id %s", e, se.StatusCode, se.Code, se.Message, se.EC, se.RequestID)
	case answered && e.RequestID == "":
		t.Errorf("%v: no request id", e)
	}
}

// checkOneLine checks the text a person reads: one line, naming the
// request, the object, OSS's code and the request id.
func checkOneLine(t *testing.T, e *osserr.Error) {
	t.Helper()
	msg := e.Error()
	if strings.Contains(msg, "\n") {
		t.Errorf("the error spans lines: %q", msg)
	}
	for _, want := range []string{e.Op, "oss://" + e.Bucket + "/" + e.Key, e.Code, e.RequestID} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not say %q", msg, want)
		}
	}
	if strings.Contains(msg, "Error returned by Service") {
		t.Errorf("error %q is the SDK's dump", msg)
	}
}

// unsent requires that err names the header no request can carry, not
// its value, and that the server saw no request; it returns err.
func unsent(t *testing.T, env *osstest.Env, err error) error {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), "no request can carry") {
		t.Errorf("error %v does not say the header cannot be sent", err)
	}
	if n := len(env.Log.Entries(t)); n != 0 {
		t.Errorf("the server saw %d requests, want none", n)
	}
	return err
}

// injected asks until the server injects an error with the given status
// (ErrorRate 1 picks 500 or 503 for each request).
func injected(t *testing.T, c *Client, status int) error {
	t.Helper()
	for range 64 {
		_, err := c.GetTagging(context.Background(), src)
		if e, ok := osserr.As(err); ok && e.Status == status {
			return err
		}
	}
	t.Fatalf("no %d in 64 requests with ErrorRate 1", status)
	return nil
}

// throttled holds the server's only slot with a slow HEAD and returns the
// answer to a request made meanwhile.
func throttled(t *testing.T, env *osstest.Env, c *Client) error {
	t.Helper()
	var wg sync.WaitGroup
	defer wg.Wait()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	wg.Go(func() {
		// A HEAD that arrives while a probe runs is itself throttled: again.
		for ctx.Err() == nil {
			_, _ = c.Head(ctx, src)
		}
	})
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		_, err := c.GetTagging(context.Background(), src)
		if err != nil {
			return err
		}
		time.Sleep(10 * time.Millisecond) // no HEAD holds the slot yet
	}
	t.Fatal("no request was throttled while the only slot was held")
	return nil
}

// TestConditions: the errors the copy reacts to match osserr's conditions
// (and no other), and are permanent.
func TestConditions(t *testing.T) {
	t.Parallel()
	const other = "other-bkt"
	env, c := start(t, ossserver.Config{Buckets: []string{other}, CopyObjectLimit: 1 << 20})
	ctx := context.Background()
	head, err := env.Client.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key)})
	if err != nil {
		t.Fatal(err)
	}
	id, err := c.Initiate(ctx, dst, worker.Attributes{})
	if err != nil {
		t.Fatal(err)
	}
	const bogus = "0123456789ABCDEF"
	missing := worker.Object{Bucket: bucket, Key: "missing"}
	tests := []struct {
		name      string
		call      func() error
		condition error // nil: none of them
		status    int
		code      string
	}{
		{"ListParts of an unknown upload", func() error { _, err := c.ListParts(ctx, dst, bogus); return err },
			osserr.ErrNoSuchUpload, 404, "NoSuchUpload"},
		{"UploadPartCopy to an unknown upload", func() error {
			_, err := c.UploadPartCopy(ctx, worker.PartCopyInput{Source: src, Dest: dst, UploadID: bogus, PartNumber: 1, First: 0, Last: 99})
			return err
		}, osserr.ErrNoSuchUpload, 404, "NoSuchUpload"},
		{"Complete of an unknown upload", func() error {
			_, err := c.Complete(ctx, dst, bogus, []worker.PartETag{{Number: 1, ETag: `"00"`}})
			return err
		}, osserr.ErrNoSuchUpload, 404, "NoSuchUpload"},
		{"Abort of an unknown upload", func() error { return c.Abort(ctx, dst, bogus) },
			osserr.ErrNoSuchUpload, 404, "NoSuchUpload"},
		{"CopyObject with a stale If-Match", func() error {
			_, err := c.CopyObject(ctx, worker.CopyObjectInput{Source: src, Dest: dst, IfMatch: `"0123456789ABCDEF0123456789ABCDEF"`})
			return err
		}, osserr.ErrPreconditionFailed, 412, "PreconditionFailed"},
		{"UploadPartCopy with a stale If-Match", func() error {
			_, err := c.UploadPartCopy(ctx, worker.PartCopyInput{Source: src, Dest: dst, UploadID: id, PartNumber: 1, First: 0, Last: 99,
				IfMatch: `"0123456789ABCDEF0123456789ABCDEF"`})
			return err
		}, osserr.ErrPreconditionFailed, 412, "PreconditionFailed"},
		{"Head of a missing object", func() error { _, err := c.Head(ctx, missing); return err },
			osserr.ErrNoSuchKey, 404, "NoSuchKey"},
		{"Head in a missing bucket is no missing object", func() error {
			_, err := c.Head(ctx, worker.Object{Bucket: "no-such-bucket", Key: key})
			return err
		}, nil, 404, "NoSuchBucket"},
		{"GetTagging of a missing object is no HEAD's", func() error { _, err := c.GetTagging(ctx, missing); return err },
			nil, 404, "NoSuchKey"},
		{"CopyObject of a missing source", func() error {
			_, err := c.CopyObject(ctx, worker.CopyObjectInput{Source: missing, Dest: dst})
			return err
		}, osserr.ErrSourceGone, 404, "NoSuchKey"},
		{"UploadPartCopy of a missing source", func() error {
			_, err := c.UploadPartCopy(ctx, worker.PartCopyInput{Source: missing, Dest: dst, UploadID: id, PartNumber: 1, First: 0, Last: 99})
			return err
		}, osserr.ErrSourceGone, 404, "NoSuchKey"},
		{"CopyObject of a source too large for one request", func() error {
			_, err := c.CopyObject(ctx, worker.CopyObjectInput{Source: src, Dest: worker.Object{Bucket: other, Key: key}})
			return err
		}, osserr.ErrEntityTooLarge, 400, "EntityTooLarge"},
	}
	conditions := []error{osserr.ErrNoSuchUpload, osserr.ErrPreconditionFailed, osserr.ErrNoSuchKey, osserr.ErrSourceGone, osserr.ErrEntityTooLarge}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if err == nil {
				t.Fatal("got no error")
			}
			for _, cond := range conditions {
				if got := errors.Is(err, cond); got != (cond == tt.condition) {
					t.Errorf("errors.Is(%v, %q) = %v", err, cond, got)
				}
			}
			e := ossError(t, err)
			if e.Status != tt.status || e.Code != tt.code || e.Class != osserr.Permanent {
				t.Errorf("got %d %s (%s), want %d %s (permanent)", e.Status, e.Code, e.Class, tt.status, tt.code)
			}
			checkCause(t, e)
		})
	}
	// The matching If-Match passes: the ETag is quoted as HEAD gave it.
	if _, err := c.CopyObject(ctx, worker.CopyObjectInput{Source: src, Dest: dst, IfMatch: oss.ToString(head.ETag)}); err != nil {
		t.Errorf("CopyObject with the current ETag: %v", err)
	}
}

// TestFailKeepsOtherErrors: fail keeps nil nil, and an error that is no
// answer of OSS inside an *osserr.Error that names the request.
func TestFailKeepsOtherErrors(t *testing.T) {
	t.Parallel()
	req := request{op: "ListParts", bucket: bucket, key: key}
	if req.fail(nil) != nil {
		t.Error("fail(nil) is not nil")
	}
	plain := errors.New("plain")
	err := req.fail(plain)
	e := ossError(t, err)
	if !errors.Is(err, plain) || e.Status != 0 || e.Code != "" || e.Class != osserr.Permanent || e.EndsRun {
		t.Errorf("fail(plain) = %+v", e)
	}
	if want := "ListParts of oss://" + bucket + "/" + key + ": plain"; err.Error() != want {
		t.Errorf("fail(plain) says %q, want %q", err, want)
	}
}
