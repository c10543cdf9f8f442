// The proof that the destination equals the source (CRC64), and when the proven result is reported.

package worker_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/osscopy/osscopy/internal/lab/ossserver"
	"github.com/osscopy/osscopy/worker"
)

// noCRC is a Store whose HEAD of the source reports no CRC64.
type noCRC struct{ worker.Store }

func (s noCRC) Head(ctx context.Context, obj worker.Object) (worker.ObjectInfo, error) {
	info, err := s.Store.Head(ctx, obj)
	if obj.Key == srcKey {
		info.CRC64 = ""
	}
	return info, err
}

// TestSourceWithoutCRC64: a source without CRC64 cannot be proven copied,
// so nothing is written.
func TestSourceWithoutCRC64(t *testing.T) {
	t.Parallel()
	for _, size := range []int64{8 * mib, 4 * gib} {
		t.Run(fmt.Sprintf("%d bytes", size), func(t *testing.T) {
			t.Parallel()
			f := setup(t, size, ossserver.Config{})
			from := len(f.env.Log.Entries(t))
			res, err := worker.Copy(context.Background(), noCRC{f.store}, f.job())
			if !errors.Is(err, worker.ErrVerify) || !strings.Contains(err.Error(), "nothing was written") {
				t.Fatalf("error %v, want ErrVerify", err)
			}
			log := f.log(t, from)
			if len(log) != 1 || count(log, "HeadObject", 200) != 1 {
				t.Errorf("requests %+v, want only the source's HEAD", log)
			}
			if count(log, "InitiateMultipartUpload", 0)+count(log, "CopyObject", 0)+count(log, "UploadPartCopy", 0) != 0 {
				t.Errorf("requests %+v", log)
			}
			if res.UploadID != "" || res.ETag != "" {
				t.Errorf("Result %+v", res)
			}
			f.wantMissing(t, dst)
			if files := checkpointFiles(t, f.dir); len(files) != 0 {
				t.Errorf("checkpoint files: %v", files)
			}
		})
	}
}

// writtenCRC is a Store whose CopyObject and Complete report crc as the
// CRC64 of what they wrote.
type writtenCRC struct {
	worker.Store
	crc string
}

func (s writtenCRC) CopyObject(ctx context.Context, in worker.CopyObjectInput) (worker.CopyResult, error) {
	res, err := s.Store.CopyObject(ctx, in)
	res.CRC64 = s.crc
	return res, err
}

func (s writtenCRC) Complete(ctx context.Context, dst worker.Object, uploadID string, parts []worker.PartETag) (worker.CopyResult, error) {
	res, err := s.Store.Complete(ctx, dst, uploadID, parts)
	res.CRC64 = s.crc
	return res, err
}

// TestProofWithoutWrittenCRC64: a copy is proven by the CRC64 the write
// returned when it equals the source's; when the write gave none, or
// another, the destination's HEAD decides.
func TestProofWithoutWrittenCRC64(t *testing.T) {
	t.Parallel()
	for _, size := range []int64{8 * mib, 4 * gib} {
		for _, crc := range []string{"", "12345"} {
			t.Run(fmt.Sprintf("%d bytes, CRC64 %q", size, crc), func(t *testing.T) {
				t.Parallel()
				f := setup(t, size, ossserver.Config{})
				srcCRC := oss.ToString(f.mustHead(t, src).HashCRC64)
				from := len(f.env.Log.Entries(t))
				res, err := worker.Copy(context.Background(), writtenCRC{f.store, crc}, f.job())
				if err != nil {
					t.Fatal(err)
				}
				log := f.log(t, from) // before checkCopied's own requests
				f.checkCopied(t, res, srcCRC)
				var destHeads int
				for _, e := range log {
					if e.Op == "HeadObject" && e.Key == dstKey {
						destHeads++
					}
				}
				if destHeads != 1 {
					t.Errorf("%d HEADs of the destination, want 1: %+v", destHeads, log)
				}
			})
		}
	}
}

// TestProvenBeforeCheckpointRemoved: Job.Proven receives the proven result
// while the checkpoint still exists, so that a kill between the two leaves
// a checkpoint (whose rerun only verifies) or a reported success, never a
// finished copy nobody was told of. Found by a kill -9 test (internal/lab/e2e).
func TestProvenBeforeCheckpointRemoved(t *testing.T) {
	t.Parallel()
	f := setup(t, 6*gib, ossserver.Config{})
	job := f.job()
	var proven []worker.Result
	job.Proven = func(r worker.Result) {
		states, _ := filepath.Glob(filepath.Join(f.dir, "*.json"))
		if len(states) != 1 {
			t.Errorf("when the result was reported, the checkpoint dir held %q, want its state file", states)
		}
		proven = append(proven, r)
	}
	res, err := worker.Copy(context.Background(), f.store, job)
	if err != nil {
		t.Fatal(err)
	}
	if len(proven) != 1 || proven[0].CRC64 != res.CRC64 || proven[0].ETag != res.ETag || proven[0].Seconds <= 0 || proven[0].CheckpointBytes <= 0 {
		t.Errorf("Proven saw %+v; Copy returned %+v", proven, res)
	}
	if states, _ := filepath.Glob(filepath.Join(f.dir, "*.json")); len(states) != 0 {
		t.Errorf("after the copy the checkpoint dir holds %q", states)
	}
}
