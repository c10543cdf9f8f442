package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/osscopy/osscopy/checkpoint"
	"github.com/osscopy/osscopy/internal/cli"
	"github.com/osscopy/osscopy/internal/ossapi"
	"github.com/osscopy/osscopy/internal/ossurl"
	"github.com/osscopy/osscopy/internal/retry"
	"github.com/osscopy/osscopy/internal/units"
	"github.com/osscopy/osscopy/planner"
	"github.com/osscopy/osscopy/worker"
)

// DefaultParallel is the default number of part copies in flight (see README).
const DefaultParallel = 64

type cpFlags struct {
	conn                                connFlags
	threshold, partSize                 string
	parallel, retryTimes                int
	checkpointDir, versionID            string
	fresh, noProgress, force            bool
	metadataDirective, taggingDirective string
	meta                                []string
	contentType, cacheControl           string
	contentDisposition, contentEncoding string
	expires, tagging, storageClass      string
	outputFormat                        string
	grace, partTimeout                  time.Duration
	bulk                                bulkFlags
}

func newCpCommand() *cobra.Command {
	f := &cpFlags{}
	cmd := &cobra.Command{
		Use:   "cp oss://SRC_BUCKET/SRC_KEY oss://DST_BUCKET/DST_KEY | -r oss://SRC_BUCKET/[PREFIX] oss://DST_BUCKET/[PREFIX]",
		Short: "Copy objects of any size inside OSS, server-side, resumably, and prove each copy",
		Long: `Copy one object, or every object under a prefix (-r), inside OSS without moving
their bytes through this machine.

Sources up to --bigfile-threshold (1 GiB, the CopyObject limit) are copied with one
CopyObject, and so is a copy of any size within one bucket that keeps the storage class
(OSS allows it; parts are used if OSS refuses, or --part-size or --storage-class is given);
larger ones with a multipart upload whose parts are UploadPartCopy requests,
--parallel at a time. Every request pins the source to the ETag read at the start, so a
source that changes mid-copy fails the copy instead of mixing versions. The state is kept
in a checkpoint: run the same command again after an interruption, a failure or a kill,
and it resumes, asking the server which parts it already holds. At the end the
destination's size and CRC64 must equal the source's, or the command fails.

A destination ending in "/" gets the source's base name.

With -r, every object under the source prefix is copied to the same key under the
destination prefix; with --files-from, the objects a list names. The listing streams page
by page while copies run; all their requests share one budget, --parallel in flight, which
shrinks while OSS throttles and grows back after. Each finished object is recorded in the
run's journal in --checkpoint-dir, so running the same command again copies only what is
left, and large objects in progress resume part by part. An object that fails is retried
as its error allows, then written to the failure report, and the run goes on.
Exit status: 0 all copied, 4 some objects failed (the report says which), 1 the run
could not go on, 2 a flag or a manifest line is wrong.`,
		Example: `  osscopy cp oss://src/big.bin oss://dst/big.bin
  osscopy cp oss://src/big.bin oss://dst/backup/ --parallel 64 --output-format json
  osscopy cp oss://src/a.bin oss://dst/a.bin --metadata-directive REPLACE --content-type video/mp4 --meta owner=alice
  osscopy cp oss://src/a.bin oss://dst/a.bin --fresh       # discard the checkpoint and start over
  osscopy cp -r oss://src/logs/ oss://dst/logs/ --include '*.gz' --dry-run
  osscopy cp --files-from keys.csv oss://src/ oss://dst/ --update
  osscopy cp -r oss://src/ oss://dst/ --shard "$JOB_COMPLETION_INDEX/8"`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 2 {
				return cli.Usage(fmt.Errorf("cp takes a source and a destination, like oss://src/big.bin oss://dst/big.bin; got %d argument(s)", len(args)))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.bulk.on() {
				return runBulk(cmd, f, args[0], args[1])
			}
			if err := f.bulk.checkSingle(cmd.Flags()); err != nil {
				return cli.Usage(err)
			}
			return runCp(cmd, f, args[0], args[1])
		},
	}
	addConnFlags(cmd, &f.conn)
	fl := cmd.Flags()
	fl.StringVar(&f.threshold, "bigfile-threshold", "1GiB", "sources up to this size are copied with one CopyObject (at most 1GiB)")
	fl.StringVar(&f.partSize, "part-size", "", "part size, like 256MiB (default: chosen from the size and --parallel; see README)")
	fl.IntVarP(&f.parallel, "parallel", "j", DefaultParallel, "requests in flight at once (with -r: for the whole run)")
	fl.IntVar(&f.retryTimes, "retry-times", 10, "attempts per request before a transient error fails the copy")
	fl.StringVar(&f.checkpointDir, "checkpoint-dir", "", "where checkpoints are kept (default $XDG_STATE_HOME/osscopy or ~/.local/state/osscopy)")
	fl.BoolVar(&f.fresh, "fresh", false, "discard a saved checkpoint and abort its upload instead of resuming")
	// ossutil's -f answers its overwrite prompts in advance; osscopy asks
	// nothing, so the flag is accepted and changes nothing. It is not
	// --fresh, which would throw a resumable copy's progress away.
	fl.BoolVarP(&f.force, "force", "f", false, "accepted for ossutil's -f: osscopy never asks before overwriting")
	fl.StringVar(&f.versionID, "version-id", "", "copy this version of the source")
	fl.StringVar(&f.metadataDirective, "metadata-directive", "COPY", "COPY the source's metadata, or REPLACE it with the flags below")
	fl.StringArrayVar(&f.meta, "meta", nil, "user metadata key=value with REPLACE (repeatable)")
	fl.StringVar(&f.contentType, "content-type", "", "Content-Type with REPLACE")
	fl.StringVar(&f.cacheControl, "cache-control", "", "Cache-Control with REPLACE")
	fl.StringVar(&f.contentDisposition, "content-disposition", "", "Content-Disposition with REPLACE")
	fl.StringVar(&f.contentEncoding, "content-encoding", "", "Content-Encoding with REPLACE")
	fl.StringVar(&f.expires, "expires", "", "Expires with REPLACE: an HTTP date or RFC 3339, like 2030-01-02T15:04:05Z")
	fl.StringVar(&f.taggingDirective, "tagging-directive", "COPY", "COPY the source's tags, or REPLACE them with --tagging")
	fl.StringVar(&f.tagging, "tagging", "", `tags with REPLACE, like "a=b&c=d"`)
	fl.StringVar(&f.storageClass, "storage-class", "", "storage class of the destination: Standard, IA, Archive, ColdArchive, DeepColdArchive")
	fl.BoolVar(&f.noProgress, "no-progress", false, "show no progress")
	fl.StringVar(&f.outputFormat, "output-format", "text", "text, or json for one JSON result on stdout")
	durationVar(fl, &f.grace, "grace", worker.DefaultGrace, "after Ctrl-C or SIGTERM, how long parts in flight may finish")
	durationVar(fl, &f.partTimeout, "part-timeout", 0, "how long one attempt at a part copy may take before it is retried (default 30s plus the part at 16 MiB/s)")
	addBulkFlags(fl, &f.bulk)
	return cmd
}

