package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/osscopy/osscopy/internal/cli"
	"github.com/osscopy/osscopy/internal/lab/ossserver"
	"github.com/osscopy/osscopy/internal/units"
)

type serverFlags struct {
	addr, region, accessKeyID, accessKeySecret, dataDir, accessLog, domain string
	buckets, seeds, seedObjects, latency, bandwidth, errorRate, resetRate  []string
	md5Limit, copyObjectLimit, throttleCode                                string
	lenientCopyRange, ignorePartCopyTagging                                bool
	maxInflight, throttleStatus                                            int
	retryAfter                                                             time.Duration
	faultSeed                                                              uint64
	deny, elsewhere                                                        []string
}

func newServerCommand() *cobra.Command {
	f := &serverFlags{}
	cmd := &cobra.Command{
		Use:   "server",
		Short: "Run a local OSS-compatible server to rehearse copies and migrations",
		Long: `Run a local server that speaks the OSS API (buckets, objects, multipart uploads,
UploadPartCopy, tagging, versioning) over HTTP, checking V4 and V1 signatures.

Objects are lists of extents in immutable blobs, so copies cost O(parts), not
O(bytes), and --seed-object creates synthetic objects of any size up to 48.8 TB
without storing their bytes. --seed-objects creates up to 10,000,000 of them
at once, named PREFIX and their index zero-padded (PREFIX00000..PREFIX99999
for 100000), with sizes drawn from a range: a million start in seconds, their
CRC64 and ETag computed when first asked for. Point any OSS client at the
printed endpoint with path-style addressing (an IP endpoint implies it for the
Go SDK), the printed region and keys.

Operations for --latency, --bandwidth, --error-rate and --reset-rate are API
names (UploadPartCopy, GetObject, ...), classes (copy, read, write, list,
multipart, bucket) or * for all; the most specific one applies.`,
		Example: `  osscopy server --bucket src --bucket dst --seed-object oss://src/big.bin=5TiB
  osscopy server --bucket dst --seed-objects oss://src/small/=1000000x1KiB-64KiB
  osscopy server --addr 127.0.0.1:0 --data-dir /tmp/oss --access-log /tmp/oss.log
  osscopy server --latency copy=20ms --bandwidth copy=1GiB --max-inflight 32 \
      --error-rate '*=5%' --reset-rate UploadPartCopy=1% --fault-seed 7`,
		Args: func(cmd *cobra.Command, args []string) error {
			if err := cobra.NoArgs(cmd, args); err != nil {
				return cli.Usage(err)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error { return runServer(cmd, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.addr, "addr", "127.0.0.1:9000", "address to listen on; port 0 picks a free port")
	fl.StringVar(&f.region, "region", ossserver.DefaultRegion, "region that requests must be signed for")
	fl.StringVar(&f.accessKeyID, "access-key-id", "", "access key ID to accept (default: $OSS_ACCESS_KEY_ID, else a generated one, printed)")
	fl.StringVar(&f.accessKeySecret, "access-key-secret", "", "access key secret to accept (default: $OSS_ACCESS_KEY_SECRET, else generated and printed)")
	fl.StringVar(&f.dataDir, "data-dir", "", "keep state and bytes in this directory across restarts (default: memory only)")
	fl.StringArrayVar(&f.buckets, "bucket", nil, "create this bucket at start (repeatable)")
	fl.StringArrayVar(&f.seeds, "seed-object", nil, "create a synthetic object: oss://bucket/key=SIZE[@SEED], SIZE like 1536MiB or 5TiB (repeatable)")
	fl.StringArrayVar(&f.seedObjects, "seed-objects", nil,
		"create COUNT synthetic objects named PREFIX and their index: oss://bucket/PREFIX=COUNTxSIZE[@SEED], SIZE like 4KiB or a range like 1KiB-64KiB (repeatable)")
	fl.StringVar(&f.md5Limit, "md5-limit", units.FormatSize(ossserver.DefaultMD5Limit),
		"copies and synthetic objects up to this size get the MD5 of their bytes as ETag; larger ones a digest of CRC64 and size")
	fl.StringVar(&f.copyObjectLimit, "copy-object-limit", "1GiB", "largest source CopyObject copies to another bucket, storage class or encryption; larger ones get 400 EntityTooLarge")
	fl.BoolVar(&f.lenientCopyRange, "lenient-copy-range", false, "copy the whole source when x-oss-copy-source-range is malformed, instead of 400 InvalidArgument")
	fl.BoolVar(&f.ignorePartCopyTagging, "ignore-part-copy-tagging", false,
		"ignore tagging and directive headers on UploadPartCopy, as its API reference lists none (default: a Replace tagging directive sets the completed object's tags, as ossutil's page says)")
	fl.StringArrayVar(&f.latency, "latency", nil, "fixed time per request: OP=DURATION, like copy=20ms (repeatable)")
	fl.StringArrayVar(&f.bandwidth, "bandwidth", nil, "bytes per second each request copies or moves: OP=RATE, like copy=1GiB (repeatable)")
	fl.IntVar(&f.maxInflight, "max-inflight", 0, "most requests in flight; more are throttled (0: no limit)")
	fl.IntVar(&f.throttleStatus, "throttle-status", 503, "status of a throttled request: 503 (what OSS sends) or 429")
	fl.StringVar(&f.throttleCode, "throttle-code", "ActiveRequestLimitExceeded", "error code of a throttled request (OSS also uses TotalQpsLimitExceeded)")
	durationVar(fl, &f.retryAfter, "retry-after", time.Second, "Retry-After sent with a throttled request")
	fl.StringArrayVar(&f.errorRate, "error-rate", nil, "share of requests answered 500 or 503 before running: OP=RATE, like *=5% (repeatable)")
	fl.StringArrayVar(&f.resetRate, "reset-rate", nil, "share of requests that run, then have the connection reset mid-response: OP=RATE (repeatable)")
	fl.Uint64Var(&f.faultSeed, "fault-seed", 1, "seed that makes --error-rate and --reset-rate reproducible")
	fl.StringArrayVar(&f.deny, "deny", nil, "answer 403 AccessDenied to requests for, or copying from, [OP=]BUCKET[/KEY] (KEY ending in * for a prefix; repeatable)")
	fl.StringArrayVar(&f.elsewhere, "bucket-elsewhere", nil, "answer requests for BUCKET as OSS answers for a bucket of another region, 403 AccessDenied naming its endpoint: BUCKET=REGION (repeatable)")
	fl.StringVar(&f.accessLog, "access-log", "", "append one JSON object per request to this file")
	fl.StringVar(&f.domain, "domain", "localhost", "host suffix for virtual-hosted requests (bucket.DOMAIN)")
	return cmd
}

func (f *serverFlags) config() (ossserver.Config, error) {
	cfg := ossserver.Config{Region: f.region, DataDir: f.dataDir, Buckets: f.buckets, LenientCopyRange: f.lenientCopyRange,
		IgnorePartCopyTagging: f.ignorePartCopyTagging,
		MaxInflight:           f.maxInflight, ThrottleStatus: f.throttleStatus, ThrottleCode: f.throttleCode,
		RetryAfter: f.retryAfter, FaultSeed: f.faultSeed, Domain: f.domain}
	var err error
	if f.throttleStatus != 503 && f.throttleStatus != 429 {
		return cfg, fmt.Errorf("--throttle-status must be 503 or 429, not %d", f.throttleStatus)
	}
	if f.maxInflight < 0 {
		return cfg, fmt.Errorf("--max-inflight must be 0 (no limit) or more, not %d", f.maxInflight)
	}
	for _, b := range f.buckets {
		if err := ossserver.CheckBucketName(b); err != nil {
			return cfg, fmt.Errorf("--bucket: %w", err)
		}
	}
	for _, s := range f.seeds {
		seed, err := ossserver.ParseSeed(s)
		if err != nil {
			return cfg, fmt.Errorf("--seed-object: %w", err)
		}
		cfg.Seeds = append(cfg.Seeds, seed)
	}
	for _, s := range f.seedObjects {
		sp, err := ossserver.ParseSeedObjects(s)
		if err != nil {
			return cfg, fmt.Errorf("--seed-objects: %w", err)
		}
		cfg.SeedObjects = append(cfg.SeedObjects, sp)
	}
	if cfg.MD5Limit, err = flagSize("md5-limit", f.md5Limit); err != nil {
		return cfg, err
	}
	if cfg.CopyObjectLimit, err = flagSize("copy-object-limit", f.copyObjectLimit); err != nil {
		return cfg, err
	}
	if cfg.Latency, err = ossserver.ParseOpSettings("latency", f.latency, ossserver.ParseDuration); err != nil {
		return cfg, err
	}
	if cfg.Bandwidth, err = ossserver.ParseOpSettings("bandwidth", f.bandwidth, units.ParseRate); err != nil {
		return cfg, err
	}
	if cfg.ErrorRate, err = ossserver.ParseOpSettings("error-rate", f.errorRate, ossserver.ParseFraction); err != nil {
		return cfg, err
	}
	if cfg.ResetRate, err = ossserver.ParseOpSettings("reset-rate", f.resetRate, ossserver.ParseFraction); err != nil {
		return cfg, err
	}
	for _, d := range f.deny {
		rule, err := ossserver.ParseDenyRule(d)
		if err != nil {
			return cfg, err
		}
		cfg.Deny = append(cfg.Deny, rule)
	}
	for _, e := range f.elsewhere {
		bucket, region, err := ossserver.ParseElsewhere(e)
		if err != nil {
			return cfg, err
		}
		if cfg.Elsewhere == nil {
			cfg.Elsewhere = map[string]string{}
		}
		cfg.Elsewhere[bucket] = region
	}
	return cfg, nil
}

func flagSize(name, v string) (int64, error) {
	n, err := units.ParseSize(v)
	if err != nil {
		return 0, fmt.Errorf("--%s: %w", name, err)
	}
	if n <= 0 {
		return 0, fmt.Errorf("--%s must be more than 0 bytes", name)
	}
	return n, nil
}

// serverCredential takes the key pair from flags, then the environment, and
// otherwise generates one; generated reports whether it did.
func (f *serverFlags) serverCredential() (cred ossserver.Credential, generated bool, err error) {
	id := firstNonEmpty(f.accessKeyID, os.Getenv("OSS_ACCESS_KEY_ID"))
	secret := firstNonEmpty(f.accessKeySecret, os.Getenv("OSS_ACCESS_KEY_SECRET"))
	switch {
	case id != "" && secret != "":
		return ossserver.Credential{AccessKeyID: id, AccessKeySecret: secret}, false, nil
	case id != "" || secret != "":
		return cred, false, errors.New("give both an access key ID and a secret (--access-key-id and --access-key-secret, or OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET), or neither to have a pair generated")
	}
	return ossserver.Credential{AccessKeyID: "LTAI" + randomHex(10), AccessKeySecret: randomHex(15)}, true, nil
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

func runServer(cmd *cobra.Command, f *serverFlags) error {
	cfg, err := f.config()
	if err != nil {
		return cli.Usage(err)
	}
	cred, generated, err := f.serverCredential()
	if err != nil {
		return cli.Usage(err)
	}
	cfg.Credentials = []ossserver.Credential{cred}
	if f.accessLog != "" {
		logFile, err := os.OpenFile(f.accessLog, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			return fmt.Errorf("opening --access-log: %w", err)
		}
		defer logFile.Close()
		cfg.AccessLog = logFile
	}
	srv, err := ossserver.New(cfg)
	if err != nil {
		return err
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w (choose another --addr, or port 0 for a free one)", f.addr, err)
	}
	// Catch the signals before saying "ready": one sent right after it must
	// stop the server cleanly, not kill it.
	parent := cmd.Context()
	if parent == nil {
		parent = context.Background()
	}
	ctx, stop := signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
	defer stop()
	printBanner(cmd.OutOrStdout(), "http://"+ln.Addr().String(), cfg.Region, cred, generated)
	return serveUntilSignal(ctx, ln, srv)
}

func printBanner(w io.Writer, endpoint, region string, cred ossserver.Credential, generated bool) {
	fmt.Fprintf(w, "endpoint: %s\nregion: %s\n", endpoint, region)
	if generated {
		// The user asked for no keys, so these are throwaway and must be seen to be used.
		fmt.Fprintf(w, "access-key-id: %s\naccess-key-secret: %s\n", cred.AccessKeyID, cred.AccessKeySecret)
	} else {
		fmt.Fprintf(w, "access-key-id: %s\n", cred.AccessKeyID)
	}
	fmt.Fprintln(w, "ready (Ctrl-C stops)")
}

// serveUntilSignal serves until ctx (cancelled by SIGINT or SIGTERM) is done.
func serveUntilSignal(ctx context.Context, ln net.Listener, h http.Handler) error {
	var fresh freshConns
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 30 * time.Second, MaxHeaderBytes: 1 << 20, ConnState: fresh.track}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	fresh.closeAll()
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return hs.Shutdown(shutdown)
}

// freshConns tracks connections that have not sent a request yet. HTTP
// clients keep such spare connections open, and http.Server.Shutdown
// counts one as active for its first 5 s, as long as its whole timeout:
// a stop would fail whenever a client had just dialled. They hold no
// request, so the stop closes them (and any that arrive after).
type freshConns struct {
	mu       sync.Mutex
	conns    map[net.Conn]struct{}
	stopping bool
}

func (f *freshConns) track(c net.Conn, st http.ConnState) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case st == http.StateNew && f.stopping:
		c.Close()
	case st == http.StateNew:
		if f.conns == nil {
			f.conns = map[net.Conn]struct{}{}
		}
		f.conns[c] = struct{}{}
	default:
		delete(f.conns, c)
	}
}

func (f *freshConns) closeAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stopping = true
	for c := range f.conns {
		c.Close()
	}
}
