package bulk

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/osscopy/osscopy/internal/gate"
	"github.com/osscopy/osscopy/internal/ossurl"
)

// manifestItems runs the manifest parser of a runner over text and returns
// what it emitted and its error.
func manifestItems(t testing.TB, src, dst Location, text string) ([]item, error) {
	t.Helper()
	fs := newFakeStore()
	r := New(fs, fs, gate.New(1, false, nil), Options{Source: src, Dest: dst, FilesFrom: strings.NewReader(text)})
	var items []item
	err := r.manifest(context.Background(), func(it item) error {
		items = append(items, it)
		return nil
	})
	return items, err
}

func TestManifestParse(t *testing.T) {
	t.Parallel()
	src, dst := Location{Bucket: "src-bkt", Prefix: "in/"}, Location{Bucket: "dst-bkt", Prefix: "out/"}
	type pair struct{ src, dst, rel string }
	for _, tc := range []struct {
		name string
		text string
		want []pair
	}{
		{"key lines", "a.txt\nd/b.txt\n", []pair{{"in/a.txt", "out/a.txt", "a.txt"}, {"in/d/b.txt", "out/d/b.txt", "d/b.txt"}}},
		{"no final newline", "a.txt\nb.txt", []pair{{"in/a.txt", "out/a.txt", "a.txt"}, {"in/b.txt", "out/b.txt", "b.txt"}}},
		{"source,destination", "a.txt,renamed/a.txt\n", []pair{{"in/a.txt", "out/renamed/a.txt", "a.txt"}}},
		{"mixed", "a\nb,c\nd\n", []pair{{"in/a", "out/a", "a"}, {"in/b", "out/c", "b"}, {"in/d", "out/d", "d"}}},
		{"quoted commas", `"a,b.txt","c,d.txt"` + "\n" + `"x,y"` + "\n",
			[]pair{{"in/a,b.txt", "out/c,d.txt", "a,b.txt"}, {"in/x,y", "out/x,y", "x,y"}}},
		{"quoted quotes", `"say ""hi"".txt"` + "\n", []pair{{`in/say "hi".txt`, `out/say "hi".txt`, `say "hi".txt`}}},
		{"blank lines skipped", "\n\na\n\n\nb\n", []pair{{"in/a", "out/a", "a"}, {"in/b", "out/b", "b"}}},
		{"CRLF", "a\r\nb,c\r\n", []pair{{"in/a", "out/a", "a"}, {"in/b", "out/c", "b"}}},
		{"spaces kept", " a , b \n", []pair{{"in/ a ", "out/ b ", " a "}}},
		{"unicode", "日本/ファイル.txt\n", []pair{{"in/日本/ファイル.txt", "out/日本/ファイル.txt", "日本/ファイル.txt"}}},
		{"empty", "", nil},
		{"byte order mark", "\ufeffa\nb\n", []pair{{"in/a", "out/a", "a"}, {"in/b", "out/b", "b"}}},
		{"byte order mark, CRLF", "\ufeffa,x\r\n", []pair{{"in/a", "out/x", "a"}}},
		{"comments", "# keys of 2024\na\n#b\n\"#c\"\n", []pair{{"in/a", "out/a", "a"}, {"in/#c", "out/#c", "#c"}}},
		{"blank and white lines", "\n \t\na\r\n\r\n  \r\nb\n", []pair{{"in/a", "out/a", "a"}, {"in/b", "out/b", "b"}}},
		{"oss:// source", "oss://src-bkt/in/a.txt\noss://src-bkt/in/d/b.txt,x/b.txt\n",
			[]pair{{"in/a.txt", "out/a.txt", "a.txt"}, {"in/d/b.txt", "out/x/b.txt", "d/b.txt"}}},
		{"oss:// destination", "a.txt,oss://dst-bkt/out/x/a.txt\n", []pair{{"in/a.txt", "out/x/a.txt", "a.txt"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			items, err := manifestItems(t, src, dst, tc.text)
			if err != nil {
				t.Fatalf("manifest: %v", err)
			}
			var got []pair
			for _, it := range items {
				if it.src.Bucket != src.Bucket || it.dst.Bucket != dst.Bucket || it.listed != nil {
					t.Errorf("item %+v: wrong buckets or a listing", it)
				}
				got = append(got, pair{it.src.Key, it.dst.Key, it.rel})
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("items %q, want %q", got, tc.want)
			}
		})
	}
}

func TestManifestBadLines(t *testing.T) {
	t.Parallel()
	src, dst := Location{Bucket: "src-bkt", Prefix: "in/"}, Location{Bucket: "dst-bkt", Prefix: "out/"}
	for _, tc := range []struct {
		name      string
		text      string
		emitted   int
		wantInErr []string
	}{
		{"three fields", "a\nb\nc\nx,y,z\nd\n", 3, []string{"bad manifest line 4", "3 fields"}},
		{"dot-dot segment", "a\n../etc/passwd\n", 1, []string{"bad manifest line 2", `".."`}},
		{"control character", "a\nb\x01c\n", 1, []string{"bad manifest line 2", "control character"}},
		{"invalid UTF-8", "a\n\xff\xfe\n", 1, []string{"bad manifest line 2", "UTF-8"}},
		{"too long", "a\n" + strings.Repeat("k", 1100) + "\n", 1, []string{"bad manifest line 2", "1023"}},
		{"bad destination", "a,b\nc,../d\n", 1, []string{"bad manifest line 2"}},
		{"quote in a second field", "a\nb,c\"d\n", 1, []string{"bad manifest line", "quote"}},
		{"empty destination", "a\nb,\n", 1, []string{"bad manifest line 2", "destination", "empty"}},
		{"empty destination, quoted", "a\n\"b\",\"\"\n", 1, []string{"bad manifest line 2", "destination", "empty"}},
		{"empty source", "a\n,b\n", 1, []string{"bad manifest line 2", "source", "empty"}},
		{"oss:// of another bucket", "a\noss://other-bkt/in/b\n", 1, []string{"bad manifest line 2", "other-bkt", "src-bkt"}},
		{"oss:// outside the prefix", "a\noss://src-bkt/elsewhere/b\n", 1, []string{"bad manifest line 2", "in/"}},
		{"oss:// of the prefix itself", "a\noss://src-bkt/in/\n", 1, []string{"bad manifest line 2", "prefix"}},
		{"oss:// destination of another bucket", "a\nb,oss://src-bkt/out/b\n", 1, []string{"bad manifest line 2", "dst-bkt"}},
		{"oss:// bad bucket", "a\noss://X/in/b\n", 1, []string{"bad manifest line 2", "bucket"}},
		{"line numbers count comments and blanks", "# c\n\na\nx,y,z\n", 1, []string{"bad manifest line 4", "3 fields"}},
		{"endless line", "a\n" + strings.Repeat("\x00", 1<<20), 1, []string{"bad manifest line 2", "longer than"}},
		{"quoted line break", "a\n\"b\nc\"\n", 1, []string{"bad manifest line 2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			items, err := manifestItems(t, src, dst, tc.text)
			if !errors.Is(err, ErrManifest) {
				t.Fatalf("manifest error = %v, want ErrManifest", err)
			}
			for _, w := range tc.wantInErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if len(items) != tc.emitted {
				t.Errorf("%d items emitted before the error, want %d", len(items), tc.emitted)
			}
		})
	}
}

// A bare quote in the first field of a line is a CSV error before any
// field is read: the parser must report it, not panic asking the position
// of a field that does not exist.
func TestManifestBareQuoteInFirstField(t *testing.T) {
	t.Parallel()
	src, dst := Location{Bucket: "src-bkt", Prefix: "in/"}, Location{Bucket: "dst-bkt", Prefix: "out/"}
	for _, text := range []string{
		"a\nb\"c\n",      // bare quote in an unquoted first field
		"a\n\"b\"c\n",    // text after the closing quote of the first field
		"\"unterminated", // quoted first field at EOF
		"a\n\"b\n",       // quoted first field without its closing quote
	} {
		var items []item
		var err error
		panicked := false
		func() {
			defer func() {
				if p := recover(); p != nil {
					panicked = true
					t.Errorf("manifest %q panicked: %v", text, p)
				}
			}()
			items, err = manifestItems(t, src, dst, text)
		}()
		if panicked {
			continue
		}
		if !errors.Is(err, ErrManifest) {
			t.Errorf("manifest %q: error %v, want ErrManifest", text, err)
		}
		if strings.HasPrefix(text, "a\n") && len(items) != 1 {
			t.Errorf("manifest %q: %d items before the bad line, want 1", text, len(items))
		}
	}
}

// Without a prefix, an empty KEY names no object.
func TestManifestEmptyKey(t *testing.T) {
	t.Parallel()
	_, err := manifestItems(t, Location{Bucket: "s-bkt"}, Location{Bucket: "d-bkt"}, `""`+"\n")
	if !errors.Is(err, ErrManifest) || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("empty key: error %v, want ErrManifest at line 1", err)
	}
}

