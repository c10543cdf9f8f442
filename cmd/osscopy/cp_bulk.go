package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/osscopy/osscopy/checkpoint"
	"github.com/osscopy/osscopy/internal/bulk"
	"github.com/osscopy/osscopy/internal/cli"
	"github.com/osscopy/osscopy/internal/gate"
	"github.com/osscopy/osscopy/internal/localfile"
	"github.com/osscopy/osscopy/internal/observe"
	"github.com/osscopy/osscopy/internal/ossurl"
	"github.com/osscopy/osscopy/internal/units"
)

// exitSomeFailed is the exit status of a bulk run in which some objects
// failed (listed in the failure report) and the others were copied.
const exitSomeFailed = 4

// bulkFlags select and schedule the objects of cp -r and --files-from.
type bulkFlags struct {
	recursive, ignoreExisting, update, dryRun, adaptive bool
	filesFrom, minSize, maxSize, shard                  string
	rules                                               []bulk.Rule
}

func addBulkFlags(fl *pflag.FlagSet, b *bulkFlags) {
	fl.BoolVarP(&b.recursive, "recursive", "r", false, "copy every object under the source prefix to the destination prefix")
	fl.StringVar(&b.filesFrom, "files-from", "", "copy the objects this file names (- for stdin): KEY or SOURCE_KEY,DESTINATION_KEY per line (CSV), relative to the prefixes or as oss:// URLs; # starts a comment")
	fl.Var(ruleFlag{&b.rules, true}, "include", "copy only keys matching this glob (repeatable; rules apply in order, the first match decides; see README)")
	fl.Var(ruleFlag{&b.rules, false}, "exclude", "skip keys matching this glob (repeatable; rules apply in order, the first match decides)")
	fl.StringVar(&b.minSize, "min-size", "", "skip objects smaller than this, like 1MiB")
	fl.StringVar(&b.maxSize, "max-size", "", "skip objects larger than this, like 5GiB")
	fl.BoolVar(&b.ignoreExisting, "ignore-existing", false, "skip objects whose destination exists, whatever it holds")
	fl.BoolVarP(&b.update, "update", "u", false, "skip objects whose destination has the same size and CRC64; copy the others")
	fl.BoolVar(&b.dryRun, "dry-run", false, "list what would be copied and how, with the requests and bytes, and write nothing")
	fl.StringVar(&b.shard, "shard", "", "copy only shard K of N (K/N, 0 <= K < N; by a hash of the source key): N processes split one migration")
	fl.BoolVar(&b.adaptive, "adaptive", true, "shrink the requests in flight when OSS throttles and grow them back after (false: keep --parallel fixed)")
}

// ruleFlag appends to one ordered list from both --include and --exclude:
// pflag calls Set in command-line order, which separate flags would lose.
type ruleFlag struct {
	rules   *[]bulk.Rule
	include bool
}

func (f ruleFlag) Set(v string) error {
	*f.rules = append(*f.rules, bulk.Rule{Include: f.include, Pattern: v})
	return nil
}

func (f ruleFlag) Type() string { return "glob" }

func (f ruleFlag) String() string {
	if f.rules == nil {
		return ""
	}
	var out []string
	for _, r := range *f.rules {
		if r.Include == f.include {
			out = append(out, r.Pattern)
		}
	}
	return strings.Join(out, ",")
}

// on reports whether the command is a bulk run.
func (b *bulkFlags) on() bool { return b.recursive || b.filesFrom != "" }

// checkSingle refuses bulk-only flags on a copy of one object.
func (b *bulkFlags) checkSingle(fl *pflag.FlagSet) error {
	for _, name := range []string{"include", "exclude", "min-size", "max-size", "ignore-existing", "dry-run", "shard", "adaptive"} {
		if fl.Changed(name) {
			return fmt.Errorf("--%s applies to bulk copies: add -r to copy a prefix, or --files-from to copy a list", name)
		}
	}
	return nil
}

// selection checks the selection flags.
func (b *bulkFlags) selection() (bulk.Selection, error) {
	sel := bulk.Selection{Rules: b.rules, MaxSize: -1}
	var err error
	if b.minSize != "" {
		if sel.MinSize, err = units.ParseSize(b.minSize); err != nil {
			return sel, fmt.Errorf("--min-size: %w", err)
		}
	}
	if b.maxSize != "" {
		if sel.MaxSize, err = units.ParseSize(b.maxSize); err != nil {
			return sel, fmt.Errorf("--max-size: %w", err)
		}
	}
	if b.shard != "" {
		if sel.Shard, sel.Shards, err = bulk.ParseShard(b.shard); err != nil {
			return sel, err
		}
	}
	if b.ignoreExisting && b.update {
		return sel, errors.New("--ignore-existing and --update contradict each other: --ignore-existing skips every existing destination, --update only those equal to their source")
	}
	return sel, sel.Check()
}

