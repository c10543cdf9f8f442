package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/osscopy/osscopy/internal/ossapi"
	"github.com/osscopy/osscopy/internal/ossclient"
)

func newCopyObjectCommand() *cobra.Command {
	var (
		dst             objectFlags
		from            copyFromFlags
		attrs           attributeFlags
		forbidOverwrite string
	)
	cmd := &cobra.Command{
		Use:   "copy-object",
		Short: "Copy an object in one request (CopyObject): up to 1 GB, any size within a bucket",
		Long: `Copy --copy-source to --key in --bucket in one server-side request. OSS copies sources
up to 1 GB this way, and sources of any size within one bucket when the copy changes neither
the storage class nor the encryption (larger ones: 400 EntityTooLarge; use the multipart
workflow, or 'osscopy cp', which does it for you). The source and destination buckets must
be in the same region.

With --metadata-directive COPY (the default) the copy keeps the source's headers and
metadata; REPLACE gives it the ones set here instead. --tagging-directive does the same
for tags.`,
		Example: `  osscopy api copy-object --bucket examplebucket --key exampleobject --copy-source /srcbucket/srcobject
  osscopy api copy-object --bucket examplebucket --key exampleobject --copy-source srcbucket/dir%2Fsrc.bin --metadata-directive REPLACE --content-type video/mp4`,
	}
	fl := cmd.Flags()
	dst.define(fl, "bucket of the destination object", "destination object")
	from.define(fl, "COPY the source's headers and metadata (default) or REPLACE them with the flags given here",
		"Copy the source's tags (default) or Replace them with --tagging")
	fl.StringVar(&forbidOverwrite, "forbid-overwrite", "", "true: refuse (409 FileAlreadyExists) if the destination exists")
	attrs.define(fl)
	return apiCommand(cmd, func() (apiRequest, error) {
		in := ossapi.CopyObjectInput{Bucket: dst.bucket, Key: dst.key}
		if err := dst.check(); err != nil {
			return apiRequest{}, err
		}
		var err error
		if in.Attributes, err = attrs.parse(); err != nil {
			return apiRequest{}, err
		}
		if in.CopyFrom, err = from.parse(in.Attributes.Tagging); err != nil {
			return apiRequest{}, err
		}
		if in.ForbidOverwrite, err = parseBoolFlag("--forbid-overwrite", forbidOverwrite); err != nil {
			return apiRequest{}, err
		}
		return apiRequest{
			call:        func(ctx context.Context, api *ossclient.API) (any, error) { return api.CopyObject(ctx, in) },
			notModified: "nothing was copied: the source's ETag matches --copy-source-if-none-match, or it was not modified since --copy-source-if-modified-since",
		}, nil
	})
}
