package bulk_test

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/osscopy/osscopy/internal/lab/e2e"
	"github.com/osscopy/osscopy/planner"
)

// TestFilters: --include and --exclude are tried in the order given and
// the first match decides; with any --include, what no rule matches is
// left; a pattern without "/" matches the last element of the key, one
// with "/" the whole key relative to the prefix, "*" not crossing "/" and
// "**" crossing it. --min-size and --max-size bound sizes inclusively.
// Exactly the selected objects arrive, each with one CopyObject, and the
// summary counts the others as filtered.
func TestFilters(t *testing.T) {
	t.Parallel()
	names := []string{"a.gz", "b.txt", "tmp/c.gz", "tmp/d.txt", "logs/2024/e.gz", "logs/tmp/f.gz"}
	args := []string{"--bucket", "dst"}
	for _, n := range names {
		args = append(args, "--seed-object", e2e.SeedObject("src", "f/"+n, "1KiB"))
	}
	sizes := map[string]string{"1k": "1KiB", "100k-1": "102399", "100k": "100KiB", "1m": "1MiB", "2m": "2MiB", "2m+1": "2097153"}
	for n, size := range sizes {
		args = append(args, "--seed-object", e2e.SeedObject("src", "z/"+n, size))
	}
	s := e2e.StartServer(t, args...)
	for i, tc := range []struct {
		name  string
		src   string // prefix under src
		flags []string
		want  []string // keys relative to the prefix
	}{
		{name: "exclude-tmp-then-include-gz", src: "f/", flags: []string{"--exclude", "tmp/**", "--include", "*.gz"},
			want: []string{"a.gz", "logs/2024/e.gz", "logs/tmp/f.gz"}},
		{name: "include-gz-then-exclude-tmp", src: "f/", flags: []string{"--include", "*.gz", "--exclude", "tmp/**"},
			want: []string{"a.gz", "tmp/c.gz", "logs/2024/e.gz", "logs/tmp/f.gz"}},
		{name: "exclude-only-keeps-the-rest", src: "f/", flags: []string{"--exclude", "tmp/**"},
			want: []string{"a.gz", "b.txt", "logs/2024/e.gz", "logs/tmp/f.gz"}},
		{name: "base-name-pattern-matches-at-any-depth", src: "f/", flags: []string{"--exclude", "c.gz", "--exclude", "e.gz"},
			want: []string{"a.gz", "b.txt", "tmp/d.txt", "logs/tmp/f.gz"}},
		{name: "star-stops-at-slash", src: "f/", flags: []string{"--include", "logs/*.gz"}, want: nil},
		{name: "star-per-level", src: "f/", flags: []string{"--include", "logs/*/*.gz"}, want: []string{"logs/2024/e.gz", "logs/tmp/f.gz"}},
		{name: "doublestar-crosses-slash", src: "f/", flags: []string{"--include", "logs/**"}, want: []string{"logs/2024/e.gz", "logs/tmp/f.gz"}},
		{name: "size-bounds-inclusive", src: "z/", flags: []string{"--min-size", "100KiB", "--max-size", "2MiB"},
			want: []string{"100k", "1m", "2m"}},
		{name: "size-and-rules", src: "z/", flags: []string{"--min-size", "100KiB", "--exclude", "1m"},
			want: []string{"100k", "2m", "2m+1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dst := fmt.Sprintf("r%d/", i)
			p := e2e.Run(t, s.Env(), e2e.CpRArgs(ckptDir(t), "oss://src/"+tc.src, "oss://dst/"+dst, tc.flags...)...)
			p.RequireCode(0)
			sum := p.BulkSummary()
			total := int64(len(names))
			if tc.src == "z/" {
				total = int64(len(sizes))
			}
			n := int64(len(tc.want))
			if sum.Listed != total || sum.Copied != n || sum.Filtered != total-n || sum.Failed != 0 {
				t.Errorf("summary: listed %d, copied %d, filtered %d, failed %d; want %d, %d, %d, 0", sum.Listed, sum.Copied,
					sum.Filtered, sum.Failed, total, n, total-n)
			}
			var dsts []string
			var pairs []e2e.Pair
			for _, k := range tc.want {
				dsts = append(dsts, dst+k)
				pairs = append(pairs, e2e.Pair{Src: tc.src + k, Dst: dst + k})
			}
			requireKeys(t, s, "dst", dst, dsts...)
			s.RequireCopies(t, "src", "dst", pairs)
			if copies := e2e.Count(e2e.UnderPrefix(s.Log(t), "dst", dst), "CopyObject", 0); copies != len(tc.want) {
				t.Errorf("%d CopyObject requests to %s, want %d", copies, dst, len(tc.want))
			}
		})
	}
}

