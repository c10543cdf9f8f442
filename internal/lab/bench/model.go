package bench

import (
	"fmt"
	"time"
)

// Model is the local server's latency model: every request waits Latency,
// and a copy request (UploadPartCopy, CopyObject) then copies its bytes at
// Bandwidth bytes per second, each request on its own.
type Model struct {
	Latency   time.Duration `json:"latency_ns"`
	Bandwidth int64         `json:"copy_bandwidth_bytes_per_s"`
}

// PartTime is how long the server takes to copy one part of size bytes.
func (m Model) PartTime(size int64) time.Duration {
	if m.Bandwidth <= 0 {
		return m.Latency
	}
	return m.Latency + time.Duration(float64(size)/float64(m.Bandwidth)*float64(time.Second))
}

// Plan is how a tool split a copy: Parts parts of PartSize bytes (the
// last may be shorter), Parallel of them in flight at once.
type Plan struct {
	Parts    int   `json:"parts"`
	PartSize int64 `json:"part_size"`
	Parallel int   `json:"parallel"`
}

// Ideal is the fastest the plan can run against the model:
// ceil(parts / parallel) waves of one part time each. A server that holds
// at most capacity requests at once (0: no limit) runs no wider than that,
// so the waves are counted at min(parallel, capacity). Requests outside the
// part copies (HEAD, initiate, complete) are not counted.
func Ideal(m Model, p Plan, capacity int) (time.Duration, error) {
	if p.Parts < 1 || p.Parallel < 1 || p.PartSize < 1 {
		return 0, fmt.Errorf("plan %+v: parts, part size and parallel must be positive", p)
	}
	width := p.Parallel
	if capacity > 0 {
		width = min(width, capacity)
	}
	waves := (p.Parts + width - 1) / width
	return time.Duration(waves) * m.PartTime(p.PartSize), nil
}

// Ratio is wall over ideal; 0 when there is no ideal to compare with.
func Ratio(wall, ideal time.Duration) float64 {
	if ideal <= 0 {
		return 0
	}
	return wall.Seconds() / ideal.Seconds()
}