// The manifest stops when the run is cancelled.
func TestManifestStopsWhenCancelled(t *testing.T) {
	t.Parallel()
	fs := newFakeStore()
	ctx, cancel := context.WithCancel(context.Background())
	r := New(fs, fs, gate.New(1, false, nil), Options{Source: Location{Bucket: "s-bkt"}, Dest: Location{Bucket: "d-bkt"},
		FilesFrom: strings.NewReader("a\nb\nc\nd\n")})
	n := 0
	err := r.manifest(ctx, func(item) error {
		n++
		if n == 2 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || n != 2 {
		t.Errorf("manifest after cancel: %d items, error %v; want 2, context.Canceled", n, err)
	}
}

// FuzzManifest: whatever the manifest holds, the parser does not panic,
// and every object it emits has valid keys strictly under the prefixes
// (never the destination prefix itself, which an empty key would name).
func FuzzManifest(f *testing.F) {
	f.Add([]byte("a.txt\nb/c.txt,d/e.txt\n"), "in/", "out/")
	f.Add([]byte(`"a,b","c""d"`+"\n\n\r\n"+"x\n"), "", "p/")
	f.Add([]byte("a,b,c\n"), "in/", "out/")
	f.Add([]byte("../x\n"), "", "")
	f.Add([]byte("\ufeff# comment\n\n  \noss://src-bkt/in/a,oss://dst-bkt/out/b\nc,\n"), "in/", "out/")
	f.Add([]byte("oss://src-bkt/a\n\"#k\",\n"), "", "")
	f.Fuzz(func(t *testing.T, data []byte, srcPrefix, dstPrefix string) {
		if ossurl.CheckKey(srcPrefix+"x") != nil || ossurl.CheckKey(dstPrefix+"x") != nil {
			return // bulkLocations refuses such prefixes
		}
		src, dst := Location{Bucket: "src-bkt", Prefix: srcPrefix}, Location{Bucket: "dst-bkt", Prefix: dstPrefix}
		fs := newFakeStore()
		r := New(fs, fs, gate.New(1, false, nil), Options{Source: src, Dest: dst, FilesFrom: strings.NewReader(string(data))})
		// A panic fails this input instead of the whole test binary.
		defer func() {
			if p := recover(); p != nil {
				t.Fatalf("manifest %q panicked: %v", data, p)
			}
		}()
		err := r.manifest(context.Background(), func(it item) error {
			for _, k := range []string{it.src.Key, it.dst.Key} {
				if err := ossurl.CheckKey(k); err != nil {
					t.Fatalf("emitted key %q: %v", k, err)
				}
			}
			if !strings.HasPrefix(it.src.Key, srcPrefix) || !strings.HasPrefix(it.dst.Key, dstPrefix) || it.src.Key[len(srcPrefix):] != it.rel ||
				it.rel == "" || it.dst.Key == dstPrefix {
				t.Fatalf("item %+v is not under the prefixes %q, %q", it, srcPrefix, dstPrefix)
			}
			if it.src.Bucket != src.Bucket || it.dst.Bucket != dst.Bucket {
				t.Fatalf("item %+v has wrong buckets", it)
			}
			return nil
		})
		if err != nil && !errors.Is(err, ErrManifest) {
			t.Fatalf("manifest error %v does not wrap ErrManifest", err)
		}
	})
}

// CheckManifest reads the whole manifest, as the run would, and finds a
// bad line wherever it is; a good manifest passes.
func TestCheckManifest(t *testing.T) {
	t.Parallel()
	src, dst := Location{Bucket: "src-bkt", Prefix: "in/"}, Location{Bucket: "dst-bkt", Prefix: "out/"}
	good := "\ufeff# keys\na\n\nb,c\noss://src-bkt/in/d\n"
	if err := CheckManifest(strings.NewReader(good), src, dst); err != nil {
		t.Errorf("CheckManifest(good) = %v", err)
	}
	bad := good + strings.Repeat("e\n", 1000) + "f,\n"
	if err := CheckManifest(strings.NewReader(bad), src, dst); !errors.Is(err, ErrManifest) || !strings.Contains(err.Error(), "line 1006") {
		t.Errorf("CheckManifest(bad) = %v, want ErrManifest at line 1006", err)
	}
}
