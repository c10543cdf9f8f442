package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/osscopy/osscopy/internal/ossapi"
	"github.com/osscopy/osscopy/internal/ossclient"
)

func newUploadPartCopyCommand() *cobra.Command {
	var (
		dst                                      objectFlags
		from                                     copyFromFlags
		partNumber, uploadID, copyRange, tagging string
	)
	cmd := &cobra.Command{
		Use:   "upload-part-copy",
		Short: "Copy a range of an existing object as one part of a multipart upload (UploadPartCopy)",
		Long: `Copy data from an existing object, whole or a byte range of it, as part --part-number of
the multipart upload --upload-id (from initiate-multipart-upload). Use it to copy objects
over 1 GB; copy-object copies smaller ones in one request. The source and destination
buckets must be in the same region.

--bucket and --key name the DESTINATION object of the upload. ossutil's page calls --key
"the source object", but its examples and the UploadPartCopy API make it the destination:
the source is --copy-source.

The part's ETag (the MD5 of the copied bytes) is printed with its LastModified, and the
source's version ID when the source bucket is versioned. Keep the ETags: completing the
upload needs them (or complete with --complete-all yes).

--metadata-directive, --tagging-directive and --tagging are sent as ossutil sends them.
UploadPartCopy's API reference lists none of them, and the object's metadata comes from
initiate-multipart-upload; for tags that certainly reach the object, give --tagging to
initiate-multipart-upload.`,
		Example: `  osscopy api upload-part-copy --bucket examplebucket --key exampleobject --copy-source /srcbucket/srcobject --upload-id 123 --part-number 1
  osscopy api upload-part-copy --bucket examplebucket --key exampleobject --copy-source /srcbucket/srcobject --upload-id 123 --part-number 1 --output-format json
  osscopy api upload-part-copy --bucket examplebucket --key exampleobject --copy-source /srcbucket/srcobject --upload-id 123 --part-number 1 --copy-source-range bytes=0-9
  osscopy api upload-part-copy --bucket examplebucket --key exampleobject --copy-source /srcbucket/srcobject --upload-id 123 --part-number 1 --copy-source-if-unmodified-since "Mon, 11 May 2020 08:16:23 GMT"
  osscopy api upload-part-copy --bucket examplebucket --key exampleobject --copy-source /srcbucket/srcobject --upload-id 123 --part-number 1 --tagging-directive Replace --tagging "TagA=A&TagB=B"`,
	}
	fl := cmd.Flags()
	dst.define(fl, "bucket of the destination object (the multipart upload's)", "destination object: the key the multipart upload was initiated for")
	from.define(fl, "COPY or REPLACE, sent as x-oss-metadata-directive (see above)",
		"Copy or Replace the tags, sent as x-oss-tagging-directive (see above)")
	fl.StringVar(&partNumber, "part-number", "", "number of this part in the upload, 1 to 10000")
	fl.StringVar(&uploadID, "upload-id", "", "ID of the multipart upload, from initiate-multipart-upload")
	fl.StringVar(&copyRange, "copy-source-range", "", "bytes of the source to copy: bytes=first-last, zero-based and inclusive (bytes=0-9 is the first 10 bytes); default: the whole source")
	fl.StringVar(&tagging, "tagging", "", "tags with --tagging-directive Replace: URL-encoded key=value pairs joined by '&', like TagA=A&TagB=B")
	return apiCommand(cmd, func() (apiRequest, error) {
		in := ossapi.UploadPartCopyInput{Bucket: dst.bucket, Key: dst.key, UploadID: uploadID}
		if err := dst.check(); err != nil {
			return apiRequest{}, err
		}
		if err := need("--part-number", partNumber, "--upload-id", uploadID); err != nil {
			return apiRequest{}, err
		}
		var err error
		if in.PartNumber, err = ossapi.ParsePartNumber("--part-number", partNumber); err != nil {
			return apiRequest{}, err
		}
		if copyRange != "" {
			if _, _, err = ossapi.ParseRange("--copy-source-range", copyRange); err != nil {
				return apiRequest{}, err
			}
			in.Range = copyRange
		}
		if in.Tagging, err = ossapi.ParseTagging("--tagging", tagging); err != nil {
			return apiRequest{}, err
		}
		if in.CopyFrom, err = from.parse(in.Tagging); err != nil {
			return apiRequest{}, err
		}
		return apiRequest{
			call: func(ctx context.Context, api *ossclient.API) (any, error) { return api.UploadPartCopy(ctx, in) },
			notModified: fmt.Sprintf("part %d was not copied: the source's ETag matches --copy-source-if-none-match, "+
				"or it was not modified since --copy-source-if-modified-since", in.PartNumber),
		}, nil
	})
}
