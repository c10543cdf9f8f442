package hostile_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/osscopy/osscopy/internal/lab/e2e"
)

// Marker secrets: every byte osscopy writes is searched for "MARKER".
const (
	markerSecret = "MARKER-secret-4b1d"
	markerToken  = "MARKER-token-77e0"
	markerWrong  = "MARKER-wrong-secret"
)

// TestSecretsNeverWritten: with a marker access key secret and security
// token given by flags, by the environment and by a config file, every
// osscopy command (server; cp succeeding, failing, interrupted, killed and
// resumed, refusing its command line; bulk cp -r and --files-from with a
// failure report, a dry run, a wrong secret, a usage error, interrupted
// and resumed; api, cleanup; demo; every --help) writes neither to stdout,
// stderr, the checkpoint directory (journals and failure reports
// included), HOME, the access log or the server's data directory.
func TestSecretsNeverWritten(t *testing.T) {
	t.Parallel()
	serverArgs := []string{"--bucket", "dst", "--seed-object", "oss://src/f.bin=40GiB", "--seed-object", "oss://src/small.bin=1MiB",
		"--latency", "UploadPartCopy=20ms", "--seed-objects", "oss://src/many/k=20x1KiB-4KiB", "--deny", "src/many/k07"}
	flagServer := e2e.StartServerWith(t, e2e.ServerOptions{Secret: markerSecret, KeyID: e2e.KeyID, DataDir: true, Args: serverArgs})
	envServer := e2e.StartServerWith(t, e2e.ServerOptions{Secret: markerSecret, KeyID: e2e.KeyID, DataDir: true, KeysInEnv: true, Args: serverArgs})
	root := t.TempDir()
	ckpt, home := filepath.Join(root, "ckpt"), filepath.Join(root, "home")
	if err := os.Mkdir(home, 0o700); err != nil {
		t.Fatal(err)
	}
	configDir := t.TempDir() // holds the secret on purpose: not searched
	config := filepath.Join(configDir, "ossutilconfig")
	broken := filepath.Join(configDir, "broken")
	for path, text := range map[string]string{
		config: "[default]\naccessKeyID = " + e2e.KeyID + "\naccessKeySecret = " + markerSecret + "\nstsToken = " + markerToken + "\n",
		broken: "[default\naccessKeySecret = " + markerSecret + "\n",
	} {
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s := flagServer
	// No keys in the environment unless a command sets them.
	env := func(extra ...string) []string {
		return e2e.ChildEnv(append([]string{"OSS_REGION=" + s.Region, "OSS_ENDPOINT=" + s.Endpoint, "HOME=" + home}, extra...)...)
	}
	keyFlags := []string{"--access-key-id", e2e.KeyID, "--access-key-secret", markerSecret, "--sts-token", markerToken}
	keyEnv := []string{"OSS_ACCESS_KEY_ID=" + e2e.KeyID, "OSS_ACCESS_KEY_SECRET=" + markerSecret, "OSS_SESSION_TOKEN=" + markerToken}
	cp := func(src, dst string, extra ...string) []string {
		return append([]string{"cp", src, dst, "--checkpoint-dir", ckpt, "--part-size", "1GiB", "--parallel", "4", "--no-progress"}, extra...)
	}
	var outputs []string
	ran := 0
	check := func(what string, p *e2e.Proc, wantCode int) {
		t.Helper()
		ran++
		if p.Code() != wantCode {
			t.Errorf("%s: exit %d, want %d\nstderr: %s", what, p.Code(), wantCode, p.Stderr())
		}
		for name, out := range map[string]string{"stdout": p.Stdout(), "stderr": p.Stderr()} {
			if strings.Contains(out, "MARKER") {
				t.Errorf("%s: %s shows a secret:\n%s", what, name, out)
			}
			outputs = append(outputs, out)
		}
	}
	run := func(what string, wantCode int, env []string, args ...string) *e2e.Proc {
		t.Helper()
		p := e2e.Run(t, env, args...)
		check(what, p, wantCode)
		return p
	}

	run("cp with keys in flags", 0, env(), cp("oss://src/f.bin", "oss://dst/flags.bin", keyFlags...)...)
	run("cp with keys in the environment", 0, env(keyEnv...), cp("oss://src/f.bin", "oss://dst/env.bin")...)
	run("cp with keys in a config file", 0, env(), cp("oss://src/f.bin", "oss://dst/config.bin", "--config-file", config)...)
	run("cp of a small object (CopyObject)", 0, env(), cp("oss://src/small.bin", "oss://dst/small.bin", keyFlags...)...)
	run("cp of a missing source", 1, env(), cp("oss://src/none.bin", "oss://dst/none.bin", keyFlags...)...)
	run("cp with a wrong secret", 1, env(), cp("oss://src/f.bin", "oss://dst/wrong.bin", "--access-key-id", e2e.KeyID,
		"--access-key-secret", markerWrong, "--sts-token="+markerToken)...)
	run("cp with a usage error", 2, env(), cp("oss://src/f.bin", "oss://dst/u.bin", append(keyFlags, "--part-size", "10XB")...)...)
	run("cp with an unknown flag", 2, env(), cp("oss://src/f.bin", "oss://dst/u.bin", "--access-key-secret="+markerSecret, "--no-such-flag")...)
	run("cp with a broken config file", 2, env(), cp("oss://src/f.bin", "oss://dst/u.bin", "--config-file", broken)...)
	run("cp with a password in the endpoint", 2, env(keyEnv...), cp("oss://src/f.bin", "oss://dst/u.bin", "--endpoint",
		"http://user:"+markerSecret+"@"+strings.TrimPrefix(s.Endpoint, "http://"))...)

	tail := s.Tail(t)
	interrupted := e2e.Start(t, env(), cp("oss://src/f.bin", "oss://dst/int.bin", keyFlags...)...)
	tail.WaitFor(t, "UploadPartCopy", 8)
	interrupted.Signal(syscall.SIGINT)
	interrupted.Wait(e2e.RunTimeout)
	check("cp interrupted by SIGINT", interrupted, 1)
	if !strings.Contains(interrupted.Stderr(), "resume with: ") || !strings.Contains(interrupted.Stderr(), "set OSS_ACCESS_KEY_SECRET") {
		t.Errorf("the interrupted run prints no resume command without the secret, or not where the secret goes:\n%s", interrupted.Stderr())
	}
	run("cp resumed after SIGINT", 0, env(), cp("oss://src/f.bin", "oss://dst/int.bin", keyFlags...)...)
	tail = s.Tail(t)
	killed := e2e.Start(t, env(keyEnv...), cp("oss://src/f.bin", "oss://dst/kill.bin")...)
	tail.WaitFor(t, "UploadPartCopy", 8)
	killed.Kill()
	check("cp killed", killed, -1)
	run("cp resumed after kill -9", 0, env(keyEnv...), cp("oss://src/f.bin", "oss://dst/kill.bin")...)

	// Bulk runs: a journal, a failure report (many/k07 is denied), a dry
	// run, a manifest, an interrupted run and its resume command.
	cpr := func(src, dst string, extra ...string) []string {
		return append([]string{"cp", "-r", src, dst, "--checkpoint-dir", ckpt, "--part-size", "1GiB", "--parallel", "4", "--no-progress"}, extra...)
	}
	run("cp -r with a denied object", 4, env(), cpr("oss://src/many/", "oss://dst/many/", keyFlags...)...)
	run("cp -r with a denied object, JSON", 4, env(keyEnv...), cpr("oss://src/many/", "oss://dst/many-json/", "--output-format", "json")...)
	run("cp -r --dry-run", 0, env(), cpr("oss://src/many/", "oss://dst/dry/", append(keyFlags, "--dry-run", "--output-format", "json")...)...)
	run("cp -r with a wrong secret", 1, env(), cpr("oss://src/many/", "oss://dst/wrong/", "--access-key-id", e2e.KeyID,
		"--access-key-secret", markerWrong)...)
	run("cp -r with a usage error", 2, env(), cpr("oss://src/many/", "oss://dst/u/", append(keyFlags, "--shard", "9/4")...)...)
	manifest := filepath.Join(t.TempDir(), "keys.csv")
	if err := os.WriteFile(manifest, []byte("k01\nk02,renamed\nk07\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	run("cp --files-from with keys in a config file", 4, env(), "cp", "--files-from", manifest, "oss://src/many/", "oss://dst/list/",
		"--checkpoint-dir", ckpt, "--no-progress", "--config-file", config)
	// One part at a time: the 38 parts of 20 ms left after the second
	// leave time to interrupt the run on a loaded machine.
	bulkIntArgs := cpr("oss://src/", "oss://dst/bulk-int/", append(keyFlags, "--exclude", "many/**", "--parallel", "1")...)
	tail = s.Tail(t)
	bulkInt := e2e.Start(t, env(), bulkIntArgs...)
	tail.WaitFor(t, "UploadPartCopy", 2)
	bulkInt.Signal(syscall.SIGINT)
	bulkInt.Wait(e2e.RunTimeout)
	check("cp -r interrupted by SIGINT", bulkInt, 1)
	if !strings.Contains(bulkInt.Stderr(), "resume with: ") || !strings.Contains(bulkInt.Stderr(), "set OSS_ACCESS_KEY_SECRET") {
		t.Errorf("the interrupted bulk run prints no resume command without the secret, or not where the secret goes:\n%s", bulkInt.Stderr())
	}
	run("cp -r resumed after SIGINT", 0, env(), bulkIntArgs...)
	for _, pattern := range []string{"run-*.journal", "run-*.failures.jsonl"} {
		if names, _ := filepath.Glob(filepath.Join(ckpt, pattern)); len(names) == 0 {
			t.Errorf("no %s in the checkpoint directory: the bulk runs did not write what is searched", pattern)
		}
	}

	s = envServer // a server given its keys in the environment
	run("cp against the server with keys in its environment", 0, env(keyEnv...), cp("oss://src/f.bin", "oss://dst/e.bin")...)
	api := func(args ...string) []string { return append(append([]string{"api"}, args...), keyFlags...) }
	run("api head-object", 0, env(), api("head-object", "--bucket", "src", "--key", "f.bin")...)
	run("api head-object of a missing object", 1, env(), api("head-object", "--bucket", "src", "--key", "none")...)
	run("api list-multipart-uploads", 0, env(), api("list-multipart-uploads", "--bucket", "dst", "--output-format", "json")...)
	run("api with a wrong secret", 1, env(keyEnv...), "api", "head-object", "--bucket", "src", "--key", "f.bin",
		"--access-key-secret", markerWrong)
	run("api with a usage error", 2, env(), api("head-object", "--bucket", "Bad_Bucket", "--key", "f.bin")...)
	run("cleanup --dry-run", 0, env(), append([]string{"cleanup", "oss://dst", "--dry-run", "--older-than", "0s", "--checkpoint-dir", ckpt},
		keyFlags...)...)
	for _, args := range [][]string{{"--help"}, {"cp", "--help"}, {"server", "--help"}, {"demo", "--help"}, {"api", "--help"},
		{"api", "head-object", "--help"}, {"api", "upload-part-copy", "--help"}, {"cleanup", "--help"}} {
		run(strings.Join(args, " "), 0, env(keyEnv...), args...)
	}
	run("demo", 0, env(keyEnv...), "demo", "--size", "1100MiB", "--no-progress", "--parallel", "4")
	run("server usage error", 2, env(), "server", "--addr", "127.0.0.1:0", "--access-key-id", e2e.KeyID, "--access-key-secret",
		markerSecret, "--throttle-status", "418")
	run("server with a secret and no key ID", 2, env(), "server", "--addr", "127.0.0.1:0", "--access-key-secret", markerSecret)

	for _, srv := range []*e2e.Server{flagServer, envServer} {
		srv.Stop(t)
		for name, out := range map[string]string{"stdout": srv.Stdout(), "stderr": srv.Stderr()} {
			if strings.Contains(out, "MARKER") {
				t.Errorf("the server's %s shows a secret:\n%s", name, out)
			}
		}
	}
	files := 0
	for _, dir := range []string{root, flagServer.Dir(), envServer.Dir()} {
		files += noMarkerIn(t, dir)
	}
	if len(e2e.ReadLog(t, flagServer.LogPath)) == 0 || len(e2e.ReadLog(t, envServer.LogPath)) == 0 {
		t.Error("an access log is empty: the commands did not reach the servers")
	}
	t.Logf("%d osscopy runs and 2 servers with a marker secret and token: no marker in their output (%d bytes) or in %d files written",
		ran, len(strings.Join(outputs, "")), files)
}

// noMarkerIn searches every file under dir for "MARKER" and returns how
// many files it read.
func noMarkerIn(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		n++
		if strings.Contains(string(data), "MARKER") {
			t.Errorf("%s holds a secret", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
