package main

import (
	"fmt"
	"io"

	"github.com/osscopy/osscopy/internal/osserr"
	"github.com/osscopy/osscopy/internal/retry"
)

// The one place an error becomes what a person reads: the error itself is
// one line (osserr.Error names the request, the object, OSS's code and
// message, and the request id), and hint is the line that says what to do
// next.

// hint says what to do next about err; "" when there is nothing to add.
func hint(err error) string {
	e, ok := osserr.As(err)
	if !ok {
		return ""
	}
	if h := firstNonEmpty(e.Hint, hints[e.Code]); h != "" {
		return h
	}
	if e.Class == osserr.Permanent {
		return ""
	}
	n := retry.Attempts(err)
	if n <= 1 {
		return "OSS or the network failed for the moment: run the same command again"
	}
	return fmt.Sprintf("OSS or the network failed %d times in a row: check the endpoint and the network, then run the same command again (--retry-times sets the attempts)", n)
}

// printError prints err as osscopy's last words: the error, then its hint.
func printError(w io.Writer, err error) {
	fmt.Fprintln(w, "osscopy:", err)
	if h := hint(err); h != "" {
		fmt.Fprintln(w, "osscopy: hint:", h)
	}
}

// hints say what to do next about the errors people meet, by OSS's code.
var hints = map[string]string{
	"NotModified":           "nothing was done because the condition held; drop the condition to do it anyway",
	"NoSuchUpload":          "the upload ID is unknown, completed or aborted: 'osscopy api list-multipart-uploads --bucket B' lists the open ones",
	"NoSuchKey":             "the object does not exist: check the bucket and the key (an api command's --copy-source is bucket/key, the key URL-encoded)",
	"NoSuchBucket":          "the bucket does not exist in this region: check --bucket, the source bucket and --region",
	"PreconditionFailed":    "a condition failed (if-match or if-unmodified-since), so nothing was done: the object is not the one you named",
	"InvalidPart":           "a listed part is missing or has another ETag: 'osscopy api list-parts' shows what the upload holds",
	"InvalidPartOrder":      "list the parts in ascending order of part number",
	"EntityTooSmall":        "every part but the last must hold at least 100 KB",
	"EntityTooLarge":        "copy-object copies sources up to 1 GB (any size within one bucket, keeping the storage class): use upload-part-copy, or 'osscopy cp', which does",
	"FileAlreadyExists":     "the object exists and --forbid-overwrite is true",
	"AccessDenied":          "check the credentials and the permissions of this key on both buckets",
	"InvalidAccessKeyId":    "the access key ID is unknown: check --access-key-id, OSS_ACCESS_KEY_ID or the config file",
	"SignatureDoesNotMatch": "the access key secret does not match the ID, or --region is wrong",
	"SecurityTokenExpired":  "the STS token expired: get new temporary credentials",
	"InvalidArgument":       "OSS refused an argument: the message names it",
}
