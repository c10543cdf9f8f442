package main

import (
	"strings"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/osscopy/osscopy/internal/lab/e2e"
)

// TestCpUpdate: a finished copy run again with --update finds the
// destination equal to the source (size and CRC64; the multipart copy's
// ETag differs from its source's) with one HEAD of each, writes nothing,
// and says "up to date" (text, or up_to_date in the JSON result), exit 0.
// A destination overwritten since is copied again and verified.
func TestCpUpdate(t *testing.T) {
	t.Parallel()
	r := newCpRig(t, "--bucket", "dst", "--seed-object", e2e.SeedObject("src", "big.bin", "3GiB"), "--seed-object", e2e.SeedObject("src", "small.bin", "1MiB"))
	for _, tc := range []struct {
		key   string
		extra []string // of the first copy
	}{
		{key: "big.bin", extra: []string{"--part-size", "1GiB"}},
		{key: "small.bin"},
	} {
		t.Run(tc.key, func(t *testing.T) {
			t.Parallel()
			src, dst := "oss://src/"+tc.key, "oss://dst/"+tc.key
			e2e.Run(t, r.Env(), r.cpArgs(src, dst, tc.extra...)...).RequireCode(0)
			for _, format := range []string{"text", "json"} {
				tail := r.Tail(t)
				p := e2e.Run(t, r.Env(), r.cpArgs(src, dst, "--update", "--output-format", format)...)
				p.RequireCode(0)
				log := ofKey(tail.Next(t), tc.key)
				if w := e2e.Writes(log); len(w) != 0 {
					t.Errorf("%s: the up-to-date rerun wrote %v", format, e2e.OpCounts(w))
				}
				heads := e2e.PerKey(log, "HeadObject", 0)
				if len(log) != 2 || heads["src/"+tc.key] != 1 || heads["dst/"+tc.key] != 1 {
					t.Errorf("%s: the rerun sent %v, want one HEAD of the source and one of the destination", format, e2e.OpCounts(log))
				}
				if format == "json" {
					if res := p.Result(); !res.UpToDate || res.Destination != dst || res.CRC64 == "" {
						t.Errorf("JSON result %+v, want up_to_date for %s", res, dst)
					}
				} else {
					e2e.RequireMentions(t, "stdout", p.Stdout(), "up to date: "+dst+" already holds "+src, "nothing was copied")
				}
			}
			r.PutObject(t, "dst", tc.key, []byte("another object altogether"))
			tail := r.Tail(t)
			p := e2e.Run(t, r.Env(), r.cpArgs(src, dst, "--update", "--output-format", "json")...)
			p.RequireCode(0)
			if res := p.Result(); res.UpToDate || len(e2e.Writes(ofKey(tail.Next(t), tc.key))) == 0 {
				t.Errorf("the overwritten destination was not copied again: %+v", res)
			}
			crc := r.requireSameObject(t, "src", tc.key, "dst", tc.key)
			if h := r.head(t, "dst", tc.key); oss.ToString(h.HashCRC64) != crc || strings.Contains(p.Stdout(), "up to date") {
				t.Errorf("destination CRC64 %s, source %s", oss.ToString(h.HashCRC64), crc)
			}
		})
	}
}

// ofKey keeps the requests for key (in any bucket): the subtests share
// the server.
func ofKey(log []e2e.LogEntry, key string) []e2e.LogEntry {
	var out []e2e.LogEntry
	for _, e := range log {
		if e.Key == key {
			out = append(out, e)
		}
	}
	return out
}
