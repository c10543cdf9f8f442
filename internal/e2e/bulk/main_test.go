// Package bulk_test proves, against `osscopy server` and the real binary,
// what `osscopy cp -r` and `cp --files-from` promise for migrations of many
// objects: every selected object arrives byte-identical (size and CRC64,
// sampled bytes for the large ones) and nothing else is written; filters,
// skip rules, manifests and shards select exactly what the README says; a
// killed or interrupted run resumes without copying finished objects
// again; a failing object is reported and the others are copied; and a
// throttled run completes. Counts come from the server's access log and the
// run's JSON summary, and are asserted exactly wherever they are exact.
package bulk_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/osscopy/osscopy/internal/e2e"
)

func TestMain(m *testing.M) { e2e.Main(m) }

// summary is the JSON summary `cp -r --output-format json` prints.
type summary struct {
	Source      string `json:"source"`
	Destination string `json:"destination"`
	DryRun      bool   `json:"dry_run"`
	Listed      int64  `json:"listed"`
	Filtered    int64  `json:"filtered"`
	Copied      int64  `json:"copied"`
	Skipped     struct {
		DoneBefore int64 `json:"done_before"`
		Exists     int64 `json:"exists"`
		UpToDate   int64 `json:"up_to_date"`
	} `json:"skipped"`
	Failed        int64   `json:"failed"`
	Bytes         int64   `json:"bytes"`
	Requests      int64   `json:"requests"`
	Throttled     int64   `json:"throttled"`
	Retries       int64   `json:"retries"`
	MinParallel   int     `json:"min_parallel"`
	Seconds       float64 `json:"seconds"`
	Journal       string  `json:"journal"`
	FailureReport string  `json:"failure_report"`
}

// summaryFields are the fields the README documents for every summary
// (failure_report only when some object failed).
var summaryFields = []string{"listed", "filtered", "copied", "skipped", "failed", "bytes", "requests", "throttled", "retries",
	"min_parallel", "seconds", "journal"}

// outcome is one line a dry run prints per object with --output-format json.
type outcome struct {
	Action      string `json:"action"`
	Reason      string `json:"reason"`
	Source      string `json:"source"`
	Destination string `json:"destination"`
	Size        int64  `json:"size"`
	How         string `json:"how"`
	Requests    int64  `json:"requests"`
}

// failure is one line of the failure report.
type failure struct {
	Source      string `json:"source"`
	Destination string `json:"destination"`
	Code        string `json:"error_code"`
	Message     string `json:"message"`
	Attempts    int    `json:"attempts"`
}

// cpR is `cp -r SRC DST` with a checkpoint dir, no progress, a JSON
// summary, and extra.
func cpR(ckpt, src, dst string, extra ...string) []string {
	return append([]string{"cp", "-r", src, dst, "--checkpoint-dir", ckpt, "--no-progress", "--output-format", "json"}, extra...)
}

// summaryOf parses the JSON summary of a finished run (see parseStdout).
func summaryOf(t *testing.T, p *e2e.Proc) (summary, []outcome) {
	t.Helper()
	return parseStdout(t, fmt.Sprintf("%q", p.Cmd.Args), p.Stdout(), p.Stderr())
}

// parseStdout parses what a run printed: the last JSON value on stdout is
// the summary; a dry run prints one line per object before it.
func parseStdout(t *testing.T, what, stdout, stderr string) (summary, []outcome) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(stdout))
	var values []json.RawMessage
	for {
		var v json.RawMessage
		if err := dec.Decode(&v); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("stdout of %s is not JSON values: %v\n%s", what, err, stdout)
		}
		values = append(values, v)
	}
	if len(values) == 0 {
		t.Fatalf("%s printed no summary; stderr:\n%s", what, stderr)
	}
	var s summary
	if err := json.Unmarshal(values[len(values)-1], &s); err != nil {
		t.Fatalf("the last value on stdout of %s is not a summary: %v\n%s", what, err, values[len(values)-1])
	}
	var fields map[string]json.RawMessage
	_ = json.Unmarshal(values[len(values)-1], &fields)
	for _, f := range summaryFields {
		if _, ok := fields[f]; !ok {
			t.Errorf("the summary of %s has no field %q:\n%s", what, f, values[len(values)-1])
		}
	}
	var lines []outcome
	for _, v := range values[:len(values)-1] {
		var o outcome
		if err := json.Unmarshal(v, &o); err != nil {
			t.Fatalf("stdout line %s of %s is not an object's outcome: %v", v, what, err)
		}
		lines = append(lines, o)
	}
	return s, lines
}

// readFailures reads a failure report (none when path is "").
func readFailures(t *testing.T, path string) []failure {
	t.Helper()
	if path == "" {
		return nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading the failure report: %v", err)
	}
	var out []failure
	for _, line := range bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n")) {
		var f failure
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil {
			t.Fatalf("failure report line %q: %v", line, err)
		}
		out = append(out, f)
	}
	return out
}

