// Package hostile_test feeds `osscopy` hostile input, against `osscopy
// server` and the real binary: keys, bucket names, URLs and sizes that must
// be refused before any request; odd keys that must copy exactly; secrets
// that must never be written anywhere; and the modes of the files osscopy
// writes.
package hostile_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/osscopy/osscopy/internal/lab/e2e"
)

func TestMain(m *testing.M) { e2e.Main(m) }

// TestUsageErrorsSendNothing: keys with "." or ".." segments, control
// characters, invalid UTF-8 or over 1023 bytes; invalid bucket names;
// oss:// URLs malformed every way we could think of; sizes, counts and
// durations out of range or not numbers; for bulk copies, bad shards, size
// bounds and globs, contradicting skip rules, overlapping prefixes, a
// missing --files-from, and bulk-only flags on a copy of one object. Each is refused with exit status
// 2 and one line on stderr naming the problem, before any request: the
// access log of the server the environment points at stays empty, and no
// checkpoint directory is created.
func TestUsageErrorsSendNothing(t *testing.T) {
	t.Parallel()
	s := e2e.StartServer(t, "--bucket", "dst", "--seed-object", "oss://src/a.bin=10GiB")
	ckpt := filepath.Join(t.TempDir(), "ckpt")
	const src, dst = "oss://src/a.bin", "oss://dst/a.bin"
	type usage struct {
		name string
		args []string // after cp
		want string   // in stderr
		env  []string
	}
	k := func(name, key, want string) usage {
		return usage{name: "key/" + name, args: []string{"oss://src/" + key, dst}, want: want}
	}
	b := func(name, url, want string) usage {
		return usage{name: "bucket/" + name, args: []string{url, dst}, want: want}
	}
	u := func(name, url, want string) usage {
		return usage{name: "url/" + name, args: []string{url, dst}, want: want}
	}
	f := func(flag, value, want string) usage {
		return usage{name: "flag/" + strings.TrimPrefix(flag, "--") + "=" + value, args: []string{src, dst, flag, value}, want: want}
	}
	cases := []usage{
		k("dotdot-segment", "a/../b", `".." path segment`),
		k("dotdot-first", "../etc/passwd", `".." path segment`),
		k("dotdot-last", "a/..", `".." path segment`),
		k("dotdot-only", "..", `".." path segment`),
		k("dot-segment", "a/./b", `".." path segment`),
		k("dot-only", ".", `".." path segment`),
		k("newline", "a\nb", "control character"),
		k("carriage-return", "a\rb", "control character"),
		k("tab", "a\tb", "control character"),
		k("escape-sequence", "a\x1b[31mred", "control character"),
		k("delete", "a\x7fb", "control character"),
		k("invalid-utf8", "a\xff\xfeb", "not valid UTF-8"),
		k("1024-bytes", strings.Repeat("k", 1024), "1024 bytes; OSS allows 1023"),
		k("1024-bytes-unicode", strings.Repeat("é", 512), "1024 bytes; OSS allows 1023"),
		k("64KiB", strings.Repeat("x/", 32<<10), "OSS allows 1023"),
		k("leading-slash", "/a", "starts with '/'"),
		k("leading-backslash", `\a`, "starts with '/' or '\\'"),
		{name: "key/dotdot-destination", args: []string{src, "oss://dst/../x"}, want: `".." path segment`},
		{name: "key/newline-destination", args: []string{src, "oss://dst/x\ny"}, want: "control character"},
		b("uppercase", "oss://Src/a", "a-z, 0-9 and '-'"),
		b("underscore", "oss://my_bucket/a", "a-z, 0-9 and '-'"),
		b("dot", "oss://my.bucket/a", "a-z, 0-9 and '-'"),
		b("two-chars", "oss://ab/a", "3 to 63 characters"),
		b("64-chars", "oss://"+strings.Repeat("b", 64)+"/a", "3 to 63 characters"),
		b("leading-dash", "oss://-abc/a", "start and end with a letter or digit"),
		b("trailing-dash", "oss://abc-/a", "start and end with a letter or digit"),
		b("unicode", "oss://bücket/a", "a-z, 0-9 and '-'"),
		b("empty", "oss:///a", "bucket name is missing"),
		b("port", "oss://src:80/a", "a-z, 0-9 and '-'"),
		b("userinfo", "oss://user@src/a", "a-z, 0-9 and '-'"),
		b("ip-address", "oss://192.168.0.1/a", "a-z, 0-9 and '-'"),
		b("space", "oss://s c/a", "a-z, 0-9 and '-'"),
		{name: "bucket/destination", args: []string{src, "oss://D_st/a"}, want: "a-z, 0-9 and '-'"},
		u("no-scheme", "src/a.bin", "does not start with oss://"),
		u("s3-scheme", "s3://src/a.bin", "does not start with oss://"),
		u("http-url", "https://src.oss-cn-hangzhou.aliyuncs.com/a.bin", "does not start with oss://"),
		u("uppercase-scheme", "OSS://src/a.bin", "does not start with oss://"),
		u("one-slash", "oss:/src/a.bin", "does not start with oss://"),
		u("no-slash", "oss:src/a.bin", "does not start with oss://"),
		u("scheme-only", "oss://", "bucket name is missing"),
		u("empty", "", "does not start with oss://"),
		u("leading-space", " oss://src/a.bin", "does not start with oss://"),
		u("bucket-only", "oss://src", "names no object"),
		u("bucket-slash", "oss://src/", "names no object"),
		u("prefix", "oss://src/dir/", "names no object"),
		u("double-slash", "oss://src//a.bin", "starts with '/'"),
		{name: "url/same-object", args: []string{src, src}, want: "the same object"},
		{name: "url/one-argument", args: []string{src}, want: "a source and a destination"},
		{name: "url/three-arguments", args: []string{src, dst, "oss://dst/b"}, want: "a source and a destination"},
	}
	for _, flag := range []string{"--part-size", "--bigfile-threshold"} {
		for _, v := range []string{"-1", "1.5.5GiB", "10XB", "NaN", "Inf", "1e9", "0x10", "1_000", "+5MiB", "MiB", "99999999PiB", "1.5B", " "} {
			cases = append(cases, f(flag, v, flag))
		}
	}
	// (--part-size "" is the default: chosen from the size.)
	cases = append(cases, f("--bigfile-threshold", "", "--bigfile-threshold"))
	cases = append(cases,
		f("--part-size", "0", "--part-size must be more than 0"),
		f("--part-size", "50KB", "--part-size 50KB is outside"),
		f("--part-size", "6GiB", "--part-size 6GiB is outside"),
		f("--bigfile-threshold", "2GiB", "--bigfile-threshold 2 GiB is outside"),
		f("--parallel", "0", "--parallel must be from 1 to 1000"),
		f("--parallel", "-1", "--parallel must be from 1 to 1000"),
		f("--parallel", "1001", "--parallel must be from 1 to 1000"),
		f("--parallel", "1e3", "--parallel"),
		f("--parallel", "four", "--parallel"),
		f("--retry-times", "0", "--retry-times must be at least 1"),
		f("--retry-times", "-5", "--retry-times must be at least 1"),
		f("--part-timeout", "-1s", "--part-timeout must be from 0"),
		f("--part-timeout", "1h", "--part-timeout must be from 0"),
		f("--part-timeout", "soon", "--part-timeout"),
		f("--grace", "forever", "--grace"),
		f("--output-format", "yaml", "--output-format must be text or json"),
		f("--metadata-directive", "MOVE", "--metadata-directive"),
		f("--storage-class", "Gold", "--storage-class"),
	)
	// Control characters in what would go into a header or a query: sent,
	// net/http refused them, and each object was retried as a network
	// error for 30-64 s (100,000 objects: some 27 hours). Every flag's value
	// is checked (cmd/osscopy's TestEveryFlagRefusesControlCharacters);
	// here those of cp that reach a request, with the characters met.
	for _, flag := range []string{"--meta", "--content-type", "--cache-control", "--content-disposition", "--content-encoding",
		"--expires", "--tagging", "--storage-class", "--version-id", "--endpoint", "--region", "--access-key-id",
		"--access-key-secret", "--sts-token", "--addressing-style", "--metadata-directive", "--tagging-directive"} {
		for _, c := range []string{"\n", "\r\n", "\t", "\x01", "\x1b", "\x7f"} {
			cases = append(cases, f(flag, "a=b"+c, flag+" holds the control character"))
		}
	}
	cases = append(cases,
		usage{name: "flag/meta=a b=c", args: []string{src, dst, "--metadata-directive", "REPLACE", "--meta", "a b=c"},
			want: "a metadata key holds letters, digits and '-' only"},
		usage{name: "flag/meta=my_key=c", args: []string{src, dst, "--metadata-directive", "REPLACE", "--meta", "my_key=c"},
			want: "a metadata key holds letters, digits and '-' only"},
		f("--grace", "1w", "--grace"),
		f("--part-timeout", "1d", "--part-timeout must be from 0"),
	)
	// Settings no request could be sent with: each attempt would fail as a
	// network error and be retried for minutes, so they are refused first.
	config := filepath.Join(t.TempDir(), "ossutilconfig")
	if err := os.WriteFile(config, []byte("[default]\nendpoint = ftp://127.0.0.1:1\nregion = cn-hangzhou\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, e := range []struct{ name, env, want string }{
		{"endpoint-ftp", "OSS_ENDPOINT=ftp://" + strings.TrimPrefix(s.Endpoint, "http://"), "endpoint"},
		{"endpoint-newline", "OSS_ENDPOINT=" + s.Endpoint + "\nHost: evil", "endpoint"},
		{"endpoint-path", "OSS_ENDPOINT=" + s.Endpoint + "/../x", "endpoint"},
		{"endpoint-password", "OSS_ENDPOINT=http://user:pass@" + strings.TrimPrefix(s.Endpoint, "http://"), "user name or password"},
		{"region-newline", "OSS_REGION=cn-hangzhou\nx", "region"},
		{"region-slash", "OSS_REGION=../cn-hangzhou", "region"},
		{"key-id-newline", "OSS_ACCESS_KEY_ID=" + e2e.KeyID + "\n", "access key ID"},
		{"token-newline", "OSS_SESSION_TOKEN=token\r\n", "security token"},
		{"secret-newline", "OSS_ACCESS_KEY_SECRET=" + e2e.Secret + "\n", "access key secret"},
	} {
		cases = append(cases, usage{name: "env/" + e.name, args: []string{src, dst}, want: e.want, env: []string{e.env}})
	}
	cases = append(cases, usage{name: "config-file/endpoint-ftp", args: []string{src, dst, "--config-file", config}, want: "endpoint",
		env: []string{"OSS_ENDPOINT=", "OSS_REGION="}})
	// Bulk copies (-r, --files-from): their flags, and flags that only
	// apply to them or only to one object.
	r := func(name, want string, flags ...string) usage {
		return usage{name: "bulk/" + name, args: append([]string{"-r", "oss://src/p/", "oss://dst/q/"}, flags...), want: want}
	}
	missing := filepath.Join(t.TempDir(), "no-such-keys.csv")
	cases = append(cases,
		r("shard-4of4", `--shard "4/4": write K/N with N at least 1 and K from 0 to N-1`, "--shard", "4/4"),
		r("shard-x", `--shard "x": write K/N`, "--shard", "x"),
		r("shard-1of0", `--shard "1/0": write K/N`, "--shard", "1/0"),
		r("shard-negative", `--shard "-1/4": write K/N`, "--shard", "-1/4"),
		r("shard-empty-n", `--shard "1/": write K/N`, "--shard", "1/"),
		r("min-size-negative", `--min-size: size "-1" is not valid`, "--min-size", "-1"),
		r("max-size-10XB", `--max-size: size "10XB" is not valid`, "--max-size", "10XB"),
		r("max-below-min", "--max-size (1073741824 bytes) is below --min-size (2147483648 bytes): nothing would be copied",
			"--min-size", "2GiB", "--max-size", "1GiB"),
		r("include-open-bracket", `--include pattern "[" is not a valid glob`, "--include", "["),
		r("include-open-brace", `--include pattern "{a,b" is not a valid glob`, "--include", "{a,b"),
		r("exclude-empty", `--exclude pattern "" is not a valid glob`, "--include", "*.gz", "--exclude", ""),
		r("ignore-existing-and-update", "--ignore-existing and --update contradict each other", "--ignore-existing", "--update"),
		r("version-id", "--version-id names one object's version: it does not apply to -r or --files-from", "--version-id", "v1"),
		r("output-format-yaml", `--output-format must be text or json, not "yaml"`, "--output-format", "yaml"),
		r("parallel-0", "--parallel must be from 1 to 1000, not 0", "--parallel", "0"),
		r("retry-times-0", "--retry-times must be at least 1", "--retry-times", "0"),
		r("part-size-10XB", "--part-size", "--part-size", "10XB"),
		usage{name: "bulk/overlap-destination-inside", args: []string{"-r", "oss://src/p/", "oss://src/p/x/"},
			want: "oss://src/p/ and oss://src/p/x/ overlap: the copies would land among the sources"},
		usage{name: "bulk/overlap-source-inside", args: []string{"-r", "oss://src/p/x/", "oss://src/p/"},
			want: "oss://src/p/x/ and oss://src/p/ overlap"},
		usage{name: "bulk/overlap-whole-bucket", args: []string{"-r", "oss://src/", "oss://src/backup/"}, want: "oss://src/ and oss://src/backup/ overlap"},
		usage{name: "bulk/overlap-same-prefix", args: []string{"-r", "oss://src/p/", "oss://src/p/"}, want: "overlap"},
		usage{name: "bulk/destination-s3", args: []string{"-r", "oss://src/p/", "s3://dst/q/"},
			want: `destination: "s3://dst/q/" is not a valid OSS URL: it does not start with oss://`},
		usage{name: "bulk/destination-bucket-uppercase", args: []string{"-r", "oss://src/p/", "oss://Dst/q/"}, want: `destination: "oss://Dst/q/"`},
		usage{name: "bulk/destination-newline", args: []string{"-r", "oss://src/p/", "oss://dst/q\n/"}, want: "control character"},
		usage{name: "bulk/destination-dotdot", args: []string{"-r", "oss://src/p/", "oss://dst/../q/"}, want: `".." path segment`},
		usage{name: "bulk/source-no-scheme", args: []string{"-r", "src/p/", "oss://dst/q/"}, want: `source: "src/p/" is not a valid OSS URL`},
		usage{name: "bulk/one-argument", args: []string{"-r", "oss://src/p/"}, want: "a source and a destination"},
		usage{name: "files-from/missing", args: []string{"--files-from", missing, "oss://src/", "oss://dst/"},
			want: "--files-from: open " + missing + ": no such file or directory"},
		usage{name: "files-from/version-id", args: []string{"--files-from", missing, "oss://src/", "oss://dst/", "--version-id", "v1"},
			want: "--version-id names one object's version"},
		usage{name: "files-from/directory", args: []string{"--files-from", t.TempDir(), "oss://src/", "oss://dst/"},
			want: "is a directory, not a regular file; give a file of keys, a pipe, or - for stdin"},
		usage{name: "files-from/with-r", args: []string{"-r", "--files-from", missing, "oss://src/", "oss://dst/"},
			want: "-r copies every object under the source prefix and --files-from the objects a list names: give one of them"},
	)
	for _, flag := range [][]string{{"--include", "*.gz"}, {"--exclude", "tmp/**"}, {"--min-size", "1MiB"}, {"--max-size", "1GiB"},
		{"--shard", "0/4"}, {"--ignore-existing"}, {"--dry-run"}, {"--adaptive=false"}} {
		cases = append(cases, usage{name: "single/" + strings.TrimPrefix(flag[0], "--"), args: append([]string{src, dst}, flag...),
			want: strings.Split(flag[0], "=")[0] + " applies to bulk copies: add -r to copy a prefix, or --files-from to copy a list"})
	}
	t.Run("cases", func(t *testing.T) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				p := e2e.Run(t, s.Env(tc.env...), append([]string{"cp", "--checkpoint-dir", ckpt}, tc.args...)...)
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
				if !strings.Contains(stderr, tc.want) {
					t.Errorf("stderr %q does not say %q", stderr, tc.want)
				}
				if strings.Contains(stderr, e2e.Secret) {
					t.Errorf("stderr %q shows the secret", stderr)
				}
			})
		}
	})
	s.Stop(t)
	if log := s.Log(t); len(log) != 0 {
		t.Errorf("usage errors sent %d requests, want none: %+v", len(log), log)
	}
	if _, err := os.Stat(ckpt); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("usage errors created the checkpoint dir (%v)", err)
	}
	t.Logf("%d hostile command lines: each refused with exit 2 and one line; the server saw no request", len(cases))
}

