package bulk_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/osscopy/osscopy/internal/bulk"
	"github.com/osscopy/osscopy/internal/lab/e2e"
	"github.com/osscopy/osscopy/planner"
)

// manifestObjects are the sources of TestManifest under m/, with their
// sizes: keys with a comma, a quote and non-ASCII letters, and one object
// large enough for a multipart copy.
var manifestObjects = []struct{ key, size string }{
	{"a.txt", "1KiB"},
	{"dir/b.bin", "3KiB"},
	{"with,comma.txt", "2KiB"},
	{"données/été.csv", "5KiB"},
	{`quote"d.txt`, "1KiB"},
	{"big.bin", "3GiB"},
	{"unlisted.txt", "1KiB"}, // named by no manifest: must not be copied
}

// goodManifest names six of them, as KEY and as SOURCE,DESTINATION lines,
// quoting as CSV does; wantManifest is where each must arrive under out/.
const goodManifest = `a.txt
dir/b.bin,renamed/b.bin
"with,comma.txt","x/with,comma.txt"
données/été.csv
"quote""d.txt"
big.bin,archive/big.bin
`

var wantManifest = []e2e.Pair{
	{Src: "m/a.txt", Dst: "out/a.txt"},
	{Src: "m/dir/b.bin", Dst: "out/renamed/b.bin"},
	{Src: "m/with,comma.txt", Dst: "out/x/with,comma.txt"},
	{Src: "m/données/été.csv", Dst: "out/données/été.csv"},
	{Src: `m/quote"d.txt`, Dst: `out/quote"d.txt`},
	{Src: "m/big.bin", Dst: "out/archive/big.bin"},
}

func manifestServer(t *testing.T) *e2e.Server {
	t.Helper()
	args := []string{"--bucket", "dst"}
	for _, o := range manifestObjects {
		args = append(args, "--seed-object", e2e.SeedObject("src", "m/"+o.key, o.size))
	}
	return e2e.StartServer(t, args...)
}

// TestManifest: --files-from, from a file (LF or CRLF line ends) and from
// stdin, copies exactly the objects it names to the keys it names: a
// KEY line to the same key under the destination prefix, a
// SOURCE,DESTINATION line to DESTINATION; quoted keys with a comma or a
// quote, and non-ASCII keys, arrive intact. Nothing is listed (the
// manifest replaces the listing), each small object takes one HEAD and one
// CopyObject, the large one a multipart copy, and the summary's request
// count is the access log's.
func TestManifest(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		manifest string
		stdin    bool
	}{
		{name: "file", manifest: goodManifest},
		{name: "file-crlf", manifest: strings.ReplaceAll(goodManifest, "\n", "\r\n")},
		{name: "stdin", manifest: goodManifest, stdin: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := manifestServer(t)
			ckpt := ckptDir(t)
			var sum bulk.Summary
			if tc.stdin {
				stdout, stderr, code := runStdin(t, s.Env(), tc.manifest, cpFilesFrom(ckpt, "-")...)
				if code != 0 {
					t.Fatalf("exit %d, want 0\nstderr: %s", code, stderr)
				}
				sum, _ = e2e.ParseBulkOutput(t, "cp --files-from -", stdout, stderr)
			} else {
				file := filepath.Join(t.TempDir(), "keys.csv")
				if err := os.WriteFile(file, []byte(tc.manifest), 0o600); err != nil {
					t.Fatal(err)
				}
				p := e2e.Run(t, s.Env(), cpFilesFrom(ckpt, file)...)
				p.RequireCode(0)
				sum = p.BulkSummary()
			}
			log := e2e.WithoutProbes(s.Log(t))
			n := int64(len(wantManifest))
			if sum.Listed != n || sum.Copied != n || sum.Failed != 0 || sum.Filtered != 0 {
				t.Errorf("summary: listed %d, copied %d, failed %d, filtered %d; want %d listed and copied, none failed or filtered",
					sum.Listed, sum.Copied, sum.Failed, sum.Filtered, n)
			}
			if sum.Requests != int64(len(log)) {
				t.Errorf("the summary counts %d requests, the access log %d", sum.Requests, len(log))
			}
			requireManifestCopies(t, s, log, wantManifest)
			var dsts []string
			for _, p := range wantManifest {
				dsts = append(dsts, p.Dst)
			}
			requireKeys(t, s, "dst", "", dsts...)
		})
	}
}

