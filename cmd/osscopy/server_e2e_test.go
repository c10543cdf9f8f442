package main

// End-to-end tests for `osscopy server`: TestMain builds the real binary once
// and every test drives it as a child process, talking to it with the
// official OSS Go SDK, the way a user would.

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/osscopy/osscopy/internal/lab/e2e"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// stopTimeout bounds how long a server asked to stop may take.
const stopTimeout = 5 * time.Second

// TestMain builds the binary (with -race when the tests have it: a data
// race in the server then fails the test that hit it).
func TestMain(m *testing.M) { e2e.Main(m) }

// startServer runs `osscopy server ARGS...` with env (nil: e2e.ChildEnv())
// and returns once it prints its ready line. The process is killed when the
// test ends, whatever happens.
func startServer(t *testing.T, env []string, args ...string) *e2e.ServerProc {
	t.Helper()
	return e2e.StartServerProc(t, "", env, args...)
}

func withSignatureV1(c *oss.Config) { c.WithSignatureVersion(oss.SignatureVersionV1) }

// serviceError requires err to be an OSS error with the given status and,
// if code is not empty, code.
func serviceError(t *testing.T, what string, err error, status int, code string) *oss.ServiceError {
	t.Helper()
	var se *oss.ServiceError
	if !errors.As(err, &se) {
		t.Fatalf("%s: got %v, want an OSS %d %s error", what, err, status, code)
	}
	if se.StatusCode != status || (code != "" && se.Code != code) {
		t.Fatalf("%s: got %d %s (%s), want %d %s", what, se.StatusCode, se.Code, se.Message, status, code)
	}
	return se
}

func bucketNames(t *testing.T, c *oss.Client) []string {
	t.Helper()
	res, err := c.ListBuckets(e2e.Ctx(t), &oss.ListBucketsRequest{})
	if err != nil {
		t.Fatalf("ListBuckets: %v", err)
	}
	var names []string
	for _, b := range res.Buckets {
		names = append(names, oss.ToString(b.Name))
	}
	slices.Sort(names)
	return names
}

func randomBytes(t *testing.T, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func putObject(t *testing.T, c *oss.Client, bucket, key string, body []byte) *oss.PutObjectResult {
	t.Helper()
	res, err := c.PutObject(e2e.Ctx(t), &oss.PutObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key), Body: bytes.NewReader(body)})
	if err != nil {
		t.Fatalf("PutObject %s/%s: %v", bucket, key, err)
	}
	return res
}

func getObject(t *testing.T, c *oss.Client, bucket, key string) []byte {
	t.Helper()
	res, err := c.GetObject(e2e.Ctx(t), &oss.GetObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key)})
	if err != nil {
		t.Fatalf("GetObject %s/%s: %v", bucket, key, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("GetObject %s/%s: reading body: %v", bucket, key, err)
	}
	return b
}

var endpointRE = regexp.MustCompile(`^http://127\.0\.0\.1:([0-9]+)$`)

