package bench

import "time"

// Report is a whole benchmark run.
type Report struct {
	Suite   Suite     `json:"suite"`
	Started time.Time `json:"started"`
	Seconds float64   `json:"seconds"` // the whole benchmark, children included
	Rows    []Row     `json:"rows"`
}

// Row is one tool in one scenario.
type Row struct {
	Scenario string `json:"scenario"`
	Title    string `json:"title"`
	Tool     Tool   `json:"tool"`
	// Plan is what the tool did: its parts, part size and parallelism.
	Plan     Plan `json:"plan"`
	Capacity int  `json:"capacity,omitempty"`
	// IdealSeconds is Ideal(model, Plan, Capacity); WallSeconds the time
	// the copy took inside the client process (both runs when interrupted).
	IdealSeconds float64 `json:"ideal_seconds"`
	WallSeconds  float64 `json:"wall_seconds"`
	Ratio        float64 `json:"ratio"`
	// PartsSeconds is Counts.PartsSpan: the part copies alone, on the
	// server's clock (0 for an interrupted copy, whose span has a gap);
	// PartsRatio its ratio to the ideal.
	PartsSeconds float64 `json:"parts_seconds,omitempty"`
	PartsRatio   float64 `json:"parts_ratio,omitempty"`
	// Runs is how many times the copy was run (2 when interrupted);
	// FirstRunCopied the parts the server copied in the first run.
	Runs           int   `json:"runs"`
	Interrupted    bool  `json:"interrupted,omitempty"`
	FirstRunCopied int64 `json:"first_run_copied,omitempty"`
	// Counts are the server's, over all runs; Retries and Recopied come
	// from them (see Counts.Retries and Counts.Recopied).
	Counts   Counts `json:"counts"`
	Retries  int64  `json:"retries"`
	Recopied int64  `json:"recopied"`
	// ToolRetries is what osscopy reported itself (all operations).
	ToolRetries int64 `json:"tool_retries"`
	// CPUSeconds (user + system) and PeakRSSMiB are the client process's
	// (summed and the larger of two runs).
	CPUSeconds float64 `json:"cpu_seconds"`
	PeakRSSMiB float64 `json:"peak_rss_mib"`
	Completed  bool    `json:"completed"`
	// CRC64Verified: the destination's size and CRC64, read back with
	// HEAD by the parent, equal the source's.
	CRC64Verified bool `json:"crc64_verified"`
	// UploadsLeft are multipart uploads left open in the destination
	// bucket at the end (parts the user keeps paying for).
	UploadsLeft int    `json:"uploads_left"`
	Error       string `json:"error,omitempty"`
}
