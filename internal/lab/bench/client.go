package bench

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"

	"github.com/osscopy/osscopy/internal/observe"
	"github.com/osscopy/osscopy/internal/ossclient"
	"github.com/osscopy/osscopy/internal/retry"
	"github.com/osscopy/osscopy/worker"
)

// clientSpec is one run of one copy, made by a client child.
type clientSpec struct {
	Tool            Tool     `json:"tool"`
	Endpoint        string   `json:"endpoint"`
	AccessKeyID     string   `json:"access_key_id"`
	AccessKeySecret string   `json:"access_key_secret"`
	DstKey          string   `json:"dst_key"`
	Settings        Settings `json:"settings"`
	// CheckpointDir is osscopy's; both runs of an interrupted copy share it.
	CheckpointDir string `json:"checkpoint_dir"`
	// Interrupt cancels the copy once half the bytes are copied, as a
	// Ctrl-C would.
	Interrupt bool `json:"interrupt"`
}

// clientResult is what a client child reports.
type clientResult struct {
	Completed   bool    `json:"completed"`
	Interrupted bool    `json:"interrupted"`
	Error       string  `json:"error,omitempty"`
	WallSeconds float64 `json:"wall_seconds"`
	// ToolRetries is what osscopy itself counted (every operation); the
	// Copier counts none.
	ToolRetries  int64 `json:"tool_retries"`
	ResumedParts int   `json:"resumed_parts"`
}

// runCopy makes the copy spec asks for and times it.
func runCopy(ctx context.Context, spec clientSpec) clientResult {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var interrupted atomic.Bool
	halfway := func(done, total int64) {
		if spec.Interrupt && done*2 >= total && interrupted.CompareAndSwap(false, true) {
			cancel()
		}
	}
	var res clientResult
	start := time.Now()
	var err error
	switch spec.Tool {
	case Osscopy:
		res.ToolRetries, res.ResumedParts, err = copyOsscopy(ctx, spec, halfway)
	case CopierDefaults, CopierEqual:
		err = copyCopier(ctx, spec, halfway)
	default:
		err = fmt.Errorf("unknown tool %q", spec.Tool)
	}
	res.WallSeconds = time.Since(start).Seconds()
	res.Interrupted = interrupted.Load()
	res.Completed = err == nil
	if err != nil {
		res.Error = err.Error()
	}
	return res
}

// copyOsscopy copies as `osscopy cp` does: the same client settings,
// retry policy, grace after an interruption and checkpoint.
func copyOsscopy(ctx context.Context, spec clientSpec, halfway func(done, total int64)) (retries int64, resumed int, err error) {
	store := ossclient.New(ossclient.Settings{Endpoint: spec.Endpoint, Region: region,
		AccessKeyID: spec.AccessKeyID, AccessKeySecret: spec.AccessKeySecret, AddressingStyle: "path"})
	job := worker.Job{
		Source: worker.Object{Bucket: srcBucket, Key: srcKey}, Dest: worker.Object{Bucket: dstBucket, Key: spec.DstKey},
		Parallel: spec.Settings.Parallel, PartSize: spec.Settings.PartSize, CheckpointDir: spec.CheckpointDir,
		Grace: worker.DefaultGrace, Retry: retry.Default(), Observer: partsObserver{halfway: halfway},
	}
	if job.Parallel == 0 {
		job.Parallel = OsscopyParallel
	}
	res, err := worker.Copy(ctx, store, job)
	return res.Retries, res.ResumedParts, err
}

// partsObserver tells halfway of each part copied.
type partsObserver struct {
	observe.Nop
	halfway func(done, total int64)
}

func (o partsObserver) PartDone(p observe.Progress) { o.halfway(p.BytesDone, p.BytesTotal) }

// copyCopier copies with the SDK's Copier on a client configured as the
// SDK's documentation shows: default retryer (3 attempts), default HTTP
// transport; only the endpoint and path-style addressing point it here.
func copyCopier(ctx context.Context, spec clientSpec, halfway func(done, total int64)) error {
	client := oss.NewClient(oss.LoadDefaultConfig().
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider(spec.AccessKeyID, spec.AccessKeySecret)).
		WithRegion(region).WithEndpoint(spec.Endpoint).WithUsePathStyle(true))
	var opts []func(*oss.CopierOptions)
	if spec.Settings.Parallel > 0 {
		opts = append(opts, oss.WithCopierParallelNum(spec.Settings.Parallel))
	}
	if spec.Settings.PartSize > 0 {
		opts = append(opts, oss.WithCopierPartSize(spec.Settings.PartSize))
	}
	copier := oss.NewCopier(client, opts...)
	res, err := copier.Copy(ctx, &oss.CopyObjectRequest{Bucket: oss.Ptr(dstBucket), Key: oss.Ptr(spec.DstKey),
		SourceBucket: oss.Ptr(srcBucket), SourceKey: oss.Ptr(srcKey),
		ProgressFn: func(_, transferred, total int64) { halfway(transferred, total) }})
	if err != nil {
		return err
	}
	if res.HashCRC64 == nil {
		return errors.New("the Copier reported no CRC64 for the copy")
	}
	return nil
}
