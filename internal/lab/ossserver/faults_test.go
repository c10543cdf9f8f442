package ossserver_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/xml"
	"errors"
	"fmt"
	"hash/crc64"
	"io"
	"maps"
	"net/http"
	"net/http/httptrace"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/osscopy/osscopy/internal/lab/ossserver"
	"github.com/osscopy/osscopy/internal/lab/osstest"
)

// Helpers of this file are prefixed ft so that they cannot collide with the
// helpers of other test files in the package.

const (
	ftBucket = "faults"
	ftSource = "src.bin" // synthetic, 1 GiB
)

// ftStart runs a server with ftBucket and a synthetic 1 GiB ftSource.
func ftStart(t testing.TB, cfg ossserver.Config) *osstest.Env {
	t.Helper()
	cfg.Buckets = append(cfg.Buckets, ftBucket)
	cfg.Seeds = append(cfg.Seeds, ossserver.Seed{Bucket: ftBucket, Key: ftSource, Size: 1 << 30, Seed: 11})
	return osstest.Start(t, cfg)
}

func ftInitiate(t testing.TB, env *osstest.Env, key string) string {
	t.Helper()
	res, err := env.Client.InitiateMultipartUpload(context.Background(), &oss.InitiateMultipartUploadRequest{
		Bucket: oss.Ptr(ftBucket), Key: oss.Ptr(key)})
	if err != nil {
		t.Fatalf("InitiateMultipartUpload %s: %v", key, err)
	}
	return oss.ToString(res.UploadId)
}

// ftCopyPart copies n bytes of src from first into part of the upload.
func ftCopyPart(ctx context.Context, env *osstest.Env, key, uploadID string, part int32, src string, first, n int64) (*oss.UploadPartCopyResult, error) {
	return env.Client.UploadPartCopy(ctx, &oss.UploadPartCopyRequest{
		Bucket: oss.Ptr(ftBucket), Key: oss.Ptr(key), UploadId: oss.Ptr(uploadID), PartNumber: part,
		SourceBucket: oss.Ptr(ftBucket), SourceKey: oss.Ptr(src),
		Range: oss.Ptr(fmt.Sprintf("bytes=%d-%d", first, first+n-1))})
}

// ftParts lists the parts of an upload (at most 1000) by number.
func ftParts(t testing.TB, env *osstest.Env, key, uploadID string) map[int32]oss.Part {
	t.Helper()
	res, err := env.Client.ListParts(context.Background(), &oss.ListPartsRequest{
		Bucket: oss.Ptr(ftBucket), Key: oss.Ptr(key), UploadId: oss.Ptr(uploadID)})
	if err != nil {
		t.Fatalf("ListParts %s: %v", key, err)
	}
	if res.IsTruncated {
		t.Fatalf("ListParts %s is truncated", key)
	}
	out := map[int32]oss.Part{}
	for _, p := range res.Parts {
		out[p.PartNumber] = p
	}
	return out
}

// ftServiceError returns the OSS error answer inside err, or nil when err
// is not one (a connection error, a cancelled context...).
func ftServiceError(err error) *oss.ServiceError {
	var se *oss.ServiceError
	if errors.As(err, &se) {
		return se
	}
	return nil
}

// ftPut stores data under key with a plain PutObject.
func ftPut(t testing.TB, env *osstest.Env, key string, data []byte) {
	t.Helper()
	if _, err := env.Client.PutObject(context.Background(), &oss.PutObjectRequest{
		Bucket: oss.Ptr(ftBucket), Key: oss.Ptr(key), Body: bytes.NewReader(data)}); err != nil {
		t.Fatalf("PutObject %s: %v", key, err)
	}
}

