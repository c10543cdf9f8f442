package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/osscopy/osscopy/internal/cli"
	"github.com/osscopy/osscopy/internal/ossapi"
	"github.com/osscopy/osscopy/internal/ossclient"
)

// maxPartsDocument bounds what --complete-multipart-upload reads: 10,000
// parts take well under 1 MiB.
const maxPartsDocument = 4 << 20

func newCompleteMultipartUploadCommand() *cobra.Command {
	var (
		obj                                                  objectFlags
		uploadID, parts, completeAll, forbidOverwrite, encTy string
	)
	cmd := &cobra.Command{
		Use:   "complete-multipart-upload",
		Short: "Assemble the parts of a multipart upload into the object (CompleteMultipartUpload)",
		Long: `Assemble parts of the multipart upload --upload-id into the object --key.

Give the parts with --complete-multipart-upload, in XML or JSON, inline or from a file
with file://PATH:
  <CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"..."</ETag></Part>...</CompleteMultipartUpload>
  {"Part": [{"PartNumber": 1, "ETag": "..."}, ...]}
The JSON that 'list-parts --output-format json' prints is accepted as it is. Parts are
listed in ascending order, each once; every part but the last must hold at least 100 KB.
Or give --complete-all yes to assemble every part the upload holds, as OSS lists them.

The completed object's ETag, and its CRC64 (compare it with the source's), are printed.`,
		Example: `  osscopy api complete-multipart-upload --bucket examplebucket --key exampleobject --upload-id 123 --complete-multipart-upload file://parts.json
  osscopy api complete-multipart-upload --bucket examplebucket --key exampleobject --upload-id 123 --complete-all yes`,
	}
	fl := cmd.Flags()
	obj.define(fl, "bucket of the upload", "key of the upload")
	fl.StringVar(&uploadID, "upload-id", "", "ID of the multipart upload")
	fl.StringVar(&parts, "complete-multipart-upload", "", "the parts, XML or JSON (see above); file://PATH reads them from a file")
	cli.TakesDocument(fl, "complete-multipart-upload")
	fl.StringVar(&completeAll, "complete-all", "", "yes: assemble every part the upload holds (instead of --complete-multipart-upload)")
	fl.StringVar(&forbidOverwrite, "forbid-overwrite", "", "true: refuse (409 FileAlreadyExists) if the object already exists")
	fl.StringVar(&encTy, "encoding-type", "", "url: print the key URL-encoded, as OSS sends it")
	return apiCommand(cmd, func() (apiRequest, error) {
		in := ossapi.CompleteInput{Bucket: obj.bucket, Key: obj.key, UploadID: uploadID}
		if err := obj.check(); err != nil {
			return apiRequest{}, err
		}
		if err := need("--upload-id", uploadID); err != nil {
			return apiRequest{}, err
		}
		var err error
		switch {
		case completeAll != "" && completeAll != "yes":
			return apiRequest{}, fmt.Errorf("--complete-all %q: the only value is yes", completeAll)
		case completeAll == "yes" && parts != "":
			return apiRequest{}, errors.New("give either --complete-multipart-upload or --complete-all yes, not both")
		case completeAll == "yes":
			in.CompleteAll = true
		case parts == "":
			return apiRequest{}, errors.New("--complete-multipart-upload (the parts) or --complete-all yes is required")
		default:
			if in.Parts, err = readParts(parts); err != nil {
				return apiRequest{}, err
			}
		}
		if in.ForbidOverwrite, err = parseBoolFlag("--forbid-overwrite", forbidOverwrite); err != nil {
			return apiRequest{}, err
		}
		if in.EncodingType, err = parseEncodingType(encTy); err != nil {
			return apiRequest{}, err
		}
		return apiRequest{call: func(ctx context.Context, api *ossclient.API) (any, error) {
			return api.CompleteMultipartUpload(ctx, in)
		}}, nil
	})
}

// readParts reads --complete-multipart-upload, from a file with file://.
func readParts(value string) ([]ossapi.CompletePart, error) {
	const flag = "--complete-multipart-upload"
	path, fromFile := strings.CutPrefix(value, "file://")
	if !fromFile {
		return ossapi.ParseCompleteParts(flag, []byte(value))
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", flag, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxPartsDocument+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", flag, err)
	}
	if len(data) > maxPartsDocument {
		return nil, fmt.Errorf("%s: %s is over %d bytes, more than 10,000 parts take", flag, path, maxPartsDocument)
	}
	return ossapi.ParseCompleteParts(flag+" "+path, data)
}
