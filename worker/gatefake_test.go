// The gated Store tests' fake Store, which records its calls and the gate's slots they hold, and the errors it answers with.

package worker

import (
	"context"
	"fmt"
	"sync"

	"github.com/osscopy/osscopy/internal/gate"
	"github.com/osscopy/osscopy/internal/osserr"
	"github.com/osscopy/osscopy/internal/retry"
)

// The answers of each class that gateFake fails with.
var (
	errGateThrottled = &osserr.Error{Status: 503, Code: "SlowDown", Class: osserr.Throttled}
	errGateTransient = &osserr.Error{Status: 503, Code: "ServiceUnavailable", Class: osserr.Transient}
	errGatePermanent = &osserr.Error{Status: 403, Code: "AccessDenied", Class: osserr.Permanent}
)

// gateFake is a Store that answers every request at once, with err, and
// records its calls and, when gate is set, the slots of gate taken as each
// ran.
type gateFake struct {
	err  error
	gate *gate.Gate

	mu    sync.Mutex
	calls []string
	slots []int // of gate, taken during each call
}

func (f *gateFake) call(name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, name)
	if f.gate != nil {
		f.slots = append(f.slots, f.gate.Stats().InFlight)
	}
	return f.err
}

func (f *gateFake) Head(ctx context.Context, obj Object) (ObjectInfo, error) {
	return ObjectInfo{ETag: "head " + obj.Key}, f.call("Head " + obj.Key)
}

func (f *gateFake) GetTagging(ctx context.Context, obj Object) (string, error) {
	return "tags " + obj.Key, f.call("GetTagging " + obj.Key)
}

func (f *gateFake) CopyObject(ctx context.Context, in CopyObjectInput) (CopyResult, error) {
	return CopyResult{ETag: "copy " + in.Dest.Key}, f.call("CopyObject " + in.Dest.Key)
}

func (f *gateFake) Initiate(ctx context.Context, dst Object, attrs Attributes) (string, error) {
	return "upload " + dst.Key, f.call("Initiate " + dst.Key)
}

func (f *gateFake) UploadPartCopy(ctx context.Context, in PartCopyInput) (string, error) {
	return fmt.Sprintf("part %d", in.PartNumber), f.call("UploadPartCopy " + in.Dest.Key)
}

func (f *gateFake) ListParts(ctx context.Context, dst Object, uploadID string) ([]PartInfo, error) {
	return []PartInfo{{Number: 1, ETag: uploadID}}, f.call("ListParts " + dst.Key)
}

func (f *gateFake) Complete(ctx context.Context, dst Object, uploadID string, parts []PartETag) (CopyResult, error) {
	return CopyResult{ETag: "complete " + uploadID, CRC64: fmt.Sprint(len(parts))}, f.call("Complete " + dst.Key)
}

func (f *gateFake) Abort(ctx context.Context, dst Object, uploadID string) error {
	return f.call("Abort " + dst.Key)
}

// gatedStore is fake behind g, each request tried once: the retry layer
// is where a copy takes its slots.
func gatedStore(g *gate.Gate, fake Store) Store {
	return WithRetries(fake, retry.Policy{Attempts: 1}, g)
}
