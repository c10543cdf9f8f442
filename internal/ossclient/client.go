package ossclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/retry"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/transport"

	"github.com/osscopy/osscopy/planner"
	"github.com/osscopy/osscopy/worker"
)

// Client implements worker.Store with the SDK.
type Client struct {
	c *oss.Client
}

var _ worker.Store = (*Client)(nil)

// New makes a client from resolved settings.
func New(s Settings) *Client {
	// worker's retry layer owns retries (by error type, with backoff and
	// Retry-After); the SDK's would multiply its attempts.
	return &Client{c: oss.NewClient(sdkConfig(s).WithRetryer(retry.NopRetryer{}))}
}

func sdkConfig(s Settings) *oss.Config {
	return oss.LoadDefaultConfig().
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider(s.AccessKeyID, s.AccessKeySecret, s.STSToken)).
		WithRegion(s.Region).
		WithEndpoint(s.Endpoint).
		WithUsePathStyle(s.AddressingStyle == "path").
		WithHttpClient(transport.NewHttpClient(&transport.Config{ReadWriteTimeout: &readWriteTimeout}, keepConnections))
}

// readWriteTimeout is the longest the SDK's connection may wait for a read
// or a write. While OSS copies a part server-side nothing is read, so the
// SDK's default of 10 s would cut every part copy that takes longer, on
// every retry; the real bound per attempt is worker's per-request timeout.
var readWriteTimeout = worker.PartTimeout(planner.MaxPartSize)

// maxConnections bounds connections to one endpoint; --parallel stays below.
const maxConnections = 1024

// keepConnections keeps as many idle connections as may be in use. The
// SDK keeps 10, so at --parallel 64 most requests would dial a new TCP (and
// TLS) connection: measured, that alone cost 7% of a 10,000-part copy.
func keepConnections(t *http.Transport) {
	t.MaxConnsPerHost = maxConnections
	t.MaxIdleConnsPerHost = maxConnections
	t.MaxIdleConns = maxConnections
}

// SDK exposes the SDK client for the benchmark's comparison with its Copier.
func (c *Client) SDK() *oss.Client { return c.c }

func (c *Client) Head(ctx context.Context, obj worker.Object) (worker.ObjectInfo, error) {
	res, err := c.c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: &obj.Bucket, Key: &obj.Key, VersionId: optional(obj.VersionID)})
	var se *oss.ServiceError
	if errors.As(err, &se) && se.StatusCode == 404 && se.Code != "NoSuchBucket" {
		return worker.ObjectInfo{}, fmt.Errorf("%w: %w", worker.ErrNoSuchKey, err)
	}
	if err != nil {
		return worker.ObjectInfo{}, mark(err)
	}
	info := worker.ObjectInfo{Size: res.ContentLength, ETag: oss.ToString(res.ETag), VersionID: oss.ToString(res.VersionId),
		CRC64: oss.ToString(res.HashCRC64), TagCount: int(res.TaggingCount),
		Attributes: worker.Attributes{ContentType: oss.ToString(res.ContentType), CacheControl: oss.ToString(res.CacheControl),
			ContentDisposition: oss.ToString(res.ContentDisposition), ContentEncoding: oss.ToString(res.ContentEncoding),
			Expires: oss.ToString(res.Expires), Meta: res.Metadata}}
	if res.LastModified != nil {
		info.LastModified = *res.LastModified
	}
	return info, nil
}

func (c *Client) GetTagging(ctx context.Context, obj worker.Object) (string, error) {
	res, err := c.c.GetObjectTagging(ctx, &oss.GetObjectTaggingRequest{Bucket: &obj.Bucket, Key: &obj.Key, VersionId: optional(obj.VersionID)})
	if err != nil {
		return "", mark(err)
	}
	v := url.Values{}
	for _, t := range res.Tags {
		v.Set(oss.ToString(t.Key), oss.ToString(t.Value))
	}
	return v.Encode(), nil
}

func (c *Client) CopyObject(ctx context.Context, in worker.CopyObjectInput) (worker.CopyResult, error) {
	req := &oss.CopyObjectRequest{Bucket: &in.Dest.Bucket, Key: &in.Dest.Key, SourceBucket: &in.Source.Bucket,
		SourceKey: &in.Source.Key, SourceVersionId: optional(in.Source.VersionID), IfMatch: optional(in.IfMatch),
		StorageClass: oss.StorageClassType(in.Attributes.StorageClass)}
	if in.ReplaceMetadata {
		a := in.Attributes
		req.MetadataDirective = oss.Ptr("REPLACE")
		req.ContentType, req.CacheControl = optional(a.ContentType), optional(a.CacheControl)
		req.ContentDisposition, req.ContentEncoding = optional(a.ContentDisposition), optional(a.ContentEncoding)
		req.Expires, req.Metadata = optional(a.Expires), a.Meta
	}
	if in.ReplaceTagging {
		req.TaggingDirective, req.Tagging = oss.Ptr("Replace"), oss.Ptr(in.Attributes.Tagging)
	}
	res, err := c.c.CopyObject(ctx, req)
	if err != nil {
		return worker.CopyResult{}, markSource(err)
	}
	return worker.CopyResult{ETag: oss.ToString(res.ETag), CRC64: oss.ToString(res.HashCRC64)}, nil
}