// journalEntry is one line of a run's journal.
type journalEntry struct {
	Source string `json:"src"`
	Dest   string `json:"dst"`
	ETag   string `json:"etag"`
	Size   int64  `json:"size"`
	CRC64  string `json:"crc64"`
}

// readJournal reads a run's journal, which must be <ckpt>/run-*.journal.
func readJournal(t *testing.T, ckpt, path string) []journalEntry {
	t.Helper()
	if ok, _ := filepath.Match(filepath.Join(ckpt, "run-*.journal"), path); !ok {
		t.Fatalf("the journal is %s, want %s/run-*.journal", path, ckpt)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading the journal: %v", err)
	}
	var out []journalEntry
	for _, line := range bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n")) {
		var e journalEntry
		if err := json.Unmarshal(line, &e); err != nil {
			t.Fatalf("journal line %q: %v", line, err)
		}
		out = append(out, e)
	}
	return out
}

// seedMany is a --seed-objects value: count objects named prefix and their
// index, of size (a size or a MIN-MAX range).
func seedMany(bucket, prefix string, count int, size string) string {
	return fmt.Sprintf("oss://%s/%s=%dx%s", bucket, prefix, count, size)
}

// seededKeys are the keys --seed-objects gives count objects under prefix:
// the index zero-padded to the width of count-1.
func seededKeys(prefix string, count int) []string {
	w := len(strconv.Itoa(count - 1))
	keys := make([]string, count)
	for i := range keys {
		keys[i] = fmt.Sprintf("%s%0*d", prefix, w, i)
	}
	return keys
}

// seedOne is a --seed-object value.
func seedOne(bucket, key, size string) string {
	return fmt.Sprintf("oss://%s/%s=%s", bucket, key, size)
}

// listed is an object as ListObjectsV2 shows it.
type listed struct {
	Size int64
	ETag string
}

// list lists every object under prefix, by key (one client, so that a
// hundred pages reuse one connection).
func list(t *testing.T, s *e2e.Server, bucket, prefix string) map[string]listed {
	t.Helper()
	c := s.Client()
	p := c.NewListObjectsV2Paginator(&oss.ListObjectsV2Request{Bucket: oss.Ptr(bucket), Prefix: oss.Ptr(prefix), MaxKeys: 1000})
	out := map[string]listed{}
	for p.HasNext() {
		page, err := p.NextPage(e2e.Ctx(t))
		if err != nil {
			t.Fatalf("ListObjectsV2 %s/%s: %v", bucket, prefix, err)
		}
		for _, o := range page.Contents {
			out[oss.ToString(o.Key)] = listed{Size: o.Size, ETag: oss.ToString(o.ETag)}
		}
	}
	return out
}

// requireKeys requires the keys under prefix to be exactly want.
func requireKeys(t *testing.T, s *e2e.Server, bucket, prefix string, want ...string) {
	t.Helper()
	got := sortedKeys(list(t, s, bucket, prefix))
	want = append([]string(nil), want...)
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s/%s holds %d objects %q, want %d: %q", bucket, prefix, len(got), got, len(want), want)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// pair is a source key and the key its copy must have.
type pair struct{ src, dst string }

// head is what a HEAD says of an object.
type head struct {
	size int64
	crc  string
	etag string
}

// heads reads the size, CRC64 and ETag of every key with HEADs, workers at
// a time over one client. A key that cannot be read fails the test.
func heads(t *testing.T, s *e2e.Server, bucket string, keys []string, workers int) map[string]head {
	t.Helper()
	c := s.Client()
	out := make([]head, len(keys))
	errs := make([]error, len(keys))
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Go(func() {
			for i := range next {
				res, err := c.HeadObject(e2e.Ctx(t), &oss.HeadObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(keys[i])})
				if err != nil {
					errs[i] = err
					continue
				}
				out[i] = head{size: res.ContentLength, crc: oss.ToString(res.HashCRC64), etag: oss.ToString(res.ETag)}
			}
		})
	}
	for i := range keys {
		next <- i
	}
	close(next)
	wg.Wait()
	m := make(map[string]head, len(keys))
	bad := 0
	for i, k := range keys {
		if errs[i] != nil {
			if bad++; bad <= 5 {
				t.Errorf("HeadObject %s/%s: %v", bucket, k, errs[i])
			}
			continue
		}
		m[k] = out[i]
	}
	if bad > 0 {
		t.Fatalf("%d of %d HEADs of %s failed", bad, len(keys), bucket)
	}
	return m
}

// requireCopies requires each pair's destination in dstBucket to have its
// source's size and CRC64 (HEADs of both sides, 16 at a time).
func requireCopies(t *testing.T, s *e2e.Server, srcBucket, dstBucket string, pairs []pair) {
	t.Helper()
	requireCopiesWith(t, s, 16, srcBucket, dstBucket, pairs)
}