// requireManifestCopies requires each of want to have arrived, by exactly
// the requests of one copy each (log is the runs' access log), and nothing
// to have been listed.
func requireManifestCopies(t *testing.T, s *e2e.Server, log []e2e.LogEntry, want []e2e.Pair) {
	t.Helper()
	if n := e2e.Count(log, "ListObjectsV2", 0); n != 0 {
		t.Errorf("a manifest run listed the source %d times, want never", n)
	}
	copies := e2e.PerKey(log, "CopyObject", 200)
	smalls := 0
	for _, p := range want {
		if p.Src == "m/big.bin" {
			continue
		}
		smalls++
		if n := copies["dst/"+p.Dst]; n != 1 {
			t.Errorf("%d successful CopyObject to dst/%s, want 1", n, p.Dst)
		}
	}
	if n := e2e.Count(log, "CopyObject", 0); n != smalls {
		t.Errorf("%d CopyObject requests, want %d", n, smalls)
	}
	for k, n := range e2e.PerKey(log, "HeadObject", 0) {
		if n != 1 || !strings.HasPrefix(k, "src/m/") {
			t.Errorf("%d HEADs of %s, want one of each source named and none of a destination", n, k)
		}
	}
	if n := e2e.Count(log, "HeadObject", 0); n != len(want) {
		t.Errorf("%d HEADs, want %d: one of each source named", n, len(want))
	}
	plan, err := planner.New(3<<30, planner.Options{Parallel: 64})
	if err != nil {
		t.Fatal(err)
	}
	if n := e2e.PerKey(log, "UploadPartCopy", 200)["dst/out/archive/big.bin"]; n != len(plan.Parts) {
		t.Errorf("%d successful UploadPartCopy to dst/out/archive/big.bin, want %d", n, len(plan.Parts))
	}
	for _, p := range want {
		if p.Src == "m/big.bin" {
			s.RequireSameObject(t, "src", p.Src, "dst", p.Dst, plan.PartSize)
		}
	}
	s.RequireCopies(t, "src", "dst", want)
}

