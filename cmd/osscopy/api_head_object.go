package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/osscopy/osscopy/internal/ossapi"
	"github.com/osscopy/osscopy/internal/ossclient"
)

func newHeadObjectCommand() *cobra.Command {
	var (
		obj       objectFlags
		cond      conditionFlags
		versionID string
	)
	cmd := &cobra.Command{
		Use:   "head-object",
		Short: "Print an object's headers: size, ETag, CRC64, metadata (HeadObject)",
		Long: `Print the headers OSS returns for --key: Content-Length, ETag, Last-Modified,
X-Oss-Hash-Crc64ecma (compare a copy's with its source's), X-Oss-Object-Type, storage
class, tag count and user metadata (X-Oss-Meta-*). Raw output is one "Name: value"
line per header; json and yaml give a map.`,
		Example: `  osscopy api head-object --bucket examplebucket --key exampleobject
  osscopy api head-object --bucket examplebucket --key exampleobject --if-none-match '"5B3C1A2E053D763E1B002CC607C5A0FE"'`,
	}
	fl := cmd.Flags()
	obj.define(fl, "bucket of the object", "object to inspect")
	fl.StringVar(&versionID, "version-id", "", "version of the object, in a versioned bucket (default: the current one)")
	cond.define(fl, "", "the object")
	return apiCommand(cmd, func() (apiRequest, error) {
		in := ossapi.HeadObjectInput{Bucket: obj.bucket, Key: obj.key, VersionID: versionID}
		if err := obj.check(); err != nil {
			return apiRequest{}, err
		}
		var err error
		if in.If, err = cond.parse(); err != nil {
			return apiRequest{}, err
		}
		return apiRequest{
			call:        func(ctx context.Context, api *ossclient.API) (any, error) { return api.HeadObject(ctx, in) },
			notModified: "the object's ETag matches --if-none-match, or it was not modified since --if-modified-since",
		}, nil
	})
}
