// Package bench compares osscopy with the Go SDK's own Copier
// (oss.NewCopier, alibabacloud-oss-go-sdk-v2) on the local OSS server, in
// one reproducible run: `go run ./cmd/osscopy-bench` (docs/BENCHMARKS.md
// has the figures).
//
// The server (internal/lab/ossserver) runs with a latency model: every request
// waits Model.Latency, and a part copy then copies at Model.Bandwidth bytes
// per second, each request on its own. Objects are synthetic (server
// seeds): no bytes are stored or moved. Each scenario is run with three
// contenders (Tools): osscopy as `osscopy cp` runs it, the Copier at its
// defaults, and the Copier at osscopy's parallelism and part size. The
// scenarios (Full, Quick): a 100 GiB object; 10,000 parts at parallel 64;
// 2% of requests failing with 500 or 503; a server that holds fewer
// requests than the parallelism and throttles the rest (503 with
// Retry-After); a copy interrupted halfway and run again.
//
// For each, a Row reports the plan the tool made, the ideal for that plan
// (Ideal: waves of parts times the time per part), the wall time and its
// ratio to the ideal, the requests the server saw by operation (counted
// from its access log), retries and parts copied twice, the client's CPU
// time and peak RSS, whether the copy completed, and whether the
// destination's CRC64 equals the source's.
//
// Processes: see child.go. The server and every run of every copy are
// child processes of the benchmark, so that each client's CPU time and
// peak RSS are its own, measured by the operating system.
//
// Pure parts (no I/O): model.go (Ideal, Ratio), plan.go (the plans of both
// tools), scenario.go, table.go and markdown.go (rendering), chart.go.
package bench