// TestServerSeedsHugeObjectAndStopsOnSIGTERM is the README's first example:
// a 5 TiB synthetic object, served to the official SDK, then a clean stop.
func TestServerSeedsHugeObjectAndStopsOnSIGTERM(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil, "--addr", "127.0.0.1:0", "--bucket", "src", "--bucket", "dst", "--seed-object", "oss://src/big.bin=5TiB")
	m := endpointRE.FindStringSubmatch(s.Endpoint())
	if m == nil || m[1] == "0" {
		t.Fatalf("endpoint %q: want http://127.0.0.1:PORT with the port chosen", s.Endpoint())
	}
	if s.Region() != "cn-hangzhou" {
		t.Errorf("region %q, want the default cn-hangzhou", s.Region())
	}
	id, secret := s.Banner["access-key-id"], s.Banner["access-key-secret"]
	if id == "" || secret == "" {
		t.Fatalf("no generated key pair in the banner %q", s.Stdout())
	}
	c := s.Client(id, secret)

	head, err := c.HeadObject(e2e.Ctx(t), &oss.HeadObjectRequest{Bucket: oss.Ptr("src"), Key: oss.Ptr("big.bin")})
	if err != nil {
		t.Fatalf("HeadObject src/big.bin: %v", err)
	}
	if want := int64(5) << 40; head.ContentLength != want {
		t.Errorf("HeadObject src/big.bin: size %d, want %d (5 TiB)", head.ContentLength, want)
	}
	if head.HashCRC64 == nil {
		t.Errorf("HeadObject src/big.bin: no x-oss-hash-crc64ecma header")
	} else if _, err := strconv.ParseUint(*head.HashCRC64, 10, 64); err != nil {
		t.Errorf("HeadObject src/big.bin: x-oss-hash-crc64ecma %q is not a decimal CRC-64", *head.HashCRC64)
	}
	if oss.ToString(head.ETag) == "" {
		t.Errorf("HeadObject src/big.bin: no ETag")
	}

	if got, want := bucketNames(t, c), []string{"dst", "src"}; !slices.Equal(got, want) {
		t.Errorf("ListBuckets: %q, want %q", got, want)
	}
	s.Stop(syscall.SIGTERM, stopTimeout)
}

// TestServerStopsOnSignalRightAfterReady: "ready" means a signal is handled,
// so one sent the moment the line appears still stops the server cleanly
// (exit 0), never kills it.
func TestServerStopsOnSignalRightAfterReady(t *testing.T) {
	t.Parallel()
	for _, sig := range []os.Signal{syscall.SIGTERM, os.Interrupt} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			for range 15 {
				s := startServer(t, nil, "--addr", "127.0.0.1:0")
				s.Signal(sig)
				if code := s.Wait(stopTimeout); code != 0 {
					t.Fatalf("%v right after %q: the server ended with %v, want exit status 0", sig, e2e.ReadyLine, s.Cmd.ProcessState)
				}
			}
		})
	}
}

// TestServerGivenKeys: keys from flags or the environment are the only ones
// accepted, and the secret is never printed.
func TestServerGivenKeys(t *testing.T) {
	t.Parallel()
	const (
		flagID, flagSecret = "LTAIflagKeyID", "flag-secret-3f9a1c"
		envID, envSecret   = "LTAIenvKeyID", "env-secret-7b2e40"
	)
	flagArgs := []string{"--access-key-id", flagID, "--access-key-secret", flagSecret}
	envVars := []string{"OSS_ACCESS_KEY_ID=" + envID, "OSS_ACCESS_KEY_SECRET=" + envSecret}
	for _, tc := range []struct {
		name       string
		args, env  []string
		id, secret string
		rejected   []string // other secrets that must not work with id
	}{
		{name: "flags", args: flagArgs, id: flagID, secret: flagSecret},
		{name: "env", env: envVars, id: envID, secret: envSecret},
		{name: "flags-override-env", args: flagArgs, env: envVars, id: flagID, secret: flagSecret, rejected: []string{envSecret}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := startServer(t, e2e.ChildEnv(tc.env...), append([]string{"--addr", "127.0.0.1:0", "--bucket", "bkt"}, tc.args...)...)
			if got := s.Banner["access-key-id"]; got != tc.id {
				t.Errorf("banner access-key-id %q, want %q", got, tc.id)
			}
			if v, ok := s.Banner["access-key-secret"]; ok {
				t.Errorf("banner prints access-key-secret %q though the secret was given", v)
			}
			for _, secret := range []string{flagSecret, envSecret} {
				if strings.Contains(s.Stdout(), secret) || strings.Contains(s.Stderr(), secret) {
					t.Errorf("the output shows a given secret:\nstdout: %s\nstderr: %s", s.Stdout(), s.Stderr())
				}
			}
			for _, sig := range []struct {
				name string
				opt  func(*oss.Config)
			}{{"V4", func(*oss.Config) {}}, {"V1", withSignatureV1}} {
				good := s.Client(tc.id, tc.secret, sig.opt)
				if got := bucketNames(t, good); !slices.Equal(got, []string{"bkt"}) {
					t.Errorf("%s: ListBuckets %q, want [bkt]", sig.name, got)
				}
				putObject(t, good, "bkt", "k-"+sig.name, []byte("signed with "+sig.name))
				for _, wrong := range append([]string{tc.secret + "x"}, tc.rejected...) {
					_, err := s.Client(tc.id, wrong, sig.opt).ListBuckets(e2e.Ctx(t), &oss.ListBucketsRequest{})
					serviceError(t, sig.name+" ListBuckets with secret "+wrong, err, 403, "SignatureDoesNotMatch")
					_, err = s.Client(tc.id, wrong, sig.opt).PutObject(e2e.Ctx(t), &oss.PutObjectRequest{
						Bucket: oss.Ptr("bkt"), Key: oss.Ptr("forged"), Body: strings.NewReader("no")})
					serviceError(t, sig.name+" PutObject with secret "+wrong, err, 403, "SignatureDoesNotMatch")
				}
			}
			_, err := s.Client(tc.id, tc.secret).HeadObject(e2e.Ctx(t), &oss.HeadObjectRequest{Bucket: oss.Ptr("bkt"), Key: oss.Ptr("forged")})
			serviceError(t, "HeadObject of the object put with a wrong secret", err, 404, "")
		})
	}
}

