package bulk_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/osscopy/osscopy/internal/lab/e2e"
)

// specialWait bounds each run of TestSpecialFiles: a FIFO no program
// writes to is given up after 10 s; before, osscopy waited for it
// forever, and read /dev/zero into memory without end.
const specialWait = 40 * time.Second

// TestSpecialFiles: a FIFO or a device given as --files-from, --config-file
// or --checkpoint-dir, or an endless stream on stdin, is a usage error
// (exit status 2) that names the path and what it is, within seconds and
// before any request, with no checkpoint directory created.
func TestSpecialFiles(t *testing.T) {
	t.Parallel()
	s := manifestServer(t)
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	keys := filepath.Join(dir, "keys.csv")
	if err := os.WriteFile(keys, []byte("a.txt\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ckpt := filepath.Join(dir, "ckpt")
	cp := func(manifest string, extra ...string) []string {
		return append([]string{"cp", "--files-from", manifest, "oss://src/m/", "oss://dst/out/", "--no-progress"}, extra...)
	}
	// The group returns when its parallel subtests have ended.
	t.Run("cases", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			args []string
			want []string // in stderr
		}{
			{"files-from FIFO without a writer", cp(fifo, "--checkpoint-dir", ckpt),
				[]string{"--files-from " + fifo + " is a FIFO that no program opened for writing within 10s", "--files-from -"}},
			{"files-from /dev/zero", cp("/dev/zero", "--checkpoint-dir", ckpt), []string{"--files-from: /dev/zero is a device, not a regular file"}},
			{"config-file FIFO", cp(keys, "--checkpoint-dir", ckpt, "--config-file", fifo), []string{fifo + " is a FIFO (named pipe), not a regular file", "--config-file"}},
			{"config-file /dev/zero", cp(keys, "--checkpoint-dir", ckpt, "--config-file", "/dev/zero"), []string{"/dev/zero is a device, not a regular file", "--config-file"}},
			{"checkpoint-dir FIFO", cp(keys, "--checkpoint-dir", fifo), []string{"the checkpoint directory " + fifo + " is not a directory", "--checkpoint-dir"}},
			{"checkpoint-dir /dev/zero", cp(keys, "--checkpoint-dir", "/dev/zero"), []string{"the checkpoint directory /dev/zero is not a directory"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				p := e2e.Start(t, s.Env(), tc.args...)
				if code := p.Wait(specialWait); code != 2 {
					t.Errorf("exit %d, want 2 (a usage error)", code)
				}
				stderr := p.Stderr()
				e2e.RequireMentions(t, "stderr", stderr, tc.want...)
				if strings.Count(stderr, "\n") != 1 {
					t.Errorf("stderr is not one line: %q", stderr)
				}
			})
		}
		// An endless line on stdin (a binary file, /dev/zero) stops at 8 KiB.
		t.Run("stdin /dev/zero", func(t *testing.T) {
			t.Parallel()
			p := e2e.StartShell(t, s.Env(), "exec "+e2e.Bin()+" "+strings.Join(cp("-", "--checkpoint-dir", filepath.Join(t.TempDir(), "ckpt")), " ")+" </dev/zero")
			if code := p.Wait(specialWait); code != 2 {
				t.Errorf("exit %d, want 2 (a usage error)", code)
			}
			e2e.RequireMentions(t, "stderr", p.Stderr(), "bad manifest line 1: longer than 8192 bytes")
		})
	})
	// The endpoint check goes first (a manifest on stdin is checked as it
	// is read); nothing else may be sent.
	if log := e2e.WithoutProbes(s.Log(t)); len(log) != 0 {
		t.Errorf("%d requests sent besides the endpoint check, want none: %v", len(log), e2e.OpCounts(log))
	}
	if _, err := os.Stat(ckpt); !os.IsNotExist(err) {
		t.Errorf("the checkpoint directory was created (%v)", err)
	}
}

// TestManifestFromFIFO: a FIFO that a program writes a manifest into, as
// bash's <(...) or a generator started first does, is read like a file.
func TestManifestFromFIFO(t *testing.T) {
	t.Parallel()
	s := manifestServer(t)
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	// Unblock the writer's open if osscopy never opens the FIFO.
	t.Cleanup(func() {
		if f, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
	})
	written := make(chan error, 1)
	go func() {
		f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err == nil {
			_, err = f.WriteString(goodManifest)
			err = errors.Join(err, f.Close())
		}
		written <- err
	}()
	p := e2e.Start(t, s.Env(), cpFilesFrom(ckptDir(t), fifo)...)
	p.Wait(e2e.RunTimeout)
	p.RequireCode(0)
	if err := <-written; err != nil {
		t.Fatalf("writing the manifest into the FIFO: %v", err)
	}
	if sum := p.BulkSummary(); sum.Copied != int64(len(wantManifest)) || sum.Failed != 0 {
		t.Errorf("copied %d, failed %d; want %d, 0", sum.Copied, sum.Failed, len(wantManifest))
	}
	s.RequireCopies(t, "src", "dst", wantManifest)
}