func ftRandom(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func ftETag(data []byte) string { return fmt.Sprintf(`"%X"`, md5.Sum(data)) }

func ftCRC(data []byte) string {
	return strconv.FormatUint(crc64.Checksum(data, crc64.MakeTable(crc64.ECMA)), 10)
}

// ftLogEntries returns the access log entries of op.
func ftLogEntries(t testing.TB, env *osstest.Env, op string) []ossserver.LogEntry {
	t.Helper()
	var out []ossserver.LogEntry
	for _, e := range env.Log.Entries(t) {
		if e.Op == op {
			out = append(out, e)
		}
	}
	return out
}

// ftErrorRun is what one server answered to ftErrorRunParts UploadPartCopy
// requests under an error rate.
type ftErrorRun struct {
	statuses []int // per part number 1..n: 200, 500 or 503
	etags    map[int32]string
	listed   map[int32]oss.Part
}

const ftErrorRunParts = 200

// ftRunErrors sends ftErrorRunParts UploadPartCopy requests (part numbers
// 1..n, 100 KiB each), from the given number of concurrent workers, to a
// fresh server that fails 30% of them, checking every injected error.
func ftRunErrors(t *testing.T, seed uint64, workers int) ftErrorRun {
	t.Helper()
	env := ftStart(t, ossserver.Config{ErrorRate: map[string]float64{"UploadPartCopy": 0.3}, FaultSeed: seed})
	const key = "dst.bin"
	uploadID := ftInitiate(t, env, key)
	run := ftErrorRun{statuses: make([]int, ftErrorRunParts), etags: map[int32]string{}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for part := int32(w + 1); part <= ftErrorRunParts; part += int32(workers) {
				res, err := ftCopyPart(context.Background(), env, key, uploadID, part, ftSource, int64(part)*4099, 100<<10)
				status, problem := ftCheckInjected(err)
				if problem != "" {
					t.Errorf("part %d: %s", part, problem)
				}
				mu.Lock()
				run.statuses[part-1] = status
				if err == nil {
					run.etags[part] = oss.ToString(res.ETag)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	run.listed = ftParts(t, env, key, uploadID)

	// The access log marks exactly the failed requests as injected faults.
	entries := ftLogEntries(t, env, "UploadPartCopy")
	if len(entries) != ftErrorRunParts {
		t.Fatalf("access log has %d UploadPartCopy entries, want %d", len(entries), ftErrorRunParts)
	}
	for _, e := range entries {
		status := run.statuses[e.PartNumber-1]
		wantFault := map[int]string{200: "", 500: "error-500", 503: "error-503"}[status]
		if e.Status != status || e.Fault != wantFault {
			t.Errorf("access log part %d: status %d fault %q, client saw %d (want fault %q)", e.PartNumber, e.Status, e.Fault, status, wantFault)
		}
	}
	return run
}

// ftCheckInjected returns the status of an answer that must be a success
// or an injected error, and what is wrong with it if anything.
func ftCheckInjected(err error) (status int, problem string) {
	if err == nil {
		return http.StatusOK, ""
	}
	se := ftServiceError(err)
	if se == nil {
		return 0, fmt.Sprintf("want 200, 500 or 503, got a non-HTTP error: %v", err)
	}
	wantCode := map[int]string{500: "InternalError", 503: "ServiceUnavailable"}[se.StatusCode]
	if wantCode == "" {
		return se.StatusCode, fmt.Sprintf("status %d, want 500 or 503: %v", se.StatusCode, err)
	}
	if se.Code != wantCode {
		return se.StatusCode, fmt.Sprintf("status %d with code %q, want %q", se.StatusCode, se.Code, wantCode)
	}
	if ct := se.Headers.Get("Content-Type"); ct != "application/xml" {
		return se.StatusCode, fmt.Sprintf("error Content-Type %q, want application/xml", ct)
	}
	var body struct {
		XMLName   xml.Name
		Code      string `xml:"Code"`
		Message   string `xml:"Message"`
		RequestID string `xml:"RequestId"`
		HostID    string `xml:"HostId"`
	}
	if err := xml.Unmarshal(se.Snapshot, &body); err != nil {
		return se.StatusCode, fmt.Sprintf("error body %q is not XML: %v", se.Snapshot, err)
	}
	if !bytes.HasPrefix(se.Snapshot, []byte(xml.Header)) {
		return se.StatusCode, fmt.Sprintf("error body lacks the XML declaration: %q", se.Snapshot)
	}
	if body.XMLName.Local != "Error" || body.Code != wantCode || body.Message == "" || body.HostID == "" ||
		body.RequestID == "" || body.RequestID != se.Headers.Get("x-oss-request-id") {
		return se.StatusCode, fmt.Sprintf("error body %+v does not match status %d, code %s and request ID %q",
			body, se.StatusCode, wantCode, se.Headers.Get("x-oss-request-id"))
	}
	return se.StatusCode, ""
}

// An error rate fails a sane share of requests with 500 or 503 and OSS's
// XML error body, the failures leave no part behind, and the same seed on a
// fresh server fails the same requests the same way, even when they arrive
// concurrently in another order.
func TestFaultsErrorRate(t *testing.T) {
	t.Parallel()
	first := ftRunErrors(t, 7, 1)
	again := ftRunErrors(t, 7, 4)
	other := ftRunErrors(t, 8, 1)

	if !slices.Equal(first.statuses, again.statuses) {
		t.Errorf("seed 7 on a fresh server, 4 requests at a time, gave a different sequence of statuses:\nfirst %v\nagain %v", first.statuses, again.statuses)
	}
	if slices.Equal(first.statuses, other.statuses) {
		t.Errorf("seeds 7 and 8 gave the same %d statuses", len(first.statuses))
	}
	for name, run := range map[string]ftErrorRun{"seed 7": first, "seed 8": other} {
		var n500, n503 int
		for _, s := range run.statuses {
			switch s {
			case 500:
				n500++
			case 503:
				n503++
			}
		}
		t.Logf("%s: %d of %d failed: %d with 500, %d with 503", name, n500+n503, ftErrorRunParts, n500, n503)
		// 30% of 200 is 60, with a standard deviation of 6.5.
		if failed := n500 + n503; failed < 40 || failed > 80 {
			t.Errorf("%s: %d of %d requests failed, want about 30%% (40..80)", name, failed, ftErrorRunParts)
		}
		if n500 < 10 || n503 < 10 {
			t.Errorf("%s: %d answers 500 and %d answers 503; want both kinds, about evenly", name, n500, n503)
		}
		// ListParts shows exactly the parts whose copy succeeded, with the
		// ETags the copies returned.
		for i, s := range run.statuses {
			part := int32(i + 1)
			p, listed := run.listed[part]
			switch {
			case s == 200 && !listed:
				t.Errorf("%s: part %d was copied (200) but is not listed", name, part)
			case s == 200 && (oss.ToString(p.ETag) != run.etags[part] || p.Size != 100<<10):
				t.Errorf("%s: part %d listed with ETag %s size %d, the copy returned %s for %d bytes",
					name, part, oss.ToString(p.ETag), p.Size, run.etags[part], 100<<10)
			case s != 200 && listed:
				t.Errorf("%s: part %d failed with %d but is listed", name, part, s)
			}
		}
		if want := ftErrorRunParts - n500 - n503; len(run.listed) != want {
			t.Errorf("%s: %d parts listed, want the %d that succeeded", name, len(run.listed), want)
		}
	}
	if !slices.Equal(slices.Sorted(maps.Keys(first.listed)), slices.Sorted(maps.Keys(again.listed))) {
		t.Error("seed 7 left different parts on a fresh server")
	}
}

// A retry is a new roll of the dice: retrying the same request (same op,
// bucket, key and part) under an error rate of 30% fails about 30% of the
// time whatever the attempts before it did, so that a client's retries get
// through; the decisions still follow from the seed alone.
func TestFaultsErrorRateRetriesAreIndependent(t *testing.T) {
	t.Parallel()
	const parts, maxAttempts = 100, 15
	run := func() (attempts [][]int) {
		env := ftStart(t, ossserver.Config{ErrorRate: map[string]float64{"UploadPartCopy": 0.3}, FaultSeed: 99})
		uploadID := ftInitiate(t, env, "dst.bin")
		for part := int32(1); part <= parts; part++ {
			var statuses []int
			for len(statuses) < maxAttempts && !slices.Contains(statuses, 200) {
				_, err := ftCopyPart(context.Background(), env, "dst.bin", uploadID, part, ftSource, int64(part)<<20, 100<<10)
				status, problem := ftCheckInjected(err)
				if problem != "" {
					t.Fatalf("part %d attempt %d: %s", part, len(statuses)+1, problem)
				}
				statuses = append(statuses, status)
			}
			attempts = append(attempts, statuses)
		}
		if listed := ftParts(t, env, "dst.bin", uploadID); len(listed) != parts {
			t.Errorf("%d parts listed after the retries, want %d", len(listed), parts)
		}
		return attempts
	}
	attempts := run()
	var total, failed, afterFailure, failedAfterFailure int
	for i, statuses := range attempts {
		if statuses[len(statuses)-1] != 200 {
			t.Errorf("part %d failed all of its %d attempts: %v", i+1, maxAttempts, statuses)
		}
		for j, s := range statuses {
			total++
			if s != 200 {
				failed++
			}
			if j > 0 { // every attempt after the first follows a failure
				afterFailure++
				if s != 200 {
					failedAfterFailure++
				}
			}
		}
	}
	t.Logf("%d attempts, %d failed; %d of %d retries failed again", total, failed, failedAfterFailure, afterFailure)
	if share := float64(failed) / float64(total); share < 0.2 || share > 0.4 {
		t.Errorf("%d of %d attempts failed (%.0f%%), want about 30%%", failed, total, 100*share)
	}
	// About 43 first attempts fail; about 30% of their retries fail again.
	if afterFailure < 25 || failedAfterFailure > afterFailure/2 {
		t.Errorf("%d of %d retries of a failed request failed again, want about 30%%", failedAfterFailure, afterFailure)
	}
	again := run()
	for i := range attempts {
		if !slices.Equal(attempts[i], again[i]) {
			t.Errorf("part %d: attempts %v, then %v on a fresh server with the same seed", i+1, attempts[i], again[i])
		}
	}
}

// A reset cuts the connection after the operation took effect: the client
// sees a connection error, not a status, and yet the part is there.
func TestFaultsResetAfterTheOperationTookEffect(t *testing.T) {
	t.Parallel()
	env := ftStart(t, ossserver.Config{ResetRate: map[string]float64{"UploadPartCopy": 1, "GetObject": 1}})
	ctx := context.Background()
	data := ftRandom(t, 8<<20)
	ftPut(t, env, "real.bin", data)

	const key = "dst.bin"
	uploadID := ftInitiate(t, env, key)
	const first, n = 12345, 300 << 10
	_, err := ftCopyPart(ctx, env, key, uploadID, 3, "real.bin", first, n)
	if err == nil {
		t.Fatal("UploadPartCopy with reset rate 1 succeeded")
	}
	if se := ftServiceError(err); se != nil {
		t.Fatalf("UploadPartCopy reset: want a connection error, got HTTP status %d (%s)", se.StatusCode, se.Code)
	}
	parts := ftParts(t, env, key, uploadID)
	p, ok := parts[3]
	if len(parts) != 1 || !ok {
		t.Fatalf("after the reset ListParts shows parts %v, want exactly part 3", slices.Sorted(maps.Keys(parts)))
	}
	want := data[first : first+n]
	if oss.ToString(p.ETag) != ftETag(want) || p.Size != n || oss.ToString(p.HashCRC64) != ftCRC(want) {
		t.Errorf("part 3 is ETag %s size %d CRC %s; want %s, %d, %s",
			oss.ToString(p.ETag), p.Size, oss.ToString(p.HashCRC64), ftETag(want), n, ftCRC(want))
	}

	// GetObject: the status line and headers arrive, the body stops short.
	res, err := env.Client.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(ftBucket), Key: oss.Ptr("real.bin")})
	if err != nil {
		t.Fatalf("GetObject with a reset: want the headers and a truncated body, got %v", err)
	}
	if res.StatusCode != 200 || res.ContentLength != int64(len(data)) {
		t.Errorf("GetObject: status %d, Content-Length %d; want 200, %d", res.StatusCode, res.ContentLength, len(data))
	}
	got, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err == nil {
		t.Fatalf("reading a reset GetObject body ended without error after %d of %d bytes", len(got), len(data))
	}
	if len(got) >= len(data) || !bytes.Equal(got, data[:len(got)]) {
		t.Errorf("reset GetObject body: %d bytes, want a true prefix of the %d-byte object", len(got), len(data))
	}

	// The access log shows both as resets that the client saw no status of.
	// A request is logged when its handler returns, which can be after the
	// client saw the connection reset: wait for the line, a while at most.
	deadline := time.Now().Add(5 * time.Second)
	for _, op := range []string{"UploadPartCopy", "GetObject"} {
		entries := ftLogEntries(t, env, op)
		for len(entries) == 0 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
			entries = ftLogEntries(t, env, op)
		}
		if len(entries) != 1 || entries[0].Fault != "reset" || entries[0].Status != 0 {
			t.Errorf("access log for %s: %+v, want one entry with fault reset and status 0", op, entries)
		}
	}
	// Operations without a reset rate are untouched.
	if n := env.Log.Count(t, "ListParts", 200); n != 1 {
		t.Errorf("ListParts answered 200 %d times, want 1", n)
	}
}

// Above MaxInflight the excess requests are throttled at once with the
// configured status and code and a Retry-After header, and release their
// slot. The two requests let in are held by a long latency until the other
// four have been answered, then cancelled, so that no scheduling delay can
// free a slot early and let a third one in.
func TestFaultsMaxInflightThrottles(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		status     int
		retryAfter time.Duration
		wantStatus int
		wantRetry  string
	}{
		{"defaults", 0, 0, http.StatusServiceUnavailable, "1"},
		{"503", http.StatusServiceUnavailable, 2 * time.Second, http.StatusServiceUnavailable, "2"},
		{"429", http.StatusTooManyRequests, 3 * time.Second, http.StatusTooManyRequests, "3"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := ftStart(t, ossserver.Config{MaxInflight: 2, ThrottleStatus: tc.status, RetryAfter: tc.retryAfter,
				Latency: map[string]time.Duration{"*": time.Minute, "GetBucketLocation": 0}})
			const concurrent = 6
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			results := make(chan error, concurrent)
			start := make(chan struct{})
			for range concurrent {
				go func() {
					<-start
					_, err := env.Client.GetBucketInfo(ctx, &oss.GetBucketInfoRequest{Bucket: oss.Ptr(ftBucket)})
					results <- err
				}()
			}
			close(start)
			timeout := time.After(30 * time.Second)
			for answered := 0; answered < concurrent-2; answered++ {
				var err error
				select {
				case err = <-results:
				case <-timeout:
					t.Fatalf("only %d of %d requests were answered in 30 s; want %d throttled at once", answered, concurrent, concurrent-2)
				}
				se := ftServiceError(err)
				if se == nil {
					t.Fatalf("answer %d: want a throttle status, got %v", answered+1, err)
				}
				if se.StatusCode != tc.wantStatus || se.Code != "ActiveRequestLimitExceeded" {
					t.Errorf("throttled with %d %s, want %d ActiveRequestLimitExceeded", se.StatusCode, se.Code, tc.wantStatus)
				}
				if got := se.Headers.Get("Retry-After"); got != tc.wantRetry {
					t.Errorf("Retry-After %q, want %q", got, tc.wantRetry)
				}
			}
			// The other two were let in: they are still waiting out their
			// latency, which a throttled request never does.
			select {
			case err := <-results:
				t.Fatalf("a fifth request was answered while two were in flight: %v", err)
			case <-time.After(100 * time.Millisecond):
			}
			cancel()
			for range 2 {
				if err := <-results; !errors.Is(err, context.Canceled) {
					t.Errorf("a request let in ended with %v, want context.Canceled", err)
				}
			}
			var entries []ossserver.LogEntry
			for deadline := time.Now().Add(10 * time.Second); len(entries) < concurrent; time.Sleep(5 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("the server logged %d of %d requests", len(entries), concurrent)
				}
				entries = ftLogEntries(t, env, "GetBucketInfo")
			}
			var throttled, admitted int
			for _, e := range entries {
				switch {
				case e.Fault == "throttle" && e.Status == tc.wantStatus && e.Code == "ActiveRequestLimitExceeded":
					throttled++
				case e.Fault == "" && e.Status == 499 && e.Code == "ClientClosedRequest":
					admitted++
				default:
					t.Errorf("access log entry %+v is neither a throttle nor a request let in", e)
				}
			}
			if throttled != concurrent-2 || admitted != 2 {
				t.Errorf("access log: %d throttled and %d let in, want exactly %d and 2", throttled, admitted, concurrent-2)
			}
			// Every slot is free again: two requests in a row go through.
			for range 2 {
				if _, err := env.Client.GetBucketLocation(context.Background(), &oss.GetBucketLocationRequest{Bucket: oss.Ptr(ftBucket)}); err != nil {
					t.Errorf("after the throttling GetBucketLocation failed: %v", err)
				}
			}
		})
	}
}