func runCp(cmd *cobra.Command, f *cpFlags, srcArg, dstArg string) error {
	job, err := f.job(srcArg, dstArg)
	if err != nil {
		return cli.Usage(err)
	}
	if err := checkOutputFormat(f.outputFormat); err != nil {
		return cli.Usage(err)
	}
	client, err := f.conn.client()
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// The first signal starts a graceful stop; a second one kills at once.
	context.AfterFunc(ctx, stop)
	if err := client.Probe(ctx, job.Source.Bucket); err != nil {
		return err
	}
	prog := newProgress(cmd.ErrOrStderr(), f.noProgress)
	job.Observer = prog
	// The result is printed once the copy is proven, before the checkpoint
	// is removed: a kill never hides a finished copy from its user.
	var printErr error
	printed := false
	job.Proven = func(r worker.Result) {
		prog.finish()
		printErr, printed = printResult(cmd, f.outputFormat, r), true
	}
	res, err := worker.Copy(ctx, client, job)
	prog.finish()
	if errors.Is(err, worker.ErrInterrupted) {
		return resumable(err, cmd.Flags())
	}
	if err != nil {
		return err
	}
	if printed {
		return printErr
	}
	return printResult(cmd, f.outputFormat, res)
}

// job turns the flags into a worker.Job, checking everything before any
// request is sent.
func (f *cpFlags) job(srcArg, dstArg string) (worker.Job, error) {
	var job worker.Job
	src, err := ossurl.Parse(srcArg)
	if err != nil {
		return job, fmt.Errorf("source: %w", err)
	}
	dst, err := ossurl.Parse(dstArg)
	if err != nil {
		return job, fmt.Errorf("destination: %w", err)
	}
	if src.Key == "" || strings.HasSuffix(src.Key, "/") {
		return job, fmt.Errorf("source %s names no object; give its full key, or add -r to copy every object under it", src)
	}
	if dst.Key == "" || strings.HasSuffix(dst.Key, "/") {
		dst.Key += path.Base(src.Key)
	}
	if src == dst && f.versionID == "" {
		return job, fmt.Errorf("source and destination are the same object %s", src)
	}
	if job, err = f.template(); err != nil {
		return job, err
	}
	job.Source = worker.Object{Bucket: src.Bucket, Key: src.Key, VersionID: f.versionID}
	job.Dest = worker.Object{Bucket: dst.Bucket, Key: dst.Key}
	job.Update = f.bulk.update
	return job, nil
}