// TestServerGeneratedKeys: with no keys given, a fresh pair is printed and
// works; SIGINT stops the server as cleanly as SIGTERM.
func TestServerGeneratedKeys(t *testing.T) {
	t.Parallel()
	var pairs [][2]string
	for range 2 {
		s := startServer(t, nil, "--addr", "127.0.0.1:0", "--bucket", "bkt")
		id, secret := s.Banner["access-key-id"], s.Banner["access-key-secret"]
		if id == "" || secret == "" {
			t.Fatalf("banner lacks a generated pair:\n%s", s.Stdout())
		}
		c := s.Client(id, secret)
		putObject(t, c, "bkt", "hello.txt", []byte("hello"))
		if got := getObject(t, c, "bkt", "hello.txt"); string(got) != "hello" {
			t.Errorf("GetObject bkt/hello.txt: %q, want %q", got, "hello")
		}
		wrong := "x" + secret[1:] // generated secrets are hex, so this differs
		_, err := s.Client(id, wrong).ListBuckets(e2e.Ctx(t), &oss.ListBucketsRequest{})
		serviceError(t, "ListBuckets with a wrong secret", err, 403, "SignatureDoesNotMatch")
		s.Stop(os.Interrupt, stopTimeout)
		pairs = append(pairs, [2]string{id, secret})
	}
	if pairs[0][0] == pairs[1][0] || pairs[0][1] == pairs[1][1] {
		t.Errorf("two starts generated overlapping pairs %q and %q", pairs[0], pairs[1])
	}
}

