package worker

import (
	"context"
	"sync/atomic"
	"time"
)

// retryStore is a Store whose every request is retried as its policy says.
// Each attempt of a part copy gets its own timeout, growing with the part.
type retryStore struct {
	inner   Store
	policy  RetryPolicy
	retries atomic.Int64
}

func newRetryStore(inner Store, p RetryPolicy) *retryStore {
	s := &retryStore{inner: inner, policy: p}
	onRetry := p.OnRetry
	s.policy.OnRetry = func(op string, err error, wait time.Duration) {
		s.retries.Add(1)
		if onRetry != nil {
			onRetry(op, err, wait)
		}
	}
	return s
}

// PartTimeout is how long one attempt to copy a part of size bytes may take:
// 30 s plus the part at 16 MiB/s, far below what OSS copies at, so that
// only a stuck request is cut.
func PartTimeout(size int64) time.Duration {
	return 30*time.Second + time.Duration(size/(16<<20))*time.Second
}

func (s *retryStore) Head(ctx context.Context, obj Object) (ObjectInfo, error) {
	return retrying(ctx, s.policy, "HeadObject", func(ctx context.Context) (ObjectInfo, error) { return s.inner.Head(ctx, obj) })
}

func (s *retryStore) GetTagging(ctx context.Context, obj Object) (string, error) {
	return retrying(ctx, s.policy, "GetObjectTagging", func(ctx context.Context) (string, error) { return s.inner.GetTagging(ctx, obj) })
}

func (s *retryStore) CopyObject(ctx context.Context, in CopyObjectInput) (CopyResult, error) {
	return retrying(ctx, s.policy, "CopyObject", func(ctx context.Context) (CopyResult, error) { return s.inner.CopyObject(ctx, in) })
}

func (s *retryStore) Initiate(ctx context.Context, dst Object, attrs Attributes) (string, error) {
	return retrying(ctx, s.policy, "InitiateMultipartUpload", func(ctx context.Context) (string, error) { return s.inner.Initiate(ctx, dst, attrs) })
}

func (s *retryStore) UploadPartCopy(ctx context.Context, in PartCopyInput) (string, error) {
	timeout := PartTimeout(in.Last - in.First + 1)
	return retrying(ctx, s.policy, "UploadPartCopy", func(ctx context.Context) (string, error) {
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		return s.inner.UploadPartCopy(ctx, in)
	})
}

func (s *retryStore) ListParts(ctx context.Context, dst Object, uploadID string) ([]PartInfo, error) {
	return retrying(ctx, s.policy, "ListParts", func(ctx context.Context) ([]PartInfo, error) { return s.inner.ListParts(ctx, dst, uploadID) })
}

func (s *retryStore) Complete(ctx context.Context, dst Object, uploadID string, parts []PartETag) (CopyResult, error) {
	return retrying(ctx, s.policy, "CompleteMultipartUpload", func(ctx context.Context) (CopyResult, error) {
		return s.inner.Complete(ctx, dst, uploadID, parts)
	})
}

func (s *retryStore) Abort(ctx context.Context, dst Object, uploadID string) error {
	_, err := retrying(ctx, s.policy, "AbortMultipartUpload", func(ctx context.Context) (struct{}, error) {
		return struct{}{}, s.inner.Abort(ctx, dst, uploadID)
	})
	return err
}
