// Package e2e is the harness of osscopy's end-to-end bulk, fault and
// hostile-input suites (internal/lab/e2e/bulk, internal/lab/e2e/faults,
// internal/lab/e2e/hostile). It drives the real binary the way a user does:
// Main builds `osscopy` once per test binary (with -race when the tests are
// race-built, so that a data race in osscopy fails the test that provoked
// it), StartServer runs `osscopy server` with flags and reads its banner
// (StartServerProc runs it with a test's own flags only), Start and Run
// run `osscopy` with arguments and an environment, Server.Log reads the
// server's JSON access log to count requests, and the SDK helpers check
// what the server holds afterwards. For `cp -r` runs,
// Proc.BulkSummary, ReadFailureReport and ReadJournal read what a run wrote
// into the product's own types (bulk.Summary, bulk.Failure,
// checkpoint.Entry), so that every suite reads it one way.
//
// The invariant every suite checks: a run ends with the destination
// byte-identical to the source (its size and CRC64 equal the source's, and
// sampled ranges read back equal) or with no destination object at all, and
// the parts an interrupted run paid for are still resumable.
//
// Tests are short by default; OSSCOPY_LONG=1 (Long) runs the stress loops
// at full length.
package e2e
