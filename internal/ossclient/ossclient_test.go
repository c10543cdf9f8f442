package ossclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/osscopy/osscopy/internal/lab/ossserver"
	"github.com/osscopy/osscopy/internal/lab/osstest"
	"github.com/osscopy/osscopy/worker"
)

const (
	bucket = "classify-bkt"
	key    = "src/object.bin"
)

// start runs a local server holding bucket/key (2 MiB) and returns a
// client for it.
func start(t *testing.T, cfg ossserver.Config) (*osstest.Env, *Client) {
	t.Helper()
	cfg.Buckets = append(cfg.Buckets, bucket)
	cfg.Seeds = append(cfg.Seeds, ossserver.Seed{Bucket: bucket, Key: key, Size: 2 << 20, Seed: 7})
	env := osstest.Start(t, cfg)
	return env, clientFor(env, osstest.AccessKeySecret)
}

func clientFor(env *osstest.Env, secret string) *Client {
	return New(Settings{Endpoint: env.Endpoint, Region: env.Region, AccessKeyID: osstest.AccessKeyID,
		AccessKeySecret: secret, AddressingStyle: "path"})
}

var (
	src = worker.Object{Bucket: bucket, Key: key}
	dst = worker.Object{Bucket: bucket, Key: "dst/object.bin"}
)

func serviceError(t *testing.T, err error) *oss.ServiceError {
	t.Helper()
	var se *oss.ServiceError
	if !errors.As(err, &se) {
		t.Fatalf("error %v (%T) holds no *oss.ServiceError", err, err)
	}
	return se
}

func className(c worker.Class) string {
	return map[worker.Class]string{worker.Permanent: "Permanent", worker.Transient: "Transient", worker.Throttled: "Throttled"}[c]
}