// Bandwidth makes an UploadPartCopy take as long as copying its bytes
// would, and latency adds to it. Only lower bounds are checked.
func TestFaultsBandwidthAndLatencyDelayCopies(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		latency map[string]time.Duration
		min     time.Duration
	}{
		{"bandwidth only", nil, 62 * time.Millisecond}, // 64 MiB at 1 GiB/s is 62.5 ms
		{"bandwidth and latency", map[string]time.Duration{"copy": 50 * time.Millisecond}, 112 * time.Millisecond},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := ftStart(t, ossserver.Config{Bandwidth: map[string]int64{"copy": 1 << 30}, Latency: tc.latency})
			uploadID := ftInitiate(t, env, "dst.bin")
			begin := time.Now()
			if _, err := ftCopyPart(context.Background(), env, "dst.bin", uploadID, 1, ftSource, 5<<20+3, 64<<20); err != nil {
				t.Fatal(err)
			}
			if took := time.Since(begin); took < tc.min {
				t.Errorf("copying 64 MiB took %v, want at least %v", took, tc.min)
			}
			entries := ftLogEntries(t, env, "UploadPartCopy")
			if len(entries) != 1 || entries[0].Bytes != 64<<20 || entries[0].DurationMS < float64(tc.min.Milliseconds()) {
				t.Errorf("access log %+v, want one entry of %d bytes taking at least %v", entries, 64<<20, tc.min)
			}
			if p := ftParts(t, env, "dst.bin", uploadID)[1]; p.Size != 64<<20 {
				t.Errorf("part 1 has %d bytes, want %d", p.Size, 64<<20)
			}
		})
	}
}

