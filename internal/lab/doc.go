// Package lab holds what tests and measures osscopy and never runs in a
// user's copy: the OSS-compatible server (ossserver, also behind `osscopy
// server` and `osscopy demo`), the end-to-end harness that runs the real
// binary against it (e2e), the benchmark (bench), test helpers (osstest),
// the outside clients' suites that judge the server (compat) and the
// server's synthetic-content arithmetic (crcmath).
//
// The product is planner, worker, checkpoint and the internal packages
// outside lab.
package lab