// locations reads the source and destination of a bulk run as prefixes.
func bulkLocations(srcArg, dstArg string, manifest bool) (bulk.Location, bulk.Location, error) {
	src, err := ossurl.Parse(srcArg)
	if err != nil {
		return bulk.Location{}, bulk.Location{}, fmt.Errorf("source: %w", err)
	}
	dst, err := ossurl.Parse(dstArg)
	if err != nil {
		return bulk.Location{}, bulk.Location{}, fmt.Errorf("destination: %w", err)
	}
	s, d := bulk.Location{Bucket: src.Bucket, Prefix: src.Key}, bulk.Location{Bucket: dst.Bucket, Prefix: dst.Key}
	if !manifest && s.Bucket == d.Bucket && (strings.HasPrefix(s.Prefix, d.Prefix) || strings.HasPrefix(d.Prefix, s.Prefix)) {
		return s, d, fmt.Errorf("%s and %s overlap: the copies would land among the sources (listed again, or overwriting them); copy to a prefix outside the source", s, d)
	}
	return s, d, nil
}

func runBulk(cmd *cobra.Command, f *cpFlags, srcArg, dstArg string) error {
	opts, err := f.bulkOptions(cmd, srcArg, dstArg)
	if err != nil {
		return cli.Usage(err)
	}
	if f.bulk.filesFrom != "" {
		in, closeIn, err := openManifest(f.bulk.filesFrom, cmd.InOrStdin(), opts.Source, opts.Dest)
		if err != nil {
			return cli.Usage(err)
		}
		defer closeIn()
		opts.FilesFrom = in
	}
	client, err := f.conn.client()
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	context.AfterFunc(ctx, stop) // a second signal kills at once
	if err := client.Probe(ctx, opts.Source.Bucket); err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	prog := newBulkProgress(cmd.ErrOrStderr(), f.noProgress)
	opts.Observer = bulkLines{prog: prog, out: out, format: f.outputFormat, dryRun: opts.DryRun}
	run := bulk.New(client, client, gate.New(f.parallel, f.bulk.adaptive, opts.Observer), opts)
	prog.start(run.Snapshot)
	sum, err := run.Run(ctx)
	prog.stop()
	if sum.Journal != "" { // the run started: say what it did, even if it could not go on
		if err != nil {
			sum.Error = err.Error()
		}
		if perr := printSummary(out, f.outputFormat, sum); perr != nil {
			return errors.Join(err, perr)
		}
	}
	if err == nil && sum.Listed == 0 && f.bulk.recursive {
		fmt.Fprintf(cmd.ErrOrStderr(), "0 objects under %s: the bucket is empty\n", sum.Source)
	}
	if errors.Is(err, bulk.ErrInterrupted) {
		return resumable(err, cmd.Flags())
	}
	if errors.Is(err, bulk.ErrManifest) { // read from a pipe: the lines before it went on
		return cli.Usage(fmt.Errorf("--files-from %s: %w\nthe objects of the lines before it were copied and journaled: fix the line and run again to copy the rest", f.bulk.filesFrom, err))
	}
	if err != nil {
		return err
	}
	if sum.Failed > 0 {
		where := "each is a JSON line (source, destination, error_code, message, attempts) in " + sum.FailureReport
		if sum.FailureReport == "" {
			where = "the failure report could not be written (see the errors above)"
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "%d objects failed; %s; fix the cause and run the same command again to retry them\n", sum.Failed, where)
		return exitStatus{exitSomeFailed}
	}
	return nil
}

// bulkOptions turns the flags into a run's options, checking everything
// before any request is sent.
func (f *cpFlags) bulkOptions(cmd *cobra.Command, srcArg, dstArg string) (bulk.Options, error) {
	var opts bulk.Options
	if f.versionID != "" {
		return opts, errors.New("--version-id names one object's version: it does not apply to -r or --files-from")
	}
	if f.bulk.recursive && f.bulk.filesFrom != "" {
		return opts, errors.New("-r copies every object under the source prefix and --files-from the objects a list names: give one of them")
	}
	src, dst, err := bulkLocations(srcArg, dstArg, f.bulk.filesFrom != "")
	if err != nil {
		return opts, err
	}
	sel, err := f.bulk.selection()
	if err != nil {
		return opts, err
	}
	job, err := f.template()
	if err != nil {
		return opts, err
	}
	if err := checkOutputFormat(f.outputFormat); err != nil {
		return opts, err
	}
	opts = bulk.Options{Source: src, Dest: dst, Select: sel, IgnoreExisting: f.bulk.ignoreExisting, Update: f.bulk.update,
		DryRun: f.bulk.dryRun, Job: job,
		// The options that change what an object becomes name another run:
		// its journal's entries say nothing of copies made with these.
		RunName: checkpoint.RunName(src.String(), dst.String(), "files-from="+f.bulk.filesFrom, sel.String(), fmt.Sprint(job.Shape()))}
	if f.fresh && !opts.DryRun {
		if err := checkpoint.DiscardJournal(job.CheckpointDir, opts.RunName); err != nil {
			return opts, err
		}
	}
	return opts, nil
}

