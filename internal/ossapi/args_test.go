package ossapi

import (
	"strings"
	"testing"

	"github.com/osscopy/osscopy/internal/ossurl"
)

func TestParseCopySource(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("k", 1024)
	tests := []struct {
		in      string
		want    CopySource
		wantErr string
	}{
		{in: "/srcbucket/srcobject", want: CopySource{Bucket: "srcbucket", Key: "srcobject"}},
		{in: "srcbucket/srcobject", want: CopySource{Bucket: "srcbucket", Key: "srcobject"}},
		{in: "/b-1/dir/a%20b%2Bc+d.bin", want: CopySource{Bucket: "b-1", Key: "dir/a b+c+d.bin"}},
		{in: "/b-1/%E4%B8%AD%E6%96%87", want: CopySource{Bucket: "b-1", Key: "中文"}},
		{in: "/b-1/k?versionId=CAEQ", want: CopySource{Bucket: "b-1", Key: "k", VersionID: "CAEQ"}},
		{in: "/b-1/k%3FversionId%3Dx", want: CopySource{Bucket: "b-1", Key: "k?versionId=x"}},
		{in: "/b-1/%2541", want: CopySource{Bucket: "b-1", Key: "%41"}}, // decoded once, not twice
		{in: "srcbucket", wantErr: "no key after the bucket"},
		{in: "/srcbucket/", wantErr: "no key after the bucket"},
		{in: "", wantErr: "no key after the bucket"},
		{in: "//b-1/k", wantErr: "bucket name is missing"},
		{in: "Bad_Bucket/k", wantErr: "may only use a-z"},
		{in: "ab/k", wantErr: "3 to 63 characters"},
		{in: "/b-1/a%zz", wantErr: "not validly URL-encoded"},
		{in: "/b-1/a%2", wantErr: "not validly URL-encoded"},
		{in: "/b-1/a%00b", wantErr: "control character"},
		{in: "/b-1/%2Fabs", wantErr: "starts with '/'"},
		{in: "/b-1/a/../b", wantErr: `".." path segment`},
		{in: "/b-1/" + long, wantErr: "1024 bytes"},
		{in: "/b-1/k?foo=1", wantErr: "one non-empty versionId"},
		{in: "/b-1/k?versionId=", wantErr: "one non-empty versionId"},
		{in: "/b-1/k?versionId=a&versionId=b", wantErr: "one non-empty versionId"},
		{in: "/b-1/k?versionId=%zz", wantErr: "one non-empty versionId"},
		// x-oss-copy-source carries the version ID decoded: a line break
		// would make a header net/http refuses to send.
		{in: "/b-1/k?versionId=v%0A1", wantErr: "the version ID holds a control character"},
		{in: "/b-1/k?versionId=%7F", wantErr: "the version ID holds a control character"},
	}
	for _, tt := range tests {
		got, err := ParseCopySource(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "--copy-source") {
				t.Errorf("ParseCopySource(%q) = %+v, %v; want an error about --copy-source saying %q", tt.in, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseCopySource(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}

func TestParseRange(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in          string
		first, last int64
		wantErr     string
	}{
		{in: "bytes=0-9", first: 0, last: 9},
		{in: "bytes=5-5", first: 5, last: 5},
		{in: "bytes=1073741824-6442450943", first: 1 << 30, last: 6<<30 - 1},
		{in: "bytes=9-0", wantErr: "starts after it ends"},
		{in: "0-9", wantErr: "not a byte range"},
		{in: "bytes=-5", wantErr: "not a byte range"},
		{in: "bytes=5-", wantErr: "not a byte range"},
		{in: "bytes=a-b", wantErr: "not a byte range"},
		{in: "bytes=+1-9", wantErr: "not a byte range"},
		{in: "bytes= 1-9", wantErr: "not a byte range"},
		{in: "bytes=1-9,20-30", wantErr: "not a byte range"},
		{in: "bytes=0-99999999999999999999", wantErr: "not a byte range"},
		{in: "BYTES=0-9", wantErr: "not a byte range"},
		{in: "", wantErr: "not a byte range"},
	}
	for _, tt := range tests {
		first, last, err := ParseRange("--copy-source-range", tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseRange(%q) = %d, %d, %v; want an error saying %q", tt.in, first, last, err, tt.wantErr)
			}
			continue
		}
		if err != nil || first != tt.first || last != tt.last {
			t.Errorf("ParseRange(%q) = %d, %d, %v; want %d, %d", tt.in, first, last, err, tt.first, tt.last)
		}
	}
}

func TestParseDate(t *testing.T) {
	t.Parallel()
	const want = "Mon, 11 May 2020 08:16:23 GMT"
	for _, in := range []string{want, "Monday, 11-May-20 08:16:23 GMT", "Mon May 11 08:16:23 2020",
		"2020-05-11T08:16:23Z", "2020-05-11T16:16:23+08:00"} {
		if got, err := ParseDate("--d", in); err != nil || got != want {
			t.Errorf("ParseDate(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"yesterday", "2020-13-01T00:00:00Z", "2020-05-11", "Mon, 11 May 2020 08:16:23", "1589184983", ""} {
		if got, err := ParseDate("--d", in); err == nil || !strings.Contains(err.Error(), "--d") {
			t.Errorf("ParseDate(%q) = %q, %v; want an error naming the flag", in, got, err)
		}
	}
}

func TestParseDirective(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]bool{"COPY": false, "copy": false, "Copy": false, "REPLACE": true, "Replace": true, "replace": true} {
		if got, err := ParseDirective("--x", in); err != nil || got != want {
			t.Errorf("ParseDirective(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "KEEP", "COPY ", "REPLACED"} {
		if _, err := ParseDirective("--x", in); err == nil || !strings.Contains(err.Error(), "COPY or REPLACE") {
			t.Errorf("ParseDirective(%q) = %v; want an error naming COPY or REPLACE", in, err)
		}
	}
}

func TestParseTagging(t *testing.T) {
	t.Parallel()
	eleven := strings.TrimSuffix(strings.Repeat("k=v&", 11), "&")
	tests := []struct{ in, wantErr string }{
		{in: "TagA=A&TagB=B"},
		{in: ""},
		{in: "a=&b=%20c"},
		{in: "k%20x=v%2Fy"},
		{in: "a=%zz", wantErr: "not validly URL-encoded"},
		{in: "noequals", wantErr: "has no '='"},
		{in: "=v", wantErr: "1 to 128"},
		{in: strings.Repeat("k", 129) + "=v", wantErr: "1 to 128"},
		{in: "k=" + strings.Repeat("v", 257), wantErr: "at most 256"},
		{in: "a=1&a=2", wantErr: "appears twice"},
		{in: eleven, wantErr: "11 tags"},
		{in: "a=%ff", wantErr: "UTF-8"},
	}
	for _, tt := range tests {
		got, err := ParseTagging("--tagging", tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseTagging(%q) = %q, %v; want an error saying %q", tt.in, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.in {
			t.Errorf("ParseTagging(%q) = %q, %v; want it back unchanged", tt.in, got, err)
		}
	}
}

func TestParsePartNumber(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int32{"1": 1, "10000": 10000, "0042": 42} {
		if got, err := ParsePartNumber("--part-number", in); err != nil || got != want {
			t.Errorf("ParsePartNumber(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"0", "10001", "-1", "+1", " 1", "abc", "1.0", "", "99999999999999999999"} {
		if got, err := ParsePartNumber("--part-number", in); err == nil || !strings.Contains(err.Error(), "1 to 10000") {
			t.Errorf("ParsePartNumber(%q) = %d, %v; want an error giving 1 to 10000", in, got, err)
		}
	}
}

func TestParseStorageClassAndMetadata(t *testing.T) {
	t.Parallel()
	if got, err := ParseStorageClass("--storage-class", "coldarchive"); err != nil || got != "ColdArchive" {
		t.Errorf("ParseStorageClass(coldarchive) = %q, %v", got, err)
	}
	if _, err := ParseStorageClass("--storage-class", "Glacier"); err == nil || !strings.Contains(err.Error(), "DeepColdArchive") {
		t.Errorf("ParseStorageClass(Glacier) = %v; want an error listing the classes", err)
	}
	meta, err := ParseMetadata("--metadata", []string{"Owner=alice", "empty=", "eq=a=b"})
	if err != nil || len(meta) != 3 || meta["owner"] != "alice" || meta["empty"] != "" || meta["eq"] != "a=b" {
		t.Errorf("ParseMetadata = %v, %v", meta, err)
	}
	for _, tc := range []struct{ in, want string }{
		{"novalue", "key=value"},
		{"=v", "key=value"},
		// Keys OSS refuses, some of which no header name can hold: sent,
		// net/http refused them, and the copy retried them as network errors.
		{"a b=c", "letters, digits and '-' only"},
		{"my_key=v", "letters, digits and '-' only"},
		{"a:b=c", "letters, digits and '-' only"},
		{"a\n=c", "letters, digits and '-' only"},
		{"é=c", "letters, digits and '-' only"},
	} {
		if _, err := ParseMetadata("--metadata", []string{"ok=1", tc.in}); err == nil || !strings.Contains(err.Error(), tc.want) ||
			!strings.HasPrefix(err.Error(), "--metadata ") {
			t.Errorf("ParseMetadata(%q) = %v; want an error naming --metadata and saying %q", tc.in, err, tc.want)
		}
	}
}

func FuzzParseMetadata(f *testing.F) {
	for _, s := range []string{"Owner=alice", "a b=c", "my_key=v", "=v", "k=v\n", "eq=a=b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		meta, err := ParseMetadata("--meta", []string{s})
		if err != nil {
			return
		}
		for k := range meta {
			if k == "" || strings.TrimLeft(k, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
				t.Fatalf("ParseMetadata(%q) accepted the key %q", s, k)
			}
		}
	})
}

func FuzzParseCopySource(f *testing.F) {
	for _, s := range []string{"/srcbucket/srcobject", "b-1/a%20b?versionId=x", "/b-1/%zz", "//", "b-1/k?versionId=", "b-1/k?versionId=%0A"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		src, err := ParseCopySource(s)
		if err != nil {
			if !strings.Contains(err.Error(), "--copy-source") {
				t.Fatalf("error %q does not name the flag", err)
			}
			return
		}
		if src.Bucket == "" || src.Key == "" || strings.ContainsFunc(src.VersionID, ossurl.IsControl) {
			t.Fatalf("ParseCopySource(%q) = %+v without error", s, src)
		}
		// What was accepted must survive the SDK's encoding and come back.
		again, err := ParseCopySource("/" + src.Bucket + "/" + escapePath(src.Key) + versionQuery(src.VersionID))
		if err != nil || again != src {
			t.Fatalf("round trip of %+v gave %+v, %v", src, again, err)
		}
	})
}

func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"bytes=0-9", "bytes=9-0", "bytes=-1", "bytes=00-01", "bytes=1-9223372036854775807"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		first, last, err := ParseRange("--r", s)
		if err != nil {
			return
		}
		if first < 0 || last < first {
			t.Fatalf("ParseRange(%q) = %d, %d", s, first, last)
		}
		if !strings.HasPrefix(s, "bytes=") || strings.ContainsAny(s, " +,") {
			t.Fatalf("ParseRange accepted %q", s)
		}
	})
}

func FuzzParseTagging(f *testing.F) {
	for _, s := range []string{"TagA=A&TagB=B", "a=%zz", "=", "a=1&a=2", "k%20=v"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseTagging("--tagging", s)
		if err == nil && got != s {
			t.Fatalf("ParseTagging(%q) changed it to %q", s, got)
		}
	})
}