// TestIgnoreExisting: --ignore-existing leaves an existing destination as
// it is, whatever it holds (its bytes and ETag unchanged), after one HEAD
// of it and no write, and counts it skipped as existing; the objects
// without a destination are copied, the large one by a multipart copy.
func TestIgnoreExisting(t *testing.T) {
	t.Parallel()
	s := e2e.StartServer(t, "--bucket", "dst", "--seed-object", e2e.SeedObject("src", "e/x1", "1KiB"),
		"--seed-object", e2e.SeedObject("src", "e/x2", "2KiB"), "--seed-object", e2e.SeedObject("src", "e/x3", "3GiB"))
	old := []byte("an older, different object")
	s.PutObject(t, "dst", "e/x2", old)
	before, err := s.Head(t, "dst", "e/x2")
	if err != nil {
		t.Fatal(err)
	}
	tail := s.Tail(t)
	p := e2e.Run(t, s.Env(), e2e.CpRArgs(ckptDir(t), "oss://src/e/", "oss://dst/e/", "--ignore-existing")...)
	p.RequireCode(0)
	log := e2e.WithoutProbes(tail.Next(t))
	sum := p.BulkSummary()
	if sum.Listed != 3 || sum.Copied != 2 || sum.Skipped.Exists != 1 || sum.Skipped.UpToDate != 0 || sum.Failed != 0 {
		t.Errorf("summary: listed %d, copied %d, skipped %+v, failed %d; want 3 listed, 2 copied, 1 existing", sum.Listed,
			sum.Copied, sum.Skipped, sum.Failed)
	}
	if sum.Requests != int64(len(log)) {
		t.Errorf("the summary counts %d requests, the access log %d", sum.Requests, len(log))
	}
	dstHeads := map[string]int{}
	for _, e := range log {
		if e.Bucket == "dst" && e.Op != "HeadObject" && e.Key == "e/x2" {
			t.Errorf("%s of the existing destination dst/e/x2 (status %d): --ignore-existing must not touch it", e.Op, e.Status)
		}
		if e.Bucket == "dst" && e.Op == "HeadObject" {
			dstHeads[e.Key]++
		}
	}
	for _, k := range []string{"e/x1", "e/x2", "e/x3"} {
		if dstHeads[k] != 1 {
			t.Errorf("%d HEADs of dst/%s, want 1 (the --ignore-existing check)", dstHeads[k], k)
		}
	}
	if n := e2e.PerKey(log, "CopyObject", 200)["dst/e/x1"]; n != 1 || e2e.Count(log, "CopyObject", 0) != 1 {
		t.Errorf("CopyObject requests %v, want one, to dst/e/x1", e2e.PerKey(log, "CopyObject", 0))
	}
	after, err := s.Head(t, "dst", "e/x2")
	if err != nil {
		t.Fatal(err)
	}
	if oss.ToString(after.ETag) != oss.ToString(before.ETag) || after.ContentLength != int64(len(old)) {
		t.Errorf("dst/e/x2 has ETag %s and %d bytes after the run, %s and %d before", oss.ToString(after.ETag), after.ContentLength,
			oss.ToString(before.ETag), len(old))
	}
	if got := getObject(t, s, "dst", "e/x2"); !bytes.Equal(got, old) {
		t.Errorf("dst/e/x2 holds %q after the run, want %q", got, old)
	}
	s.RequireCopies(t, "src", "dst", []e2e.Pair{{Src: "e/x1", Dst: "e/x1"}, {Src: "e/x3", Dst: "e/x3"}})
}

