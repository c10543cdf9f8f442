package ossserver

import (
	"encoding/json"
	"io"
	"sync"
	"time"
)

// LogEntry is one line of the access log. Tests and benchmarks count
// requests from it.
type LogEntry struct {
	Time       string  `json:"time"`
	RequestID  string  `json:"request_id"`
	Op         string  `json:"op"`
	Method     string  `json:"method"`
	Bucket     string  `json:"bucket,omitempty"`
	Key        string  `json:"key,omitempty"`
	PartNumber int     `json:"part_number,omitempty"`
	UploadID   string  `json:"upload_id,omitempty"`
	Status     int     `json:"status"`
	Code       string  `json:"code,omitempty"`
	DurationMS float64 `json:"duration_ms"`
	Bytes      int64   `json:"bytes,omitempty"`
	Fault      string  `json:"fault,omitempty"`
}

type accessLog struct {
	mu sync.Mutex
	w  io.Writer
}

func newAccessLog(w io.Writer) *accessLog { return &accessLog{w: w} }

func (l *accessLog) write(rq *request) {
	if l.w == nil {
		return
	}
	status := rq.status
	if status == 0 {
		status = 200
	}
	if rq.fault == "reset" {
		status = 0 // the client saw no status
	}
	line, _ := json.Marshal(LogEntry{
		Time: rq.start.UTC().Format(time.RFC3339Nano), RequestID: rq.id, Op: rq.op, Method: rq.r.Method,
		Bucket: rq.bucket, Key: rq.key, PartNumber: rq.partNumber, UploadID: rq.uploadID,
		Status: status, Code: rq.code, DurationMS: float64(time.Since(rq.start).Microseconds()) / 1000,
		Bytes: rq.bytes, Fault: rq.fault,
	})
	l.mu.Lock()
	defer l.mu.Unlock()
	_, _ = l.w.Write(append(line, '\n'))
}
