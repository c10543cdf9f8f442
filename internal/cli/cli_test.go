package cli

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/spf13/cobra"
)

func TestExitStatus(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		err  error
		want int
	}{
		{"usage", Usage(errors.New("--parallel must be 1 or more")), 2},
		{"usage wrapped", fmt.Errorf("cp: %w", Usage(errors.New("bad URL"))), 2},
		{"other", errors.New("connection refused"), 1},
	} {
		if got := ExitStatus(tc.err); got != tc.want {
			t.Errorf("%s: ExitStatus(%v) = %d, want %d", tc.name, tc.err, got, tc.want)
		}
	}
}

// TestRootFlagErrors: an unknown flag, on the root or a subcommand, is a
// usage error that names the help of the command it was given to, and
// cobra prints nothing: main prints the error, once, without the usage.
func TestRootFlagErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--nope"}, "unknown flag: --nope (see 'prog --help')"},
		{[]string{"sub", "--nope"}, "unknown flag: --nope (see 'prog sub --help')"},
	} {
		root := Root(&cobra.Command{Use: "prog", RunE: func(*cobra.Command, []string) error { return nil }})
		root.AddCommand(&cobra.Command{Use: "sub", RunE: func(*cobra.Command, []string) error { return nil }})
		var printed bytes.Buffer
		root.SetOut(&printed)
		root.SetErr(&printed)
		root.SetArgs(tc.args)
		err := root.Execute()
		if err == nil || err.Error() != tc.want || ExitStatus(err) != 2 {
			t.Errorf("%q: error %v (exit status %d), want %q (2)", tc.args, err, ExitStatus(err), tc.want)
		}
		if printed.Len() > 0 {
			t.Errorf("%q: cobra printed %q", tc.args, printed.String())
		}
	}
}
