package main

// End-to-end tests for `osscopy cp`: the binary TestMain builds (see
// server_e2e_test.go) copies objects inside an `osscopy server`, and the
// tests check the outcome with the official SDK and count the requests in
// the server's access log.

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/osscopy/osscopy/internal/lab/e2e"
	"github.com/osscopy/osscopy/planner"
)

// cpRig is an `osscopy server` with a known key pair and an access log
// (an e2e.Server: Env, Client, Log, WaitForLog, Stop), and a checkpoint
// dir for the cp runs against it.
type cpRig struct {
	*e2e.Server
	ckpt string
}

// newCpRig starts `osscopy server` with the harness's key pair, an access
// log and args (buckets, seeds, faults).
func newCpRig(t *testing.T, args ...string) *cpRig {
	t.Helper()
	return newCpRigWith(t, e2e.ServerOptions{Args: args})
}

// newCpRigWith starts the server as o says.
func newCpRigWith(t *testing.T, o e2e.ServerOptions) *cpRig {
	t.Helper()
	return &cpRig{Server: e2e.StartServerWith(t, o), ckpt: filepath.Join(t.TempDir(), "checkpoints")}
}

// cpArgs is `cp SRC DST` with the rig's checkpoint dir, no progress, and extra.
func (r *cpRig) cpArgs(src, dst string, extra ...string) []string {
	return append([]string{"cp", src, dst, "--checkpoint-dir", r.ckpt, "--no-progress"}, extra...)
}

// head reads an object's metadata with the SDK.
func (r *cpRig) head(t *testing.T, bucket, key string) *oss.HeadObjectResult {
	t.Helper()
	h, err := r.Head(t, bucket, key)
	if err != nil {
		t.Fatalf("HeadObject %s/%s: %v", bucket, key, err)
	}
	return h
}

// requireSameObject requires dst to have the size and CRC64 of src, and
// returns the CRC64. Two HEADs and no more, unlike e2e's
// RequireSameObject, whose ranged GETs never retry: a server that injects
// faults into every op (TestCpFaults) would fail them, and count them.
func (r *cpRig) requireSameObject(t *testing.T, srcBucket, srcKey, dstBucket, dstKey string) string {
	t.Helper()
	src, dst := r.head(t, srcBucket, srcKey), r.head(t, dstBucket, dstKey)
	if src.ContentLength != dst.ContentLength {
		t.Errorf("%s/%s has %d bytes, the source %d", dstBucket, dstKey, dst.ContentLength, src.ContentLength)
	}
	if oss.ToString(src.HashCRC64) == "" || oss.ToString(dst.HashCRC64) != oss.ToString(src.HashCRC64) {
		t.Errorf("%s/%s has CRC64 %q, the source %q", dstBucket, dstKey, oss.ToString(dst.HashCRC64), oss.ToString(src.HashCRC64))
	}
	return oss.ToString(src.HashCRC64)
}

// requireClean requires that bucket has no upload in progress and the
// checkpoint dir no state file.
func (r *cpRig) requireClean(t *testing.T, bucket string) {
	t.Helper()
	if left := r.Uploads(t, bucket); len(left) > 0 {
		t.Errorf("ListMultipartUploads %s: %+v are left, want none", bucket, left)
	}
	if names, _ := filepath.Glob(filepath.Join(r.ckpt, "*.json")); len(names) > 0 {
		t.Errorf("the checkpoint dir holds %q, want no .json", names)
	}
}

// resumeLine finds the command a cp interrupted by a signal prints.
func resumeLine(t *testing.T, stderr string) string {
	t.Helper()
	for _, line := range strings.Split(stderr, "\n") {
		if cmd, ok := strings.CutPrefix(line, "resume with: "); ok {
			return cmd
		}
	}
	t.Fatalf("stderr has no line starting %q:\n%s", "resume with: ", stderr)
	return ""
}

// plainBinary is osscopy built without -race when the tests run with it
// (e2e.Bin() otherwise), for a server that must take in gigabytes of real
// bytes: under -race its CRC-64 of uploads runs at some 30 MB/s, and a
// 1 GiB upload alone takes 40 s. Only that server runs it; the cp under
// test is always e2e.Bin().
var plainBinary = sync.OnceValues(func() (string, error) {
	if !e2e.Race() {
		return e2e.Bin(), nil
	}
	path := filepath.Join(filepath.Dir(e2e.Bin()), "osscopy-norace")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", path, ".").CombinedOutput(); err != nil {
		return "", fmt.Errorf("building osscopy without -race: %v\n%s", err, out)
	}
	return path, nil
})

// sizedReader reads n bytes of src, and says how many are left, so that
// the SDK sends a Content-Length.
type sizedReader struct {
	src io.Reader
	n   int
}

func (p *sizedReader) Len() int { return p.n }

func (p *sizedReader) Read(b []byte) (int, error) {
	if p.n == 0 {
		return 0, io.EOF
	}
	n, err := p.src.Read(b[:min(len(b), p.n)])
	p.n -= n
	return n, err
}

type zeros struct{}

func (zeros) Read(b []byte) (int, error) {
	clear(b)
	return len(b), nil
}

