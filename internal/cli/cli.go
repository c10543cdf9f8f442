// Package cli is what osscopy's commands (osscopy, osscopy-bench) share at
// their edge with the user: a mistake in what was typed (Usage) ends the
// program with exit status 2.
package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"
)

// usageError marks errors in what the user typed: exit status 2.
type usageError struct{ error }

// Usage marks err as a mistake in what the user typed: exit status 2.
func Usage(err error) error { return usageError{err} }

// Root makes root the root of a program's commands: main prints an error
// once, without the usage text, and a flag the user got wrong (also one
// with a control character in its value) is a usage error that says where
// the help is. No command below root may set PersistentPreRunE: cobra
// would run it instead of root's.
func Root(root *cobra.Command) *cobra.Command {
	root.SilenceUsage = true
	root.SilenceErrors = true
	root.PersistentPreRunE = refuseControlCharacters
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return Usage(fmt.Errorf("%w (see '%s --help')", err, cmd.CommandPath()))
	})
	return root
}

// ExitStatus is the status a program ends with when its command failed
// with err: 2 for a usage error, 1 for any other.
func ExitStatus(err error) int {
	var ue usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}