// TestNULCannotReachOsscopy: a NUL byte cannot be part of an argument or
// of an environment variable on Unix: exec refuses it (EINVAL; Go checks
// the environment itself) before osscopy runs. ossurl refuses a NUL in a
// key like any control character (its tests).
func TestNULCannotReachOsscopy(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args []string
		env  []string
	}{
		{"key", []string{"cp", "oss://src/a\x00b", "oss://dst/a"}, nil},
		{"bucket", []string{"cp", "oss://sr\x00c/a", "oss://dst/a"}, nil},
		{"flag", []string{"cp", "oss://src/a", "oss://dst/a", "--part-size", "1GiB\x00"}, nil},
		{"env", []string{"cp", "oss://src/a", "oss://dst/a"}, []string{"OSS_ENDPOINT=http://127.0.0.1:1\x00x"}},
	} {
		cmd := exec.Command(e2e.Bin(), tc.args...)
		cmd.Env = e2e.ChildEnv(tc.env...)
		err := cmd.Start()
		if err == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			t.Errorf("%s: a NUL byte reached osscopy", tc.name)
			continue
		}
		if !errors.Is(err, syscall.EINVAL) && !strings.Contains(err.Error(), "NUL") {
			t.Errorf("%s: exec failed with %v, want EINVAL", tc.name, err)
		}
	}
}