// prng is a seeded stream of pseudo-random bytes: the AES-CTR keystream
// keyed by seed, which assembly makes fast even in a -race test (ChaCha8
// there runs at a third of the speed).
func prng(seed string) io.Reader {
	key := sha256.Sum256([]byte(seed))
	block, err := aes.NewCipher(key[:16])
	if err != nil {
		panic(err)
	}
	return cipher.StreamReader{S: cipher.NewCTR(block, make([]byte, aes.BlockSize)), R: zeros{}}
}

// TestCpRealBytes: an object of real bytes over the 1 GiB threshold (three
// seeded pseudo-random parts of 512 MiB, streamed with a multipart upload)
// is copied with UploadPartCopy, and reads back byte for byte: the SHA-256
// of what was uploaded equals that of what is downloaded, and the CRC64
// headers are equal.
func TestCpRealBytes(t *testing.T) {
	t.Parallel()
	const partSize, parts, size = 512 << 20, 3, 3 * 512 << 20
	bin, err := plainBinary()
	if err != nil {
		t.Fatal(err)
	}
	begin := time.Now()
	r := newCpRigWith(t, e2e.ServerOptions{Bin: bin, Args: []string{"--bucket", "src", "--bucket", "dst"}})
	c := r.ClientWith(func(cfg *oss.Config) {
		// The SHA-256s are the proof; the SDK's CRCs would only double the hashing.
		cfg.WithDisableUploadCRC64Check(true).WithDisableDownloadCRC64Check(true).WithReadWriteTimeout(time.Minute)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	init, err := c.InitiateMultipartUpload(ctx, &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr("src"), Key: oss.Ptr("real.bin")})
	if err != nil {
		t.Fatalf("InitiateMultipartUpload: %v", err)
	}
	put := sha256.New()
	stream := io.TeeReader(prng("TestCpRealBytes"), put)
	var list []oss.UploadPart
	for n := int32(1); n <= parts; n++ {
		res, err := c.UploadPart(ctx, &oss.UploadPartRequest{Bucket: oss.Ptr("src"), Key: oss.Ptr("real.bin"), UploadId: init.UploadId,
			PartNumber: n, Body: &sizedReader{src: stream, n: partSize}})
		if err != nil {
			t.Fatalf("UploadPart %d: %v", n, err)
		}
		list = append(list, oss.UploadPart{PartNumber: n, ETag: res.ETag})
	}
	if _, err := c.CompleteMultipartUpload(ctx, &oss.CompleteMultipartUploadRequest{Bucket: oss.Ptr("src"), Key: oss.Ptr("real.bin"),
		UploadId: init.UploadId, CompleteMultipartUpload: &oss.CompleteMultipartUpload{Parts: list}}); err != nil {
		t.Fatalf("CompleteMultipartUpload: %v", err)
	}
	uploaded := time.Now()

	p := e2e.Run(t, r.Env(), r.cpArgs("oss://src/real.bin", "oss://dst/real.bin", "--output-format", "json")...)
	p.RequireCode(0)
	res := p.Result()
	if res.Single || res.Size != size || res.Parts < 2 || res.ResumedParts != 0 {
		t.Errorf("result %+v: want a multipart copy of %d bytes from scratch", res, size)
	}
	if crc := r.requireSameObject(t, "src", "real.bin", "dst", "real.bin"); res.CRC64 != crc {
		t.Errorf("result CRC64 %s, the source's %s", res.CRC64, crc)
	}
	copied := time.Now()

	get, err := c.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr("dst"), Key: oss.Ptr("real.bin")})
	if err != nil {
		t.Fatalf("GetObject dst/real.bin: %v", err)
	}
	defer get.Body.Close()
	got := sha256.New()
	n, err := io.Copy(got, get.Body)
	if err != nil {
		t.Fatalf("reading dst/real.bin after %d bytes: %v", n, err)
	}
	if n != size || !bytes.Equal(got.Sum(nil), put.Sum(nil)) {
		t.Errorf("dst/real.bin: %d bytes with SHA-256 %x; uploaded %d bytes with SHA-256 %x", n, got.Sum(nil), size, put.Sum(nil))
	}
	t.Logf("upload %v, cp %v (%d parts), download %v", uploaded.Sub(begin).Round(time.Millisecond),
		copied.Sub(uploaded).Round(time.Millisecond), res.Parts, time.Since(copied).Round(time.Millisecond))
}

