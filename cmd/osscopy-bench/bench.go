package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/osscopy/osscopy/internal/cli"
	"github.com/osscopy/osscopy/internal/lab/bench"
)

type benchFlags struct {
	out       string
	quick     bool
	bulk      bool
	scenarios []string
}

func newBenchCommand() *cobra.Command {
	f := &benchFlags{}
	cmd := &cobra.Command{
		Use:   "osscopy-bench",
		Short: "Benchmark osscopy against the Go SDK's Copier on a local OSS server with a latency model",
		Long: `Copy synthetic objects on local OSS servers (each in a child process) with osscopy,
with the Go SDK's Copier at its defaults, and with the Copier at osscopy's parallelism
and part size, in five scenarios: a 100 GiB object; 10,000 parts at parallel 64; 2%
of requests failing with 500/503; a server that throttles above 32 requests in
flight; a copy interrupted halfway and run again. Every request takes 50 ms and part
copies run at 4 GiB/s each.

For each copy: its plan, the ideal (ceil(parts / parallel) x time per part), the wall
time and its ratio to the ideal, requests by operation, retries, parts copied twice,
the client's CPU time and peak RSS, and whether the copy completed with the source's
CRC64. The table is printed; results.md, results.json and wall-vs-ideal.svg are
written to --out. The full run takes a few minutes (the Copier at its defaults copies
3 parts at a time); --quick runs every scenario in seconds on small objects.

--bulk first builds osscopy from the module it is run in (go build), as the bulk
scenarios run it as the server and as the cp -r they measure.`,
		Example: `  go run ./cmd/osscopy-bench --out docs/bench
  go run ./cmd/osscopy-bench --quick
  go run ./cmd/osscopy-bench --scenario 10000-parts --scenario faults
  go run ./cmd/osscopy-bench --bulk --out docs/bench`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return cli.Usage(fmt.Errorf("osscopy-bench takes no arguments, got %q", args))
			}
			return nil
		},
		RunE:              func(cmd *cobra.Command, _ []string) error { return runBench(cmd, f) },
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true}, // a lab tool, not a shell's
	}
	fl := cmd.Flags()
	fl.StringVar(&f.out, "out", "bench-results", "directory to write "+bench.MarkdownFile+", "+bench.JSONFile+" and "+bench.ChartFile+" to")
	fl.BoolVar(&f.quick, "quick", false, "a smoke run of every scenario in seconds (objects of about 1 GiB, 10 ms per request)")
	fl.StringArrayVar(&f.scenarios, "scenario", nil, "run only this scenario (repeatable): "+strings.Join(bench.ScenarioNames(), ", ")+
		"; with --bulk: "+strings.Join(bench.BulkScenarioNames(), ", "))
	fl.BoolVar(&f.bulk, "bulk", false, "run the bulk scenarios instead: cp -r of 1,000,000 objects (dry run, copy, rerun), and adaptive against fixed --parallel under throttling; writes "+
		bench.BulkMarkdownFile+" and "+bench.BulkJSONFile+" (docs/BENCHMARKS.md, \"Bulk runs\")")
	cmd.AddCommand(newBenchChildCommand())
	return cmd
}

// newBenchChildCommand is how the benchmark runs its servers and copies in
// processes of their own: `osscopy-bench child ROLE`, orders on stdin.
func newBenchChildCommand() *cobra.Command {
	return &cobra.Command{
		Use:    "child " + bench.RoleServer + "|" + bench.RoleClient,
		Short:  "A process of the benchmark (internal)",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return bench.RunChild(cmd.Context(), args[0], os.Stdin, cmd.OutOrStdout())
		},
	}
}

func runBench(cmd *cobra.Command, f *benchFlags) error {
	if f.bulk {
		return runBulkBench(cmd, f)
	}
	suite := bench.Full()
	if f.quick {
		suite = bench.Quick()
	}
	suite, err := suite.Select(f.scenarios)
	if err != nil {
		return cli.Usage(fmt.Errorf("--scenario: %w", err))
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("finding this program to run the benchmark's processes: %w", err)
	}
	ctx, stop := interruptible(cmd)
	defer stop()
	rep, err := bench.Run(ctx, bench.Options{Suite: suite, Log: cmd.ErrOrStderr(),
		Start: func(role string) *exec.Cmd { return exec.Command(exe, "child", role) }})
	if err != nil {
		return err
	}
	if err := bench.WriteTable(cmd.OutOrStdout(), rep); err != nil {
		return err
	}
	if err := bench.WriteFiles(f.out, rep); err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "wrote %s, %s and %s\n", filepath.Join(f.out, bench.MarkdownFile),
		filepath.Join(f.out, bench.JSONFile), filepath.Join(f.out, bench.ChartFile))
	return nil
}

// runBulkBench runs the bulk scenarios with osscopy, built for the run, as
// both the server and the cp -r under test, each in a process of its own.
func runBulkBench(cmd *cobra.Command, f *benchFlags) error {
	suite := bench.BulkFull()
	if f.quick {
		suite = bench.BulkQuick()
	}
	suite, err := suite.Select(f.scenarios)
	if err != nil {
		return cli.Usage(fmt.Errorf("--scenario: %w", err))
	}
	ctx, stop := interruptible(cmd)
	defer stop()
	dir, err := os.MkdirTemp("", "osscopy-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	fmt.Fprintln(cmd.ErrOrStderr(), "building osscopy, which the bulk scenarios run")
	bin, err := bench.BuildOsscopy(ctx, dir)
	if err != nil {
		return err
	}
	rep, err := bench.RunBulk(ctx, bench.BulkOptions{Suite: suite, Log: cmd.ErrOrStderr(), Bin: bin})
	if terr := bench.WriteBulkTable(cmd.OutOrStdout(), rep); terr != nil || err != nil {
		return errors.Join(err, terr) // what was measured is shown; the files keep the last whole run
	}
	if err := bench.WriteBulkFiles(f.out, rep); err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "wrote %s and %s\n", filepath.Join(f.out, bench.BulkMarkdownFile), filepath.Join(f.out, bench.BulkJSONFile))
	return nil
}

// interruptible is the context of a benchmark run: Ctrl-C or SIGTERM ends
// it, and with it the processes it started.
func interruptible(cmd *cobra.Command) (context.Context, context.CancelFunc) {
	return signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
}
