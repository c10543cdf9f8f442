// Command osscopy copies very large objects inside Alibaba Cloud OSS with
// server-side multipart copy, and runs a local OSS-compatible server to
// rehearse copies against.
package main

import (
	"errors"
	"fmt"
	"os"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/osscopy/osscopy/internal/cli"
)

// exitStatus ends the process with Code once the command has said why.
type exitStatus struct{ Code int }

func (e exitStatus) Error() string { return fmt.Sprintf("exit status %d", e.Code) }

func main() {
	root := newRootCommand()
	if err := root.Execute(); err != nil {
		var es exitStatus
		if errors.As(err, &es) {
			os.Exit(es.Code)
		}
		printError(os.Stderr, err)
		os.Exit(cli.ExitStatus(err))
	}
}

func newRootCommand() *cobra.Command {
	var version bool
	root := cli.Root(&cobra.Command{
		Use:   "osscopy",
		Short: "Copy very large objects inside Alibaba Cloud OSS without moving their bytes through this machine",
		Args:  unknownCommand,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if version {
				fmt.Fprintln(cmd.OutOrStdout(), versionText(debug.ReadBuildInfo()))
				return nil
			}
			return cmd.Help()
		},
	})
	// Not cobra's Version field: printing it goes through text/template,
	// whose reflection keeps the linker from dropping unused methods (the
	// binary grew from 13.5 to 18.3 MB with it).
	root.Flags().BoolVarP(&version, "version", "v", false, "print the version, the commit and the Go release, and exit")
	root.AddCommand(newServerCommand(), newCpCommand(), newDemoCommand(), newAPICommand(), newCleanupCommand())
	return root
}

// unknownCommand is the Args of commands that group others: with Args set,
// cobra hands an unknown subcommand to its parent instead of failing inside
// Execute, so it can be a usage error.
func unknownCommand(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return cli.Usage(fmt.Errorf("unknown command %q: run '%s --help' for the commands", args[0], cmd.CommandPath()))
	}
	return nil
}