// TestCpHugeSynthetic: a 5 TiB object is copied with the default plan (the
// part size chosen to stay under 10,000 parts), each part exactly once, and
// the JSON result reports the plan and the source's CRC64.
func TestCpHugeSynthetic(t *testing.T) {
	t.Parallel()
	const size = int64(5) << 40
	r := newCpRig(t, "--bucket", "dst", "--seed-object", "oss://src/huge.bin=5TiB")
	p := e2e.Run(t, r.Env(), r.cpArgs("oss://src/huge.bin", "oss://dst/huge.bin", "--output-format", "json")...)
	p.RequireCode(0)
	res := p.Result()
	wantPart := planner.DefaultPartSize(size, DefaultParallel)
	wantParts := int((size + wantPart - 1) / wantPart)
	if res.Size != size || res.Single || res.PartSize != wantPart || res.Parts != wantParts || res.ResumedParts != 0 {
		t.Errorf("result %+v: want %d bytes in %d parts of %d, none resumed", res, size, wantParts, wantPart)
	}
	if res.Parts > planner.MaxParts || res.Source != "oss://src/huge.bin" || res.Destination != "oss://dst/huge.bin" {
		t.Errorf("result %+v: want at most %d parts from oss://src/huge.bin to oss://dst/huge.bin", res, planner.MaxParts)
	}
	if crc := r.requireSameObject(t, "src", "huge.bin", "dst", "huge.bin"); res.CRC64 != crc {
		t.Errorf("result CRC64 %q, HEAD of the source says %q", res.CRC64, crc)
	}
	r.requireClean(t, "dst")
	r.Stop(t)
	log := r.Log(t)
	attempts := e2e.PartAttempts(log)
	if len(attempts) != wantParts || e2e.Count(log, "UploadPartCopy", 200) != wantParts {
		t.Errorf("the access log shows %d UploadPartCopy (%d OK) of %d parts; want each of %d parts once",
			e2e.Count(log, "UploadPartCopy", 0), e2e.Count(log, "UploadPartCopy", 200), len(attempts), wantParts)
	}
	if e2e.Count(log, "InitiateMultipartUpload", 0) != 1 || e2e.Count(log, "CompleteMultipartUpload", 0) != 1 {
		t.Errorf("the access log shows %d InitiateMultipartUpload and %d CompleteMultipartUpload, want 1 each",
			e2e.Count(log, "InitiateMultipartUpload", 0), e2e.Count(log, "CompleteMultipartUpload", 0))
	}
	t.Logf("5 TiB in %d parts of %d bytes: %.1fs", res.Parts, res.PartSize, res.Seconds)
}

// TestCpSuggestedPartSize: a --part-size that would make over 10,000
// parts fails with a suggestion that works as printed: 2 GiB in parts of
// 100 KiB once got "use at least 209.72 KiB", which --part-size refuses
// (no whole number of bytes); now a whole MiB that copies it.
func TestCpSuggestedPartSize(t *testing.T) {
	t.Parallel()
	r := newCpRig(t, "--bucket", "dst", "--seed-object", "oss://src/big.bin=2GiB")
	p := e2e.Run(t, r.Env(), r.cpArgs("oss://src/big.bin", "oss://dst/big.bin", "--part-size", "100KiB")...)
	p.RequireCode(1)
	_, suggested, ok := strings.Cut(strings.TrimSpace(p.Stderr()), "use at least ")
	if !ok || suggested != "1MiB" {
		t.Fatalf("stderr %q suggests %q, want \"use at least 1MiB\"", p.Stderr(), suggested)
	}
	p = e2e.Run(t, r.Env(), r.cpArgs("oss://src/big.bin", "oss://dst/big.bin", "--part-size", suggested, "--output-format", "json")...)
	p.RequireCode(0)
	if res := p.Result(); res.PartSize != 1<<20 || res.Parts != 2048 {
		t.Errorf("with --part-size %s: %d parts of %d bytes, want 2048 of 1 MiB", suggested, res.Parts, res.PartSize)
	}
	r.requireSameObject(t, "src", "big.bin", "dst", "big.bin")
}

// TestCpResumesAfterInterruption: a copy killed with SIGKILL, or stopped
// with SIGINT (exit 1 and a resume command that works as printed, keys
// coming from the environment), completes when run again, copying no part
// twice but those in flight: at most parts + --parallel UploadPartCopy
// succeed over both runs.
func TestCpResumesAfterInterruption(t *testing.T) {
	t.Parallel()
	for _, sig := range []syscall.Signal{syscall.SIGKILL, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			const parallel, parts = 8, 1024
			r := newCpRig(t, "--bucket", "dst", "--seed-object", "oss://src/big.bin=2TiB", "--latency", "UploadPartCopy=20ms")
			// 2 GiB parts: 1,024 of them, so that both runs take seconds, not tens.
			args := r.cpArgs("oss://src/big.bin", "oss://dst/big.bin", "--parallel", fmt.Sprint(parallel), "--part-size", "2GiB", "--output-format", "json")
			first := e2e.Start(t, r.Env(), args...)
			r.WaitForLog(t, "UploadPartCopy", 40)
			first.Signal(sig)
			first.Wait(e2e.RunTimeout)

			var second *e2e.Proc
			if sig == syscall.SIGKILL {
				if !first.KilledBy(syscall.SIGKILL) {
					t.Fatalf("the first run ended with %v, not by SIGKILL", first.Cmd.ProcessState)
				}
				second = e2e.Start(t, r.Env(), args...)
			} else {
				first.RequireCode(1)
				if first.Stdout() != "" {
					t.Errorf("the interrupted run printed %q on stdout", first.Stdout())
				}
				if !strings.Contains(first.Stderr(), "copy interrupted") {
					t.Errorf("stderr %q does not say the copy was interrupted", first.Stderr())
				}
				line := resumeLine(t, first.Stderr())
				if strings.Contains(line, r.Secret) || strings.Contains(line, "<secret>") {
					t.Errorf("resume command %q: the keys came from the environment, so it needs no secret", line)
				}
				second = e2e.StartShell(t, r.Env(), line)
			}
			second.Wait(e2e.RunTimeout)
			second.RequireCode(0)
			res := second.Result()
			if res.Parts != parts || res.ResumedParts < 40 || res.ResumedParts >= parts {
				t.Errorf("second run: %d parts, %d resumed; want %d parts, of which at least the 40 logged were resumed", res.Parts, res.ResumedParts, parts)
			}
			if crc := r.requireSameObject(t, "src", "big.bin", "dst", "big.bin"); res.CRC64 != crc {
				t.Errorf("result CRC64 %q, the source's %q", res.CRC64, crc)
			}
			r.requireClean(t, "dst")
			r.Stop(t)
			log := r.Log(t)
			ok := e2e.Count(log, "UploadPartCopy", 200)
			if ok < parts || ok > parts+parallel {
				t.Errorf("%d UploadPartCopy succeeded over both runs, want %d to %d (parts + --parallel)", ok, parts, parts+parallel)
			}
			if n := e2e.Count(log, "InitiateMultipartUpload", 0); n != 1 {
				t.Errorf("%d InitiateMultipartUpload over both runs, want 1: the second run must resume the upload", n)
			}
			t.Logf("%v: %d UploadPartCopy OK (%d requests) over both runs for %d parts (bound %d); %d parts resumed",
				sig, ok, e2e.Count(log, "UploadPartCopy", 0), parts, parts+parallel, res.ResumedParts)
		})
	}
}