// TestManifestBadLine: a manifest line that names no object under the
// prefixes (three fields, not CSV, an empty destination that would
// overwrite the destination prefix object, an oss:// URL of another bucket
// or outside the source prefix) is a usage error, exit status 2, with the
// line number on stderr. A manifest in a file is checked whole first:
// nothing is sent. One read from stdin is checked as it is read: the
// objects of the lines before it are copied and journaled (the same
// command with the line fixed copies only the rest), those after it are
// not; no line ever writes the destination prefix object.
func TestManifestBadLine(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, line string
		want       []string // in stderr
	}{
		{name: "three-fields", line: "with,comma.txt,x.txt", want: []string{"line 3", "3 fields"}},
		{name: "bare-quote", line: `with"comma.txt`, want: []string{"line 3", `bare "`}},
		{name: "empty-destination", line: "with,", want: []string{"line 3", "destination key is empty"}},
		{name: "other-bucket", line: "oss://dst/m/a.txt", want: []string{"line 3", "oss://dst/m/a.txt is not in the source bucket src"}},
		{name: "outside-the-prefix", line: "oss://src/a.txt", want: []string{"line 3", "not an object under the source prefix oss://src/m/"}},
	} {
		for _, stdin := range []bool{false, true} {
			name := tc.name + map[bool]string{false: "/file", true: "/stdin"}[stdin]
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				s := manifestServer(t)
				lines := []string{"a.txt", "dir/b.bin,renamed/b.bin", tc.line, "données/été.csv"}
				run := manifestRun(t, s, ckptDir(t), stdin)
				stderr, code := run(strings.Join(lines, "\n") + "\n")
				if code != 2 {
					t.Fatalf("exit %d, want 2 (a usage error)\nstderr: %s", code, stderr)
				}
				e2e.RequireMentions(t, "stderr", stderr, append([]string{"--files-from", "bad manifest line"}, tc.want...)...)
				log := s.Log(t)
				s.RequireNoObject(t, "dst", "out/")
				if !stdin {
					if len(log) != 0 {
						t.Errorf("a bad line in a manifest file: %d requests sent, want none: %v", len(log), e2e.OpCounts(log))
					}
					requireKeys(t, s, "dst", "")
					return
				}
				// From stdin: the lines before it went on, the line after it not.
				s.RequireCopies(t, "src", "dst", wantManifest[:2])
				requireKeys(t, s, "dst", "", "out/a.txt", "out/renamed/b.bin")
				if w := e2e.OpCounts(e2e.Writes(log)); w["CopyObject"] != 2 || len(w) != 1 {
					t.Errorf("the run before the bad line wrote %v, want 2 CopyObject", w)
				}
				lines[2] = `"with,comma.txt","x/with,comma.txt"`
				tail := s.Tail(t)
				if stderr, code := run(strings.Join(lines, "\n") + "\n"); code != 0 {
					t.Fatalf("rerun with the line fixed: exit %d\nstderr: %s", code, stderr)
				}
				copies := e2e.PerKey(tail.Next(t), "CopyObject", 0)
				if len(copies) != 2 || copies["dst/out/x/with,comma.txt"] != 1 || copies["dst/out/données/été.csv"] != 1 {
					t.Errorf("the rerun sent CopyObject %v, want one each to out/x/with,comma.txt and out/données/été.csv", copies)
				}
				s.RequireCopies(t, "src", "dst", []e2e.Pair{wantManifest[2], wantManifest[3]})
			})
		}
	}
}

// manifestRun returns a function that runs cpFilesFrom with a manifest
// given as a file (written anew each time) or on stdin, and returns the
// stderr and exit status.
func manifestRun(t *testing.T, s *e2e.Server, ckpt string, stdin bool) func(manifest string) (string, int) {
	file := filepath.Join(t.TempDir(), "keys.csv")
	return func(manifest string) (string, int) {
		t.Helper()
		if stdin {
			_, stderr, code := runStdin(t, s.Env(), manifest, cpFilesFrom(ckpt, "-")...)
			return stderr, code
		}
		if err := os.WriteFile(file, []byte(manifest), 0o600); err != nil {
			t.Fatal(err)
		}
		p := e2e.Run(t, s.Env(), cpFilesFrom(ckpt, file)...)
		return p.Stderr(), p.Code()
	}
}

