// Command osscopy-bench benchmarks osscopy against the Go SDK's Copier on
// local OSS servers with a latency model (docs/BENCHMARKS.md). It is a
// program apart so that the osscopy every user installs carries neither
// the benchmark nor gonum/plot, which draws its chart.
package main

import (
	"fmt"
	"os"

	"github.com/osscopy/osscopy/internal/cli"
)

func main() {
	if err := cli.Root(newBenchCommand()).Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "osscopy-bench:", err)
		os.Exit(cli.ExitStatus(err))
	}
}