// TestCpSourceOverwritten: a source overwritten mid-copy fails the copy
// (exit 1, saying the source changed), aborts the upload, removes the
// checkpoint and writes nothing to the destination.
func TestCpSourceOverwritten(t *testing.T) {
	t.Parallel()
	r := newCpRig(t, "--bucket", "dst", "--seed-object", "oss://src/big.bin=1TiB", "--latency", "UploadPartCopy=50ms")
	p := e2e.Start(t, r.Env(), r.cpArgs("oss://src/big.bin", "oss://dst/big.bin", "--parallel", "8", "--part-size", "1GiB")...)
	r.WaitForLog(t, "UploadPartCopy", 16)
	r.PutObject(t, "src", "big.bin", []byte("new version"))
	p.Wait(e2e.RunTimeout)
	p.RequireCode(1)
	if !strings.Contains(p.Stderr(), "the source changed during the copy") {
		t.Errorf("stderr %q does not say the source changed", p.Stderr())
	}
	_, err := r.Head(t, "dst", "big.bin")
	serviceError(t, "HeadObject dst/big.bin after the failed copy", err, 404, "")
	r.requireClean(t, "dst")
	r.Stop(t)
	log := r.Log(t)
	if n := e2e.Count(log, "AbortMultipartUpload", 0); n != 1 {
		t.Errorf("%d AbortMultipartUpload, want 1", n)
	}
	if n := e2e.Count(log, "CompleteMultipartUpload", 0); n != 0 {
		t.Errorf("%d CompleteMultipartUpload, want none", n)
	}
}

// TestCpFaults: injected 500/503s on every operation plus connection resets
// after UploadPartCopy, or throttling by a server that takes 4 requests at
// a time from a cp sending 16: the copy of 200 parts completes and
// verifies, reports its retries, and tries no part more than --retry-times.
func TestCpFaults(t *testing.T) {
	t.Parallel()
	const parts, retryTimes = 200, 10
	for _, tc := range []struct {
		name       string
		serverArgs []string
		cpArgs     []string
		fault      string // what the access log's fault field says of an injected failure
	}{
		{"errors-and-resets", []string{"--error-rate", "*=5%", "--reset-rate", "UploadPartCopy=5%", "--fault-seed", "7"}, nil, ""},
		{"throttling", []string{"--max-inflight", "4", "--latency", "UploadPartCopy=20ms"}, []string{"--parallel", "16"}, "throttle"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newCpRig(t, append([]string{"--bucket", "dst", "--seed-object", "oss://src/f.bin=200GiB"}, tc.serverArgs...)...)
			p := e2e.Run(t, r.Env(), r.cpArgs("oss://src/f.bin", "oss://dst/f.bin", append([]string{"--part-size", "1GiB", "--retry-times",
				fmt.Sprint(retryTimes), "--output-format", "json"}, tc.cpArgs...)...)...)
			p.RequireCode(0)
			res := p.Result()
			if res.Parts != parts || res.Retries == 0 {
				t.Errorf("result: %d parts, %d retries; want %d parts and some retries", res.Parts, res.Retries, parts)
			}
			if crc := r.requireSameObject(t, "src", "f.bin", "dst", "f.bin"); res.CRC64 != crc {
				t.Errorf("result CRC64 %q, the source's %q", res.CRC64, crc)
			}
			r.Stop(t)
			log := r.Log(t)
			faults := map[string]int{}
			injected := 0
			for _, e := range log {
				if e.Fault != "" && (tc.fault == "" || e.Fault == tc.fault) {
					faults[e.Op+" "+e.Fault]++
					injected++
				}
			}
			if int64(injected) != res.Retries {
				t.Errorf("the server injected %d faults %v, but cp reports %d retries: each should cost one retry", injected, faults, res.Retries)
			}
			worst := 0
			for n, a := range e2e.PartAttempts(log) {
				if a > retryTimes {
					t.Errorf("part %d was tried %d times, more than --retry-times %d", n, a, retryTimes)
				}
				worst = max(worst, a)
			}
			t.Logf("%d retries for %v; at most %d attempts for a part", res.Retries, faults, worst)
		})
	}
}

