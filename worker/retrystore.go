package worker

import (
	"context"
	"time"

	"github.com/osscopy/osscopy/internal/gate"
	"github.com/osscopy/osscopy/internal/retry"
	"github.com/osscopy/osscopy/planner"
)

// retryStore is a Store whose every request is retried as its policy says.
// Each attempt gets its own timeout: a part copy's grows with the part.
type retryStore struct {
	inner  Store
	policy retry.Policy
	// partTimeout, when set, replaces PartTimeout for part copies and
	// the single CopyObject (Job.PartTimeout).
	partTimeout time.Duration
	// gate, when set, gives each attempt its slot before its timeout
	// starts: time queued for a slot is not time the request took.
	gate *gate.Gate
}

// WithRetries returns s with every request retried as p says, each
// attempt under its own timeout (see PartTimeout) and, when g is not
// nil, holding a slot of g.
func WithRetries(s Store, p retry.Policy, g *gate.Gate) Store {
	return withRetries(s, p, g, 0)
}

func withRetries(s Store, p retry.Policy, g *gate.Gate, partTimeout time.Duration) *retryStore {
	return &retryStore{inner: s, policy: p, gate: g, partTimeout: partTimeout}
}

// PartTimeout is how long one attempt to copy a part of size bytes may take:
// 30 s plus the part at 16 MiB/s, far below what OSS copies at, so that
// only a stuck request is cut.
func PartTimeout(size int64) time.Duration {
	return 30*time.Second + time.Duration(size/(16<<20))*time.Second
}

// MaxPartTimeout is the longest Job.PartTimeout may be: the SDK's
// connection gives up on a read or write after this long anyway
// (internal/ossclient), so a longer timeout would not be one.
var MaxPartTimeout = PartTimeout(planner.MaxPartSize)

// copyTimeout is the timeout of one attempt to copy size bytes.
func (s *retryStore) copyTimeout(size int64) time.Duration {
	if s.partTimeout > 0 {
		return s.partTimeout
	}
	return min(PartTimeout(size), MaxPartTimeout)
}

// Timeouts of one attempt, for requests other than part copies.
const (
	requestTimeout  = 2 * time.Minute
	completeTimeout = 10 * time.Minute // assembling 10,000 parts can take OSS a while
)

// attempt runs op with its own timeout per attempt (and slot of the gate),
// retried as policy says.
func attempt[T any](ctx context.Context, s *retryStore, name string, timeout time.Duration, op func(context.Context) (T, error)) (T, error) {
	return RetryGated(ctx, s.policy, s.gate, name, timeout, op)
}

// RetryGated runs op as retry.Do does, each attempt holding a slot of g
// (at once when g is nil) and bounded by timeout from when it has the
// slot: time queued for a slot does not count against an attempt.
func RetryGated[T any](ctx context.Context, p retry.Policy, g *gate.Gate, name string, timeout time.Duration, op func(context.Context) (T, error)) (T, error) {
	return retry.Do(ctx, p, name, func(ctx context.Context) (T, error) {
		return gate.Do(ctx, g, func(ctx context.Context) (T, error) {
			ctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			return op(ctx)
		})
	})
}

func (s *retryStore) Head(ctx context.Context, obj Object) (ObjectInfo, error) {
	return attempt(ctx, s, "HeadObject", requestTimeout, func(ctx context.Context) (ObjectInfo, error) { return s.inner.Head(ctx, obj) })
}

func (s *retryStore) GetTagging(ctx context.Context, obj Object) (string, error) {
	return attempt(ctx, s, "GetObjectTagging", requestTimeout, func(ctx context.Context) (string, error) { return s.inner.GetTagging(ctx, obj) })
}

func (s *retryStore) CopyObject(ctx context.Context, in CopyObjectInput) (CopyResult, error) {
	return attempt(ctx, s, "CopyObject", s.copyTimeout(max(in.Size, planner.DefaultThreshold)), func(ctx context.Context) (CopyResult, error) {
		return s.inner.CopyObject(ctx, in)
	})
}

func (s *retryStore) Initiate(ctx context.Context, dst Object, attrs Attributes) (string, error) {
	return attempt(ctx, s, "InitiateMultipartUpload", requestTimeout, func(ctx context.Context) (string, error) {
		return s.inner.Initiate(ctx, dst, attrs)
	})
}

func (s *retryStore) UploadPartCopy(ctx context.Context, in PartCopyInput) (string, error) {
	return attempt(ctx, s, "UploadPartCopy", s.copyTimeout(in.Last-in.First+1), func(ctx context.Context) (string, error) {
		return s.inner.UploadPartCopy(ctx, in)
	})
}

func (s *retryStore) ListParts(ctx context.Context, dst Object, uploadID string) ([]PartInfo, error) {
	return attempt(ctx, s, "ListParts", requestTimeout, func(ctx context.Context) ([]PartInfo, error) {
		return s.inner.ListParts(ctx, dst, uploadID)
	})
}

func (s *retryStore) Complete(ctx context.Context, dst Object, uploadID string, parts []PartETag) (CopyResult, error) {
	return attempt(ctx, s, "CompleteMultipartUpload", completeTimeout, func(ctx context.Context) (CopyResult, error) {
		return s.inner.Complete(ctx, dst, uploadID, parts)
	})
}

func (s *retryStore) Abort(ctx context.Context, dst Object, uploadID string) error {
	_, err := attempt(ctx, s, "AbortMultipartUpload", requestTimeout, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, s.inner.Abort(ctx, dst, uploadID)
	})
	return err
}
