package bench

import (
	"encoding/json"
	"sync"
	"time"

	"github.com/osscopy/osscopy/internal/lab/ossserver"
)

// Counts are what the server's access log says the clients sent.
type Counts struct {
	Requests  map[string]int64 `json:"requests"`  // by operation
	Succeeded map[string]int64 `json:"succeeded"` // 2xx answers, by operation
	Throttled int64            `json:"throttled"` // 503 ActiveRequestLimitExceeded
	Injected  int64            `json:"injected"`  // 500/503 of the error rate
	Cut       int64            `json:"cut"`       // the client hung up first (499)
	// PartsTried and PartsCopied are the distinct part numbers that
	// UploadPartCopy was asked for and that succeeded, over all uploads.
	PartsTried  int `json:"parts_tried"`
	PartsCopied int `json:"parts_copied"`
	// FirstPart is when the server received the first UploadPartCopy,
	// LastPart when it answered the last one.
	FirstPart time.Time `json:"first_part"`
	LastPart  time.Time `json:"last_part"`
}

// counter is the server's access log: it counts the lines it is written
// (the server writes one JSON line per Write).
type counter struct {
	mu        sync.Mutex
	c         Counts
	tried, ok map[int]bool
}

func newCounter() *counter {
	return &counter{c: Counts{Requests: map[string]int64{}, Succeeded: map[string]int64{}}, tried: map[int]bool{}, ok: map[int]bool{}}
}

func (l *counter) Write(p []byte) (int, error) {
	var e ossserver.LogEntry
	if err := json.Unmarshal(p, &e); err != nil {
		return len(p), nil // not a request line: nothing to count
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.c.Requests[e.Op]++
	success := e.Status >= 200 && e.Status < 300
	if success {
		l.c.Succeeded[e.Op]++
	}
	switch {
	case e.Fault == "throttle":
		l.c.Throttled++
	case e.Fault == "error-500" || e.Fault == "error-503":
		l.c.Injected++
	case e.Status == 499:
		l.c.Cut++
	}
	if e.Op == opPartCopy {
		if start, err := time.Parse(time.RFC3339Nano, e.Time); err == nil {
			end := start.Add(time.Duration(e.DurationMS * float64(time.Millisecond)))
			if l.c.FirstPart.IsZero() || start.Before(l.c.FirstPart) {
				l.c.FirstPart = start
			}
			if end.After(l.c.LastPart) {
				l.c.LastPart = end
			}
		}
		l.tried[e.PartNumber] = true
		if success {
			l.ok[e.PartNumber] = true
		}
	}
	return len(p), nil
}

func (l *counter) snapshot() Counts {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.c
	out.Requests, out.Succeeded = cloneCounts(l.c.Requests), cloneCounts(l.c.Succeeded)
	out.PartsTried, out.PartsCopied = len(l.tried), len(l.ok)
	return out
}

func cloneCounts(m map[string]int64) map[string]int64 {
	out := make(map[string]int64, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Retries are UploadPartCopy requests beyond one per part: failed
// attempts retried, parts copied again, requests cut off.
func (c Counts) Retries() int64 {
	return c.Requests[opPartCopy] - int64(c.PartsTried)
}

// Recopied are successful UploadPartCopy requests beyond one per part:
// bytes the server copied, and the user paid for, twice.
func (c Counts) Recopied() int64 {
	return c.Succeeded[opPartCopy] - int64(c.PartsCopied)
}

// PartsSpan is how long the server was copying parts: from the first
// UploadPartCopy's arrival to the last one's answer. Unlike the wall time
// it leaves out the requests before and after the parts.
func (c Counts) PartsSpan() time.Duration {
	if c.FirstPart.IsZero() || c.LastPart.Before(c.FirstPart) {
		return 0
	}
	return c.LastPart.Sub(c.FirstPart)
}

// Total is every request sent.
func (c Counts) Total() int64 {
	var n int64
	for _, v := range c.Requests {
		n += v
	}
	return n
}

const opPartCopy = "UploadPartCopy"