// TestServerAccessLog: one JSON object per request, with the fields and op
// names that tests and benchmarks count requests by.
func TestServerAccessLog(t *testing.T) {
	t.Parallel()
	logPath := filepath.Join(t.TempDir(), "access.log")
	s := startServer(t, nil, "--addr", "127.0.0.1:0", "--bucket", "dst", "--seed-object", "oss://src/big.bin=5TiB", "--access-log", logPath)
	c := s.Client(s.Banner["access-key-id"], s.Banner["access-key-secret"])
	ctx := e2e.Ctx(t)
	begin := time.Now()

	putObject(t, c, "dst", "small.txt", []byte("small"))
	_, err := c.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr("dst"), Key: oss.Ptr("missing")})
	serviceError(t, "GetObject dst/missing", err, 404, "NoSuchKey")
	init, err := c.InitiateMultipartUpload(ctx, &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr("dst"), Key: oss.Ptr("copy.bin")})
	if err != nil {
		t.Fatalf("InitiateMultipartUpload: %v", err)
	}
	ranges := []string{"bytes=0-1048575", "bytes=1048576-1049599"} // 1 MiB, then 1 KiB
	var parts []oss.UploadPart
	for i, r := range ranges {
		res, err := c.UploadPartCopy(ctx, &oss.UploadPartCopyRequest{Bucket: oss.Ptr("dst"), Key: oss.Ptr("copy.bin"),
			UploadId: init.UploadId, PartNumber: int32(i + 1), SourceBucket: oss.Ptr("src"), SourceKey: oss.Ptr("big.bin"), Range: oss.Ptr(r)})
		if err != nil {
			t.Fatalf("UploadPartCopy %d: %v", i+1, err)
		}
		parts = append(parts, oss.UploadPart{PartNumber: int32(i + 1), ETag: res.ETag})
	}
	if _, err := c.CompleteMultipartUpload(ctx, &oss.CompleteMultipartUploadRequest{Bucket: oss.Ptr("dst"), Key: oss.Ptr("copy.bin"),
		UploadId: init.UploadId, CompleteMultipartUpload: &oss.CompleteMultipartUpload{Parts: parts}}); err != nil {
		t.Fatalf("CompleteMultipartUpload: %v", err)
	}
	head, err := c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr("dst"), Key: oss.Ptr("copy.bin")})
	if err != nil {
		t.Fatalf("HeadObject dst/copy.bin: %v", err)
	}
	if head.ContentLength != 1<<20+1<<10 {
		t.Errorf("dst/copy.bin is %d bytes, want %d", head.ContentLength, 1<<20+1<<10)
	}
	// A clean stop lets every request finish, so every line is written.
	s.Stop(syscall.SIGTERM, stopTimeout)
	end := time.Now()

	data, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	type want struct {
		op, key string
		part    float64 // 0: no part_number field
		status  float64
		code    string
	}
	wants := []want{
		{"PutObject", "small.txt", 0, 200, ""},
		{"GetObject", "missing", 0, 404, "NoSuchKey"},
		{"InitiateMultipartUpload", "copy.bin", 0, 200, ""},
		{"UploadPartCopy", "copy.bin", 1, 200, ""},
		{"UploadPartCopy", "copy.bin", 2, 200, ""},
		{"CompleteMultipartUpload", "copy.bin", 0, 200, ""},
		{"HeadObject", "copy.bin", 0, 200, ""},
	}
	if len(lines) != len(wants) {
		t.Fatalf("access log has %d lines, want one per request (%d):\n%s", len(lines), len(wants), data)
	}
	for i, line := range lines {
		var e map[string]any
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Errorf("line %d is not a JSON object: %v\n%s", i+1, err, line)
			continue
		}
		w := wants[i]
		if e["op"] != w.op || e["bucket"] != "dst" || e["key"] != w.key || e["status"] != w.status {
			t.Errorf("line %d: op %v bucket %v key %v status %v, want %s dst %s %v", i+1, e["op"], e["bucket"], e["key"], e["status"], w.op, w.key, w.status)
		}
		if pn, ok := e["part_number"]; w.part == 0 && ok || w.part != 0 && pn != w.part {
			t.Errorf("line %d (%s): part_number %v, want %v (0: absent)", i+1, w.op, pn, w.part)
		}
		if code, ok := e["code"]; w.code == "" && ok || w.code != "" && code != w.code {
			t.Errorf("line %d (%s): code %v, want %q", i+1, w.op, code, w.code)
		}
		ts, _ := e["time"].(string)
		if tm, err := time.Parse(time.RFC3339Nano, ts); err != nil || tm.Before(begin.Add(-time.Second)) || tm.After(end) {
			t.Errorf("line %d: time %q is not an RFC 3339 time during the test", i+1, ts)
		}
		if d, ok := e["duration_ms"].(float64); !ok || d < 0 || d > float64(end.Sub(begin).Milliseconds()+1) {
			t.Errorf("line %d: duration_ms %v, want a number of milliseconds within the test", i+1, e["duration_ms"])
		}
	}
}

