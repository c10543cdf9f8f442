package ossclient

import (
	"context"
	"encoding/xml"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/osscopy/osscopy/internal/ossapi"
	"github.com/osscopy/osscopy/internal/osserr"
)

// API sends the single requests of osscopy's api commands. With no worker
// layer above it, the SDK's own retryer retries transient errors.
type API struct {
	c *oss.Client
	// endpoint and region, as resolved, for errors that name them.
	endpoint, region string
	// quickTimeout, when set, bounds how long a request that OSS answers
	// at once may stay silent (see quick).
	quickTimeout time.Duration
}

// quickAnswer is the api commands' and cleanup's quickTimeout: a request
// that OSS answers at once (HEAD, listings, initiate, abort) is cut after
// 10 s of silence, so an endpoint that takes connections and never
// answers fails each attempt in seconds, not after the 5m50s a part copy
// may need. The copy has its own timeouts per attempt (worker).
const quickAnswer = 10 * time.Second

// quick applies quickTimeout to a request.
func (a *API) quick(o *oss.Options) {
	if a.quickTimeout > 0 {
		o.OpReadWriteTimeout = &a.quickTimeout
	}
}

// NewAPI makes an API client that retries a failed request up to
// retryTimes more times when the SDK deems the error transient.
func NewAPI(s Settings, retryTimes int) *API {
	return &API{c: oss.NewClient(sdkConfig(s).WithRetryMaxAttempts(retryTimes + 1)), endpoint: s.Endpoint, region: s.Region,
		quickTimeout: quickAnswer}
}

// taggingDirective spells a tagging directive as OSS documents it.
func taggingDirective(d string) *string {
	switch d {
	case "COPY":
		return oss.Ptr("Copy")
	case "REPLACE":
		return oss.Ptr("Replace")
	}
	return nil
}

func (a *API) UploadPartCopy(ctx context.Context, in ossapi.UploadPartCopyInput) (ossapi.UploadPartCopyResult, error) {
	// UploadPartCopy's API reference lists no directive or tagging headers;
	// they go out as ossutil sends them, as extra headers.
	var extra map[string]string // nil for the copy's parts, which send none
	add := func(k, v string) {
		if extra == nil {
			extra = map[string]string{}
		}
		extra[k] = v
	}
	if in.MetadataDirective != "" {
		add("x-oss-metadata-directive", in.MetadataDirective)
	}
	if d := taggingDirective(in.TaggingDirective); d != nil {
		add("x-oss-tagging-directive", *d)
	}
	if in.Tagging != "" {
		add("x-oss-tagging", in.Tagging)
	}
	req := request{op: osserr.OpUploadPartCopy, bucket: in.Bucket, key: in.Key, part: in.PartNumber}
	res, err := a.c.UploadPartCopy(ctx, &oss.UploadPartCopyRequest{Bucket: &in.Bucket, Key: &in.Key, UploadId: &in.UploadID,
		PartNumber: in.PartNumber, SourceBucket: &in.Source.Bucket, SourceKey: &in.Source.Key,
		SourceVersionId: optional(in.Source.VersionID), Range: optional(in.Range),
		IfMatch: optional(in.SourceIf.IfMatch), IfNoneMatch: optional(in.SourceIf.IfNoneMatch),
		IfModifiedSince: optional(in.SourceIf.IfModifiedSince), IfUnmodifiedSince: optional(in.SourceIf.IfUnmodifiedSince),
		RequestCommon: oss.RequestCommon{Headers: extra}}, a.answersXML(req, "CopyPartResult"))
	if err != nil {
		return ossapi.UploadPartCopyResult{}, req.fail(err)
	}
	return ossapi.UploadPartCopyResult{LastModified: ossapi.FormatTime(res.LastModified), ETag: oss.ToString(res.ETag),
		CopySourceVersionId: oss.ToString(res.VersionId)}, nil
}