// TestUpdate: --update skips a destination with the source's size and
// CRC64 even when its ETag differs (a multipart copy's "-N" ETag), and
// copies one of another size, one of the same size with other bytes, and
// one that does not exist; each object costs a HEAD of the source, the
// destinations a HEAD where the listing of the destination prefix shows
// them with the source's size, and only the three are written.
func TestUpdate(t *testing.T) {
	t.Parallel()
	s := e2e.StartServer(t, "--bucket", "dst", "--seed-object", e2e.SeedObject("src", "u/same", "2GiB"),
		"--seed-object", e2e.SeedObject("src", "u/other-size", "1KiB"), "--seed-object", e2e.SeedObject("src", "u/same-size", "1KiB"),
		"--seed-object", e2e.SeedObject("src", "u/absent", "1KiB"))
	single := e2e.Run(t, s.Env(), "cp", "oss://src/u/same", "oss://dst/u/same", "--checkpoint-dir", ckptDir(t), "--no-progress")
	single.RequireCode(0)
	src, err := s.Head(t, "src", "u/same")
	if err != nil {
		t.Fatal(err)
	}
	dst, err := s.Head(t, "dst", "u/same")
	if err != nil {
		t.Fatal(err)
	}
	if oss.ToString(src.ETag) == oss.ToString(dst.ETag) {
		t.Fatalf("the multipart copy dst/u/same has the source's ETag %s: the case of a different ETag is not tested", oss.ToString(src.ETag))
	}
	s.PutObject(t, "dst", "u/other-size", []byte("ten bytes!"))
	s.PutObject(t, "dst", "u/same-size", make([]byte, 1024))
	tail := s.Tail(t)
	p := e2e.Run(t, s.Env(), e2e.CpRArgs(ckptDir(t), "oss://src/u/", "oss://dst/u/", "--update")...)
	p.RequireCode(0)
	log := tail.Next(t)
	sum := p.BulkSummary()
	if sum.Listed != 4 || sum.Copied != 3 || sum.Skipped.UpToDate != 1 || sum.Skipped.Exists != 0 || sum.Failed != 0 {
		t.Errorf("summary: listed %d, copied %d, skipped %+v, failed %d; want 4 listed, 3 copied, 1 up to date", sum.Listed,
			sum.Copied, sum.Skipped, sum.Failed)
	}
	copies := e2e.PerKey(log, "CopyObject", 200)
	for _, k := range []string{"u/other-size", "u/same-size", "u/absent"} {
		if copies["dst/"+k] != 1 {
			t.Errorf("%d successful CopyObject to dst/%s, want 1", copies["dst/"+k], k)
		}
	}
	if w := e2e.OpCounts(e2e.Writes(log)); len(w) != 1 || w["CopyObject"] != 3 {
		t.Errorf("the run wrote %v, want 3 CopyObject (nothing for the up-to-date u/same)", w)
	}
	h := e2e.PerKey(log, "HeadObject", 0)
	for k, dstHeads := range map[string]int{"u/same": 1, "u/other-size": 0, "u/same-size": 1, "u/absent": 0} {
		if h["src/"+k] != 1 || h["dst/"+k] != dstHeads {
			t.Errorf("%d HEADs of src/%s and %d of dst/%s, want 1 and %d", h["src/"+k], k, h["dst/"+k], k, dstHeads)
		}
	}
	if n := e2e.Count(log, "ListObjectsV2", 0); n != 2 {
		t.Errorf("%d listings, want 2: the source prefix and the destination prefix", n)
	}
	s.RequireCopies(t, "src", "dst", e2e.PrefixPairs([]string{"u/same", "u/other-size", "u/same-size", "u/absent"}, "u/", "u/"))
}

