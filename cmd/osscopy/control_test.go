package main

import (
	"io"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/osscopy/osscopy/internal/cli"
)

// TestEveryFlagRefusesControlCharacters: a value with a line break given
// to any flag of any command is a usage error naming the flag before the
// command runs, so before any request (a string flag's value would go
// into a header or a query, where net/http refuses it and the copy retried
// it as a network error for minutes). Only documents may span lines.
func TestEveryFlagRefusesControlCharacters(t *testing.T) {
	t.Parallel()
	type flagOf struct{ path, name string }
	var flags []flagOf
	walk(newRootCommand(), func(cmd *cobra.Command) {
		cmd.Flags().VisitAll(func(f *pflag.Flag) {
			if f.Value.Type() != "bool" {
				flags = append(flags, flagOf{cmd.CommandPath(), f.Name})
			}
		})
	})
	if len(flags) < 100 {
		t.Fatalf("found %d flags: not osscopy's", len(flags))
	}
	documents := map[flagOf]bool{{"osscopy api complete-multipart-upload", "complete-multipart-upload"}: true}
	for _, f := range flags {
		ran, err := runStubbed(f.path, "--"+f.name, "x\ny")
		switch {
		case documents[f]:
			if !ran {
				t.Errorf("%s --%s is a document that may span lines, but: %v", f.path, f.name, err)
			}
		case ran || cli.ExitStatus(err) != 2 || !strings.Contains(err.Error(), "--"+f.name):
			t.Errorf("%s --%s with a line break: ran %v, error %v (exit status %d); want a usage error naming the flag",
				f.path, f.name, ran, err, cli.ExitStatus(err))
		}
	}
}

// runStubbed runs the command at path (like "osscopy cp") with args, its
// Args and RunE replaced by stubs, and says whether RunE was reached.
func runStubbed(path string, args ...string) (ran bool, err error) {
	root := newRootCommand()
	cmd, _, err := root.Find(strings.Fields(path)[1:])
	if err != nil {
		return false, err
	}
	cmd.Args = cobra.ArbitraryArgs
	cmd.RunE = func(*cobra.Command, []string) error { ran = true; return nil }
	root.SetOut(io.Discard)
	root.SetErr(io.Discard)
	root.SetArgs(append(strings.Fields(path)[1:], args...))
	err = root.Execute()
	return ran, err
}
