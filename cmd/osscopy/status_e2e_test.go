package main

import (
	"strings"
	"testing"

	"github.com/osscopy/osscopy/internal/lab/e2e"
)

// TestCpStatusLineE2E: a copy whose first part (or first listing page)
// takes seconds says what it is waiting for before any progress, on the
// binary's stderr. The status interval is 500 ms here, through the test
// knob statusEveryEnv, instead of 10 s; the logic that decides when is
// tested on a fake clock (TestCpStatusLine, TestBulkStatusLine).
func TestCpStatusLineE2E(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		latency string
		args    []string
		want    string
	}{
		{"cp: the first part is slow", "UploadPartCopy=3s",
			[]string{"cp", "oss://src/big.bin", "oss://dst/big.bin", "--part-size", "1GiB"},
			"status: waiting for the first part of 2 ("},
		{"cp -r: the listing is slow", "ListObjectsV2=3s",
			[]string{"cp", "-r", "oss://src/", "oss://dst/copy/"},
			"status: listing the source: 0 objects so far"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newCpRig(t, "--bucket", "dst", "--seed-object", "oss://src/big.bin=2GiB", "--latency", tc.latency)
			p := e2e.Run(t, r.Env(statusEveryEnv+"=500ms"), append(tc.args, "--checkpoint-dir", r.ckpt)...)
			p.RequireCode(0)
			stderr := p.Stderr()
			t.Logf("stderr:\n%s", stderr)
			status, progress := strings.Index(stderr, tc.want), strings.Index(stderr, "progress: ")
			if status < 0 {
				t.Fatalf("stderr has no %q:\n%s", tc.want, stderr)
			}
			if progress >= 0 && progress < status {
				t.Errorf("the status line comes after the first progress line, not before it:\n%s", stderr)
			}
		})
	}
}
