//go:build unix

package bench

import (
	"os"
	"runtime"
	"syscall"
)

// usageOf reads a finished child's CPU time and peak RSS from its rusage.
func usageOf(ps *os.ProcessState) usage {
	u := usage{cpu: ps.UserTime() + ps.SystemTime()}
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		rss := float64(ru.Maxrss) * 1024 // Linux and the BSDs report KiB
		if runtime.GOOS == "darwin" {
			rss = float64(ru.Maxrss) // macOS reports bytes
		}
		u.peakRSSMiB = rss / (1 << 20)
	}
	return u
}