func (c *Client) Initiate(ctx context.Context, dst worker.Object, a worker.Attributes) (string, error) {
	res, err := c.c.InitiateMultipartUpload(ctx, &oss.InitiateMultipartUploadRequest{Bucket: &dst.Bucket, Key: &dst.Key,
		ContentType: optional(a.ContentType), CacheControl: optional(a.CacheControl), ContentDisposition: optional(a.ContentDisposition),
		ContentEncoding: optional(a.ContentEncoding), Expires: optional(a.Expires), Metadata: a.Meta, Tagging: optional(a.Tagging),
		StorageClass: oss.StorageClassType(a.StorageClass), DisableAutoDetectMimeType: true})
	if err != nil {
		return "", mark(err)
	}
	return oss.ToString(res.UploadId), nil
}

func (c *Client) UploadPartCopy(ctx context.Context, in worker.PartCopyInput) (string, error) {
	res, err := c.c.UploadPartCopy(ctx, &oss.UploadPartCopyRequest{Bucket: &in.Dest.Bucket, Key: &in.Dest.Key,
		UploadId: &in.UploadID, PartNumber: in.PartNumber, SourceBucket: &in.Source.Bucket, SourceKey: &in.Source.Key,
		SourceVersionId: optional(in.Source.VersionID), Range: oss.Ptr(fmt.Sprintf("bytes=%d-%d", in.First, in.Last)),
		IfMatch: optional(in.IfMatch)})
	if err != nil {
		return "", markSource(err)
	}
	if res.ETag == nil {
		return "", fmt.Errorf("UploadPartCopy of part %d answered without an ETag", in.PartNumber)
	}
	return *res.ETag, nil
}

func (c *Client) ListParts(ctx context.Context, dst worker.Object, uploadID string) ([]worker.PartInfo, error) {
	var out []worker.PartInfo
	p := c.c.NewListPartsPaginator(&oss.ListPartsRequest{Bucket: &dst.Bucket, Key: &dst.Key, UploadId: &uploadID})
	for p.HasNext() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, mark(err)
		}
		for _, part := range page.Parts {
			out = append(out, worker.PartInfo{Number: part.PartNumber, ETag: oss.ToString(part.ETag), Size: part.Size})
		}
	}
	return out, nil
}

func (c *Client) Complete(ctx context.Context, dst worker.Object, uploadID string, parts []worker.PartETag) (worker.CopyResult, error) {
	list := make([]oss.UploadPart, len(parts))
	for i, p := range parts {
		list[i] = oss.UploadPart{PartNumber: p.Number, ETag: oss.Ptr(p.ETag)}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].PartNumber < list[j].PartNumber })
	res, err := c.c.CompleteMultipartUpload(ctx, &oss.CompleteMultipartUploadRequest{Bucket: &dst.Bucket, Key: &dst.Key,
		UploadId: &uploadID, CompleteMultipartUpload: &oss.CompleteMultipartUpload{Parts: list}})
	if err != nil {
		return worker.CopyResult{}, mark(err)
	}
	return worker.CopyResult{ETag: oss.ToString(res.ETag), CRC64: oss.ToString(res.HashCRC64)}, nil
}

func (c *Client) Abort(ctx context.Context, dst worker.Object, uploadID string) error {
	_, err := c.c.AbortMultipartUpload(ctx, &oss.AbortMultipartUploadRequest{Bucket: &dst.Bucket, Key: &dst.Key, UploadId: &uploadID})
	return mark(err)
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// mark wraps the service errors the copy reacts to with worker's sentinels,
// keeping the SDK's error inside for classification and messages.
func mark(err error) error {
	var se *oss.ServiceError
	if err == nil || !errors.As(err, &se) {
		return err
	}
	switch {
	case se.Code == "NoSuchUpload":
		return fmt.Errorf("%w: %w", worker.ErrNoSuchUpload, err)
	case se.StatusCode == 412:
		return fmt.Errorf("%w: %w", worker.ErrPreconditionFailed, err)
	case se.Code == "EntityTooLarge":
		return fmt.Errorf("%w: %w", worker.ErrEntityTooLarge, err)
	}
	return err
}

// markSource is mark for copies, where NoSuchKey can only mean the source:
// the destination key need not exist.
func markSource(err error) error {
	var se *oss.ServiceError
	if errors.As(err, &se) && se.Code == "NoSuchKey" {
		return fmt.Errorf("%w: %w", worker.ErrSourceGone, err)
	}
	return mark(err)
}

// retryAfter reads a Retry-After header in seconds.
func retryAfter(se *oss.ServiceError) int {
	if se.Headers == nil {
		return 0
	}
	n, err := strconv.Atoi(strings.TrimSpace(se.Headers.Get("Retry-After")))
	if err != nil || n < 0 {
		return 0
	}
	return n
}
