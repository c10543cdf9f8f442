package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/osscopy/osscopy/checkpoint"
)

// Journal is a bulk run's journal as the next run loads it.
type Journal struct {
	// Header is its first line: the run it belongs to.
	Header checkpoint.JournalHeader
	// Entries are the distinct valid lines, in order: the objects a rerun
	// skips.
	Entries []checkpoint.Entry
	// Lines counts every line after the header, invalid and torn ones
	// included: a journal holds no more lines than entries unless
	// something damaged it.
	Lines int
}

// ReadJournal reads the journal at path. A line is valid when it is whole
// (a kill can tear the last one: it has no newline) and JSON with source
// and destination keys. Lines that differ only in CRC64 or destination
// ETag are one entry: the product identifies an entry by its keys, ETag
// and size.
func ReadJournal(t testing.TB, path string) Journal {
	t.Helper()
	var j Journal
	seen := map[checkpoint.Entry]bool{}
	header, rest, _ := bytes.Cut(readFile(t, path, "the journal"), []byte("\n"))
	if err := json.Unmarshal(header, &j.Header); err != nil || j.Header.Version == 0 {
		t.Fatalf("the journal %s begins with %q, not a journal header (%v)", path, header, err)
	}
	for _, line := range bytes.SplitAfter(rest, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		j.Lines++
		var e checkpoint.Entry
		if !bytes.HasSuffix(line, []byte("\n")) || json.Unmarshal(line, &e) != nil || e.Source == "" || e.Dest == "" {
			continue
		}
		id := e
		id.CRC64, id.DestETag = "", ""
		if !seen[id] {
			seen[id] = true
			j.Entries = append(j.Entries, e)
		}
	}
	return j
}

// JournalIn is the path of the one run journal in the checkpoint dir ckpt.
func JournalIn(t testing.TB, ckpt string) string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(ckpt, "run-*.journal"))
	if err != nil || len(names) != 1 {
		t.Fatalf("run journals in %s: %q (%v), want one", ckpt, names, err)
	}
	return names[0]
}

// readFile reads the file at path, what it is for failures.
func readFile(t testing.TB, path, what string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading %s: %v", what, err)
	}
	return data
}
