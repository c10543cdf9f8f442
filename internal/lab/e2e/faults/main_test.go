// Package faults_test proves, against `osscopy server` and the real binary,
// that `osscopy cp` never loses data and never writes a wrong object under
// faults: transient errors, throttling, resets and slow answers; uploads
// aborted and sources changed by others; permanent errors; kill -9 of cp or
// of the server; an unwritable or full checkpoint directory; damaged
// checkpoints; and two runs of one copy at once. Every run ends with the
// destination byte-identical to the source or with no destination object,
// and the parts a failed run paid for stay resumable.
//
// docs/RELIABILITY.md tabulates what these tests found.
package faults_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/osscopy/osscopy/internal/lab/e2e"
)

func TestMain(m *testing.M) { e2e.Main(m) }

// The shape of most copies here: a synthetic 40 GiB source in 40 parts of
// 1 GiB. The local server copies a part in O(1), whatever its size, so
// tens of parts cost milliseconds, and parts of 1 GiB keep the default
// per-attempt timeout (94 s) out of the way unless a test sets its own.
const (
	srcSize   = "40GiB"
	partSize  = 1 << 30
	partCount = 40
)

// cpArgs is `cp SRC DST` with a checkpoint dir, 1 GiB parts, no progress,
// a JSON result, and extra.
func cpArgs(ckpt, src, dst string, extra ...string) []string {
	return append([]string{"cp", src, dst, "--checkpoint-dir", ckpt, "--part-size", "1GiB", "--no-progress",
		"--output-format", "json"}, extra...)
}

// checkpointFiles reads every file of a checkpoint dir (name: content).
func checkpointFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = string(data)
	}
	return out
}

// stateFiles lists the .json state files of a checkpoint dir.
func stateFiles(t *testing.T, dir string) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// noDeletes requires that the log shows no request that deletes data.
func noDeletes(t *testing.T, log []e2e.LogEntry) {
	t.Helper()
	for _, op := range []string{"AbortMultipartUpload", "DeleteObject"} {
		if n := e2e.Count(log, op, 0); n != 0 {
			t.Errorf("the access log shows %d %s, want none: no data may be deleted", n, op)
		}
	}
}

// slowParts makes a copy of 40 parts at --parallel 4 last a second, so that
// a test can act while it runs even when a loaded machine delays the test
// process by hundreds of milliseconds (at 20 ms a part, copies finished
// before the kill meant to interrupt them).
const slowParts = "UploadPartCopy=100ms"
