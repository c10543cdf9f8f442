package bulk_test

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"

	"github.com/osscopy/osscopy/internal/lab/e2e"
)

// lastWords are the lines of stderr from osscopy's last error on: the
// error and its hint.
func lastWords(t *testing.T, stderr string) []string {
	t.Helper()
	lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.HasPrefix(lines[i], "osscopy: ") && !strings.HasPrefix(lines[i], "osscopy: hint: ") {
			return lines[i:]
		}
	}
	t.Fatalf("stderr holds no error:\n%s", stderr)
	return nil
}

// TestBulkRunEndedByAnError: a run stopped by an error every object would
// meet (the destination bucket does not exist) prints a summary that says
// so, never one that reads as a success, then the error as its last
// words, and exits 1; the JSON summary carries the error.
func TestBulkRunEndedByAnError(t *testing.T) {
	t.Parallel()
	s := e2e.StartServer(t, "--seed-objects", e2e.SeedObjects("src", "p/k", 5, "1KiB-4KiB"))
	ckpt := ckptDir(t)

	text := e2e.Run(t, s.Env(), "cp", "-r", "oss://src/p/", "oss://nosuch/q/", "--checkpoint-dir", ckpt, "--no-progress")
	text.RequireCode(1)
	if !strings.HasPrefix(text.Stdout(), "run ended with an error: copied 0 objects") {
		t.Errorf("the summary reads as a success:\n%s", text.Stdout())
	}
	if last := lastWords(t, text.Stderr()); !strings.Contains(last[0], "NoSuchBucket") || len(last) > 2 {
		t.Errorf("stderr does not end with the error (and its hint): %q", last)
	}

	js := e2e.Run(t, s.Env(), e2e.CpRArgs(ckpt, "oss://src/p/", "oss://nosuch/q/")...)
	js.RequireCode(1)
	if sum := js.BulkSummary(); !strings.Contains(sum.Error, "NoSuchBucket") || sum.Copied != 0 {
		t.Errorf("JSON summary %+v: want the error that stopped the run", sum)
	}
}

// TestBulkNothingUnderThePrefix: a prefix no key starts with does not
// exist: "0 objects under" it, exit 1, in a dry run too; an empty bucket
// is a run with nothing to do, said as much, exit 0.
func TestBulkNothingUnderThePrefix(t *testing.T) {
	t.Parallel()
	s := e2e.StartServer(t, "--bucket", "dst", "--bucket", "empty", "--seed-objects", e2e.SeedObjects("src", "p/k", 3, "1KiB"))
	for _, extra := range [][]string{nil, {"--dry-run"}} {
		missing := e2e.Run(t, s.Env(), append([]string{"cp", "-r", "oss://src/P/", "oss://dst/q/", "--checkpoint-dir", ckptDir(t), "--no-progress"}, extra...)...)
		missing.RequireCode(1)
		if !strings.HasPrefix(missing.Stdout(), "run ended with an error: ") {
			t.Errorf("%q: the summary reads as a success:\n%s", extra, missing.Stdout())
		}
		e2e.RequireMentions(t, "the last error", strings.Join(lastWords(t, missing.Stderr()), "\n"),
			`osscopy: 0 objects under oss://src/P/: no key in bucket src starts with "P/"`)
	}
	empty := e2e.Run(t, s.Env(), "cp", "-r", "oss://empty/", "oss://dst/e/", "--checkpoint-dir", ckptDir(t), "--no-progress")
	empty.RequireCode(0)
	e2e.RequireMentions(t, "stderr", empty.Stderr(), "0 objects under oss://empty/: the bucket is empty")
	requireKeys(t, s, "dst", "")
}

// TestBulkDryRunWritesNothing: a dry run, of small and large objects,
// creates no checkpoint directory, journal, lock or checkpoint.
func TestBulkDryRunWritesNothing(t *testing.T) {
	t.Parallel()
	s := e2e.StartServer(t, "--bucket", "dst", "--seed-objects", e2e.SeedObjects("src", "p/k", 3, "1KiB"),
		"--seed-object", "oss://src/p/big.bin=3GiB")
	ckpt := ckptDir(t)
	dry := e2e.Run(t, s.Env(), e2e.CpRArgs(ckpt, "oss://src/p/", "oss://dst/q/", "--dry-run")...)
	dry.RequireCode(0)
	if sum, lines := dry.BulkOutput(); sum.Copied != 4 || len(lines) != 4 {
		t.Errorf("dry run: %d would-copy in the summary, %d lines; want 4", sum.Copied, len(lines))
	}
	if _, err := os.Stat(ckpt); !errors.Is(err, fs.ErrNotExist) {
		entries, _ := os.ReadDir(ckpt)
		t.Errorf("the dry run made the checkpoint directory %s (%v), holding %v", ckpt, err, entries)
	}
	requireKeys(t, s, "dst", "")
}