// TestClassify classifies errors the SDK really returns against the local
// server (and one against a closed port).
func TestClassify(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name      string
		cfg       ossserver.Config
		err       func(t *testing.T, env *osstest.Env, c *Client) error
		status    int    // the ServiceError's status, 0 when none is expected
		code      string // its code
		want      worker.Class
		wantAfter time.Duration
	}{
		{name: "403 SignatureDoesNotMatch", status: 403, code: "SignatureDoesNotMatch", want: worker.Permanent,
			err: func(t *testing.T, env *osstest.Env, c *Client) error {
				_, err := clientFor(env, "wrong-secret").GetTagging(ctx, src)
				return err
			}},
		{name: "403 on HEAD (code from x-oss-err)", status: 403, code: "SignatureDoesNotMatch", want: worker.Permanent,
			err: func(t *testing.T, env *osstest.Env, c *Client) error {
				_, err := clientFor(env, "wrong-secret").Head(ctx, src)
				return err
			}},
		{name: "404 NoSuchKey", status: 404, code: "NoSuchKey", want: worker.Permanent,
			err: func(t *testing.T, env *osstest.Env, c *Client) error {
				_, err := c.GetTagging(ctx, worker.Object{Bucket: bucket, Key: "missing"})
				return err
			}},
		{name: "404 NoSuchKey on HEAD", status: 404, code: "NoSuchKey", want: worker.Permanent,
			err: func(t *testing.T, env *osstest.Env, c *Client) error {
				_, err := c.Head(ctx, worker.Object{Bucket: bucket, Key: "missing"})
				return err
			}},
		{name: "404 NoSuchBucket", status: 404, code: "NoSuchBucket", want: worker.Permanent,
			err: func(t *testing.T, env *osstest.Env, c *Client) error {
				_, err := c.GetTagging(ctx, worker.Object{Bucket: "no-such-bucket", Key: key})
				return err
			}},
		{name: "404 NoSuchUpload", status: 404, code: "NoSuchUpload", want: worker.Permanent,
			err: func(t *testing.T, env *osstest.Env, c *Client) error {
				_, err := c.ListParts(ctx, dst, "0123456789ABCDEF")
				return err
			}},
		{name: "412 PreconditionFailed", status: 412, code: "PreconditionFailed", want: worker.Permanent,
			err: func(t *testing.T, env *osstest.Env, c *Client) error {
				_, err := c.CopyObject(ctx, worker.CopyObjectInput{Source: src, Dest: dst, IfMatch: `"0123456789ABCDEF0123456789ABCDEF"`})
				return err
			}},
		{name: "400 InvalidArgument", status: 400, code: "InvalidArgument", want: worker.Permanent,
			err: func(t *testing.T, env *osstest.Env, c *Client) error {
				id, err := c.Initiate(ctx, dst, worker.Attributes{})
				if err != nil {
					t.Fatal(err)
				}
				_, err = c.UploadPartCopy(ctx, worker.PartCopyInput{Source: src, Dest: dst, UploadID: id, PartNumber: 1, First: 10, Last: 5})
				return err
			}},
		{name: "500 InternalError", status: 500, code: "InternalError", want: worker.Transient,
			cfg: ossserver.Config{ErrorRate: map[string]float64{"GetObjectTagging": 1}, FaultSeed: 1},
			err: func(t *testing.T, env *osstest.Env, c *Client) error { return injected(t, c, 500) }},
		{name: "503 ServiceUnavailable", status: 503, code: "ServiceUnavailable", want: worker.Transient,
			cfg: ossserver.Config{ErrorRate: map[string]float64{"GetObjectTagging": 1}, FaultSeed: 1},
			err: func(t *testing.T, env *osstest.Env, c *Client) error { return injected(t, c, 503) }},
		{name: "503 ActiveRequestLimitExceeded", status: 503, code: "ActiveRequestLimitExceeded", want: worker.Throttled, wantAfter: 2 * time.Second,
			cfg: ossserver.Config{MaxInflight: 1, RetryAfter: 2 * time.Second, Latency: map[string]time.Duration{"HeadObject": 2 * time.Second}},
			err: throttled},
		{name: "429 with Retry-After", status: 429, code: "TooManyRequests", want: worker.Throttled, wantAfter: 3 * time.Second,
			cfg: ossserver.Config{MaxInflight: 1, ThrottleStatus: 429, ThrottleCode: "TooManyRequests", RetryAfter: 3 * time.Second,
				Latency: map[string]time.Duration{"HeadObject": 2 * time.Second}},
			err: throttled},
		{name: "connection reset mid-answer", want: worker.Transient,
			cfg: ossserver.Config{ResetRate: map[string]float64{"GetObjectTagging": 1}},
			err: func(t *testing.T, env *osstest.Env, c *Client) error {
				_, err := c.GetTagging(ctx, src)
				return err
			}},
		{name: "connection reset after a part copy", want: worker.Transient,
			cfg: ossserver.Config{ResetRate: map[string]float64{"UploadPartCopy": 1}},
			err: func(t *testing.T, env *osstest.Env, c *Client) error {
				id, err := c.Initiate(ctx, dst, worker.Attributes{})
				if err != nil {
					t.Fatal(err)
				}
				_, err = c.UploadPartCopy(ctx, worker.PartCopyInput{Source: src, Dest: dst, UploadID: id, PartNumber: 1, First: 0, Last: 1 << 20})
				return err
			}},
		{name: "context.Canceled", want: worker.Permanent,
			err: func(t *testing.T, env *osstest.Env, c *Client) error {
				ctx, cancel := context.WithCancel(ctx)
				cancel()
				_, err := c.GetTagging(ctx, src)
				if !errors.Is(err, context.Canceled) {
					t.Errorf("error %v does not wrap context.Canceled", err)
				}
				return err
			}},
		{name: "one attempt's deadline", want: worker.Transient,
			cfg: ossserver.Config{Latency: map[string]time.Duration{"GetObjectTagging": 5 * time.Second}},
			err: func(t *testing.T, env *osstest.Env, c *Client) error {
				ctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
				defer cancel()
				_, err := c.GetTagging(ctx, src)
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("error %v does not wrap context.DeadlineExceeded", err)
				}
				return err
			}},
		{name: "connection refused (*url.Error)", want: worker.Transient,
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
		{name: "an error of no known kind", want: worker.Permanent,
			err: func(t *testing.T, env *osstest.Env, c *Client) error { return errors.New("something else") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env, c := start(t, tt.cfg)
			err := tt.err(t, env, c)
			if err == nil {
				t.Fatal("got no error")
			}
			if tt.status != 0 {
				se := serviceError(t, err)
				if se.StatusCode != tt.status || se.Code != tt.code {
					t.Fatalf("got %d %s, want %d %s (%v)", se.StatusCode, se.Code, tt.status, tt.code, err)
				}
			} else {
				var se *oss.ServiceError
				if errors.As(err, &se) {
					t.Fatalf("got a service error %d %s, want none", se.StatusCode, se.Code)
				}
			}
			class, after := Classify(err)
			if class != tt.want || after != tt.wantAfter {
				t.Errorf("Classify(%v) = %s, %v; want %s, %v", err, className(class), after, className(tt.want), tt.wantAfter)
			}
		})
	}
}