func (a *API) CopyObject(ctx context.Context, in ossapi.CopyObjectInput) (ossapi.CopyObjectResult, error) {
	at := in.Attributes
	req := request{op: osserr.OpCopyObject, bucket: in.Bucket, key: in.Key}
	res, err := a.c.CopyObject(ctx, &oss.CopyObjectRequest{Bucket: &in.Bucket, Key: &in.Key,
		SourceBucket: &in.Source.Bucket, SourceKey: &in.Source.Key, SourceVersionId: optional(in.Source.VersionID),
		IfMatch: optional(in.SourceIf.IfMatch), IfNoneMatch: optional(in.SourceIf.IfNoneMatch),
		IfModifiedSince: optional(in.SourceIf.IfModifiedSince), IfUnmodifiedSince: optional(in.SourceIf.IfUnmodifiedSince),
		MetadataDirective: optional(in.MetadataDirective), TaggingDirective: taggingDirective(in.TaggingDirective),
		Tagging: optional(at.Tagging), ForbidOverwrite: optional(in.ForbidOverwrite), StorageClass: oss.StorageClassType(at.StorageClass),
		CacheControl: optional(at.CacheControl), ContentDisposition: optional(at.ContentDisposition),
		ContentEncoding: optional(at.ContentEncoding), ContentType: optional(at.ContentType), Expires: optional(at.Expires),
		Metadata: at.Meta}, a.answersXML(req, "CopyObjectResult"))
	if err != nil {
		return ossapi.CopyObjectResult{}, req.fail(err)
	}
	return ossapi.CopyObjectResult{LastModified: ossapi.FormatTime(res.LastModified), ETag: oss.ToString(res.ETag),
		VersionId: oss.ToString(res.VersionId), CopySourceVersionId: oss.ToString(res.SourceVersionId),
		HashCrc64ecma: oss.ToString(res.HashCRC64)}, nil
}

func (a *API) InitiateMultipartUpload(ctx context.Context, in ossapi.InitiateInput) (ossapi.InitiateMultipartUploadResult, error) {
	at := in.Attributes
	req := request{op: "InitiateMultipartUpload", bucket: in.Bucket, key: in.Key}
	res, err := a.c.InitiateMultipartUpload(ctx, &oss.InitiateMultipartUploadRequest{Bucket: &in.Bucket, Key: &in.Key,
		EncodingType: optional(in.EncodingType), ForbidOverwrite: optional(in.ForbidOverwrite),
		CacheControl: optional(at.CacheControl), ContentDisposition: optional(at.ContentDisposition),
		ContentEncoding: optional(at.ContentEncoding), ContentType: optional(at.ContentType), Expires: optional(at.Expires),
		Metadata: at.Meta, Tagging: optional(at.Tagging), StorageClass: oss.StorageClassType(at.StorageClass),
		DisableAutoDetectMimeType: true}, a.answersXML(req, "InitiateMultipartUploadResult"), a.quick)
	if err != nil {
		return ossapi.InitiateMultipartUploadResult{}, req.fail(err)
	}
	return ossapi.InitiateMultipartUploadResult{Bucket: oss.ToString(res.Bucket), Key: encodeKey(oss.ToString(res.Key), in.EncodingType),
		UploadId: oss.ToString(res.UploadId), EncodingType: in.EncodingType}, nil
}

func (a *API) CompleteMultipartUpload(ctx context.Context, in ossapi.CompleteInput) (ossapi.CompleteMultipartUploadResult, error) {
	req := &oss.CompleteMultipartUploadRequest{Bucket: &in.Bucket, Key: &in.Key, UploadId: &in.UploadID,
		EncodingType: optional(in.EncodingType), ForbidOverwrite: optional(in.ForbidOverwrite)}
	if in.CompleteAll {
		req.CompleteAll = oss.Ptr("yes")
	} else {
		parts := make([]oss.UploadPart, len(in.Parts))
		for i, p := range in.Parts {
			parts[i] = oss.UploadPart{PartNumber: p.PartNumber, ETag: oss.Ptr(p.ETag)}
		}
		req.CompleteMultipartUpload = &oss.CompleteMultipartUpload{Parts: parts}
	}
	r := request{op: "CompleteMultipartUpload", bucket: in.Bucket, key: in.Key}
	res, err := a.c.CompleteMultipartUpload(ctx, req, a.answersXML(r, "CompleteMultipartUploadResult"))
	if err != nil {
		return ossapi.CompleteMultipartUploadResult{}, r.fail(err)
	}
	return ossapi.CompleteMultipartUploadResult{EncodingType: in.EncodingType, Location: oss.ToString(res.Location),
		Bucket: oss.ToString(res.Bucket), Key: encodeKey(oss.ToString(res.Key), in.EncodingType), ETag: oss.ToString(res.ETag),
		VersionId: oss.ToString(res.VersionId), HashCrc64ecma: oss.ToString(res.HashCRC64)}, nil
}

func (a *API) AbortMultipartUpload(ctx context.Context, bucket, key, uploadID string) error {
	_, err := a.c.AbortMultipartUpload(ctx, &oss.AbortMultipartUploadRequest{Bucket: &bucket, Key: &key, UploadId: &uploadID}, a.quick)
	return request{op: "AbortMultipartUpload", bucket: bucket, key: key}.fail(err)
}

