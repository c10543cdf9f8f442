package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/osscopy/osscopy/internal/cli"
	"github.com/osscopy/osscopy/internal/lab/ossserver"
	"github.com/osscopy/osscopy/internal/observe"
	"github.com/osscopy/osscopy/internal/ossclient"
	"github.com/osscopy/osscopy/internal/retry"
	"github.com/osscopy/osscopy/internal/units"
	"github.com/osscopy/osscopy/worker"
)

type demoFlags struct {
	size                    string
	parallel                int
	noInterrupt, keepServer bool
	noProgress              bool
}

func newDemoCommand() *cobra.Command {
	f := &demoFlags{}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Copy a large object on an embedded local OSS server, interrupt it halfway, resume, and verify",
		Long: `Start the local OSS server in this process on a free loopback port, with a source
bucket holding a large synthetic object and an empty destination bucket; copy it with
the same code as 'osscopy cp', interrupt the copy halfway, resume it to show that only
the missing parts are copied, and verify the CRC64. Nothing is configured or written
outside a temporary directory.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return cli.Usage(fmt.Errorf("demo takes no arguments, got %q", args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error { return runDemo(cmd, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.size, "size", "20GiB", "logical size of the synthetic source object")
	fl.IntVar(&f.parallel, "parallel", demoParallel, "part copies in flight at once")
	fl.BoolVar(&f.noInterrupt, "no-interrupt", false, "copy in one go, without the interruption and resume")
	fl.BoolVar(&f.keepServer, "keep-server", false, "keep the server running afterwards for experiments (Ctrl-C stops it)")
	fl.BoolVar(&f.noProgress, "no-progress", false, "show no progress bar")
	return cmd
}

// demoParallel is lower than cp's default so that the interruption leaves
// about half the parts to the resumed run, instead of a last wave in flight.
const demoParallel = 16

// demoBandwidth makes each part copy take visible time (a 64 MiB part
// takes 0.4 s), so that the progress bar and the interruption can be seen.
const demoBandwidth = 160 << 20

// countingLog counts the server's UploadPartCopy answers that succeeded;
// the server writes its access log one JSON line per Write.
type countingLog struct{ partCopies atomic.Int64 }

func (l *countingLog) Write(p []byte) (int, error) {
	var e ossserver.LogEntry
	if json.Unmarshal(p, &e) == nil && e.Op == "UploadPartCopy" && e.Status == http.StatusOK {
		l.partCopies.Add(1)
	}
	return len(p), nil
}

func runDemo(cmd *cobra.Command, f *demoFlags) error {
	size, err := units.ParseSize(f.size)
	if err != nil || size <= 1<<30 {
		return cli.Usage(fmt.Errorf("--size must be a size over 1 GiB (the multipart threshold), like 20GiB: %q", f.size))
	}
	if f.parallel < 1 || f.parallel > 1000 {
		return cli.Usage(fmt.Errorf("--parallel must be from 1 to 1000, not %d", f.parallel))
	}
	out := cmd.OutOrStdout()
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	endpoint, cred, log, closeServer, err := startDemoServer(size)
	if err != nil {
		return err
	}
	defer closeServer()
	fmt.Fprintf(out, "local OSS server at %s (region %s)\nsource oss://demo-src/big.bin: %s of synthetic content; destination bucket demo-dst\n\n",
		endpoint, ossserver.DefaultRegion, units.FormatSize(size))

	dir, err := os.MkdirTemp("", "osscopy-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	client := ossclient.New(ossclient.Settings{Endpoint: endpoint, Region: ossserver.DefaultRegion,
		AccessKeyID: cred.AccessKeyID, AccessKeySecret: cred.AccessKeySecret, AddressingStyle: "path"})
	job := worker.Job{Source: worker.Object{Bucket: "demo-src", Key: "big.bin"}, Dest: worker.Object{Bucket: "demo-dst", Key: "big.bin"},
		Parallel: f.parallel, CheckpointDir: dir, Grace: worker.DefaultGrace, Retry: retry.Default()}

	var first int64
	if !f.noInterrupt {
		fmt.Fprintln(out, "1. copying, to be interrupted halfway (as Ctrl-C would):")
		_, err := demoCopy(ctx, client, job, cmd.ErrOrStderr(), f.noProgress, true)
		if !errors.Is(err, worker.ErrInterrupted) {
			return fmt.Errorf("the first run should have been interrupted: %v", err)
		}
		first = log.partCopies.Load()
		fmt.Fprintf(out, "   %v\n   the checkpoint and the server keep the %d parts copied so far\n\n2. the same command again resumes:\n", err, first)
	} else {
		fmt.Fprintln(out, "copying:")
	}
	res, err := demoCopy(ctx, client, job, cmd.ErrOrStderr(), f.noProgress, false)
	if err != nil {
		return err
	}
	second := log.partCopies.Load() - first
	fmt.Fprintf(out, "\ncopied %s in %d parts of %s; CRC64 %s equals the source's\n", units.FormatSize(res.Size), res.Parts,
		units.FormatSize(res.PartSize), res.CRC64)
	if !f.noInterrupt {
		fmt.Fprintf(out, "UploadPartCopy requests: %d before the interruption + %d after = %d for %d parts (%d copied twice)\n",
			first, second, first+second, res.Parts, first+second-int64(res.Parts))
	}
	fmt.Fprintf(out, `
to do the same against OSS:
  export OSS_ACCESS_KEY_ID=... OSS_ACCESS_KEY_SECRET=...
  osscopy cp oss://YOUR-SOURCE-BUCKET/KEY oss://YOUR-DESTINATION-BUCKET/KEY --region cn-hangzhou
`)
	if !f.keepServer {
		return nil
	}
	fmt.Fprintf(out, `
the server keeps running (Ctrl-C stops it); try:
  export OSS_ACCESS_KEY_ID=%s OSS_ACCESS_KEY_SECRET=%s
  osscopy cp oss://demo-src/big.bin oss://demo-dst/again.bin --endpoint %s --region %s
`, cred.AccessKeyID, cred.AccessKeySecret, endpoint, ossserver.DefaultRegion)
	<-ctx.Done()
	return nil
}

// startDemoServer serves the demo's buckets on a free loopback port: the
// synthetic source of size bytes, and the destination bucket. Its log
// counts the part copies.
func startDemoServer(size int64) (endpoint string, cred ossserver.Credential, log *countingLog, closeServer func(), err error) {
	cred = ossserver.Credential{AccessKeyID: "LTAI" + randomHex(10), AccessKeySecret: randomHex(15)}
	log = &countingLog{}
	srv, err := ossserver.New(ossserver.Config{Credentials: []ossserver.Credential{cred}, Buckets: []string{"demo-dst"},
		Seeds:     []ossserver.Seed{{Bucket: "demo-src", Key: "big.bin", Size: size, Seed: 2026}},
		Latency:   map[string]time.Duration{"*": 2 * time.Millisecond},
		Bandwidth: map[string]int64{"copy": demoBandwidth}, AccessLog: log})
	if err != nil {
		return "", cred, nil, nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", cred, nil, nil, fmt.Errorf("no free loopback port for the demo server: %w", err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 30 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	return "http://" + ln.Addr().String(), cred, log, func() { hs.Close() }, nil
}

// demoCopy runs the copy with the progress display of cp; interrupt
// cancels it once half the bytes are copied.
func demoCopy(ctx context.Context, client worker.Store, job worker.Job, progressTo io.Writer, quiet, interrupt bool) (worker.Result, error) {
	prog := newProgress(progressTo, quiet)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	job.Observer = prog
	if interrupt {
		job.Observer = halfway{prog, cancel}
	}
	defer prog.finish()
	return worker.Copy(ctx, client, job)
}

// halfway shows the progress and cancels the copy once half the bytes are
// copied.
type halfway struct {
	*progress
	cancel context.CancelFunc
}

func (h halfway) PartDone(e observe.Progress) {
	h.progress.PartDone(e)
	if !e.Resumed && e.BytesDone*2 >= e.BytesTotal {
		h.cancel()
	}
}