// openManifest opens --files-from: "-" for stdin, a FIFO (a pipe, as
// <(...) gives), both read as the run goes, or a regular file, which is
// checked whole before any request. A device is refused: none holds a
// list of keys, and /dev/zero would never end.
func openManifest(name string, stdin io.Reader, src, dst bulk.Location) (io.Reader, func(), error) {
	if name == "-" {
		return stdin, func() {}, nil
	}
	if fi, err := os.Stat(name); err == nil && fi.Mode()&fs.ModeNamedPipe != 0 {
		f, err := openFIFO(name, fifoWriterWait)
		if err != nil {
			return nil, nil, err
		}
		return f, func() { f.Close() }, nil
	}
	f, err := localfile.OpenFile(name, os.O_RDONLY, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("--files-from: %w; give a file of keys, a pipe, or - for stdin", err)
	}
	err = bulk.CheckManifest(f, src, dst)
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("--files-from %s: %w", name, err)
	}
	return f, func() { f.Close() }, nil
}

// fifoWriterWait bounds the wait for a program to open the other end of a
// FIFO given to --files-from: <(...) and a writer started first are
// there at once; nobody at all would be a wait without end.
const fifoWriterWait = 10 * time.Second

// openFIFO opens a FIFO for reading, waiting at most wait for a writer.
func openFIFO(name string, wait time.Duration) (*os.File, error) {
	type result struct {
		f   *os.File
		err error
	}
	opened := make(chan result, 1)
	// After the wait, this open stays blocked until the process exits,
	// which the usage error is about to make it do.
	go func() {
		f, err := os.Open(name)
		opened <- result{f, err}
	}()
	select {
	case r := <-opened:
		if r.err != nil {
			return nil, fmt.Errorf("--files-from: %w", r.err)
		}
		return r.f, nil
	case <-time.After(wait):
		return nil, fmt.Errorf("--files-from %s is a FIFO that no program opened for writing within %v: start the writer first, or pipe the list to --files-from -", name, wait)
	}
}

func checkOutputFormat(format string) error {
	if format != "text" && format != "json" {
		return fmt.Errorf("--output-format must be text or json, not %q", format)
	}
	return nil
}

// bulkLines observes a bulk run for its user: notes and failures above the
// status line, and a dry run's line for each object on stdout.
type bulkLines struct {
	observe.Nop
	prog   *bulkProgress
	out    io.Writer
	format string
	dryRun bool
}

func (b bulkLines) Note(n observe.Note) {
	b.prog.note(n.Source + ": " + n.Message)
}

func (b bulkLines) Retry(r observe.Retry) {
	b.prog.retried(r)
}

func (b bulkLines) ObjectFinished(o observe.Outcome) {
	if b.dryRun {
		b.prog.above(func() { printOutcome(b.out, b.format, o) })
	}
	if o.Action == observe.ActionFailed {
		b.prog.note(fmt.Sprintf("failed: %s: %s", o.Source, o.Error))
	}
}

// printOutcome prints a dry run's line for one object.
func printOutcome(w io.Writer, format string, o observe.Outcome) {
	if format == "json" {
		line, _ := json.Marshal(o)
		fmt.Fprintf(w, "%s\n", line)
		return
	}
	switch o.Action {
	case observe.ActionWouldCopy:
		fmt.Fprintf(w, "would copy %s to %s: %s, %s, %d requests\n", o.Source, o.Destination, units.FormatSize(o.Size), o.How, o.Requests)
	case observe.ActionSkipped:
		fmt.Fprintf(w, "would skip %s: %s\n", o.Source, o.Reason)
	case observe.ActionFailed:
		fmt.Fprintf(w, "cannot copy %s: %s\n", o.Source, o.Error)
	}
}

// printSummary prints what the run did: text, or one JSON object.
func printSummary(w io.Writer, format string, s bulk.Summary) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(s)
	}
	skipped := s.Skipped.DoneBefore + s.Skipped.Exists + s.Skipped.UpToDate + s.Skipped.Duplicate
	verb, requests := "copied", fmt.Sprintf("%s requests, %s throttled, %s retries", units.Group(s.Requests), units.Group(s.Throttled), units.Group(s.Retries))
	if s.DryRun {
		verb, requests = "dry run: would copy", fmt.Sprintf("about %s requests; nothing was written", units.Group(s.Requests))
	}
	if s.Error != "" { // not to be read as a success: the error follows on stderr
		verb = "run ended with an error: " + verb
	}
	fmt.Fprintf(w, "%s %s objects (%s) from %s to %s in %.1fs; %s skipped (%s done before, %s existing, %s up to date, %s duplicates), %s failed, %s filtered out of %s listed; %s\n",
		verb, units.Group(s.Copied), units.FormatSize(s.Bytes), s.Source, s.Destination, s.Seconds, units.Group(skipped),
		units.Group(s.Skipped.DoneBefore), units.Group(s.Skipped.Exists), units.Group(s.Skipped.UpToDate), units.Group(s.Skipped.Duplicate), units.Group(s.Failed), units.Group(s.Filtered), units.Group(s.Listed), requests)
	if !s.DryRun {
		fmt.Fprintf(w, "journal: %s\n", s.Journal)
	}
	return nil
}
