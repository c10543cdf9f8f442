// Package observe is the one way osscopy tells what it does: the copy of
// an object (worker), a bulk run (internal/bulk), the retries
// (internal/retry) and the run's adaptive gate (internal/gate) report to
// an Observer, and everything that shows or counts progress implements
// it: the progress bar and lines of the command line, the plain and JSON
// lines of a bulk run, its summary's counters.
//
// It depends on the standard library only, so that every package may
// report to it without depending on another.
package observe