// requireCopiesWith is requireCopies with workers HEADs at a time (a
// server with --max-inflight throttles more).
func requireCopiesWith(t *testing.T, s *e2e.Server, workers int, srcBucket, dstBucket string, pairs []pair) {
	t.Helper()
	srcKeys, dstKeys := make([]string, len(pairs)), make([]string, len(pairs))
	for i, p := range pairs {
		srcKeys[i], dstKeys[i] = p.src, p.dst
	}
	src, dst := heads(t, s, srcBucket, srcKeys, workers), heads(t, s, dstBucket, dstKeys, workers)
	bad := 0
	for _, p := range pairs {
		a, b := src[p.src], dst[p.dst]
		if a.crc == "" || a.size != b.size || a.crc != b.crc {
			if bad++; bad <= 10 {
				t.Errorf("%s/%s has %d bytes and CRC64 %q; its source %s/%s %d bytes and CRC64 %q", dstBucket, p.dst, b.size, b.crc,
					srcBucket, p.src, a.size, a.crc)
			}
		}
	}
	if bad > 0 {
		t.Fatalf("%d of %d copies differ from their sources", bad, len(pairs))
	}
}

// requireMirror requires dstPrefix to hold a copy of each of the want
// objects under srcPrefix, and nothing else: one listing of each side
// gives the keys, the sizes and the ETags, which must be equal except
// where the copy was made in parts (an ETag "HEX-N"). That proves the
// single copies: the server's CopyObject gives a copy the source's
// extents, CRC64 and ETag together, and the ETag of a small synthetic
// object is the MD5 of its bytes, distinct for each seed, so a copy of the
// wrong source or of other bytes would differ in ETag as in CRC64; and it
// costs a page per thousand objects instead of a HEAD per object. The
// copies made in parts, and every every-th pair besides, are HEADed for
// size and CRC64 (workers at a time). It returns the source listing.
func requireMirror(t *testing.T, s *e2e.Server, srcPrefix, dstPrefix string, want, every, workers int) map[string]listed {
	t.Helper()
	src, dst := list(t, s, "src", srcPrefix), list(t, s, "dst", dstPrefix)
	if len(src) != want || len(dst) != want {
		t.Fatalf("src/%s holds %d objects and dst/%s %d, want %d each", srcPrefix, len(src), dstPrefix, len(dst), want)
	}
	var check []pair
	bad := 0
	for i, k := range sortedKeys(src) {
		o := src[k]
		dk := dstPrefix + strings.TrimPrefix(k, srcPrefix)
		d, ok := dst[dk]
		parts := strings.Contains(d.ETag, "-")
		if !ok || d.Size != o.Size || !parts && d.ETag != o.ETag {
			if bad++; bad <= 10 {
				t.Errorf("src/%s: %d bytes, ETag %s; dst/%s: present %v, %d bytes, ETag %s", k, o.Size, o.ETag, dk, ok, d.Size, d.ETag)
			}
			continue
		}
		if parts || i%every == 0 {
			check = append(check, pair{k, dk})
		}
	}
	if bad > 0 {
		t.Fatalf("%d of %d copies under dst/%s differ from their sources", bad, want, dstPrefix)
	}
	requireCopiesWith(t, s, workers, "src", "dst", check)
	return src
}

// samePrefix pairs each key under from with the same rest under to.
func samePrefix(keys []string, from, to string) []pair {
	out := make([]pair, len(keys))
	for i, k := range keys {
		out[i] = pair{k, to + strings.TrimPrefix(k, from)}
	}
	return out
}

// perKey counts the entries of op with status (any when 0) by bucket/key.
func perKey(log []e2e.LogEntry, op string, status int) map[string]int {
	m := map[string]int{}
	for _, e := range log {
		if e.Op == op && (status == 0 || e.Status == status) {
			m[e.Bucket+"/"+e.Key]++
		}
	}
	return m
}

// writes counts the requests that write to OSS.
func writes(log []e2e.LogEntry) map[string]int {
	m := map[string]int{}
	for _, op := range []string{"CopyObject", "UploadPartCopy", "InitiateMultipartUpload", "CompleteMultipartUpload",
		"AbortMultipartUpload", "PutObject", "UploadPart", "DeleteObject"} {
		if n := e2e.Count(log, op, 0); n > 0 {
			m[op] = n
		}
	}
	return m
}

// requireMentions requires s to contain every one of want.
func requireMentions(t *testing.T, what, s string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(s, w) {
			t.Errorf("%s does not mention %q:\n%s", what, w, s)
		}
	}
}

// ckptDir is a fresh checkpoint directory.
func ckptDir(t *testing.T) string { return filepath.Join(t.TempDir(), "ckpt") }