// TestServerDataDirSurvivesKill: an answered write is durable; kill -9 and
// a restart on the same directory lose nothing.
func TestServerDataDirSurvivesKill(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	args := []string{"--addr", "127.0.0.1:0", "--data-dir", dir, "--access-key-id", "LTAIdurable", "--access-key-secret", "durable-secret"}
	body := randomBytes(t, 300<<10)

	s := startServer(t, nil, append(args, "--bucket", "keep")...)
	c := s.Client("LTAIdurable", "durable-secret")
	put := putObject(t, c, "keep", "obj.bin", body)
	putObject(t, c, "keep", "gone.txt", []byte("deleted before the crash"))
	if _, err := c.DeleteObject(e2e.Ctx(t), &oss.DeleteObjectRequest{Bucket: oss.Ptr("keep"), Key: oss.Ptr("gone.txt")}); err != nil {
		t.Fatalf("DeleteObject: %v", err)
	}
	s.Signal(syscall.SIGKILL)
	s.Wait(stopTimeout)
	if !s.KilledBy(syscall.SIGKILL) {
		t.Fatalf("server did not die of SIGKILL: %v", s.Cmd.ProcessState)
	}

	s = startServer(t, nil, args...) // no --bucket: it must come from the directory
	c = s.Client("LTAIdurable", "durable-secret")
	if got := bucketNames(t, c); !slices.Equal(got, []string{"keep"}) {
		t.Errorf("after restart ListBuckets %q, want [keep]", got)
	}
	head, err := c.HeadObject(e2e.Ctx(t), &oss.HeadObjectRequest{Bucket: oss.Ptr("keep"), Key: oss.Ptr("obj.bin")})
	if err != nil {
		t.Fatalf("after restart HeadObject keep/obj.bin: %v", err)
	}
	if oss.ToString(head.ETag) != oss.ToString(put.ETag) || oss.ToString(head.HashCRC64) != oss.ToString(put.HashCRC64) {
		t.Errorf("after restart ETag %s CRC64 %s, want %s %s", oss.ToString(head.ETag), oss.ToString(head.HashCRC64),
			oss.ToString(put.ETag), oss.ToString(put.HashCRC64))
	}
	if got := getObject(t, c, "keep", "obj.bin"); !bytes.Equal(got, body) {
		t.Errorf("after restart keep/obj.bin has %d bytes that differ from the %d put", len(got), len(body))
	}
	_, err = c.HeadObject(e2e.Ctx(t), &oss.HeadObjectRequest{Bucket: oss.Ptr("keep"), Key: oss.Ptr("gone.txt")})
	serviceError(t, "after restart HeadObject of the deleted keep/gone.txt", err, 404, "")
	s.Stop(syscall.SIGTERM, stopTimeout)
}

