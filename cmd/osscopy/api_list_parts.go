package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/osscopy/osscopy/internal/ossapi"
	"github.com/osscopy/osscopy/internal/ossclient"
)

// maxListed is the most entries OSS lists in one page.
const maxListed = 1000

func newListPartsCommand() *cobra.Command {
	var (
		obj                        objectFlags
		uploadID, encodingType     string
		maxParts, partNumberMarker int32
	)
	cmd := &cobra.Command{
		Use:   "list-parts",
		Short: "List the parts a multipart upload holds (ListParts)",
		Long: `List the parts of the multipart upload --upload-id: number, ETag, size, last
modified and CRC64 of each, one page at a time (--max-parts, then --part-number-marker
NextPartNumberMarker for the next page while IsTruncated is true). The JSON output can be
given as it is to complete-multipart-upload --complete-multipart-upload.`,
		Example: `  osscopy api list-parts --bucket examplebucket --key exampleobject --upload-id 123
  osscopy api list-parts --bucket examplebucket --key exampleobject --upload-id 123 --output-format json > parts.json`,
	}
	fl := cmd.Flags()
	obj.define(fl, "bucket of the upload", "key of the upload")
	fl.StringVar(&uploadID, "upload-id", "", "ID of the multipart upload")
	fl.Int32Var(&maxParts, "max-parts", maxListed, "most parts in the answer, 1 to 1000")
	fl.Int32Var(&partNumberMarker, "part-number-marker", 0, "list the parts after this part number")
	fl.StringVar(&encodingType, "encoding-type", "", "url: print the key URL-encoded, as OSS sends it")
	return apiCommand(cmd, func() (apiRequest, error) {
		in := ossapi.ListPartsInput{Bucket: obj.bucket, Key: obj.key, UploadID: uploadID, MaxParts: maxParts, PartNumberMarker: partNumberMarker}
		if err := obj.check(); err != nil {
			return apiRequest{}, err
		}
		if err := need("--upload-id", uploadID); err != nil {
			return apiRequest{}, err
		}
		if maxParts < 1 || maxParts > maxListed {
			return apiRequest{}, fmt.Errorf("--max-parts %d: write 1 to %d", maxParts, maxListed)
		}
		if partNumberMarker < 0 || partNumberMarker > ossapi.MaxPartNumber {
			return apiRequest{}, fmt.Errorf("--part-number-marker %d: write 0 to %d", partNumberMarker, ossapi.MaxPartNumber)
		}
		var err error
		if in.EncodingType, err = parseEncodingType(encodingType); err != nil {
			return apiRequest{}, err
		}
		return apiRequest{call: func(ctx context.Context, api *ossclient.API) (any, error) { return api.ListParts(ctx, in) }}, nil
	})
}
