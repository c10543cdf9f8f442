package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/osscopy/osscopy/checkpoint"
	"github.com/osscopy/osscopy/internal/cleanup"
	"github.com/osscopy/osscopy/internal/cli"
	"github.com/osscopy/osscopy/internal/ossclient"
	"github.com/osscopy/osscopy/internal/ossurl"
)

type cleanupFlags struct {
	conn                        connFlags
	olderThan                   time.Duration
	dryRun, includeResumable    bool
	parallel, retryTimes        int
	checkpointDir, outputFormat string
}

func newCleanupCommand() *cobra.Command {
	f := &cleanupFlags{}
	cmd := &cobra.Command{
		Use:   "cleanup oss://BUCKET[/PREFIX]",
		Short: "Abort the multipart uploads left behind in a bucket, which cost storage until aborted",
		Long: `Find the multipart uploads in progress under oss://BUCKET[/PREFIX], left behind by osscopy
or anything else, and abort those initiated at least --older-than ago: their parts cost
storage until then. Run it with --dry-run first to see what it would abort.

Uploads that a checkpoint in --checkpoint-dir can still resume are kept (abort them too
with --include-resumable). An upload of a copy running on another machine cannot be told
apart from an abandoned one: choose --older-than longer than your longest copy.

Exit status: 0 every chosen upload was aborted (or is gone); 1 some abort or the listing
failed (each failure is reported); 2 a flag or the URL is wrong.`,
		Example: `  osscopy cleanup oss://dst --older-than 24h --dry-run
  osscopy cleanup oss://dst/backups/ --older-than 7d --output-format json`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return cli.Usage(fmt.Errorf("cleanup takes one oss://BUCKET[/PREFIX], not %d arguments (see 'osscopy cleanup --help')", len(args)))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error { return runCleanup(cmd, f, args[0]) },
	}
	fl := cmd.Flags()
	durationVar(fl, &f.olderThan, "older-than", 24*time.Hour, "abort only uploads initiated at least this long ago, like 24h or 7d")
	fl.BoolVar(&f.dryRun, "dry-run", false, "list what would be aborted, and abort nothing")
	fl.BoolVar(&f.includeResumable, "include-resumable", false, "abort uploads that a local checkpoint could resume too")
	fl.IntVar(&f.parallel, "parallel", 16, "aborts in flight at once")
	fl.IntVar(&f.retryTimes, "retry-times", 3, "retries of a request that failed transiently (5xx, throttling, network)")
	fl.StringVar(&f.checkpointDir, "checkpoint-dir", "", "where osscopy keeps checkpoints (default $XDG_STATE_HOME/osscopy or ~/.local/state/osscopy)")
	fl.StringVar(&f.outputFormat, "output-format", "text", "text, or json: every upload found with what was done, and the counts")
	addConnFlags(cmd, &f.conn)
	return cmd
}

func runCleanup(cmd *cobra.Command, f *cleanupFlags, target string) error {
	u, err := ossurl.Parse(target)
	if err != nil {
		return cli.Usage(err)
	}
	switch {
	case f.olderThan < 0:
		return cli.Usage(fmt.Errorf("--older-than must not be negative, not %s", f.olderThan))
	case f.parallel < 1:
		return cli.Usage(fmt.Errorf("--parallel must be 1 or more, not %d", f.parallel))
	case f.retryTimes < 0:
		return cli.Usage(fmt.Errorf("--retry-times must be 0 or more, not %d", f.retryTimes))
	case f.outputFormat != "text" && f.outputFormat != "json":
		return cli.Usage(fmt.Errorf("--output-format must be text or json, not %q", f.outputFormat))
	}
	o := cleanup.Options{Bucket: u.Bucket, Prefix: u.Key, OlderThan: f.olderThan, DryRun: f.dryRun, Parallel: f.parallel,
		Now: time.Now()}
	if !f.includeResumable {
		dir := f.checkpointDir
		if dir == "" {
			if dir, err = checkpoint.DefaultDir(); err != nil {
				return err
			}
		}
		if o.Resumable, err = checkpoint.UploadIDs(dir); err != nil {
			return fmt.Errorf("%w (give --include-resumable to abort regardless of checkpoints)", err)
		}
	}
	settings, err := f.conn.resolve()
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	api := ossclient.NewAPI(settings, f.retryTimes)
	if err := api.Probe(ctx, u.Bucket); err != nil {
		return err
	}
	rep, runErr := cleanup.Run(ctx, api, o)
	if err := printCleanup(cmd, f.outputFormat, u, rep); err != nil {
		return err
	}
	if runErr != nil {
		return runErr
	}
	if n := rep.Failed(); n > 0 {
		return fmt.Errorf("%d of the uploads could not be aborted (see above): fix the cause and run again", n)
	}
	return nil
}

func printCleanup(cmd *cobra.Command, format string, u ossurl.URL, rep cleanup.Report) error {
	w := cmd.OutOrStdout()
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	for _, up := range rep.Uploads {
		line := fmt.Sprintf("%-14s oss://%s/%s upload %s, initiated %s", up.Action, u.Bucket, up.Key, up.UploadID,
			up.Initiated.Format(time.RFC3339))
		switch {
		case up.Checkpoint != "":
			line += ", resumable from " + up.Checkpoint
		case up.Error != "":
			line += ": " + up.Error
		}
		fmt.Fprintln(w, line)
	}
	fmt.Fprintf(w, "%d uploads under %s: %d aborted, %d would be aborted (dry run), %d already gone, %d failed, "+
		"%d kept as newer than the limit, %d kept as resumable\n", len(rep.Uploads), u, rep.Counts[cleanup.Aborted],
		rep.Counts[cleanup.WouldAbort], rep.Counts[cleanup.AlreadyGone], rep.Failed(), rep.Counts[cleanup.KeptRecent],
		rep.Counts[cleanup.KeptResumable])
	return nil
}