// A client that gives up while the copy is being simulated gets no part:
// the server notices before it records anything. The simulated times are
// long and the client cancels once its request is on the wire, so that the
// outcome does not depend on how fast the machine is.
func TestFaultsCancelledCopyRecordsNoPart(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		cfg       ossserver.Config
		wantBytes int64 // what the access log says was being moved at the cancel
	}{
		{"during transfer", ossserver.Config{Bandwidth: map[string]int64{"copy": 1 << 20}}, 64 << 20}, // 64 s
		{"during latency", ossserver.Config{Latency: map[string]time.Duration{"UploadPartCopy": time.Minute}}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := ftStart(t, tc.cfg)
			uploadID := ftInitiate(t, env, "dst.bin")
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			wrote := make(chan struct{})
			var once sync.Once
			ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
				WroteRequest: func(httptrace.WroteRequestInfo) { once.Do(func() { close(wrote) }) }})
			go func() {
				select {
				case <-wrote:
					time.Sleep(100 * time.Millisecond) // most likely inside the simulated time by now
				case <-time.After(30 * time.Second):
				}
				cancel()
			}()
			begin := time.Now()
			_, err := ftCopyPart(ctx, env, "dst.bin", uploadID, 1, ftSource, 0, 64<<20)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("cancelled UploadPartCopy returned %v after %v, want context.Canceled", err, time.Since(begin))
			}
			// Wait until the server has finished with the request: it logs
			// after its handler returns, so nothing can be recorded later.
			var entries []ossserver.LogEntry
			for deadline := time.Now().Add(10 * time.Second); len(entries) == 0; time.Sleep(5 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatal("the server did not notice in 10 s that the client of UploadPartCopy had gone")
				}
				entries = ftLogEntries(t, env, "UploadPartCopy")
			}
			if e := entries[0]; len(entries) != 1 || e.Status != 499 || e.Code != "ClientClosedRequest" || e.Bytes != tc.wantBytes {
				t.Errorf("access log %+v, want one entry 499 ClientClosedRequest with %d bytes", entries, tc.wantBytes)
			}
			if parts := ftParts(t, env, "dst.bin", uploadID); len(parts) != 0 {
				t.Errorf("the cancelled copy left parts %v", slices.Sorted(maps.Keys(parts)))
			}
		})
	}
}

