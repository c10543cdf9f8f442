package bench

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/osscopy/osscopy/internal/lab/ossserver"
)

// TestCounter: retries and re-copies are counted per part number, over
// uploads, from the access log's lines.
func TestCounter(t *testing.T) {
	c := newCounter()
	for _, e := range []ossserver.LogEntry{
		{Op: "HeadObject", Status: 200},
		{Op: "InitiateMultipartUpload", Status: 200},
		{Op: "UploadPartCopy", PartNumber: 1, Status: 200, Time: "2026-01-02T03:04:05.5Z", DurationMS: 100},
		{Op: "UploadPartCopy", PartNumber: 2, Status: 503, Fault: "error-503", Time: "2026-01-02T03:04:05.25Z", DurationMS: 1},
		{Op: "UploadPartCopy", PartNumber: 2, Status: 503, Code: "ActiveRequestLimitExceeded", Fault: "throttle"},
		{Op: "UploadPartCopy", PartNumber: 2, Status: 200},
		{Op: "UploadPartCopy", PartNumber: 3, Status: 499},
		// a second run, on a new upload, copies 1 again and then 3
		{Op: "UploadPartCopy", PartNumber: 1, Status: 200},
		{Op: "UploadPartCopy", PartNumber: 3, Status: 200, Time: "2026-01-02T03:04:06Z", DurationMS: 750.5},
		{Op: "AbortMultipartUpload", Status: 204, Time: "2026-01-02T03:04:09Z"},
	} {
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		if n, err := c.Write(append(b, '\n')); n != len(b)+1 || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	if _, err := c.Write([]byte("not json\n")); err != nil {
		t.Fatal(err)
	}
	got := c.snapshot()
	if got.Requests["UploadPartCopy"] != 7 || got.Succeeded["UploadPartCopy"] != 4 || got.Succeeded["AbortMultipartUpload"] != 1 {
		t.Errorf("requests %v, succeeded %v", got.Requests, got.Succeeded)
	}
	if got.Injected != 1 || got.Throttled != 1 || got.Cut != 1 {
		t.Errorf("injected %d, throttled %d, cut %d; want 1 each", got.Injected, got.Throttled, got.Cut)
	}
	if got.PartsTried != 3 || got.PartsCopied != 3 {
		t.Errorf("parts tried %d, copied %d; want 3 and 3", got.PartsTried, got.PartsCopied)
	}
	if got.Retries() != 4 || got.Recopied() != 1 || got.Total() != 10 {
		t.Errorf("retries %d, re-copied %d, total %d; want 4, 1, 10", got.Retries(), got.Recopied(), got.Total())
	}
	if span := got.PartsSpan(); span != 1500500*time.Microsecond {
		t.Errorf("parts span %v, want 1.5005s (first part to the end of the last; not the abort)", span)
	}
	if (Counts{}).PartsSpan() != 0 {
		t.Error("no parts have a span")
	}
	got.Requests["HeadObject"] = 99 // a snapshot is a copy
	if c.snapshot().Requests["HeadObject"] != 1 {
		t.Error("the snapshot shares its map with the counter")
	}
}