// template turns the flags every copy shares into a job without its
// source and destination (a bulk run sets them per object).
func (f *cpFlags) template() (job worker.Job, err error) {
	job = worker.Job{Parallel: f.parallel, Fresh: f.fresh, Grace: f.grace, Retry: retry.Default()}
	job.Retry.Attempts = f.retryTimes
	if f.parallel < 1 || f.parallel > 1000 {
		return job, fmt.Errorf("--parallel must be from 1 to 1000, not %d", f.parallel)
	}
	if f.retryTimes < 1 {
		return job, fmt.Errorf("--retry-times must be at least 1, not %d", f.retryTimes)
	}
	if f.partTimeout < 0 || f.partTimeout > worker.MaxPartTimeout {
		return job, fmt.Errorf("--part-timeout must be from 0 (the default) to %s, not %s", worker.MaxPartTimeout, f.partTimeout)
	}
	job.PartTimeout = f.partTimeout
	if job.Threshold, err = units.ParseSize(f.threshold); err != nil {
		return job, fmt.Errorf("--bigfile-threshold: %w", err)
	}
	if f.partSize != "" {
		if job.PartSize, err = units.ParseSize(f.partSize); err != nil {
			return job, fmt.Errorf("--part-size: %w", err)
		}
		if job.PartSize == 0 {
			return job, errors.New("--part-size must be more than 0 (leave it out for the default)")
		}
		if job.PartSize < planner.MinPartSize || job.PartSize > planner.MaxPartSize {
			return job, fmt.Errorf("--part-size %s is outside OSS's limits of 100 KiB to 5 GiB per part", f.partSize)
		}
	}
	if _, err := planner.New(0, planner.Options{Threshold: job.Threshold}); err != nil {
		return job, err
	}
	if job.ReplaceMetadata, err = ossapi.ParseDirective("--metadata-directive", f.metadataDirective); err != nil {
		return job, err
	}
	if job.ReplaceTagging, err = ossapi.ParseDirective("--tagging-directive", f.taggingDirective); err != nil {
		return job, err
	}
	if job.Attributes, err = f.attributes(job.ReplaceMetadata, job.ReplaceTagging); err != nil {
		return job, err
	}
	if job.CheckpointDir = f.checkpointDir; job.CheckpointDir == "" {
		if job.CheckpointDir, err = checkpoint.DefaultDir(); err != nil {
			return job, err
		}
	}
	if fi, err := os.Stat(job.CheckpointDir); err == nil && !fi.IsDir() {
		return job, fmt.Errorf("the checkpoint directory %s is not a directory: give --checkpoint-dir a directory (created if missing)", job.CheckpointDir)
	}
	return job, nil
}

// attributes checks the metadata and tagging flags against the directives.
func (f *cpFlags) attributes(replaceMeta, replaceTags bool) (worker.Attributes, error) {
	a := worker.Attributes{ContentType: f.contentType, CacheControl: f.cacheControl, ContentDisposition: f.contentDisposition,
		ContentEncoding: f.contentEncoding, Expires: f.expires, Tagging: f.tagging}
	metaGiven := len(f.meta) > 0 || a.ContentType != "" || a.CacheControl != "" || a.ContentDisposition != "" || a.ContentEncoding != "" || a.Expires != ""
	if metaGiven && !replaceMeta {
		return a, errors.New("--meta, --content-type, --cache-control, --content-disposition, --content-encoding and --expires need --metadata-directive REPLACE")
	}
	if f.tagging != "" && !replaceTags {
		return a, errors.New("--tagging needs --tagging-directive REPLACE")
	}
	var err error
	if a.Meta, err = ossapi.ParseMetadata("--meta", f.meta); err != nil {
		return a, err
	}
	if a.Tagging, err = ossapi.ParseTagging("--tagging", f.tagging); err != nil {
		return a, err
	}
	if f.expires != "" {
		if a.Expires, err = ossapi.ParseDate("--expires", f.expires); err != nil {
			return a, err
		}
	}
	if f.storageClass != "" {
		if a.StorageClass, err = ossapi.ParseStorageClass("--storage-class", f.storageClass); err != nil {
			return a, err
		}
	}
	return a, nil
}

func printResult(cmd *cobra.Command, format string, res worker.Result) error {
	w := cmd.OutOrStdout()
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	if res.UpToDate {
		fmt.Fprintf(w, "up to date: %s already holds %s (%s, CRC64 %s); nothing was copied\n",
			res.Destination, res.Source, units.FormatSize(res.Size), res.CRC64)
		return nil
	}
	how := "1 CopyObject"
	if !res.Single {
		how = fmt.Sprintf("%d parts of %s", res.Parts, units.FormatSize(res.PartSize))
		if res.ResumedParts > 0 {
			how += fmt.Sprintf(", %d already copied before this run", res.ResumedParts)
		}
	}
	fmt.Fprintf(w, "copied %s to %s: %s (%s) in %.1fs, %d retries; CRC64 %s verified\n",
		res.Source, res.Destination, units.FormatSize(res.Size), how, res.Seconds, res.Retries, res.CRC64)
	return nil
}