// Settings apply by API name, else by class, else "*". Error rates of 0
// and 1 show which setting applied without any timing.
func TestFaultsMostSpecificSettingApplies(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		rates map[string]float64
		fails map[string]bool // op -> whether it must fail
	}{
		{"name beats class and star",
			map[string]float64{"UploadPartCopy": 0, "copy": 1, "*": 1, "multipart": 0, "write": 0},
			map[string]bool{"UploadPartCopy": false, "CopyObject": true, "GetObject": true, "PutObject": false}},
		{"class beats star",
			map[string]float64{"copy": 0, "*": 1, "multipart": 0, "write": 0},
			map[string]bool{"UploadPartCopy": false, "CopyObject": false, "GetObject": true, "PutObject": false}},
		{"name fails inside a quiet class",
			map[string]float64{"UploadPartCopy": 1, "copy": 0, "*": 0},
			map[string]bool{"UploadPartCopy": true, "CopyObject": false, "GetObject": false, "PutObject": false}},
		{"star alone",
			map[string]float64{"*": 1, "multipart": 0, "write": 0},
			map[string]bool{"UploadPartCopy": true, "CopyObject": true, "GetObject": true, "PutObject": false}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := ftStart(t, ossserver.Config{ErrorRate: tc.rates, FaultSeed: 1})
			ctx := context.Background()
			ftPut(t, env, "small.bin", []byte("small source"))
			uploadID := ftInitiate(t, env, "dst.bin")
			results := map[string]error{}
			for attempt := range 3 { // rates of 0 and 1 decide every attempt alike
				_, results["UploadPartCopy"] = ftCopyPart(ctx, env, "dst.bin", uploadID, int32(attempt+1), ftSource, 0, 100<<10)
				_, results["CopyObject"] = env.Client.CopyObject(ctx, &oss.CopyObjectRequest{Bucket: oss.Ptr(ftBucket),
					Key: oss.Ptr("copy.bin"), SourceBucket: oss.Ptr(ftBucket), SourceKey: oss.Ptr("small.bin")})
				var res *oss.GetObjectResult
				if res, results["GetObject"] = env.Client.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(ftBucket), Key: oss.Ptr("small.bin")}); res != nil {
					res.Body.Close()
				}
				_, results["PutObject"] = env.Client.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(ftBucket),
					Key: oss.Ptr("put.bin"), Body: bytes.NewReader([]byte("x"))})
				for op, mustFail := range tc.fails {
					err := results[op]
					se := ftServiceError(err)
					switch {
					case mustFail && (se == nil || se.StatusCode != 500 && se.StatusCode != 503):
						t.Errorf("attempt %d: %s with rates %v: want an injected 500/503, got %v", attempt, op, tc.rates, err)
					case !mustFail && err != nil:
						t.Errorf("attempt %d: %s with rates %v: want success, got %v", attempt, op, tc.rates, err)
					}
				}
			}
		})
	}
}