// TestManifestLines: a manifest as people write them, with a byte order
// mark, comments, blank and blank-looking lines, CRLF line ends, full
// oss:// URLs for keys, and objects named more than once (in a row,
// interleaved, as a key and as a URL), copies each named object once:
// one CopyObject per small object, one multipart copy of the large one,
// no failure (before: the BOM and comment lines were keys that failed, and
// a large object named twice failed on its own checkpoint's lock).
func TestManifestLines(t *testing.T) {
	t.Parallel()
	manifest := "\ufeff# the 2024 migration, generated by hand\n" +
		"a.txt\n" +
		"\n" +
		"oss://src/m/dir/b.bin,renamed/b.bin\n" +
		"# the large one, named three times\n" +
		"big.bin,archive/big.bin\n" +
		"big.bin,archive/big.bin\n" +
		`"with,comma.txt","x/with,comma.txt"` + "\n" +
		"   \n" +
		"données/été.csv\n" +
		`"quote""d.txt"` + "\n" +
		"a.txt\n" +
		"oss://src/m/big.bin,oss://dst/out/archive/big.bin\n"
	for _, tc := range []struct {
		name  string
		text  string
		stdin bool
	}{
		{"file", manifest, false},
		{"file-crlf", strings.ReplaceAll(manifest, "\n", "\r\n"), false},
		{"stdin", manifest, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := manifestServer(t)
			ckpt := ckptDir(t)
			var stdout, stderr string
			var code int
			if tc.stdin {
				stdout, stderr, code = runStdin(t, s.Env(), tc.text, cpFilesFrom(ckpt, "-")...)
			} else {
				file := filepath.Join(t.TempDir(), "keys.csv")
				if err := os.WriteFile(file, []byte(tc.text), 0o600); err != nil {
					t.Fatal(err)
				}
				p := e2e.Run(t, s.Env(), cpFilesFrom(ckpt, file)...)
				stdout, stderr, code = p.Stdout(), p.Stderr(), p.Code()
			}
			if code != 0 {
				t.Fatalf("exit %d, want 0\nstderr: %s", code, stderr)
			}
			sum, _ := e2e.ParseBulkOutput(t, "cp --files-from", stdout, stderr)
			n := int64(len(wantManifest))
			if sum.Listed != n+3 || sum.Copied != n || sum.Failed != 0 || sum.Skipped.Duplicate+sum.Skipped.DoneBefore != 3 {
				t.Errorf("summary: listed %d, copied %d, failed %d, duplicates %d + done before %d; want %d listed, %d copied, none failed, 3 duplicates",
					sum.Listed, sum.Copied, sum.Failed, sum.Skipped.Duplicate, sum.Skipped.DoneBefore, n+3, n)
			}
			log := s.Log(t)
			for dst, n := range e2e.PerKey(log, "CopyObject", 0) {
				if n != 1 {
					t.Errorf("%d CopyObject to %s, want 1", n, dst)
				}
			}
			if n := e2e.Count(log, "CopyObject", 0); n != len(wantManifest)-1 {
				t.Errorf("%d CopyObject, want %d", n, len(wantManifest)-1)
			}
			if n := e2e.Count(log, "InitiateMultipartUpload", 0); n != 1 {
				t.Errorf("%d InitiateMultipartUpload, want 1: the large object copied once", n)
			}
			plan, err := planner.New(3<<30, planner.Options{Parallel: 64})
			if err != nil {
				t.Fatal(err)
			}
			if n := e2e.Count(log, "UploadPartCopy", 0); n != len(plan.Parts) {
				t.Errorf("%d UploadPartCopy, want %d", n, len(plan.Parts))
			}
			s.RequireCopies(t, "src", "dst", wantManifest)
			var dsts []string
			for _, p := range wantManifest {
				dsts = append(dsts, p.Dst)
			}
			requireKeys(t, s, "dst", "", dsts...)
		})
	}
}

// cpFilesFrom is `cp --files-from FILE oss://src/m/ oss://dst/out/`.
func cpFilesFrom(ckpt, file string) []string {
	return []string{"cp", "--files-from", file, "oss://src/m/", "oss://dst/out/", "--checkpoint-dir", ckpt, "--no-progress",
		"--output-format", "json"}
}

// runStdin runs osscopy to completion (at most e2e.RunTimeout) with stdin
// fed through a pipe, as `cat keys.csv | osscopy ...` would.
func runStdin(t *testing.T, env []string, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), e2e.RunTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, e2e.Bin(), args...)
	cmd.Env = env
	cmd.Stdin = strings.NewReader(stdin) // exec copies it into a pipe
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%q still running after %v", args, e2e.RunTimeout)
	}
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("running %q: %v", args, err)
	}
	if t.Failed() {
		t.Logf("%q\nstdout:\n%s\nstderr:\n%s", args, out.String(), errOut.String())
	}
	return out.String(), errOut.String(), cmd.ProcessState.ExitCode()
}