func (a *API) ListParts(ctx context.Context, in ossapi.ListPartsInput) (ossapi.ListPartsResult, error) {
	r := request{op: "ListParts", bucket: in.Bucket, key: in.Key}
	res, err := a.c.ListParts(ctx, &oss.ListPartsRequest{Bucket: &in.Bucket, Key: &in.Key, UploadId: &in.UploadID,
		MaxParts: in.MaxParts, PartNumberMarker: in.PartNumberMarker, EncodingType: optional(in.EncodingType)}, a.answersXML(r, "ListPartsResult"), a.quick)
	if err != nil {
		return ossapi.ListPartsResult{}, r.fail(err)
	}
	out := ossapi.ListPartsResult{EncodingType: in.EncodingType, Bucket: oss.ToString(res.Bucket),
		Key: encodeKey(oss.ToString(res.Key), in.EncodingType), UploadId: oss.ToString(res.UploadId),
		PartNumberMarker: res.PartNumberMarker, NextPartNumberMarker: res.NextPartNumberMarker, MaxParts: res.MaxParts,
		IsTruncated: res.IsTruncated, Part: []ossapi.PartEntry{}}
	for _, p := range res.Parts {
		out.Part = append(out.Part, ossapi.PartEntry{PartNumber: p.PartNumber, LastModified: ossapi.FormatTime(p.LastModified),
			ETag: oss.ToString(p.ETag), Size: p.Size, HashCrc64ecma: oss.ToString(p.HashCRC64)})
	}
	return out, nil
}

// ListMultipartUploads reads OSS's XML itself: the SDK's typed call drops
// CommonPrefixes, which --delimiter asks for.
func (a *API) ListMultipartUploads(ctx context.Context, in ossapi.ListUploadsInput) (ossapi.ListMultipartUploadsResult, error) {
	// Names travel URL-encoded, as the SDK asks for them, so that any key
	// survives XML; they are decoded below unless the user asked otherwise.
	params := map[string]string{"uploads": "", "encoding-type": "url"}
	for k, v := range map[string]string{"prefix": in.Prefix, "delimiter": in.Delimiter, "key-marker": in.KeyMarker,
		"upload-id-marker": in.UploadIDMarker} {
		if v != "" {
			params[k] = v
		}
	}
	if in.MaxUploads > 0 {
		params["max-uploads"] = strconv.Itoa(int(in.MaxUploads))
	}
	r := request{op: "ListMultipartUploads", bucket: in.Bucket}
	out, err := a.c.InvokeOperation(ctx, &oss.OperationInput{OpName: r.op, Method: "GET",
		Bucket: &in.Bucket, Parameters: params}, a.answersXML(r, "ListMultipartUploadsResult"), a.quick)
	if err != nil {
		return ossapi.ListMultipartUploadsResult{}, r.fail(err)
	}
	defer out.Body.Close()
	res := ossapi.ListMultipartUploadsResult{Upload: []ossapi.UploadEntry{}}
	if err := xml.NewDecoder(out.Body).Decode(&res); err != nil {
		return res, r.fail(err) // checkXML parsed it whole: the connection failed
	}
	if res.EncodingType = in.EncodingType; in.EncodingType != "url" {
		err = res.DecodeKeys()
	}
	return res, err
}

// headObject is the HEAD both clients send.
func (a *API) headObject(ctx context.Context, in ossapi.HeadObjectInput) (*oss.HeadObjectResult, error) {
	res, err := a.c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: &in.Bucket, Key: &in.Key, VersionId: optional(in.VersionID),
		IfMatch: optional(in.If.IfMatch), IfNoneMatch: optional(in.If.IfNoneMatch),
		IfModifiedSince: optional(in.If.IfModifiedSince), IfUnmodifiedSince: optional(in.If.IfUnmodifiedSince)}, a.quick)
	return res, request{op: osserr.OpHeadObject, bucket: in.Bucket, key: in.Key}.fail(err)
}

// transportHeaders describe the connection, not the object.
var transportHeaders = map[string]bool{"Date": true, "Connection": true, "Keep-Alive": true, "Server": true}

func (a *API) HeadObject(ctx context.Context, in ossapi.HeadObjectInput) (ossapi.HeadObjectResult, error) {
	res, err := a.headObject(ctx, in)
	if err != nil {
		return nil, err
	}
	out := ossapi.HeadObjectResult{}
	for k, v := range res.Headers {
		if k = http.CanonicalHeaderKey(k); !transportHeaders[k] {
			out[k] = strings.Join(v, ", ")
		}
	}
	return out, nil
}

// encodeKey shows a key as OSS sent it: with encoding-type url, the SDK
// decodes keys, and the output should show what the API returned.
func encodeKey(key, encodingType string) string {
	if encodingType != "url" {
		return key
	}
	return url.QueryEscape(key)
}
