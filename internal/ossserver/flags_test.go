package ossserver

import (
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
	for _, bad := range []string{"src/a=1", "oss://src/a", "oss://Bad_Bucket/a=1", "oss://src/=1", "oss://src/a=1XB", "oss://src/a=1@x", "oss://src/../a=1"} {
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