// TestCpBadCredentials: a wrong secret or an unknown bucket fails at once
// (exit 1 within 5 s) after exactly one request, naming the error.
func TestCpBadCredentials(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		env  []string
		src  string
		want []string
	}{
		{"wrong-secret", []string{"OSS_ACCESS_KEY_SECRET=not-the-secret"}, "oss://src/s.bin", []string{"SignatureDoesNotMatch", "secret"}},
		// OSS's message names no bucket: osscopy's own words must.
		{"unknown-bucket", nil, "oss://nosuch/s.bin", []string{"NoSuchBucket", "oss://nosuch/"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newCpRig(t, "--bucket", "dst", "--seed-object", "oss://src/s.bin=10MiB")
			p := e2e.Start(t, r.Env(tc.env...), r.cpArgs(tc.src, "oss://dst/s.bin")...)
			p.Wait(e2e.RunTimeout)
			p.RequireCode(1)
			if p.Took() > 5*time.Second {
				t.Errorf("it took %v to fail, want under 5s", p.Took())
			}
			for _, w := range tc.want {
				if !strings.Contains(p.Stderr(), w) {
					t.Errorf("stderr %q does not mention %s", p.Stderr(), w)
				}
			}
			r.Stop(t)
			if log := r.Log(t); len(log) != 1 {
				t.Errorf("the access log shows %d requests %+v, want exactly 1 (no retries)", len(log), log)
			}
		})
	}
}

// TestCpErrorLines: a copy that OSS refuses fails with one line that names
// the request, the object, OSS's code and the request id, then one line of
// what to do next, never the SDK's dump of several lines; a multipart copy
// adds the line that says how to resume.
func TestCpErrorLines(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, src string
		op, code  string // the request OSS refused, and its answer
		hint      string // what the hint says
		resume    bool   // a multipart copy: the upload and checkpoint are kept
	}{
		{"missing source", "oss://src/missing.bin", "HeadObject", "NoSuchKey", "the object does not exist", false},
		{"denied CopyObject", "oss://src/s.bin", "CopyObject", "AccessDenied", "permissions", false},
		{"denied UploadPartCopy", "oss://src/big.bin", "UploadPartCopy", "AccessDenied", "permissions", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newCpRig(t, "--bucket", "dst", "--seed-object", "oss://src/s.bin=10MiB", "--seed-object", "oss://src/big.bin=3GiB",
				"--deny", "CopyObject=src/s.bin", "--deny", "UploadPartCopy=src/big.bin")
			p := e2e.Run(t, r.Env(), r.cpArgs(tc.src, "oss://dst/copy.bin")...)
			p.RequireCode(1)
			r.Stop(t)
			var ids []string
			for _, e := range r.Log(t) {
				if e.Op == tc.op && e.Code == tc.code {
					ids = append(ids, e.RequestID)
				}
			}
			if len(ids) == 0 {
				t.Fatalf("the access log has no %s answered %s", tc.op, tc.code)
			}
			stderr := p.Stderr()
			var lines, resume, hints []string
			for _, line := range strings.Split(strings.TrimSuffix(stderr, "\n"), "\n") {
				switch {
				case strings.Contains(line, "to resume"):
					resume = append(resume, line)
				case strings.HasPrefix(line, "osscopy: hint: "):
					hints = append(hints, line)
					lines = append(lines, line)
				default:
					lines = append(lines, line)
				}
			}
			wantResume := 0
			if tc.resume {
				wantResume = 1
			}
			if len(lines) != 2 || len(hints) != 1 || !strings.Contains(hints[0], tc.hint) || len(resume) != wantResume {
				t.Errorf("stderr has %d lines, %d hints, %d resume lines; want the error, a hint saying %q and %v for resuming:\n%s",
					len(lines), len(hints), len(resume), tc.hint, tc.resume, stderr)
			}
			first := lines[0]
			if !strings.HasPrefix(first, "osscopy: ") || !strings.Contains(first, tc.op) || !strings.Contains(first, " "+tc.code) ||
				!slices.ContainsFunc(ids, func(id string) bool { return strings.Contains(first, "(request id "+id+")") }) {
				t.Errorf("the error %q does not name %s, %s and the request id of one of %q", first, tc.op, tc.code, ids)
			}
			if strings.Contains(stderr, "Error returned by Service") || strings.Contains(stderr, "Http Status Code") {
				t.Errorf("stderr holds the SDK's dump:\n%s", stderr)
			}
		})
	}
}