// TestServerFaultFlags: --error-rate and --latency are parsed and act.
func TestServerFaultFlags(t *testing.T) {
	t.Parallel()
	t.Run("error-rate", func(t *testing.T) {
		t.Parallel()
		s := startServer(t, nil, "--addr", "127.0.0.1:0", "--bucket", "bkt", "--error-rate", "PutObject=100%")
		c := s.Client(s.Banner["access-key-id"], s.Banner["access-key-secret"])
		for i := range 6 {
			key := fmt.Sprintf("k%d", i)
			_, err := c.PutObject(e2e.Ctx(t), &oss.PutObjectRequest{Bucket: oss.Ptr("bkt"), Key: oss.Ptr(key), Body: strings.NewReader("x")})
			var se *oss.ServiceError
			if !errors.As(err, &se) {
				t.Fatalf("PutObject %s: got %v, want an injected 500 or 503", key, err)
			}
			if !(se.StatusCode == 500 && se.Code == "InternalError" || se.StatusCode == 503 && se.Code == "ServiceUnavailable") {
				t.Errorf("PutObject %s: got %d %s, want 500 InternalError or 503 ServiceUnavailable", key, se.StatusCode, se.Code)
			}
			if se.RequestID == "" {
				t.Errorf("PutObject %s: the injected error has no request ID", key)
			}
			// Injected errors come before the operation: nothing was stored.
			_, err = c.HeadObject(e2e.Ctx(t), &oss.HeadObjectRequest{Bucket: oss.Ptr("bkt"), Key: oss.Ptr(key)})
			serviceError(t, "HeadObject after a failed PutObject", err, 404, "")
		}
		if got := bucketNames(t, c); !slices.Equal(got, []string{"bkt"}) { // other ops are unaffected
			t.Errorf("ListBuckets %q, want [bkt]", got)
		}
	})
	t.Run("latency", func(t *testing.T) {
		t.Parallel()
		s := startServer(t, nil, "--addr", "127.0.0.1:0", "--bucket", "bkt", "--latency", "*=300ms")
		c := s.Client(s.Banner["access-key-id"], s.Banner["access-key-secret"])
		for _, call := range []struct {
			name string
			do   func() error
		}{
			{"ListBuckets", func() error {
				_, err := c.ListBuckets(e2e.Ctx(t), &oss.ListBucketsRequest{})
				return err
			}},
			{"PutObject", func() error {
				_, err := c.PutObject(e2e.Ctx(t), &oss.PutObjectRequest{Bucket: oss.Ptr("bkt"), Key: oss.Ptr("k"), Body: strings.NewReader("x")})
				return err
			}},
		} {
			start := time.Now()
			if err := call.do(); err != nil {
				t.Fatalf("%s: %v", call.name, err)
			}
			if took := time.Since(start); took < 300*time.Millisecond {
				t.Errorf("%s took %v with --latency '*=300ms', want at least 300ms", call.name, took)
			}
		}
	})
}

