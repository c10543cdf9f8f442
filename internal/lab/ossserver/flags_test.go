package ossserver

import (
	"strings"
	"testing"
	"time"
)

func TestParseSeed(t *testing.T) {
	t.Parallel()
	s, err := ParseSeed("oss://src/dir/a=b.bin=5TiB@7")
	if err != nil || s.Bucket != "src" || s.Key != "dir/a=b.bin" || s.Size != 5<<40 || s.Seed != 7 {
		t.Fatalf("got %+v, %v", s, err)
	}
	a, _ := ParseSeed("oss://src/a=1KiB")
	b, _ := ParseSeed("oss://src/b=1KiB")
	if a.Seed == b.Seed {
		t.Error("two keys without @SEED got the same seed")
	}
	for _, bad := range []string{"src/a=1", "oss://src/a", "oss://Bad_Bucket/a=1", "oss://src/=1", "oss://src/a=1XB", "oss://src/a=1@x", `oss://src/\a=1`} {
		if _, err := ParseSeed(bad); err == nil {
			t.Errorf("ParseSeed(%q) accepted", bad)
		}
	}
}

func TestParseOpSettings(t *testing.T) {
	t.Parallel()
	m, err := ParseOpSettings("latency", []string{"UploadPartCopy=20ms", "read=1ms", "*=2ms"}, ParseDuration)
	if err != nil {
		t.Fatal(err)
	}
	for op, want := range map[string]time.Duration{"UploadPartCopy": 20 * time.Millisecond, "GetObject": time.Millisecond, "ListParts": 2 * time.Millisecond} {
		if got := lookupOp(m, op); got != want {
			t.Errorf("lookupOp(%s) = %v, want %v", op, got, want)
		}
	}
	for _, bad := range [][]string{{"UploadPartCopy"}, {"Nope=1ms"}, {"copy=-1ms"}, {"copy=fast"}} {
		if _, err := ParseOpSettings("latency", bad, ParseDuration); err == nil {
			t.Errorf("ParseOpSettings(%q) accepted", bad)
		}
	}
	if _, err := ParseOpSettings("error-rate", []string{"copy=150%"}, ParseFraction); err == nil {
		t.Error("a rate of 150% was accepted")
	}
	f, err := ParseFraction("5%")
	if err != nil || f != 0.05 {
		t.Errorf("ParseFraction(5%%) = %v, %v", f, err)
	}
}

func TestParseSeedObjects(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in               string
		prefix           string
		count            int
		minSize, maxSize int64
		seed             uint64 // 0: the default, a hash of in
		first, last      string
	}{
		{"oss://src/small/=100000x4KiB", "small/", 100000, 4 << 10, 4 << 10, 0, "small/00000", "small/99999"},
		{"oss://src/a=b/=10x1KiB-64KiB@7", "a=b/", 10, 1 << 10, 64 << 10, 7, "a=b/0", "a=b/9"},
		{"oss://src/=1x0", "", 1, 0, 0, 0, "0", "0"},
		{"oss://src/p=11x5-5", "p", 11, 5, 5, 0, "p00", "p10"},
		{"oss://src/x=10000000x1B", "x", 10000000, 1, 1, 0, "x0000000", "x9999999"},
	} {
		sp, err := ParseSeedObjects(tc.in)
		if err != nil {
			t.Errorf("ParseSeedObjects(%q): %v", tc.in, err)
			continue
		}
		if sp.Bucket != "src" || sp.Prefix != tc.prefix || sp.Count != tc.count || sp.MinSize != tc.minSize || sp.MaxSize != tc.maxSize {
			t.Errorf("ParseSeedObjects(%q) = %+v", tc.in, sp)
		}
		if tc.seed != 0 && sp.Seed != tc.seed {
			t.Errorf("ParseSeedObjects(%q) has seed %d, want %d", tc.in, sp.Seed, tc.seed)
		}
		if first, last := sp.key(0), sp.key(sp.Count-1); first != tc.first || last != tc.last {
			t.Errorf("ParseSeedObjects(%q) names %q..%q, want %q..%q", tc.in, first, last, tc.first, tc.last)
		}
	}
	a, _ := ParseSeedObjects("oss://src/a/=10x1KiB")
	b, _ := ParseSeedObjects("oss://src/b/=10x1KiB")
	if a.Seed == b.Seed {
		t.Error("two specs without @SEED got the same seed")
	}
	for _, tc := range []struct{ in, why string }{
		{"src/a=10x1KiB", "does not start with oss://"},
		{"oss://src/a", "has no =COUNTxSIZE"},
		{"oss://src=10x1KiB", "has no / after the bucket"},
		{"oss://Bad_Bucket/a=10x1KiB", "bucket"},
		{"oss://src/a=10", "has no x between COUNT and SIZE"},
		{"oss://src/a=10X1KiB", "has no x between COUNT and SIZE"},
		{"oss://src/a=-1x1KiB", `count "-1" is not a whole number`},
		{"oss://src/a=0x1KiB", "count 0 is not from 1 to 10000000"},
		{"oss://src/a=10000001x1KiB", "count 10000001 is not from 1 to 10000000"},
		{"oss://src/a=99999999999999999999x1", "is not from 1 to"},
		{"oss://src/a=10x1XB", `size "1XB"`},
		{"oss://src/a=10x1KiB-", `size ""`},
		{"oss://src/a=10x64KiB-1KiB", "range 64KiB-1KiB runs backwards"},
		{"oss://src/a=10x1KiB-1PiB", "more than 48.8 TB"},
		{"oss://src/a=10x1KiB@x", `seed "x" is not a whole number`},
		{"oss://src//a=10x1KiB", "object name is not valid"},
		{`oss://src/\=10x1KiB`, "object name is not valid"},
	} {
		_, err := ParseSeedObjects(tc.in)
		if err == nil {
			t.Errorf("ParseSeedObjects(%q) accepted", tc.in)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, tc.why) || !strings.Contains(msg, "write oss://bucket/PREFIX=COUNTxSIZE[@SEED]") {
			t.Errorf("ParseSeedObjects(%q) = %q; want it to say %q and what to write", tc.in, msg, tc.why)
		}
	}
}

// Whatever the input, ParseSeedObjects says what to write instead or gives
// a spec the server takes, whose objects have valid keys and sizes in range.
func FuzzParseSeedObjects(f *testing.F) {
	for _, s := range []string{"oss://src/small/=100000x4KiB", "oss://src/a=b/=10x1KiB-64KiB@7", "oss://src/=1x0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		sp, err := ParseSeedObjects(in)
		if err != nil {
			if !strings.Contains(err.Error(), "write oss://bucket/PREFIX=COUNTxSIZE[@SEED]") {
				t.Fatalf("error %q does not say what to write", err)
			}
			return
		}
		if err := sp.check(); err != nil {
			t.Fatalf("ParseSeedObjects(%q) = %+v, which the server refuses: %v", in, sp, err)
		}
		first, last := sp.key(0), sp.key(sp.Count-1)
		if e := validKey(last); e != nil || len(first) != len(last) || !strings.HasPrefix(last, sp.Prefix) || sp.Count > 1 && first >= last {
			t.Fatalf("ParseSeedObjects(%q) names %q..%q (%v)", in, first, last, e)
		}
		for _, i := range []int{0, sp.Count / 2, sp.Count - 1} {
			if n := sp.size(i); n < sp.MinSize || n > sp.MaxSize {
				t.Fatalf("ParseSeedObjects(%q): object %d has %d bytes, outside %d..%d", in, i, n, sp.MinSize, sp.MaxSize)
			}
		}
	})
}
