package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Options say what Run runs and how it starts its children.
type Options struct {
	Suite Suite
	Start Starter
	// Log receives a line per copy as the benchmark goes; nil: none.
	Log io.Writer
}

// Run runs every scenario of the suite with every tool, one after the
// other (never two at once: they would share the CPUs), and reports.
// A copy that fails is a row that says so; an error is returned only
// when the benchmark itself cannot go on (a child that does not start).
func Run(ctx context.Context, o Options) (Report, error) {
	rep := Report{Suite: o.Suite, Started: time.Now().UTC().Truncate(time.Second)}
	start := time.Now()
	logw := o.Log
	if logw == nil {
		logw = io.Discard
	}
	dir, err := os.MkdirTemp("", "osscopy-bench-")
	if err != nil {
		return rep, fmt.Errorf("making a directory for checkpoints: %w", err)
	}
	defer os.RemoveAll(dir)
	n, total := 0, len(o.Suite.Scenarios)*len(Tools)
	for _, sc := range o.Suite.Scenarios {
		for _, tool := range Tools {
			n++
			fmt.Fprintf(logw, "[%d/%d] %s: %s ... ", n, total, sc.Name, tool)
			row, err := runOne(ctx, o, sc, tool, filepath.Join(dir, sc.Name+"-"+string(tool)))
			if err != nil {
				fmt.Fprintln(logw, "error")
				return rep, fmt.Errorf("scenario %s, %s: %w", sc.Name, tool, err)
			}
			fmt.Fprintf(logw, "%.2fs, %.3f x ideal, completed %v\n", row.WallSeconds, row.Ratio, row.Completed)
			rep.Rows = append(rep.Rows, row)
		}
	}
	rep.Seconds = time.Since(start).Seconds()
	return rep, nil
}

// runOne copies the scenario's object with tool on a fresh server.
func runOne(ctx context.Context, o Options, sc Scenario, tool Tool, checkpointDir string) (Row, error) {
	set, err := settingsFor(tool, sc)
	if err != nil {
		return Row{}, err
	}
	plan, err := PlanFor(tool, sc.Size, set)
	if err != nil {
		return Row{}, err
	}
	ideal, err := Ideal(o.Suite.Model, plan, sc.Capacity)
	if err != nil {
		return Row{}, err
	}
	row := Row{Scenario: sc.Name, Title: sc.Title, Tool: tool, Plan: plan, Capacity: sc.Capacity, IdealSeconds: ideal.Seconds()}
	id, secret := randomHex(10), randomHex(20)
	srv, err := startServer(o.Start, serverSpec{AccessKeyID: "LTAI" + id, AccessKeySecret: secret, Model: o.Suite.Model,
		Size: sc.Size, ErrorRate: sc.ErrorRate, Capacity: sc.Capacity, FaultSeed: o.Suite.FaultSeed})
	if err != nil {
		return row, err
	}
	defer srv.stop()
	spec := clientSpec{Tool: tool, Endpoint: srv.endpoint, AccessKeyID: "LTAI" + id, AccessKeySecret: secret,
		DstKey: "copy-of-big.bin", Settings: set, CheckpointDir: checkpointDir}
	runs := 1
	if sc.Interrupt {
		runs = 2
	}
	for i := range runs {
		spec.Interrupt = sc.Interrupt && i == 0
		res, use, err := runClient(ctx, o.Start, spec)
		if err != nil {
			return row, err
		}
		row.Runs++
		row.WallSeconds += res.WallSeconds
		row.CPUSeconds += use.cpu.Seconds()
		row.PeakRSSMiB = max(row.PeakRSSMiB, use.peakRSSMiB)
		row.ToolRetries += res.ToolRetries
		row.Completed, row.Error = res.Completed, res.Error
		if spec.Interrupt {
			row.Interrupted = res.Interrupted
			c, err := srv.counts()
			if err != nil {
				return row, err
			}
			row.FirstRunCopied = c.Succeeded[opPartCopy]
		}
	}
	if row.Counts, err = srv.counts(); err != nil {
		return row, err
	}
	row.Retries, row.Recopied = row.Counts.Retries(), row.Counts.Recopied()
	row.Ratio = Ratio(time.Duration(row.WallSeconds*float64(time.Second)), ideal)
	if span := row.Counts.PartsSpan(); row.Runs == 1 && span > 0 {
		row.PartsSeconds, row.PartsRatio = span.Seconds(), Ratio(span, ideal)
	}
	// Checked after the counts, so that these requests are not counted.
	v := newVerifier(srv.endpoint, spec.AccessKeyID, spec.AccessKeySecret)
	if row.Completed {
		if err := v.sameContent(ctx, spec.DstKey); err != nil {
			row.Error = strings.TrimSpace(row.Error + " " + err.Error())
		} else {
			row.CRC64Verified = true
		}
	}
	if row.UploadsLeft, err = v.openUploads(ctx); err != nil {
		return row, err
	}
	return row, srv.stop()
}
