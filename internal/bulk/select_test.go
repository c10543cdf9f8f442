package bulk

import (
	"fmt"
	"strings"
	"testing"
)

func inc(p string) Rule { return Rule{Include: true, Pattern: p} }
func exc(p string) Rule { return Rule{Pattern: p} }

func TestSelectKeepByRules(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		rules []Rule
		keep  []string // relative keys kept
		drop  []string // relative keys dropped
	}{
		{name: "no rules keeps everything", keep: []string{"a", "a/b/c.log", ".hidden", "dir/"}},
		{name: "excludes only: unmatched kept", rules: []Rule{exc("*.tmp")},
			keep: []string{"a.log", "tmp/a.log", "a.tmp.log"}, drop: []string{"a.tmp", "x/y/z.tmp", ".tmp"}},
		{name: "an include drops what no rule matches", rules: []Rule{inc("*.log")},
			keep: []string{"a.log", "x/y/a.log"}, drop: []string{"a.txt", "log", "a.log/b"}},
		{name: "first match wins: exclude before include", rules: []Rule{exc("keep.tmp"), inc("*.tmp")},
			keep: []string{"a.tmp", "d/other.tmp"}, drop: []string{"keep.tmp", "d/keep.tmp", "a.txt"}},
		{name: "first match wins: include before exclude", rules: []Rule{inc("keep.tmp"), exc("*.tmp")},
			keep: []string{"keep.tmp", "d/keep.tmp"}, drop: []string{"a.tmp", "a.txt"}},
		{name: "exclude then catch-all include", rules: []Rule{exc("*.tmp"), inc("*")},
			keep: []string{"a.txt", "d/e/f"}, drop: []string{"a.tmp"}},
		{name: "pattern without slash matches the base name", rules: []Rule{exc("*.log")},
			keep: []string{"logs/a.txt", "a.log.gz"}, drop: []string{"a.log", "logs/a.log", "a/b/c/d.log"}},
		{name: "pattern with slash matches the whole relative key", rules: []Rule{exc("logs/*.log")},
			keep: []string{"a.log", "x/logs/a.log", "logs/sub/a.log", "logs/a.txt"}, drop: []string{"logs/a.log", "logs/.log"}},
		{name: "star stops at slash", rules: []Rule{inc("logs/*")},
			keep: []string{"logs/a", "logs/a.log"}, drop: []string{"logs/a/b", "logs", "other/a"}},
		{name: "double star crosses slashes", rules: []Rule{inc("logs/**")},
			keep: []string{"logs/a", "logs/a/b/c"}, drop: []string{"other/logs/a", "logsx/a"}},
		{name: "double star between", rules: []Rule{inc("logs/**/*.log")},
			keep: []string{"logs/a.log", "logs/x/y/a.log"}, drop: []string{"logs/a.txt", "x/logs/a.log"}},
		{name: "leading double star", rules: []Rule{exc("**/cache/**")},
			keep: []string{"a/b", "cachex/a"}, drop: []string{"cache/a", "a/b/cache/c/d"}},
		{name: "bare double star matches every base name", rules: []Rule{inc("**")},
			keep: []string{"a", "a/b/c"}},
		{name: "question mark and classes", rules: []Rule{inc("part-?[0-9].csv")},
			keep: []string{"part-a1.csv", "d/part-b9.csv"}, drop: []string{"part-1.csv", "part-ab.csv", "part-a1.CSV"}},
		{name: "negated class", rules: []Rule{exc("[!a]*")},
			keep: []string{"abc", "d/apple"}, drop: []string{"bcd", "d/zebra"}},
		{name: "alternatives", rules: []Rule{inc("*.{jpg,png}")},
			keep: []string{"a.jpg", "x/y.png"}, drop: []string{"a.gif", "a.jpgx"}},
		{name: "case sensitive", rules: []Rule{exc("*.LOG")},
			keep: []string{"a.log"}, drop: []string{"a.LOG"}},
		{name: "escaped metacharacter", rules: []Rule{exc(`\*.txt`)},
			keep: []string{"a.txt"}, drop: []string{"*.txt"}},
		{name: "literal name", rules: []Rule{exc("Thumbs.db")},
			keep: []string{"thumbs.db", "Thumbs.db.bak"}, drop: []string{"Thumbs.db", "a/b/Thumbs.db"}},
		{name: "directory marker", rules: []Rule{exc("dir/")},
			keep: []string{"dir", "dir/a"}, drop: []string{"dir/"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := Selection{Rules: tc.rules, MaxSize: -1}
			if err := s.Check(); err != nil {
				t.Fatalf("Check: %v", err)
			}
			for _, rel := range tc.keep {
				if !s.Keep(rel, "prefix/"+rel) {
					t.Errorf("Keep(%q) = false, want true", rel)
				}
			}
			for _, rel := range tc.drop {
				if s.Keep(rel, "prefix/"+rel) {
					t.Errorf("Keep(%q) = true, want false", rel)
				}
			}
		})
	}
}

