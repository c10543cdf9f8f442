package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/osscopy/osscopy/internal/ossapi"
	"github.com/osscopy/osscopy/internal/ossclient"
)

func newListMultipartUploadsCommand() *cobra.Command {
	var (
		in         ossapi.ListUploadsInput
		maxUploads int32
	)
	cmd := &cobra.Command{
		Use:   "list-multipart-uploads",
		Short: "List the multipart uploads of a bucket that are neither completed nor aborted (ListMultipartUploads)",
		Long: `List the multipart uploads in progress in --bucket, by key then upload ID, one page at a
time (--max-uploads, then --key-marker NextKeyMarker and --upload-id-marker
NextUploadIdMarker for the next page while IsTruncated is true). With --delimiter, keys
that share a prefix up to it are grouped under CommonPrefixes. Uploads left behind keep
costing storage: abort-multipart-upload drops them.`,
		Example: `  osscopy api list-multipart-uploads --bucket examplebucket
  osscopy api list-multipart-uploads --bucket examplebucket --prefix backups/ --delimiter / --output-format yaml`,
	}
	fl := cmd.Flags()
	fl.StringVar(&in.Bucket, "bucket", "", "bucket whose uploads to list")
	fl.StringVar(&in.Prefix, "prefix", "", "list only uploads of keys that start with this")
	fl.StringVar(&in.Delimiter, "delimiter", "", "group keys that share a prefix up to this character under CommonPrefixes")
	fl.StringVar(&in.KeyMarker, "key-marker", "", "list the uploads of keys after this one (with --upload-id-marker: from this key on)")
	fl.StringVar(&in.UploadIDMarker, "upload-id-marker", "", "with --key-marker: list that key's uploads after this upload ID")
	fl.Int32Var(&maxUploads, "max-uploads", maxListed, "most uploads in the answer, 1 to 1000")
	fl.StringVar(&in.EncodingType, "encoding-type", "", "url: print keys URL-encoded, as OSS sends them")
	return apiCommand(cmd, func() (apiRequest, error) {
		if err := need("--bucket", in.Bucket); err != nil {
			return apiRequest{}, err
		}
		if err := checkBucket(in.Bucket); err != nil {
			return apiRequest{}, err
		}
		if maxUploads < 1 || maxUploads > maxListed {
			return apiRequest{}, fmt.Errorf("--max-uploads %d: write 1 to %d", maxUploads, maxListed)
		}
		in.MaxUploads = maxUploads
		if _, err := parseEncodingType(in.EncodingType); err != nil {
			return apiRequest{}, err
		}
		return apiRequest{call: func(ctx context.Context, api *ossclient.API) (any, error) { return api.ListMultipartUploads(ctx, in) }}, nil
	})
}
