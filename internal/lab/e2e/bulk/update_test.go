package bulk_test

import (
	"strings"
	"testing"

	"github.com/osscopy/osscopy/internal/lab/e2e"
)

// TestUpdateAfterFinishedRun: after a finished `cp -r`, one destination is
// deleted, one overwritten with other bytes of the same size, and the
// large one deleted. The same command with --update does not take the
// journal's word for them: it lists the destination prefix too, copies
// the three again, skips the others as done before without a HEAD, and
// every destination is the source's again. (It used to report all done,
// exit 0, with two destinations missing and one wrong.)
func TestUpdateAfterFinishedRun(t *testing.T) {
	t.Parallel()
	const small = 30
	s := e2e.StartServer(t, "--bucket", "dst", "--seed-objects", e2e.SeedObjects("src", "u/k", small, "1KiB"),
		"--seed-object", e2e.SeedObject("src", "u/large", "2GiB"))
	keys := append(e2e.SeededKeys("u/k", small), "u/large")
	ckpt := ckptDir(t)
	args := e2e.CpRArgs(ckpt, "oss://src/u/", "oss://dst/u/", "--part-size", "512MiB")
	first := e2e.Run(t, s.Env(), args...)
	first.RequireCode(0)
	if sum := first.BulkSummary(); sum.Copied != int64(len(keys)) {
		t.Fatalf("first run: %+v", sum)
	}
	deleted, overwritten := keys[3], keys[7]
	s.DeleteObject(t, "dst", deleted)
	s.DeleteObject(t, "dst", "u/large")
	s.PutObject(t, "dst", overwritten, []byte(strings.Repeat("x", 1024)))

	tail := s.Tail(t)
	p := e2e.Run(t, s.Env(), append(args, "--update")...)
	p.RequireCode(0)
	log := tail.Next(t)
	sum := p.BulkSummary()
	if sum.Copied != 3 || sum.Skipped.DoneBefore != int64(len(keys)-3) || sum.Failed != 0 {
		t.Errorf("rerun with --update: %d copied, skipped %+v, %d failed; want 3 copied and %d done before",
			sum.Copied, sum.Skipped, sum.Failed, len(keys)-3)
	}
	heads := e2e.PerKey(log, "HeadObject", 0)
	for _, k := range keys {
		want := 0
		switch k {
		case deleted, "u/large":
			want = 1 // the source: the listing shows no destination
		case overwritten:
			want = 2 // the source, and the destination listed with its size: its CRC64 decides
		}
		if got := heads["src/"+k] + heads["dst/"+k]; got != want {
			t.Errorf("%s: %d HEADs, want %d", k, got, want)
		}
	}
	s.RequireCopies(t, "src", "dst", e2e.PrefixPairs(keys, "u/", "u/"))
	t.Logf("rerun with --update: %v; %d copied again, %d skipped as done before", e2e.OpCounts(log), sum.Copied, sum.Skipped.DoneBefore)
}