// Rules read the key relative to the source prefix, not the whole key.
func TestSelectRulesUseRelativeKey(t *testing.T) {
	t.Parallel()
	s := Selection{Rules: []Rule{inc("2024/**")}, MaxSize: -1}
	if !s.Keep("2024/a", "data/2024/a") {
		t.Error("rule on the relative key 2024/a did not match")
	}
	if s.Keep("data/2024/a", "2024/a") {
		t.Error("rule matched the whole key instead of the relative one")
	}
}

func TestSelectSizeOK(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		min, max, size int64
		want           bool
	}{
		{0, -1, 0, true},
		{0, -1, 1 << 50, true},
		{10, -1, 9, false},
		{10, -1, 10, true},
		{0, 10, 10, true},
		{0, 10, 11, false},
		{5, 5, 5, true},
		{5, 5, 4, false},
		{5, 5, 6, false},
		{0, 0, 0, true},
		{0, 0, 1, false},
	} {
		s := Selection{MinSize: tc.min, MaxSize: tc.max}
		if got := s.SizeOK(tc.size); got != tc.want {
			t.Errorf("size %d..%d: SizeOK(%d) = %v, want %v", tc.min, tc.max, tc.size, got, tc.want)
		}
	}
}

func TestSelectCheck(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		s    Selection
		want string // substring of the error; "" for none
	}{
		{"default", Selection{MaxSize: -1}, ""},
		{"valid globs", Selection{Rules: []Rule{inc("**/*.{a,b}"), exc("[!x]?"), exc(`\[`)}, MaxSize: -1}, ""},
		{"unclosed bracket include", Selection{Rules: []Rule{inc("a/[bc")}, MaxSize: -1}, `--include pattern "a/[bc"`},
		{"unclosed brace exclude", Selection{Rules: []Rule{inc("ok"), exc("{a,b")}, MaxSize: -1}, `--exclude pattern "{a,b"`},
		{"empty pattern", Selection{Rules: []Rule{exc("")}, MaxSize: -1}, `--exclude pattern ""`},
		{"trailing escape", Selection{Rules: []Rule{inc(`a\`)}, MaxSize: -1}, `--include pattern`},
		{"negative min", Selection{MinSize: -1, MaxSize: -1}, "--min-size"},
		{"max below min", Selection{MinSize: 10, MaxSize: 9}, "--max-size (9 bytes) is below --min-size (10 bytes)"},
		{"max equals min", Selection{MinSize: 10, MaxSize: 10}, ""},
		{"max zero", Selection{MaxSize: 0}, ""},
		{"shard in range", Selection{MaxSize: -1, Shard: 3, Shards: 4}, ""},
		{"shard K = N", Selection{MaxSize: -1, Shard: 4, Shards: 4}, "shard 4/4 is out of range"},
		{"shard K < 0", Selection{MaxSize: -1, Shard: -1, Shards: 4}, "out of range"},
		{"shards < 0", Selection{MaxSize: -1, Shards: -1}, "out of range"},
		{"no sharding", Selection{MaxSize: -1, Shards: 0}, ""},
	} {
		err := tc.s.Check()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: Check() = %v, want nil", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: Check() = %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
}

// String names the journal: equal selections give equal strings, any
// difference another string.
func TestSelectString(t *testing.T) {
	t.Parallel()
	base := Selection{Rules: []Rule{inc("*.log"), exc("tmp/**")}, MinSize: 1, MaxSize: 100, Shard: 1, Shards: 4}
	if got, want := base.String(), `--include="*.log" --exclude="tmp/**" size=1..100 shard=1/4`; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if got, want := (Selection{MaxSize: -1}).String(), "size=0..-1 shard=0/0"; got != want {
		t.Errorf("String() of the default = %q, want %q", got, want)
	}
	copyOf := base
	copyOf.Rules = append([]Rule(nil), base.Rules...)
	if copyOf.String() != base.String() {
		t.Error("String differs for equal selections")
	}
	variants := []Selection{
		{MaxSize: -1},
		{Rules: []Rule{exc("tmp/**"), inc("*.log")}, MinSize: 1, MaxSize: 100, Shard: 1, Shards: 4}, // order
		{Rules: []Rule{exc("*.log"), exc("tmp/**")}, MinSize: 1, MaxSize: 100, Shard: 1, Shards: 4},
		{Rules: []Rule{inc("*.log")}, MinSize: 1, MaxSize: 100, Shard: 1, Shards: 4},
		{Rules: []Rule{inc("*.log"), exc("tmp/**")}, MinSize: 2, MaxSize: 100, Shard: 1, Shards: 4},
		{Rules: []Rule{inc("*.log"), exc("tmp/**")}, MinSize: 1, MaxSize: -1, Shard: 1, Shards: 4},
		{Rules: []Rule{inc("*.log"), exc("tmp/**")}, MinSize: 1, MaxSize: 100, Shard: 2, Shards: 4},
		{Rules: []Rule{inc("*.log"), exc("tmp/**")}, MinSize: 1, MaxSize: 100, Shard: 1, Shards: 5},
		// Quoting keeps patterns with spaces, quotes or "=" apart.
		{Rules: []Rule{inc(`a" --exclude="b`)}, MaxSize: -1},
		{Rules: []Rule{inc("a"), exc("b")}, MaxSize: -1},
		{Rules: []Rule{inc("a b")}, MaxSize: -1},
		{Rules: []Rule{inc("a"), inc("b")}, MaxSize: -1},
	}
	seen := map[string]int{base.String(): -1}
	for i, v := range variants {
		s := v.String()
		if j, dup := seen[s]; dup {
			t.Errorf("variants %d and %d both render as %q", j, i, s)
		}
		seen[s] = i
	}
}

// Every key falls in exactly one of N shards, and shards are about even.
func TestSelectShardDistribution(t *testing.T) {
	t.Parallel()
	const keys = 10_000
	for n := 1; n <= 7; n++ {
		t.Run(fmt.Sprintf("N=%d", n), func(t *testing.T) {
			t.Parallel()
			counts := make([]int, n)
			for i := range keys {
				key := fmt.Sprintf("data/%04d/object-%d.bin", i%97, i)
				in := 0
				for k := range n {
					s := Selection{Shard: k, Shards: n, MaxSize: -1}
					if s.Keep("x", key) {
						in++
						counts[k]++
					}
				}
				if in != 1 {
					t.Fatalf("key %q is in %d of %d shards", key, in, n)
				}
			}
			want := keys / n
			for k, c := range counts {
				if c < want*8/10 || c > want*12/10 {
					t.Errorf("shard %d/%d has %d keys, want %d ± 20%% (all: %v)", k, n, c, want, counts)
				}
			}
		})
	}
}

// The shard hangs on the whole source key, not on the relative key the
// rules read: N processes agree whatever their rules.
func TestSelectShardUsesSourceKey(t *testing.T) {
	t.Parallel()
	const n = 4
	for i := range 200 {
		key := fmt.Sprintf("p/%d", i)
		var by []int
		for k := range n {
			if (Selection{Shard: k, Shards: n, MaxSize: -1}).Keep(fmt.Sprint(i*7), key) {
				by = append(by, k)
			}
		}
		var by2 []int
		for k := range n {
			if (Selection{Shard: k, Shards: n, MaxSize: -1}).Keep("other", key) {
				by2 = append(by2, k)
			}
		}
		if fmt.Sprint(by) != fmt.Sprint(by2) {
			t.Fatalf("key %q: shards %v with one relative key, %v with another", key, by, by2)
		}
	}
	// Shards and rules combine: both must keep the key.
	s := Selection{Rules: []Rule{exc("*.tmp")}, Shards: 2, MaxSize: -1}
	for i := range 50 {
		key := fmt.Sprintf("p/%d.tmp", i)
		for k := range 2 {
			s.Shard = k
			if s.Keep(key[2:], key) {
				t.Fatalf("excluded key %q kept by shard %d", key, k)
			}
		}
	}
}

func TestParseShard(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		k, n int
	}{
		{"0/1", 0, 1},
		{"0/4", 0, 4},
		{"3/4", 3, 4},
		{"99/100", 99, 100},
		{"+1/4", 1, 4},
		{"01/04", 1, 4},
	} {
		k, n, err := ParseShard(tc.in)
		if err != nil || k != tc.k || n != tc.n {
			t.Errorf("ParseShard(%q) = %d, %d, %v; want %d, %d, nil", tc.in, k, n, err, tc.k, tc.n)
		}
	}
	for _, in := range []string{"", "4/4", "5/4", "-1/4", "a/b", "1/0", "0/0", "1", "1/2/3", "/4", "1/", " 1/4", "1/4 ", "1 /4",
		"0/-1", "1.0/4", "0x1/4", "1/4\n", "9223372036854775808/2", "1/99999999999999999999"} {
		k, n, err := ParseShard(in)
		if err == nil {
			t.Errorf("ParseShard(%q) = %d, %d, nil; want an error", in, k, n)
			continue
		}
		if !strings.Contains(err.Error(), "--shard") || !strings.Contains(err.Error(), "K/N") {
			t.Errorf("ParseShard(%q) error %q names neither --shard nor K/N", in, err)
		}
		if k != 0 || n != 0 {
			t.Errorf("ParseShard(%q) = %d, %d with its error", in, k, n)
		}
	}
}

func FuzzParseShard(f *testing.F) {
	for _, s := range []string{"0/1", "3/4", "4/4", "-1/4", "a/b", "1/0", "1", "1/2/3", "", "+0/1", "00/1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, n, err := ParseShard(s)
		if err != nil {
			if k != 0 || n != 0 {
				t.Fatalf("ParseShard(%q) = %d, %d with error %v", s, k, n, err)
			}
			return
		}
		if n < 1 || k < 0 || k >= n {
			t.Fatalf("ParseShard(%q) = %d/%d, out of range", s, k, n)
		}
		sel := Selection{Shard: k, Shards: n, MaxSize: -1}
		if err := sel.Check(); err != nil {
			t.Fatalf("ParseShard(%q) = %d/%d, which Check refuses: %v", s, k, n, err)
		}
		k2, n2, err := ParseShard(fmt.Sprintf("%d/%d", k, n))
		if err != nil || k2 != k || n2 != n {
			t.Fatalf("canonical %d/%d parses as %d/%d, %v", k, n, k2, n2, err)
		}
		// The shard of a key is in range: some shard keeps it.
		if n <= 64 {
			kept := 0
			for i := range n {
				if (Selection{Shard: i, Shards: n}).inShard(s) {
					kept++
				}
			}
			if kept != 1 {
				t.Fatalf("key %q is in %d of %d shards", s, kept, n)
			}
		}
	})
}
