package ossclient

import (
	"context"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/osscopy/osscopy/internal/bulk"
)

// listPage is the most keys ListObjectsV2 returns at once.
const listPage = 1000

// List lists one page of the objects under prefix (ListObjectsV2). Keys
// are asked URL-encoded, which the SDK decodes, so that keys holding
// characters XML cannot carry come back whole.
func (c *Client) List(ctx context.Context, bucket, prefix, token string) (bulk.Page, error) {
	r := request{op: "ListObjectsV2", bucket: bucket}
	res, err := c.api.c.ListObjectsV2(ctx, &oss.ListObjectsV2Request{Bucket: &bucket, Prefix: &prefix,
		ContinuationToken: optional(token), MaxKeys: listPage, EncodingType: oss.Ptr("url")}, c.api.answersXML(r, "ListBucketResult"))
	if err != nil {
		return bulk.Page{}, r.fail(err)
	}
	page := bulk.Page{Objects: make([]bulk.Listed, 0, len(res.Contents))}
	for _, o := range res.Contents {
		l := bulk.Listed{Key: oss.ToString(o.Key), Size: o.Size, ETag: oss.ToString(o.ETag)}
		if o.LastModified != nil {
			l.LastModified = *o.LastModified
		}
		page.Objects = append(page.Objects, l)
	}
	if res.IsTruncated {
		page.Next = oss.ToString(res.NextContinuationToken)
	}
	return page, nil
}
