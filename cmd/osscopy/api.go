package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/osscopy/osscopy/internal/cli"
	"github.com/osscopy/osscopy/internal/ossapi"
	"github.com/osscopy/osscopy/internal/ossclient"
	"github.com/osscopy/osscopy/internal/osserr"
)

// Exit statuses of the api commands, besides 0, 1 (OSS or the network
// refused the request) and 2 (a flag is wrong; nothing was sent).
const exitNotModified = 3 // 304: a condition held, so nothing was done

func newAPICommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "api",
		Short: "Send one OSS API request, as ossutil's api commands do (the multipart copy workflow by hand)",
		Long: `Send one OSS API request with the flags of ossutil's api command of the same name.

The multipart copy workflow by hand: initiate-multipart-upload gives an upload ID;
upload-part-copy copies ranges of a source as parts; list-parts shows them;
complete-multipart-upload assembles them (or abort-multipart-upload drops them).
copy-object copies sources up to 1 GB in one request; head-object inspects objects.
'osscopy cp' does the whole workflow for you, resumably, and verifies the result.

Every flag is checked before a request is sent. Output is raw (the XML OSS returns,
or header lines), json or yaml (--output-format); errors print OSS's error fields
the same way on standard error.

Exit status: 0 done; 1 OSS or the network refused the request; 2 a flag is wrong
and nothing was sent; 3 a condition held (304 Not Modified) and nothing was done.`,
		Args: unknownCommand,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newUploadPartCopyCommand(), newInitiateMultipartUploadCommand(), newCompleteMultipartUploadCommand(),
		newAbortMultipartUploadCommand(), newListPartsCommand(), newListMultipartUploadsCommand(),
		newCopyObjectCommand(), newHeadObjectCommand())
	return cmd
}

// apiRequest is a checked request: call sends it; notModified says what a
// 304 answer means for it.
type apiRequest struct {
	call        func(ctx context.Context, api *ossclient.API) (any, error)
	notModified string
}

// apiCommand completes an api subcommand: the flags every one has, and a
// run that checks all flags (prepare) before sending the one request.
func apiCommand(cmd *cobra.Command, prepare func() (apiRequest, error)) *cobra.Command {
	var conn connFlags
	var format string
	var retryTimes int
	fl := cmd.Flags()
	fl.StringVar(&format, "output-format", ossapi.FormatRaw, "raw (the XML OSS returns, or header lines), json or yaml")
	fl.IntVar(&retryTimes, "retry-times", 3, "retries of a request that failed transiently (5xx, throttling, network)")
	addConnFlags(cmd, &conn)
	cmd.Args = noArgs
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		req, err := prepare()
		if err == nil {
			err = ossapi.CheckFormat(format)
		}
		if err == nil && retryTimes < 0 {
			err = fmt.Errorf("--retry-times must be 0 or more, not %d", retryTimes)
		}
		if err != nil {
			return cli.Usage(fmt.Errorf("%w (see '%s --help')", err, cmd.CommandPath()))
		}
		settings, err := conn.resolve()
		if err != nil {
			return err
		}
		ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		res, err := req.call(ctx, ossclient.NewAPI(settings, retryTimes))
		if err != nil {
			return reportAPIError(cmd, format, req.notModified, err)
		}
		if res == nil {
			return nil
		}
		return ossapi.Write(cmd.OutOrStdout(), format, res)
	}
	return cmd
}

func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return cli.Usage(fmt.Errorf("%s takes flags only, not %q (see '%s --help')", cmd.Name(), args[0], cmd.CommandPath()))
	}
	return nil
}

// reportAPIError prints an OSS error's fields, and a hint, in the output
// format on standard error; other errors (network, context) go to main.
func reportAPIError(cmd *cobra.Command, format, notModified string, err error) error {
	e, ok := osserr.As(err)
	if !ok || e.Status == 0 {
		if errors.Is(err, context.Canceled) {
			return errors.New("interrupted before OSS answered: the request may or may not have been carried out")
		}
		return err
	}
	fields := ossapi.ErrorResult{StatusCode: e.Status, Code: e.Code, Message: e.Message, RequestId: e.RequestID, EC: e.EC}
	code := 1
	if fields.StatusCode == http.StatusNotModified {
		// A 304 has no body: the SDK leaves its fields empty.
		fields.Code, fields.Message, code = "NotModified", notModified, exitNotModified
	}
	fields.Hint = firstNonEmpty(e.Hint, hints[fields.Code])
	if werr := ossapi.Write(cmd.ErrOrStderr(), format, fields); werr != nil {
		return werr
	}
	return exitStatus{code}
}