// TestCpMetadataAndTags: the destination gets the source's Content-Type,
// Cache-Control, user metadata and tags by default, the given ones with
// REPLACE, on both paths: a multipart copy (forced with a 1 MiB threshold)
// and a single CopyObject.
func TestCpMetadataAndTags(t *testing.T) {
	t.Parallel()
	r := newCpRig(t, "--bucket", "src", "--bucket", "dst")
	c := r.Client()
	srcMeta := map[string]string{"owner": "alice", "project": "osscopy"}
	srcTags := url.Values{"TagSrc": {"s 1"}, "Kind": {"test"}}
	_, err := c.PutObject(e2e.Ctx(t), &oss.PutObjectRequest{Bucket: oss.Ptr("src"), Key: oss.Ptr("meta.bin"),
		Body: bytes.NewReader(randomBytes(t, 3<<20+12345)), ContentType: oss.Ptr("text/x-e2e"), CacheControl: oss.Ptr("max-age=60"),
		Metadata: srcMeta, Tagging: oss.Ptr(srcTags.Encode())})
	if err != nil {
		t.Fatalf("PutObject src/meta.bin: %v", err)
	}
	type want struct {
		contentType, cacheControl string
		meta                      map[string]string
		tags                      url.Values
	}
	copied := want{"text/x-e2e", "max-age=60", srcMeta, srcTags}
	for _, path := range []struct {
		name   string
		args   []string
		single bool
	}{
		{"multipart", []string{"--bigfile-threshold", "1MiB", "--part-size", "1MiB"}, false},
		{"single", nil, true},
	} {
		for _, tc := range []struct {
			name string
			args []string
			want want
		}{
			{"copy", nil, copied},
			{"replace-metadata", []string{"--metadata-directive", "REPLACE", "--content-type", "x/y", "--meta", "a=b"},
				want{"x/y", "", map[string]string{"a": "b"}, srcTags}},
			{"replace-tagging", []string{"--tagging-directive", "REPLACE", "--tagging", "TagA=A&TagB=B"},
				want{"text/x-e2e", "max-age=60", srcMeta, url.Values{"TagA": {"A"}, "TagB": {"B"}}}},
		} {
			t.Run(path.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				key := path.name + "-" + tc.name
				p := e2e.Run(t, r.Env(), r.cpArgs("oss://src/meta.bin", "oss://dst/"+key, append(append([]string{"--output-format", "json"}, path.args...), tc.args...)...)...)
				p.RequireCode(0)
				if res := p.Result(); res.Single != path.single || !path.single && res.Parts != 4 {
					t.Errorf("result %+v: want single_copy %v (4 parts when multipart)", res, path.single)
				}
				r.requireSameObject(t, "src", "meta.bin", "dst", key)
				h := r.head(t, "dst", key)
				if got := oss.ToString(h.ContentType); got != tc.want.contentType {
					t.Errorf("Content-Type %q, want %q", got, tc.want.contentType)
				}
				if got := oss.ToString(h.CacheControl); got != tc.want.cacheControl {
					t.Errorf("Cache-Control %q, want %q", got, tc.want.cacheControl)
				}
				if !reflect.DeepEqual(h.Metadata, tc.want.meta) {
					t.Errorf("metadata %v, want %v", h.Metadata, tc.want.meta)
				}
				tags, err := c.GetObjectTagging(e2e.Ctx(t), &oss.GetObjectTaggingRequest{Bucket: oss.Ptr("dst"), Key: oss.Ptr(key)})
				if err != nil {
					t.Fatalf("GetObjectTagging dst/%s: %v", key, err)
				}
				got := url.Values{}
				for _, tag := range tags.Tags {
					got.Add(oss.ToString(tag.Key), oss.ToString(tag.Value))
				}
				if !reflect.DeepEqual(got, tc.want.tags) {
					t.Errorf("tags %v, want exactly %v", got, tc.want.tags)
				}
			})
		}
	}
}

// TestCpCheckpointLocked: a second run of a copy in progress fails at once
// (exit 1), saying another run holds it, and starts no upload of its own.
func TestCpCheckpointLocked(t *testing.T) {
	t.Parallel()
	r := newCpRig(t, "--bucket", "dst", "--seed-object", "oss://src/big.bin=1TiB", "--latency", "UploadPartCopy=50ms")
	args := r.cpArgs("oss://src/big.bin", "oss://dst/big.bin", "--parallel", "4", "--part-size", "1GiB")
	first := e2e.Start(t, r.Env(), args...)
	r.WaitForLog(t, "UploadPartCopy", 1)
	second := e2e.Run(t, r.Env(), args...)
	second.RequireCode(1)
	if !strings.Contains(second.Stderr(), "another osscopy run is copying this object right now") {
		t.Errorf("stderr %q does not say that another run holds the checkpoint", second.Stderr())
	}
	if first.Exited() {
		t.Fatalf("the first run ended (%v) while the second ran", first.Cmd.ProcessState)
	}
	first.Signal(syscall.SIGINT)
	first.Wait(e2e.RunTimeout)
	first.RequireCode(1)
	r.Stop(t)
	if n := e2e.Count(r.Log(t), "InitiateMultipartUpload", 0); n != 1 {
		t.Errorf("%d InitiateMultipartUpload, want 1: the second run must not start an upload", n)
	}
}