// TestDryRun: --dry-run lists what it would copy and how (one CopyObject
// and 2 requests for a small object; N parts and N+3 requests for a large
// one), in text or as JSON lines, then the totals, and writes nothing: the
// access log shows the listing alone (and, with a skip rule, HEADs of the
// destinations), and the destination stays empty.
func TestDryRun(t *testing.T) {
	t.Parallel()
	plan, err := planner.New(3<<30, planner.Options{Parallel: 64})
	if err != nil {
		t.Fatal(err)
	}
	bigRequests := int64(len(plan.Parts) + 3)
	for _, tc := range []struct {
		name  string
		flags []string
		heads int // of the destination
	}{
		{name: "text", flags: []string{"--output-format", "text"}},
		{name: "json"},
		{name: "json-ignore-existing", flags: []string{"--ignore-existing"}, heads: 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := e2e.StartServer(t, "--bucket", "dst", "--seed-object", e2e.SeedObject("src", "d/s1", "1KiB"),
				"--seed-object", e2e.SeedObject("src", "d/s2", "2KiB"), "--seed-object", e2e.SeedObject("src", "d/s3", "3KiB"),
				"--seed-object", e2e.SeedObject("src", "d/big", "3GiB"))
			ckpt := ckptDir(t)
			p := e2e.Run(t, s.Env(), e2e.CpRArgs(ckpt, "oss://src/d/", "oss://dst/d/", append([]string{"--dry-run"}, tc.flags...)...)...)
			p.RequireCode(0)
			log := e2e.WithoutProbes(s.Log(t))
			if w := e2e.OpCounts(e2e.Writes(log)); len(w) != 0 {
				t.Errorf("a dry run wrote: %v", w)
			}
			if n := e2e.Count(log, "ListObjectsV2", 0); n != 1 {
				t.Errorf("%d ListObjectsV2, want 1", n)
			}
			if n := e2e.Count(log, "HeadObject", 0); n != tc.heads {
				t.Errorf("%d HEADs, want %d: %v", n, tc.heads, e2e.PerKey(log, "HeadObject", 0))
			}
			if len(log) != 1+tc.heads {
				t.Errorf("the access log shows %d requests, want the listing and %d HEADs", len(log), tc.heads)
			}
			requireKeys(t, s, "dst", "")
			if tc.name == "text" {
				out := p.Stdout()
				e2e.RequireMentions(t, "stdout", out,
					"would copy oss://src/d/s1 to oss://dst/d/s1: ", "CopyObject, 2 requests",
					"would copy oss://src/d/big to oss://dst/d/big: ",
					fmt.Sprintf("%d parts of ", len(plan.Parts)), fmt.Sprintf(", %d requests", bigRequests),
					"dry run: would copy 4 objects", "nothing was written")
				if n := strings.Count(out, "would copy oss://"); n != 4 {
					t.Errorf("stdout has %d would-copy lines, want 4:\n%s", n, out)
				}
				return
			}
			sum, lines := p.BulkOutput()
			want := map[string]int64{"oss://src/d/s1": 2, "oss://src/d/s2": 2, "oss://src/d/s3": 2, "oss://src/d/big": bigRequests}
			if len(lines) != len(want) {
				t.Errorf("%d JSON lines before the summary, want %d", len(lines), len(want))
			}
			for _, o := range lines {
				if o.Action != "would-copy" || want[o.Source] != o.Requests || o.Destination != strings.Replace(o.Source, "src", "dst", 1) {
					t.Errorf("dry-run line %+v: want action would-copy, %d requests, destination under oss://dst/d/", o, want[o.Source])
				}
			}
			if !sum.DryRun || sum.Copied != 4 || sum.Requests != 3*2+bigRequests || sum.Bytes != 1024+2048+3072+3<<30 {
				t.Errorf("summary: dry_run %v, copied %d, requests %d, bytes %d; want true, 4, %d, %d", sum.DryRun, sum.Copied,
					sum.Requests, sum.Bytes, 3*2+bigRequests, 1024+2048+3072+3<<30)
			}
		})
	}
}

// getObject reads a whole (small) object.
func getObject(t *testing.T, s *e2e.Server, bucket, key string) []byte {
	t.Helper()
	res, err := s.Client().GetObject(e2e.Ctx(t), &oss.GetObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key)})
	if err != nil {
		t.Fatalf("GetObject %s/%s: %v", bucket, key, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("GetObject %s/%s: %v", bucket, key, err)
	}
	return data
}
