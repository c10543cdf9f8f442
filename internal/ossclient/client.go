package ossclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/retry"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/transport"

	"github.com/osscopy/osscopy/internal/ossapi"
	"github.com/osscopy/osscopy/internal/osserr"
	"github.com/osscopy/osscopy/planner"
	"github.com/osscopy/osscopy/worker"
)

// Client implements worker.Store with the SDK. Its requests are the API's:
// one builder serves the copy and the api commands.
type Client struct {
	api API
}

var _ worker.Store = (*Client)(nil)

// New makes a client from resolved settings.
func New(s Settings) *Client {
	// worker's retry layer owns retries (by error type, with backoff and
	// Retry-After); the SDK's would multiply its attempts.
	return &Client{api: API{c: oss.NewClient(sdkConfig(s).WithRetryer(retry.NopRetryer{})), endpoint: s.Endpoint, region: s.Region}}
}

func sdkConfig(s Settings) *oss.Config {
	return oss.LoadDefaultConfig().
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider(s.AccessKeyID, s.AccessKeySecret, s.STSToken)).
		WithRegion(s.Region).
		WithEndpoint(s.Endpoint).
		WithUsePathStyle(s.AddressingStyle == "path").
		WithHttpClient(httpClient())
}

// httpClient is the SDK's HTTP client with osscopy's settings, behind
// refuseBadHeaders.
func httpClient() *http.Client {
	c := transport.NewHttpClient(&transport.Config{ReadWriteTimeout: &readWriteTimeout}, keepConnections)
	c.Transport = refuseBadHeaders{c.Transport}
	return c
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
func (c *Client) SDK() *oss.Client { return c.api.c }

func (c *Client) Head(ctx context.Context, obj worker.Object) (worker.ObjectInfo, error) {
	res, err := c.api.headObject(ctx, ossapi.HeadObjectInput{Bucket: obj.Bucket, Key: obj.Key, VersionID: obj.VersionID})
	if err != nil {
		return worker.ObjectInfo{}, err
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
	r := request{op: "GetObjectTagging", bucket: obj.Bucket, key: obj.Key}
	res, err := c.api.c.GetObjectTagging(ctx, &oss.GetObjectTaggingRequest{Bucket: &obj.Bucket, Key: &obj.Key, VersionId: optional(obj.VersionID)},
		c.api.answersXML(r, "Tagging"))
	if err != nil {
		return "", r.fail(err)
	}
	v := url.Values{}
	for _, t := range res.Tags {
		v.Set(oss.ToString(t.Key), oss.ToString(t.Value))
	}
	return v.Encode(), nil
}

func (c *Client) CopyObject(ctx context.Context, in worker.CopyObjectInput) (worker.CopyResult, error) {
	req := ossapi.CopyObjectInput{CopyFrom: copyFrom(in.Source, in.IfMatch, in.ReplaceMetadata, in.ReplaceTagging),
		Bucket: in.Dest.Bucket, Key: in.Dest.Key, Attributes: in.Attributes}
	if !in.ReplaceMetadata {
		req.Attributes = worker.Attributes{StorageClass: in.Attributes.StorageClass}
	}
	req.Attributes.Tagging = ""
	if in.ReplaceTagging {
		req.Attributes.Tagging = in.Attributes.Tagging
	}
	res, err := c.api.CopyObject(ctx, req)
	if err != nil {
		return worker.CopyResult{}, err
	}
	return worker.CopyResult{ETag: res.ETag, CRC64: res.HashCrc64ecma}, nil
}

// copyFrom names a copy's source as the requests do: pinned to an ETag,
// the directives REPLACE when told, else left out (OSS copies by default).
func copyFrom(src worker.Object, ifMatch string, replaceMetadata, replaceTagging bool) ossapi.CopyFrom {
	from := ossapi.CopyFrom{Source: ossapi.CopySource{Bucket: src.Bucket, Key: src.Key, VersionID: src.VersionID},
		SourceIf: ossapi.Conditions{IfMatch: ifMatch}}
	if replaceMetadata {
		from.MetadataDirective = "REPLACE"
	}
	if replaceTagging {
		from.TaggingDirective = "REPLACE"
	}
	return from
}

func (c *Client) Initiate(ctx context.Context, dst worker.Object, a worker.Attributes) (string, error) {
	res, err := c.api.InitiateMultipartUpload(ctx, ossapi.InitiateInput{Bucket: dst.Bucket, Key: dst.Key, Attributes: a})
	return res.UploadId, err
}

func (c *Client) UploadPartCopy(ctx context.Context, in worker.PartCopyInput) (string, error) {
	res, err := c.api.UploadPartCopy(ctx, ossapi.UploadPartCopyInput{CopyFrom: copyFrom(in.Source, in.IfMatch, false, false),
		Bucket: in.Dest.Bucket, Key: in.Dest.Key, UploadID: in.UploadID, PartNumber: in.PartNumber,
		Range: fmt.Sprintf("bytes=%d-%d", in.First, in.Last)})
	if err != nil {
		return "", err
	}
	if res.ETag == "" {
		return "", request{op: osserr.OpUploadPartCopy, bucket: in.Dest.Bucket, key: in.Dest.Key, part: in.PartNumber}.
			fail(errors.New("OSS answered without the part's ETag"))
	}
	return res.ETag, nil
}

func (c *Client) ListParts(ctx context.Context, dst worker.Object, uploadID string) ([]worker.PartInfo, error) {
	var out []worker.PartInfo
	// URL-encoded names, as the SDK's paginator asks for them.
	in := ossapi.ListPartsInput{Bucket: dst.Bucket, Key: dst.Key, UploadID: uploadID, EncodingType: "url"}
	for {
		page, err := c.api.ListParts(ctx, in)
		if err != nil {
			return nil, err
		}
		for _, p := range page.Part {
			out = append(out, worker.PartInfo{Number: p.PartNumber, ETag: p.ETag, Size: p.Size})
		}
		if !page.IsTruncated {
			return out, nil
		}
		in.PartNumberMarker = page.NextPartNumberMarker
	}
}

func (c *Client) Complete(ctx context.Context, dst worker.Object, uploadID string, parts []worker.PartETag) (worker.CopyResult, error) {
	list := make([]ossapi.CompletePart, len(parts))
	for i, p := range parts {
		list[i] = ossapi.CompletePart{PartNumber: p.Number, ETag: p.ETag}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].PartNumber < list[j].PartNumber })
	res, err := c.api.CompleteMultipartUpload(ctx, ossapi.CompleteInput{Bucket: dst.Bucket, Key: dst.Key, UploadID: uploadID, Parts: list})
	if err != nil {
		return worker.CopyResult{}, err
	}
	return worker.CopyResult{ETag: res.ETag, CRC64: res.HashCrc64ecma}, nil
}

func (c *Client) Abort(ctx context.Context, dst worker.Object, uploadID string) error {
	return c.api.AbortMultipartUpload(ctx, dst.Bucket, dst.Key, uploadID)
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
