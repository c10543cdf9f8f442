package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/osscopy/osscopy/internal/lab/ossserver"
	"github.com/osscopy/osscopy/internal/ossclient"
)

// LogEntry is one line of the server's access log.
type LogEntry = ossserver.LogEntry

// Log reads the complete lines of the server's access log so far (from
// every run of the server: restarts append to it).
func (s *Server) Log(t testing.TB) []LogEntry {
	t.Helper()
	return ReadLog(t, s.LogPath)
}

// ReadLog reads the complete lines of an access log; a last line without
// its newline is being written, or was torn by a kill -9, and is left out.
func ReadLog(t testing.TB, path string) []LogEntry {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	var out []LogEntry
	for {
		line, rest, ok := bytes.Cut(data, []byte{'\n'})
		if !ok {
			return out
		}
		data = rest
		var e LogEntry
		if err := json.Unmarshal(line, &e); err != nil {
			t.Fatalf("access log line %q: %v", line, err)
		}
		out = append(out, e)
	}
}

// Count counts the entries of op (every op when "") with status (every
// status when 0).
func Count(entries []LogEntry, op string, status int) int {
	n := 0
	for _, e := range entries {
		if (op == "" || e.Op == op) && (status == 0 || e.Status == status) {
			n++
		}
	}
	return n
}

// Faults counts the entries the server marked with an injected fault
// ("error-500", "error-503", "reset", "throttle", "deny"), by fault.
func Faults(entries []LogEntry) map[string]int {
	m := map[string]int{}
	for _, e := range entries {
		if e.Fault != "" {
			m[e.Fault]++
		}
	}
	return m
}

// PartAttempts counts the UploadPartCopy requests of each part number.
func PartAttempts(entries []LogEntry) map[int]int {
	m := map[int]int{}
	for _, e := range entries {
		if e.Op == "UploadPartCopy" {
			m[e.PartNumber]++
		}
	}
	return m
}

// MaxAttempts is the most requests any one operation on one object (and
// part) took: what --retry-times bounds. Requests of the same op, bucket,
// key and part number count together (across uploads: a retried part is
// the same part).
func MaxAttempts(entries []LogEntry) (worst int, what string) {
	type id struct {
		op, bucket, key string
		part            int
	}
	m := map[id]int{}
	for _, e := range entries {
		k := id{e.Op, e.Bucket, e.Key, e.PartNumber}
		m[k]++
		if m[k] > worst {
			worst, what = m[k], e.Op+" "+e.Bucket+"/"+e.Key
		}
	}
	return worst, what
}

// WaitForLog polls the access log until it shows at least n requests of
// op (of any op when ""), for at most a minute.
func (s *Server) WaitForLog(t testing.TB, op string, n int) {
	t.Helper()
	const within = time.Minute
	deadline := time.Now().Add(within)
	for Count(s.Log(t), op, 0) < n {
		if time.Now().After(deadline) {
			t.Fatalf("the access log shows fewer than %d %s requests after %v", n, op, within)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// LogTail reads an access log as it grows, parsing each line once.
type LogTail struct {
	path    string
	off     int64
	partial []byte
}

// Tail follows the server's access log from its current end.
func (s *Server) Tail(t testing.TB) *LogTail {
	t.Helper()
	fi, err := os.Stat(s.LogPath)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	l := &LogTail{path: s.LogPath}
	if fi != nil {
		l.off = fi.Size()
	}
	return l
}

// Next returns the complete lines written since the last call.
func (l *LogTail) Next(t testing.TB) []LogEntry {
	t.Helper()
	f, err := os.Open(l.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	var data []byte
	for {
		n, err := f.ReadAt(buf, l.off)
		data = append(data, buf[:n]...)
		l.off += int64(n)
		if err != nil || n < len(buf) {
			break
		}
	}
	data = append(l.partial, data...)
	var out []LogEntry
	for {
		line, rest, ok := bytes.Cut(data, []byte{'\n'})
		if !ok {
			l.partial = data
			return out
		}
		data = rest
		var e LogEntry
		if err := json.Unmarshal(line, &e); err != nil {
			t.Fatalf("access log line %q: %v", line, err)
		}
		out = append(out, e)
	}
}

// WaitFor follows the log until it shows n more requests of op (of any op
// when ""), for at most a minute.
func (l *LogTail) WaitFor(t testing.TB, op string, n int) {
	t.Helper()
	const within = time.Minute
	deadline := time.Now().Add(within)
	for seen := 0; seen < n; {
		seen += Count(l.Next(t), op, 0)
		if seen >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the access log shows %d new %s requests after %v, want %d", seen, op, within, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// PerKey counts the entries of op with status (every status when 0) by
// "bucket/key".
func PerKey(entries []LogEntry, op string, status int) map[string]int {
	m := map[string]int{}
	for _, e := range entries {
		if e.Op == op && (status == 0 || e.Status == status) {
			m[e.Bucket+"/"+e.Key]++
		}
	}
	return m
}

// OpCounts counts the entries by op.
func OpCounts(entries []LogEntry) map[string]int {
	m := map[string]int{}
	for _, e := range entries {
		m[e.Op]++
	}
	return m
}

// UnderPrefix keeps the entries of bucket with keys under prefix.
func UnderPrefix(entries []LogEntry, bucket, prefix string) []LogEntry {
	var out []LogEntry
	for _, e := range entries {
		if e.Bucket == bucket && strings.HasPrefix(e.Key, prefix) {
			out = append(out, e)
		}
	}
	return out
}

// Writes keeps the requests that may change what the server holds: every
// PUT, POST and DELETE, whatever its op (osscopy reads with GET and HEAD
// only), so that a write the tests do not expect is counted too.
func Writes(entries []LogEntry) []LogEntry {
	var out []LogEntry
	for _, e := range entries {
		if e.Method == "PUT" || e.Method == "POST" || e.Method == "DELETE" {
			out = append(out, e)
		}
	}
	return out
}

// WithoutProbes is entries without the probe that every osscopy run sends
// before it starts (ossclient.ProbeOp, one per run): the run's own
// requests, the ones its summary counts.
func WithoutProbes(entries []LogEntry) []LogEntry {
	var out []LogEntry
	for _, e := range entries {
		if e.Op != ossclient.ProbeOp {
			out = append(out, e)
		}
	}
	return out
}