// TestCpFreshAfterInterruption: --fresh after a killed run aborts the old
// upload and copies everything anew.
func TestCpFreshAfterInterruption(t *testing.T) {
	t.Parallel()
	r := newCpRig(t, "--bucket", "dst", "--seed-object", "oss://src/big.bin=1TiB", "--latency", "UploadPartCopy=20ms")
	args := r.cpArgs("oss://src/big.bin", "oss://dst/big.bin", "--parallel", "8", "--part-size", "2GiB", "--output-format", "json")
	first := e2e.Start(t, r.Env(), args...)
	r.WaitForLog(t, "UploadPartCopy", 16)
	first.Signal(syscall.SIGKILL)
	first.Wait(e2e.RunTimeout)
	r.WaitForLog(t, "InitiateMultipartUpload", 1)
	var old string
	for _, e := range r.Log(t) {
		if e.Op == "InitiateMultipartUpload" {
			old = e.UploadID
		}
	}
	if left := r.Uploads(t, "dst"); old == "" || len(left) != 1 {
		t.Fatalf("after the kill: upload %q, uploads %+v; want the first run's upload in progress", old, left)
	}

	second := e2e.Run(t, r.Env(), append(args, "--fresh")...)
	second.RequireCode(0)
	res := second.Result()
	if res.ResumedParts != 0 || res.UploadID == old || res.Parts != 512 {
		t.Errorf("result %+v: want all 512 parts copied by a new upload, none resumed from %s", res, old)
	}
	if !strings.Contains(second.Stderr(), "--fresh") {
		t.Errorf("stderr %q does not say the checkpoint was discarded", second.Stderr())
	}
	r.requireSameObject(t, "src", "big.bin", "dst", "big.bin")
	r.requireClean(t, "dst")
	r.Stop(t)
	aborted := false
	for _, e := range r.Log(t) {
		if e.Op == "AbortMultipartUpload" && e.UploadID == old && e.Status/100 == 2 {
			aborted = true
		}
	}
	if !aborted {
		t.Errorf("the access log shows no successful AbortMultipartUpload of the old upload %s", old)
	}
}

// TestCpUsageErrors: mistakes in the command line exit 2 with one line on
// stderr (testdata/cp-usage/NAME.golden; -update rewrites them), and send
// no request: the access log of the server the environment points at
// stays empty.
func TestCpUsageErrors(t *testing.T) {
	t.Parallel()
	r := newCpRig(t, "--bucket", "dst", "--seed-object", "oss://src/a=10MiB")
	empty := filepath.Join(t.TempDir(), "empty.ini")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	noKeys := []string{"OSS_ACCESS_KEY_ID=", "OSS_ACCESS_KEY_SECRET="}
	const src, dst = "oss://src/a", "oss://dst/a"
	t.Run("cases", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			args []string // after cp
			env  []string
		}{
			{"no-scheme", []string{"src/a", dst}, nil},
			{"bad-bucket", []string{"oss://Src/a", dst}, nil},
			{"dotdot-key", []string{"oss://src/a/../b", dst}, nil},
			{"control-char-key", []string{"oss://src/a\x01b", dst}, nil},
			{"bad-destination", []string{src, "oss://d/a"}, nil},
			{"prefix-source", []string{"oss://src/dir/", dst}, nil},
			{"same-object", []string{src, src}, nil},
			{"part-size-unit", []string{src, dst, "--part-size", "10XB"}, nil},
			{"part-size-under-minimum", []string{src, dst, "--part-size", "50KB"}, nil},
			{"part-size-over-maximum", []string{src, dst, "--part-size", "6GiB"}, nil},
			{"parallel-0", []string{src, dst, "--parallel", "0"}, nil},
			{"retry-times-0", []string{src, dst, "--retry-times", "0"}, nil},
			{"threshold", []string{src, dst, "--bigfile-threshold", "2GiB"}, nil},
			{"metadata-directive", []string{src, dst, "--metadata-directive", "MOVE"}, nil},
			{"meta-without-replace", []string{src, dst, "--meta", "a=b"}, nil},
			{"tagging-without-replace", []string{src, dst, "--tagging", "a=b"}, nil},
			{"storage-class", []string{src, dst, "--storage-class", "Gold"}, nil},
			{"output-format", []string{src, dst, "--output-format", "xml"}, nil},
			{"one-argument", []string{src}, nil},
			{"unknown-flag", []string{src, dst, "--no-such-flag"}, nil},
			// A control character in a value that would go into a header
			// (sent, net/http refused it, and each object was retried for
			// 30-64 s as a network error); a secret's is not shown.
			{"control-char-meta", []string{src, dst, "--metadata-directive", "REPLACE", "--meta", "k=v\n"}, nil},
			{"control-char-content-type", []string{src, dst, "--metadata-directive", "REPLACE", "--content-type", "text/plain\r\n"}, nil},
			{"control-char-tagging", []string{src, dst, "--tagging-directive", "REPLACE", "--tagging", "a=b\x1b"}, nil},
			{"control-char-secret", []string{src, dst, "--access-key-secret", "s3cr3t\n"}, nil},
			{"meta-key-space", []string{src, dst, "--metadata-directive", "REPLACE", "--meta", "a b=c"}, nil},
			{"expires-not-a-date", []string{src, dst, "--metadata-directive", "REPLACE", "--expires", "next tuesday"}, nil},
			{"part-timeout-days", []string{src, dst, "--part-timeout", "1d"}, nil},
			{"no-credentials", []string{src, dst}, noKeys},
			{"empty-config-file", []string{src, dst, "--config-file", empty}, noKeys},
		} {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				p := e2e.Start(t, r.Env(tc.env...), append([]string{"cp", "--checkpoint-dir", r.ckpt}, tc.args...)...)
				p.Wait(10 * time.Second)
				if p.Code() != 2 {
					t.Errorf("exit status %d, want 2 (usage error)", p.Code())
				}
				if p.Stdout() != "" {
					t.Errorf("stdout %q, want nothing", p.Stdout())
				}
				stderr := p.Stderr()
				if !strings.HasPrefix(stderr, "osscopy: ") || strings.Count(stderr, "\n") != 1 {
					t.Errorf("stderr %q, want one line starting with \"osscopy: \"", stderr)
				}
				checkGolden(t, filepath.Join("testdata", "cp-usage", tc.name+".golden"), stderr)
			})
		}
	})
	r.Stop(t)
	if log := r.Log(t); len(log) != 0 {
		t.Errorf("usage errors sent %d requests, want none: %+v", len(log), log)
	}
	if _, err := os.Stat(r.ckpt); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("usage errors created the checkpoint dir (%v)", err)
	}
}

