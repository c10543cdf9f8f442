package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/osscopy/osscopy/internal/ossapi"
	"github.com/osscopy/osscopy/internal/ossclient"
)

func newInitiateMultipartUploadCommand() *cobra.Command {
	var (
		obj                           objectFlags
		attrs                         attributeFlags
		forbidOverwrite, encodingType string
	)
	cmd := &cobra.Command{
		Use:   "initiate-multipart-upload",
		Short: "Start a multipart upload and print its upload ID (InitiateMultipartUpload)",
		Long: `Start a multipart upload of --key in --bucket and print its upload ID, which
upload-part-copy, list-parts, complete-multipart-upload and abort-multipart-upload take.
The headers, metadata, tags and storage class given here are the completed object's.
An upload that is neither completed nor aborted keeps costing storage for its parts.`,
		Example: `  osscopy api initiate-multipart-upload --bucket examplebucket --key exampleobject
  osscopy api initiate-multipart-upload --bucket examplebucket --key exampleobject --tagging "TagA=A&TagB=B" --metadata owner=alice --output-format json`,
	}
	fl := cmd.Flags()
	obj.define(fl, "bucket of the object to upload", "key of the object the upload will create")
	attrs.define(fl)
	fl.StringVar(&forbidOverwrite, "forbid-overwrite", "", "true: refuse (409 FileAlreadyExists) if the object already exists")
	fl.StringVar(&encodingType, "encoding-type", "", "url: print the key URL-encoded, as OSS sends it")
	return apiCommand(cmd, func() (apiRequest, error) {
		in := ossapi.InitiateInput{Bucket: obj.bucket, Key: obj.key}
		if err := obj.check(); err != nil {
			return apiRequest{}, err
		}
		var err error
		if in.Attributes, err = attrs.parse(); err != nil {
			return apiRequest{}, err
		}
		if in.ForbidOverwrite, err = parseBoolFlag("--forbid-overwrite", forbidOverwrite); err != nil {
			return apiRequest{}, err
		}
		if in.EncodingType, err = parseEncodingType(encodingType); err != nil {
			return apiRequest{}, err
		}
		return apiRequest{call: func(ctx context.Context, api *ossclient.API) (any, error) {
			return api.InitiateMultipartUpload(ctx, in)
		}}, nil
	})
}