// injected asks until the server injects an error with the given status
// (ErrorRate 1 picks 500 or 503 for each request).
func injected(t *testing.T, c *Client, status int) error {
	t.Helper()
	for range 64 {
		_, err := c.GetTagging(context.Background(), src)
		var se *oss.ServiceError
		if errors.As(err, &se) && se.StatusCode == status {
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

// TestMark: the errors the copy reacts to carry worker's sentinels and
// still hold the SDK's error for Classify and messages.
func TestMark(t *testing.T) {
	t.Parallel()
	env, c := start(t, ossserver.Config{})
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
	tests := []struct {
		name     string
		call     func() error
		sentinel error // nil: neither sentinel
		status   int
		code     string
	}{
		{"ListParts of an unknown upload", func() error { _, err := c.ListParts(ctx, dst, bogus); return err },
			worker.ErrNoSuchUpload, 404, "NoSuchUpload"},
		{"UploadPartCopy to an unknown upload", func() error {
			_, err := c.UploadPartCopy(ctx, worker.PartCopyInput{Source: src, Dest: dst, UploadID: bogus, PartNumber: 1, First: 0, Last: 99})
			return err
		}, worker.ErrNoSuchUpload, 404, "NoSuchUpload"},
		{"Complete of an unknown upload", func() error {
			_, err := c.Complete(ctx, dst, bogus, []worker.PartETag{{Number: 1, ETag: `"00"`}})
			return err
		}, worker.ErrNoSuchUpload, 404, "NoSuchUpload"},
		{"Abort of an unknown upload", func() error { return c.Abort(ctx, dst, bogus) },
			worker.ErrNoSuchUpload, 404, "NoSuchUpload"},
		{"CopyObject with a stale If-Match", func() error {
			_, err := c.CopyObject(ctx, worker.CopyObjectInput{Source: src, Dest: dst, IfMatch: `"0123456789ABCDEF0123456789ABCDEF"`})
			return err
		}, worker.ErrPreconditionFailed, 412, "PreconditionFailed"},
		{"UploadPartCopy with a stale If-Match", func() error {
			_, err := c.UploadPartCopy(ctx, worker.PartCopyInput{Source: src, Dest: dst, UploadID: id, PartNumber: 1, First: 0, Last: 99,
				IfMatch: `"0123456789ABCDEF0123456789ABCDEF"`})
			return err
		}, worker.ErrPreconditionFailed, 412, "PreconditionFailed"},
		{"NoSuchKey is not marked", func() error { _, err := c.Head(ctx, worker.Object{Bucket: bucket, Key: "missing"}); return err },
			nil, 404, "NoSuchKey"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if err == nil {
				t.Fatal("got no error")
			}
			for _, s := range []error{worker.ErrNoSuchUpload, worker.ErrPreconditionFailed} {
				if got := errors.Is(err, s); got != (s == tt.sentinel) {
					t.Errorf("errors.Is(%v, %q) = %v", err, s, got)
				}
			}
			se := serviceError(t, err)
			if se.StatusCode != tt.status || se.Code != tt.code {
				t.Errorf("got %d %s, want %d %s", se.StatusCode, se.Code, tt.status, tt.code)
			}
			if class, _ := Classify(err); class != worker.Permanent {
				t.Errorf("Classify = %s, want Permanent", className(class))
			}
		})
	}
	// The matching If-Match passes: the ETag is quoted as HEAD gave it.
	if _, err := c.CopyObject(ctx, worker.CopyObjectInput{Source: src, Dest: dst, IfMatch: oss.ToString(head.ETag)}); err != nil {
		t.Errorf("CopyObject with the current ETag: %v", err)
	}
	if mark(nil) != nil {
		t.Error("mark(nil) is not nil")
	}
	plain := errors.New("plain")
	if mark(plain) != plain {
		t.Error("mark changed an error that is no service error")
	}
}

// TestClientRoundTrip checks what the Store methods return for a copy.
func TestClientRoundTrip(t *testing.T) {
	t.Parallel()
	env, c := start(t, ossserver.Config{})
	ctx := context.Background()
	if _, err := env.Client.PutObjectTagging(ctx, &oss.PutObjectTaggingRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key),
		Tagging: &oss.Tagging{TagSet: &oss.TagSet{Tags: []oss.Tag{{Key: oss.Ptr("team"), Value: oss.Ptr("a b")}, {Key: oss.Ptr("env"), Value: oss.Ptr("prod")}}}}}); err != nil {
		t.Fatal(err)
	}
	info, err := c.Head(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	if info.Size != 2<<20 || info.ETag == "" || info.CRC64 == "" || info.TagCount != 2 || info.LastModified.IsZero() {
		t.Errorf("Head = %+v", info)
	}
	tags, err := c.GetTagging(ctx, src)
	if err != nil || tags != "env=prod&team=a+b" {
		t.Errorf("GetTagging = %q, %v; want env=prod&team=a+b", tags, err)
	}
	attrs := worker.Attributes{ContentType: "text/plain", Meta: map[string]string{"owner": "me"}, Tagging: tags}
	id, err := c.Initiate(ctx, dst, attrs)
	if err != nil {
		t.Fatal(err)
	}
	var parts []worker.PartETag
	for i, r := range [][2]int64{{0, 1<<20 - 1}, {1 << 20, 2<<20 - 1}} {
		etag, err := c.UploadPartCopy(ctx, worker.PartCopyInput{Source: src, Dest: dst, UploadID: id, PartNumber: int32(i + 1),
			First: r[0], Last: r[1], IfMatch: info.ETag})
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, worker.PartETag{Number: int32(i + 1), ETag: etag})
	}
	listed, err := c.ListParts(ctx, dst, id)
	if err != nil || len(listed) != 2 || listed[1].Size != 1<<20 || listed[1].ETag != parts[1].ETag {
		t.Fatalf("ListParts = %+v, %v", listed, err)
	}
	// Complete sorts the parts it is given.
	out, err := c.Complete(ctx, dst, id, []worker.PartETag{parts[1], parts[0]})
	if err != nil {
		t.Fatal(err)
	}
	if out.CRC64 != info.CRC64 {
		t.Errorf("Complete CRC64 %s, source %s", out.CRC64, info.CRC64)
	}
	got, err := c.Head(ctx, dst)
	if err != nil {
		t.Fatal(err)
	}
	if got.ETag != out.ETag || got.CRC64 != info.CRC64 || got.Attributes.ContentType != "text/plain" ||
		got.Attributes.Meta["owner"] != "me" || got.TagCount != 2 {
		t.Errorf("destination = %+v (Complete ETag %s)", got, out.ETag)
	}
	if err := c.Abort(ctx, dst, id); !errors.Is(err, worker.ErrNoSuchUpload) {
		t.Errorf("Abort of a completed upload = %v, want ErrNoSuchUpload", err)
	}
}