// TestCpHelp: cp --help lists every flag and matches testdata/cp-help.golden.
func TestCpHelp(t *testing.T) {
	t.Parallel()
	checkHelp(t, "cp", newCpCommand(), 25)
}

// checkGolden requires got to equal the golden file (go test -update
// rewrites it).
func checkGolden(t *testing.T, golden, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (go test -run %s -update creates it)", err, t.Name())
	}
	if got != string(want) {
		t.Errorf("output differs from %s (go test -run %s -update rewrites it):\n%s", golden, t.Name(), lineDiff(string(want), got))
	}
}

// TestCpKeepsSecrets: with the secret and the token given as flags, neither
// appears in stdout, stderr, the checkpoint files or the resume command,
// whether the copy is interrupted, fails or succeeds; the resume command,
// run as printed with them in the environment as the line before it says,
// completes the copy. (The server checks no token, so the made-up one is
// accepted.)
func TestCpKeepsSecrets(t *testing.T) {
	t.Parallel()
	const secret, token = "MARKER-SECRET-123", "MARKER-TOKEN"
	r := newCpRigWith(t, e2e.ServerOptions{KeyID: e2e.KeyID, Secret: secret,
		Args: []string{"--bucket", "dst", "--seed-object", "oss://src/big.bin=1TiB", "--latency", "UploadPartCopy=20ms"}})
	env := r.Env("OSS_ACCESS_KEY_ID=", "OSS_ACCESS_KEY_SECRET=")
	flags := []string{"--access-key-id", r.KeyID, "--access-key-secret", secret, "--sts-token=" + token, "--parallel", "8", "--part-size", "2GiB"}
	noMarker := func(what, s string) {
		t.Helper()
		if strings.Contains(s, "MARKER") {
			t.Errorf("%s shows a secret:\n%s", what, s)
		}
	}
	noMarkerInCheckpoints := func() {
		t.Helper()
		entries, err := os.ReadDir(r.ckpt)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			data, err := os.ReadFile(filepath.Join(r.ckpt, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			noMarker("checkpoint file "+e.Name(), string(data))
		}
	}

	interrupted := e2e.Start(t, env, r.cpArgs("oss://src/big.bin", "oss://dst/big.bin", flags...)...)
	r.WaitForLog(t, "UploadPartCopy", 16)
	interrupted.Signal(syscall.SIGINT)
	interrupted.Wait(e2e.RunTimeout)
	interrupted.RequireCode(1)
	line := resumeLine(t, interrupted.Stderr())
	noMarker("stdout of the interrupted run", interrupted.Stdout())
	noMarker("stderr of the interrupted run", interrupted.Stderr())
	noMarker("the resume command", line)
	if strings.Contains(line, "--access-key-secret") || strings.Contains(line, "--sts-token") || !strings.Contains(line, "--access-key-id "+r.KeyID) {
		t.Errorf("resume command %q: want the key ID's flag kept, the secret's and the token's left out", line)
	}
	if !strings.Contains(interrupted.Stderr(), "set OSS_ACCESS_KEY_SECRET and OSS_SESSION_TOKEN in the environment first") {
		t.Errorf("stderr does not say where the secret and the token go:\n%s", interrupted.Stderr())
	}
	if names, _ := filepath.Glob(filepath.Join(r.ckpt, "*.json")); len(names) != 1 {
		t.Fatalf("checkpoint files %q, want one state file after the interruption", names)
	}
	noMarkerInCheckpoints()

	failed := e2e.Start(t, env, r.cpArgs("oss://src/missing.bin", "oss://dst/missing.bin", flags...)...)
	failed.Wait(e2e.RunTimeout)
	failed.RequireCode(1)
	noMarker("stdout of the failed run", failed.Stdout())
	noMarker("stderr of the failed run", failed.Stderr())

	resumed := e2e.StartShell(t, r.Env("OSS_ACCESS_KEY_ID=", "OSS_ACCESS_KEY_SECRET="+secret, "OSS_SESSION_TOKEN="+token), line)
	resumed.Wait(e2e.RunTimeout)
	resumed.RequireCode(0)
	noMarker("stdout of the resumed run", resumed.Stdout())
	noMarker("stderr of the resumed run", resumed.Stderr())
	noMarkerInCheckpoints()
	r.requireSameObject(t, "src", "big.bin", "dst", "big.bin")
	if !slices.ContainsFunc(strings.Split(resumed.Stdout(), "\n"), func(l string) bool {
		return strings.HasPrefix(l, "copied ") && strings.Contains(l, "already copied before this run")
	}) {
		t.Errorf("stdout %q: want the copied line of a resumed copy", resumed.Stdout())
	}
}
