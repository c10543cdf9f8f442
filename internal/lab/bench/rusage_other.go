//go:build !unix

package bench

import "os"

// usageOf reads a finished child's CPU time; peak RSS is not measured here.
func usageOf(ps *os.ProcessState) usage {
	return usage{cpu: ps.UserTime() + ps.SystemTime()}
}
