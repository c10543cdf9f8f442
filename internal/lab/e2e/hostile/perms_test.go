package hostile_test

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/osscopy/osscopy/internal/lab/e2e"
)

// umask0 starts osscopy with umask 000, so that only the modes osscopy
// asks for decide what it creates (sh execs it: same process).
func umask0(t *testing.T, env []string, args ...string) *e2e.Proc {
	t.Helper()
	return e2e.StartCommand(t, env, "sh", append([]string{"-c", `umask 000; exec "$0" "$@"`, e2e.Bin()}, args...)...)
}

// TestFileModes: under umask 000, every directory osscopy creates is 0700
// and every file 0600: the default checkpoint directory (under
// $XDG_STATE_HOME, or ~/.local/state with the directories above it) and
// its lock, state and parts files after an interrupted copy; a bulk run's
// journal, its lock and its failure report; the server's --access-log and
// --data-dir.
func TestFileModes(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("sh"); err != nil {
		t.Fatal("no sh to set the umask with")
	}
	for _, tc := range []struct {
		name    string
		env     func(root string) []string
		created string // the first directory osscopy creates, under root
	}{
		{"home", func(root string) []string { return []string{"HOME=" + root} }, ".local"},
		{"xdg-state-home", func(root string) []string {
			return []string{"HOME=" + root, "XDG_STATE_HOME=" + filepath.Join(root, "state")}
		}, "state"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := e2e.StartServer(t, "--bucket", "dst", "--seed-object", "oss://src/f.bin=40GiB", "--latency", "UploadPartCopy=20ms")
			root := t.TempDir()
			tail := s.Tail(t)
			p := umask0(t, s.Env(tc.env(root)...), "cp", "oss://src/f.bin", "oss://dst/"+tc.name, "--part-size", "1GiB", "--parallel", "4", "--no-progress")
			tail.WaitFor(t, "UploadPartCopy", 8)
			p.Kill()
			n := requireModes(t, filepath.Join(root, tc.created))
			if n < 3 {
				t.Errorf("found %d checkpoint files, want the lock, state and parts files", n)
			}
			t.Logf("%s: %s/... and its %d files: directories 0700, files 0600 under umask 000", tc.name, tc.created, n)
		})
	}
	// A bulk run: its journal, the journal's lock (while it runs) and its
	// failure report (one object is denied), in the default checkpoint dir.
	t.Run("bulk", func(t *testing.T) {
		t.Parallel()
		s := e2e.StartServer(t, "--bucket", "dst", "--seed-objects", "oss://src/p/k=100x1KiB", "--deny", "src/p/k03",
			"--latency", "CopyObject=20ms")
		root := t.TempDir()
		tail := s.Tail(t)
		p := umask0(t, s.Env("HOME="+root), "cp", "-r", "oss://src/p/", "oss://dst/q/", "--parallel", "2", "--no-progress")
		dir := filepath.Join(root, ".local", "state", "osscopy")
		var seen []string
		for denied, copied := 0, 0; denied == 0 || copied < 10; {
			for _, e := range tail.Next(t) {
				if e.Status == 403 {
					denied++
				}
				if e.Op == "CopyObject" && e.Status == 200 {
					copied++
				}
			}
			if p.Exited() {
				t.Fatalf("the run ended (%v) before the test saw its files; stderr:\n%s", p.Cmd.ProcessState, p.Stderr())
			}
			time.Sleep(time.Millisecond)
		}
		for _, pattern := range []string{"run-*.lock", "run-*.journal", "run-*.failures.jsonl"} {
			names, err := filepath.Glob(filepath.Join(dir, pattern))
			if err != nil || len(names) != 1 {
				t.Errorf("%s in %s while the run runs: %q (%v), want one", pattern, dir, names, err)
			}
			seen = append(seen, names...)
		}
		running := requireModes(t, filepath.Join(root, ".local"))
		p.Wait(e2e.RunTimeout)
		if p.Code() != 4 {
			t.Errorf("exit %d, want 4 (one object denied); stderr:\n%s", p.Code(), p.Stderr())
		}
		after := requireModes(t, filepath.Join(root, ".local"))
		t.Logf("bulk: under umask 000, %d files while running (%s) and %d after: directories 0700, files 0600",
			running, strings.Join(relNames(dir, seen), ", "), after)
	})
	t.Run("server", func(t *testing.T) {
		t.Parallel()
		root := t.TempDir()
		logPath, data := filepath.Join(root, "logs", "access.log"), filepath.Join(root, "data", "server")
		if err := os.Mkdir(filepath.Dir(logPath), 0o700); err != nil {
			t.Fatal(err)
		}
		srv := umask0(t, e2e.ChildEnv(), "server", "--addr", "127.0.0.1:0", "--access-key-id", e2e.KeyID, "--access-key-secret", e2e.Secret,
			"--access-log", logPath, "--data-dir", data, "--bucket", "bkt", "--seed-object", "oss://bkt/k=1GiB")
		for !strings.Contains(srv.Stdout(), "ready") && !srv.Exited() {
			time.Sleep(time.Millisecond)
		}
		if srv.Exited() {
			t.Fatalf("the server exited: %s", srv.Stderr())
		}
		srv.Kill()
		if fi, err := os.Stat(logPath); err != nil {
			t.Error(err)
		} else if fi.Mode().Perm() != 0o600 {
			t.Errorf("--access-log %s: mode %v, want 0600", logPath, fi.Mode().Perm())
		}
		n := requireModes(t, data)
		if n == 0 {
			t.Error("the data directory holds no file")
		}
		t.Logf("server: --access-log 0600; --data-dir and its %d files: directories 0700, files 0600 under umask 000", n)
	})
}

// requireModes requires dir and every directory under it to be 0700 and
// every file 0600, and returns how many files it found.
func requireModes(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		want := fs.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		} else {
			n++
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", path, fi.Mode().Perm(), want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// relNames are paths relative to dir.
func relNames(dir string, paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i], _ = filepath.Rel(dir, p)
	}
	return out
}
