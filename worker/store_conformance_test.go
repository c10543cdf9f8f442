package worker_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/osscopy/osscopy/internal/gate"
	"github.com/osscopy/osscopy/internal/lab/ossserver"
	"github.com/osscopy/osscopy/internal/lab/storelab"
	"github.com/osscopy/osscopy/internal/retry"
	"github.com/osscopy/osscopy/worker"
	"github.com/osscopy/osscopy/worker/storetest"
)

// storeOps are the operations of worker.Store but HEAD, which the suite's
// fixture sends as well, without retries.
var storeOps = []string{"GetObjectTagging", "CopyObject", "InitiateMultipartUpload", "UploadPartCopy", "ListParts",
	"CompleteMultipartUpload", "AbortMultipartUpload"}

// TestStoreConformance runs the store suite against the retrying store
// around the SDK-backed client: alone, holding slots of an adaptive gate,
// and against a server that answers a third of the requests 500 or 503,
// which the retries must hide.
func TestStoreConformance(t *testing.T) {
	t.Parallel()
	faults := ossserver.Config{ErrorRate: map[string]float64{}, FaultSeed: 15}
	for _, op := range storeOps {
		faults.ErrorRate[op] = 0.3
	}
	var retried atomic.Int64
	fast := retry.Policy{Attempts: 10, Initial: time.Millisecond, Max: 5 * time.Millisecond, Count: &retried}
	tests := []struct {
		name string
		cfg  ossserver.Config
		wrap func(worker.Store) worker.Store
	}{
		{"WithRetries", ossserver.Config{}, func(s worker.Store) worker.Store { return worker.WithRetries(s, retry.Default(), nil) }},
		{"WithRetries and a gate", ossserver.Config{}, func(s worker.Store) worker.Store {
			return worker.WithRetries(s, retry.Default(), gate.New(4, true, nil))
		}},
		{"WithRetries against faults", faults, func(s worker.Store) worker.Store { return worker.WithRetries(s, fast, nil) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			storetest.Run(t, storelab.Fixtures(tt.cfg, tt.wrap))
		})
	}
	t.Cleanup(func() {
		if retried.Load() == 0 {
			t.Error("no request against the faulty server was retried: the faults did not reach the store")
		}
	})
}
