package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/osscopy/osscopy/internal/ossclient"
)

func newAbortMultipartUploadCommand() *cobra.Command {
	var (
		obj      objectFlags
		uploadID string
	)
	cmd := &cobra.Command{
		Use:   "abort-multipart-upload",
		Short: "Abort a multipart upload and delete its parts (AbortMultipartUpload)",
		Long: `Abort the multipart upload --upload-id of --key: its parts are deleted and stop
costing storage, and the upload ID stops working. Prints nothing when done.`,
		Example: `  osscopy api abort-multipart-upload --bucket examplebucket --key exampleobject --upload-id 123`,
	}
	fl := cmd.Flags()
	obj.define(fl, "bucket of the upload", "key of the upload")
	fl.StringVar(&uploadID, "upload-id", "", "ID of the multipart upload")
	return apiCommand(cmd, func() (apiRequest, error) {
		if err := obj.check(); err != nil {
			return apiRequest{}, err
		}
		if err := need("--upload-id", uploadID); err != nil {
			return apiRequest{}, err
		}
		return apiRequest{call: func(ctx context.Context, api *ossclient.API) (any, error) {
			return nil, api.AbortMultipartUpload(ctx, obj.bucket, obj.key, uploadID)
		}}, nil
	})
}