// writeConfig writes an ossutil config file and returns its path.
func writeConfig(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ossutilconfig")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// TestResolvePrecedence: each field comes from the first of flags,
// environment and config file that sets it, independently of the others.
func TestResolvePrecedence(t *testing.T) {
	t.Parallel()
	type field struct {
		name     string
		env      string
		ini      string
		set      func(*Settings, string)
		get      func(Settings) string
		value    func(source string) string
		defaults Settings // what the other required fields are, from flags
	}
	base := Settings{Endpoint: "http://127.0.0.1:1", Region: "test-region", AccessKeyID: "id-base", AccessKeySecret: "secret-base"}
	fields := []field{
		{"Endpoint", EnvEndpoint, "endpoint", func(s *Settings, v string) { s.Endpoint = v }, func(s Settings) string { return s.Endpoint },
			func(src string) string { return "http://" + src + ".example:9000" }, Settings{Region: base.Region, AccessKeyID: base.AccessKeyID, AccessKeySecret: base.AccessKeySecret}},
		{"Region", EnvRegion, "region", func(s *Settings, v string) { s.Region = v }, func(s Settings) string { return s.Region },
			func(src string) string { return src + "-region" }, Settings{Endpoint: base.Endpoint, AccessKeyID: base.AccessKeyID, AccessKeySecret: base.AccessKeySecret}},
		{"AccessKeyID", EnvAccessKeyID, "accessKeyID", func(s *Settings, v string) { s.AccessKeyID = v }, func(s Settings) string { return s.AccessKeyID },
			func(src string) string { return "id-" + src }, Settings{Endpoint: base.Endpoint, Region: base.Region, AccessKeySecret: base.AccessKeySecret}},
		{"AccessKeySecret", EnvAccessKeySecret, "accessKeySecret", func(s *Settings, v string) { s.AccessKeySecret = v }, func(s Settings) string { return s.AccessKeySecret },
			func(src string) string { return "secret-" + src }, Settings{Endpoint: base.Endpoint, Region: base.Region, AccessKeyID: base.AccessKeyID}},
		{"STSToken", EnvSessionToken, "stsToken", func(s *Settings, v string) { s.STSToken = v }, func(s Settings) string { return s.STSToken },
			func(src string) string { return "token-" + src }, base},
	}
	sources := []string{"flag", "env", "file"}
	for _, f := range fields {
		for mask := 1; mask < 8; mask++ {
			var in []string
			for i, s := range sources {
				if mask&(1<<i) != 0 {
					in = append(in, s)
				}
			}
			t.Run(f.name+"/"+strings.Join(in, "+"), func(t *testing.T) {
				t.Parallel()
				flags, env, ini := f.defaults, map[string]string{}, "[default]\n"
				for _, s := range in {
					switch s {
					case "flag":
						f.set(&flags, f.value(s))
					case "env":
						env[f.env] = f.value(s)
					case "file":
						ini += f.ini + " = " + f.value(s) + "\n"
					}
				}
				got, err := Resolve(flags, writeConfig(t, ini), "", envOf(env))
				if err != nil {
					t.Fatal(err)
				}
				if want := f.value(in[0]); f.get(got) != want {
					t.Errorf("%s = %q, want %q (from %s)", f.name, f.get(got), want, in[0])
				}
			})
		}
	}
}

// TestResolve covers profiles, derivations and the errors.
func TestResolve(t *testing.T) {
	t.Parallel()
	const keys = "accessKeyID = id-file\naccessKeySecret = secret-file\n"
	tests := []struct {
		name    string
		flags   Settings
		env     map[string]string
		config  string // "" for an empty file; "-" for a file that does not exist
		profile string
		want    Settings
		wantErr []string
	}{
		{name: "[profile dev] wins over [dev] and [default]",
			config: "[default]\nregion = cn-default\n" + keys + "[dev]\nregion = cn-plain\n" + keys +
				"[profile dev]\nregion = cn-profile\naccessKeyID = id-dev\naccessKeySecret = secret-dev\n",
			profile: "dev",
			want: Settings{Endpoint: "https://oss-cn-profile.aliyuncs.com", Region: "cn-profile", AccessKeyID: "id-dev",
				AccessKeySecret: "secret-dev", AddressingStyle: "virtual"}},
		{name: "[dev] without [profile dev]", config: "[default]\nregion = cn-default\n" + keys + "[dev]\nregion = cn-plain\n" + keys,
			profile: "dev",
			want: Settings{Endpoint: "https://oss-cn-plain.aliyuncs.com", Region: "cn-plain", AccessKeyID: "id-file",
				AccessKeySecret: "secret-file", AddressingStyle: "virtual"}},
		{name: "profile name is case-insensitive", config: "[Profile Dev]\nregion = cn-profile\n" + keys, profile: "DEV",
			want: Settings{Endpoint: "https://oss-cn-profile.aliyuncs.com", Region: "cn-profile", AccessKeyID: "id-file",
				AccessKeySecret: "secret-file", AddressingStyle: "virtual"}},
		{name: "[default] wins over [Credentials]",
			config: "[Credentials]\nendpoint = oss-cn-qingdao.aliyuncs.com\n" + keys + "[default]\nregion = cn-default\naccessKeyID = id-d\naccessKeySecret = s-d\n",
			want: Settings{Endpoint: "https://oss-cn-default.aliyuncs.com", Region: "cn-default", AccessKeyID: "id-d",
				AccessKeySecret: "s-d", AddressingStyle: "virtual"}},
		{name: "ossutil v1 [Credentials]",
			config: "[Credentials]\nlanguage = EN\nendpoint = oss-cn-qingdao.aliyuncs.com\naccessKeyID = id-v1\naccessKeySecret = secret-v1\nstsToken = tok-v1\n",
			want: Settings{Endpoint: "https://oss-cn-qingdao.aliyuncs.com", Region: "cn-qingdao", AccessKeyID: "id-v1",
				AccessKeySecret: "secret-v1", STSToken: "tok-v1", AddressingStyle: "virtual"}},
		{name: "keys are case-insensitive and trimmed",
			config: "[DEFAULT]\nENDPOINT = http://127.0.0.1:9000\nRegion=  cn-x  \nACCESSKEYID = id-up\nAccessKeySecret = secret-up\nSTSTOKEN = tok-up\n",
			want: Settings{Endpoint: "http://127.0.0.1:9000", Region: "cn-x", AccessKeyID: "id-up", AccessKeySecret: "secret-up",
				STSToken: "tok-up", AddressingStyle: "virtual"}},
		{name: "missing named config file", config: "-", flags: Settings{Region: "r", AccessKeyID: "i", AccessKeySecret: "s"},
			wantErr: []string{"reading config file", "no such file"}},
		{name: "invalid INI", config: "[default\nregion = x\n", wantErr: []string{"not valid INI"}},
		{name: "missing profile", config: "[default]\n" + keys, profile: "prod",
			wantErr: []string{`no profile "prod"`, "[prod]", "[profile prod]"}},
		{name: "no profile and no default section is no error",
			config: "[other]\nregion = x\n", flags: Settings{Region: "cn-hangzhou", AccessKeyID: "i", AccessKeySecret: "s"},
			want: Settings{Endpoint: "https://oss-cn-hangzhou.aliyuncs.com", Region: "cn-hangzhou", AccessKeyID: "i",
				AccessKeySecret: "s", AddressingStyle: "virtual"}},
		{name: "region from a public endpoint", flags: Settings{Endpoint: "oss-cn-hangzhou.aliyuncs.com", AccessKeyID: "i", AccessKeySecret: "s"},
			want: Settings{Endpoint: "https://oss-cn-hangzhou.aliyuncs.com", Region: "cn-hangzhou", AccessKeyID: "i",
				AccessKeySecret: "s", AddressingStyle: "virtual"}},
		{name: "region from an -internal endpoint", flags: Settings{Endpoint: "oss-cn-hangzhou-internal.aliyuncs.com", AccessKeyID: "i", AccessKeySecret: "s"},
			want: Settings{Endpoint: "https://oss-cn-hangzhou-internal.aliyuncs.com", Region: "cn-hangzhou", AccessKeyID: "i",
				AccessKeySecret: "s", AddressingStyle: "virtual"}},
		{name: "region from an http -internal endpoint, scheme kept",
			env: map[string]string{EnvEndpoint: "http://oss-ap-southeast-1-internal.aliyuncs.com", EnvAccessKeyID: "i", EnvAccessKeySecret: "s"},
			want: Settings{Endpoint: "http://oss-ap-southeast-1-internal.aliyuncs.com", Region: "ap-southeast-1", AccessKeyID: "i",
				AccessKeySecret: "s", AddressingStyle: "virtual"}},
		{name: "region from an https endpoint", flags: Settings{Endpoint: "https://oss-cn-shenzhen.aliyuncs.com/", AccessKeyID: "i", AccessKeySecret: "s"},
			want: Settings{Endpoint: "https://oss-cn-shenzhen.aliyuncs.com/", Region: "cn-shenzhen", AccessKeyID: "i",
				AccessKeySecret: "s", AddressingStyle: "virtual"}},
		{name: "a given region is not overridden by the endpoint's",
			flags: Settings{Endpoint: "oss-cn-hangzhou.aliyuncs.com", Region: "cn-shanghai", AccessKeyID: "i", AccessKeySecret: "s"},
			want: Settings{Endpoint: "https://oss-cn-hangzhou.aliyuncs.com", Region: "cn-shanghai", AccessKeyID: "i",
				AccessKeySecret: "s", AddressingStyle: "virtual"}},
		{name: "endpoint from the region", env: map[string]string{EnvRegion: "cn-beijing", EnvAccessKeyID: "i", EnvAccessKeySecret: "s"},
			want: Settings{Endpoint: "https://oss-cn-beijing.aliyuncs.com", Region: "cn-beijing", AccessKeyID: "i",
				AccessKeySecret: "s", AddressingStyle: "virtual"}},
		{name: "https added to a custom endpoint", flags: Settings{Endpoint: "oss.example.com:8443", Region: "r", AccessKeyID: "i", AccessKeySecret: "s"},
			want: Settings{Endpoint: "https://oss.example.com:8443", Region: "r", AccessKeyID: "i", AccessKeySecret: "s", AddressingStyle: "virtual"}},
		{name: "http:// kept", flags: Settings{Endpoint: "http://127.0.0.1:9000", Region: "r", AccessKeyID: "i", AccessKeySecret: "s", AddressingStyle: "path"},
			want: Settings{Endpoint: "http://127.0.0.1:9000", Region: "r", AccessKeyID: "i", AccessKeySecret: "s", AddressingStyle: "path"}},
		{name: "an acceleration endpoint names no region", flags: Settings{Endpoint: "oss-accelerate.aliyuncs.com", AccessKeyID: "i", AccessKeySecret: "s"},
			wantErr: []string{"no region"}},
		{name: "an overseas acceleration endpoint names no region", flags: Settings{Endpoint: "https://oss-accelerate-overseas.aliyuncs.com", AccessKeyID: "i", AccessKeySecret: "s"},
			wantErr: []string{"no region"}},
		{name: "an acceleration endpoint with a region", flags: Settings{Endpoint: "oss-accelerate.aliyuncs.com", Region: "cn-hangzhou", AccessKeyID: "i", AccessKeySecret: "s"},
			want: Settings{Endpoint: "https://oss-accelerate.aliyuncs.com", Region: "cn-hangzhou", AccessKeyID: "i", AccessKeySecret: "s", AddressingStyle: "virtual"}},
		{name: "an explicit empty [default] does not hide [Credentials]",
			config: "[default]\n[Credentials]\nendpoint = oss-cn-qingdao.aliyuncs.com\n" + keys,
			want: Settings{Endpoint: "https://oss-cn-qingdao.aliyuncs.com", Region: "cn-qingdao", AccessKeyID: "id-file",
				AccessKeySecret: "secret-file", AddressingStyle: "virtual"}},
		{name: "[DEFAULT] in capitals", config: "[DEFAULT]\nregion = cn-caps\n" + keys,
			want: Settings{Endpoint: "https://oss-cn-caps.aliyuncs.com", Region: "cn-caps", AccessKeyID: "id-file",
				AccessKeySecret: "secret-file", AddressingStyle: "virtual"}},
		{name: "custom endpoint without region", flags: Settings{Endpoint: "http://127.0.0.1:9000", AccessKeyID: "i", AccessKeySecret: "s"},
			wantErr: []string{"no region", "--region", EnvRegion, "config file"}},
		{name: "invalid addressing style", flags: Settings{Region: "r", AccessKeyID: "i", AccessKeySecret: "s", AddressingStyle: "vhost"},
			wantErr: []string{"--addressing-style", "path or virtual", `"vhost"`}},
		{name: "addressing style is case-sensitive", flags: Settings{Region: "r", AccessKeyID: "i", AccessKeySecret: "s", AddressingStyle: "Path"},
			wantErr: []string{"--addressing-style"}},
		{name: "no keys at all", flags: Settings{Region: "r"},
			wantErr: []string{"no access key", "--access-key-id", "--access-key-secret", EnvAccessKeyID, EnvAccessKeySecret, "accessKeyID", "accessKeySecret", "config file"}},
		{name: "a secret without an ID", flags: Settings{Region: "r"}, env: map[string]string{EnvAccessKeySecret: "s"},
			wantErr: []string{"no access key"}},
		{name: "an ID without a secret", flags: Settings{Region: "r"}, config: "[default]\naccessKeyID = i\n",
			wantErr: []string{"no access key"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := writeConfig(t, tt.config)
			if tt.config == "-" {
				path = filepath.Join(t.TempDir(), "missing")
			}
			got, err := Resolve(tt.flags, path, tt.profile, envOf(tt.env))
			if tt.wantErr != nil {
				if err == nil {
					t.Fatalf("got %+v, want an error", got)
				}
				for _, s := range tt.wantErr {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not say %q", err, s)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got  %s token=%q secret=%q\nwant %s token=%q secret=%q", got, got.STSToken, got.AccessKeySecret,
					tt.want, tt.want.STSToken, tt.want.AccessKeySecret)
			}
		})
	}
}

// TestResolveDefaultConfigFile reads ~/.ossutilconfig when no file is named
// (not parallel: it sets HOME).
func TestResolveDefaultConfigFile(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	flags := Settings{Region: "r", AccessKeyID: "i", AccessKeySecret: "s"}
	if _, err := Resolve(flags, "", "", envOf(nil)); err != nil {
		t.Errorf("a missing default config file: %v", err)
	}
	if _, err := Resolve(flags, "", "dev", envOf(nil)); err == nil || !strings.Contains(err.Error(), "--config-file") {
		t.Errorf("a --profile without any config file: %v, want an error naming --config-file", err)
	}
	if err := os.WriteFile(filepath.Join(home, ".ossutilconfig"), []byte("[default]\nregion = cn-home\naccessKeyID = id-home\naccessKeySecret = s-home\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := Resolve(Settings{}, "", "", envOf(nil))
	if err != nil || got.Region != "cn-home" || got.AccessKeyID != "id-home" || got.AccessKeySecret != "s-home" {
		t.Errorf("from ~/.ossutilconfig: %s, %v", got, err)
	}
}

// TestSettingsNeverPrintSecrets formats Settings every common way.
func TestSettingsNeverPrintSecrets(t *testing.T) {
	t.Parallel()
	s := Settings{Endpoint: "https://oss-cn-hangzhou.aliyuncs.com", Region: "cn-hangzhou", AccessKeyID: "LTAIvisibleid",
		AccessKeySecret: "SUPER-SECRET-VALUE", STSToken: "STS-TOKEN-VALUE", AddressingStyle: "virtual"}
	type holder struct{ S Settings }
	outputs := map[string]string{
		"String()":     s.String(),
		"GoString()":   s.GoString(),
		"Sprint":       fmt.Sprint(s),
		"Sprintln":     fmt.Sprintln(s),
		"%v":           fmt.Sprintf("%v", s),
		"%+v":          fmt.Sprintf("%+v", s),
		"%#v":          fmt.Sprintf("%#v", s),
		"%s":           fmt.Sprintf("%s", s),
		"%q":           fmt.Sprintf("%q", s),
		"%v pointer":   fmt.Sprintf("%v", &s),
		"%+v pointer":  fmt.Sprintf("%+v", &s),
		"%+v in field": fmt.Sprintf("%+v", holder{s}),
		"%#v in field": fmt.Sprintf("%#v", holder{s}),
		"%v in slice":  fmt.Sprintf("%v", []Settings{s}),
		"%v in map":    fmt.Sprintf("%v", map[string]Settings{"p": s}),
		"%w in error":  fmt.Errorf("connecting with %v: %w", s, errors.New("x")).Error(),
		"%d":           fmt.Sprintf("%d", s),
		"%x":           fmt.Sprintf("%x", s),
		"json":         mustJSON(t, s),
		"json field":   mustJSON(t, holder{s}),
	}
	for name, out := range outputs {
		if strings.Contains(out, s.AccessKeySecret) || strings.Contains(out, s.STSToken) {
			t.Errorf("%s shows a secret: %s", name, out)
		}
		if !strings.Contains(out, s.AccessKeyID) || !strings.Contains(out, s.Endpoint) {
			t.Errorf("%s lost the useful fields: %s", name, out)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