// TestServerUsageErrors: mistakes in the command line exit 2 before
// listening, with a message naming what to fix.
func TestServerUsageErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args []string
		env  []string
		want []string // all must appear in stderr
	}{
		{"throttle-status", []string{"--throttle-status", "418"}, nil, []string{"--throttle-status", "418"}},
		{"seed-object size", []string{"--seed-object", "oss://src/x=10XB"}, nil, []string{"--seed-object", "10XB"}},
		{"latency op", []string{"--latency", "nope=1ms"}, nil, []string{"--latency", `"nope"`}},
		{"error-rate share", []string{"--error-rate", "copy=150%"}, nil, []string{"--error-rate", "150%"}},
		{"md5-limit", []string{"--md5-limit", "-1"}, nil, []string{"--md5-limit", "-1"}},
		{"max-inflight", []string{"--max-inflight", "-1"}, nil, []string{"--max-inflight"}},
		{"unknown flag", []string{"--no-such-flag"}, nil, []string{"--no-such-flag", "osscopy server --help"}},
		{"bad int", []string{"--throttle-status", "abc"}, nil, []string{"--throttle-status", "abc"}},
		{"argument", []string{"extra"}, nil, []string{`"extra"`}},
		{"only key id", []string{"--access-key-id", "LTAIonly"}, nil, []string{"--access-key-id", "--access-key-secret"}},
		{"only key secret", []string{"--access-key-secret", "only"}, nil, []string{"--access-key-id", "--access-key-secret"}},
		{"only env key id", nil, []string{"OSS_ACCESS_KEY_ID=LTAIonly"}, []string{"OSS_ACCESS_KEY_ID", "OSS_ACCESS_KEY_SECRET"}},
		{"bucket name", []string{"--bucket", "Bad_Name"}, nil, []string{"--bucket", `"Bad_Name"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// Port 0 and a timeout: a wrongly accepted command line starts a
			// server that must neither collide nor hang the test.
			stdout, stderr, code := runOsscopy(t, e2e.ChildEnv(tc.env...), append([]string{"server", "--addr", "127.0.0.1:0"}, tc.args...)...)
			if code != 2 {
				t.Errorf("exit status %d, want 2 (usage error)", code)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing", stdout)
			}
			if !strings.HasPrefix(stderr, "osscopy: ") || strings.Count(stderr, "\n") != 1 {
				t.Errorf("stderr %q, want one line starting with \"osscopy: \"", stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q does not mention %s", stderr, w)
				}
			}
		})
	}
}

// An unknown command is a usage error too, and says where to look.
func TestUnknownCommand(t *testing.T) {
	t.Parallel()
	stdout, stderr, code := runOsscopy(t, e2e.ChildEnv(), "bogus")
	if code != 2 || stdout != "" || !strings.Contains(stderr, `"bogus"`) || !strings.Contains(stderr, "osscopy --help") {
		t.Errorf("osscopy bogus: exit %d, stdout %q, stderr %q; want exit 2 naming the command and --help", code, stdout, stderr)
	}
}

// TestServerAddrInUse: a busy port is not a usage error (exit 1), and the
// message suggests port 0.
func TestServerAddrInUse(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().String()
	stdout, stderr, code := runOsscopy(t, e2e.ChildEnv(), "server", "--addr", addr)
	if code != 1 {
		t.Errorf("exit status %d, want 1", code)
	}
	if strings.Contains(stdout, e2e.ReadyLine) {
		t.Errorf("stdout %q claims it is ready", stdout)
	}
	for _, w := range []string{addr, "port 0"} {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr %q does not mention %q", stderr, w)
		}
	}
}

// TestServerHelp: --help lists every flag, and matches the golden file
// (go test -run TestServerHelp -update rewrites it).
func TestServerHelp(t *testing.T) {
	t.Parallel()
	checkHelp(t, "server", newServerCommand(), 20)
}

// checkHelp runs `osscopy NAME --help`: it must list every flag cmd defines
// (at least minFlags of them) and -h, and match testdata/NAME-help.golden.
func checkHelp(t *testing.T, name string, cmd *cobra.Command, minFlags int) {
	t.Helper()
	stdout, stderr, code := runOsscopy(t, e2e.ChildEnv(), name, "--help")
	if code != 0 || stderr != "" {
		t.Fatalf("exit status %d, stderr %q; want 0 and nothing", code, stderr)
	}
	usages := flagUsages(cmd.Flags().VisitAll)
	if len(usages) < minFlags {
		t.Fatalf("found only flags %v", usages)
	}
	for flag := range usages {
		if !strings.Contains(stdout, "--"+flag+" ") {
			t.Errorf("--help does not list --%s", flag)
		}
	}
	if !strings.Contains(stdout, "-h, --help") {
		t.Errorf("--help does not list -h, --help")
	}
	checkGolden(t, filepath.Join("testdata", name+"-help.golden"), stdout)
}

// flagUsages maps the name of every flag visitAll (a pflag FlagSet's
// VisitAll, hidden flags included) visits to its usage.
func flagUsages(visitAll func(func(*pflag.Flag))) map[string]string {
	usages := map[string]string{}
	visitAll(func(f *pflag.Flag) { usages[f.Name] = f.Usage })
	return usages
}

// runOsscopy runs the binary to completion (at most 10 s) and returns its
// output and exit status.
func runOsscopy(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	p := e2e.Start(t, env, args...)
	code = p.Wait(10 * time.Second)
	return p.Stdout(), p.Stderr(), code
}

// lineDiff shows the first differing lines of want and got.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Sprintf("line %d:\n  want %q\n  got  %q", i+1, wl, gl)
		}
	}
	return "(no line differs)"
}