// Latency by API name, class or "*" each delay the operations they name
// (lower bounds only).
func TestFaultsLatencyByNameClassAndStar(t *testing.T) {
	t.Parallel()
	const long = 250 * time.Millisecond
	cases := []struct {
		name    string
		latency map[string]time.Duration
		op      string
	}{
		{"name over class", map[string]time.Duration{"UploadPartCopy": long, "copy": time.Millisecond, "*": time.Millisecond}, "UploadPartCopy"},
		{"class over star", map[string]time.Duration{"copy": long, "*": time.Millisecond}, "UploadPartCopy"},
		{"star", map[string]time.Duration{"*": long, "multipart": 0}, "UploadPartCopy"},
		{"read class", map[string]time.Duration{"read": long, "*": 0}, "GetObject"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := ftStart(t, ossserver.Config{Latency: tc.latency})
			uploadID := ftInitiate(t, env, "dst.bin")
			begin := time.Now()
			switch tc.op {
			case "UploadPartCopy":
				if _, err := ftCopyPart(context.Background(), env, "dst.bin", uploadID, 1, ftSource, 0, 100<<10); err != nil {
					t.Fatal(err)
				}
			case "GetObject":
				res, err := env.Client.GetObject(context.Background(), &oss.GetObjectRequest{Bucket: oss.Ptr(ftBucket), Key: oss.Ptr(ftSource),
					Range: oss.Ptr("bytes=0-99")})
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
			}
			if took := time.Since(begin); took < long {
				t.Errorf("%s took %v with latency %v, want at least %v", tc.op, took, tc.latency, long)
			}
			if e := ftLogEntries(t, env, tc.op); len(e) != 1 || e[0].DurationMS < float64(long.Milliseconds()) {
				t.Errorf("access log %+v, want one entry of at least %v", e, long)
			}
		})
	}
}

// HEAD has no body to cut, so its reset comes before the headers: the
// client sees a connection error, never a normal answer.
func TestFaultsResetOfHead(t *testing.T) {
	t.Parallel()
	env := osstest.Start(t, ossserver.Config{Seeds: []ossserver.Seed{{Bucket: "resets", Key: "k", Size: 1 << 20, Seed: 1}},
		ResetRate: map[string]float64{"HeadObject": 1}})
	_, err := env.Client.HeadObject(context.Background(), &oss.HeadObjectRequest{Bucket: oss.Ptr("resets"), Key: oss.Ptr("k")})
	var se *oss.ServiceError
	if err == nil || errors.As(err, &se) {
		t.Fatalf("HEAD with a reset = %v, want a connection error", err)
	}
}
