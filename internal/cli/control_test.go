package cli

import (
	"io"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestRefuseControlCharacters: a control character in any flag's value,
// of the root or a subcommand, repeatable or not, is a usage error that
// names the flag and the character but not the value (it may be a
// secret), and the command does not run; a document flag may span lines.
func TestRefuseControlCharacters(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args []string
		want string // "": the command runs
	}{
		{"clean values", []string{"sub", "--text", "text/plain; charset=utf-8", "--meta", "a=b", "--meta", "c=d é"}, ""},
		{"newline", []string{"sub", "--text", "text/plain\n"}, `--text holds the control character '\n', which osscopy never sends: remove it (see 'prog sub --help')`},
		{"carriage return", []string{"sub", "--text=a\rb"}, `--text holds the control character '\r'`},
		{"tab", []string{"sub", "--text", "a\tb"}, `--text holds the control character '\t'`},
		{"NUL", []string{"sub", "--text", "a\x00"}, `--text holds the control character '\x00'`},
		{"escape", []string{"sub", "--text", "\x1b[31m"}, `--text holds the control character '\x1b'`},
		{"DEL", []string{"sub", "--text", "a\x7f"}, `--text holds the control character '\x7f'`},
		{"second value of a repeatable flag", []string{"sub", "--meta", "a=b", "--meta", "c=secret\n"}, "--meta holds the control character '\\n'"},
		{"root flag", []string{"--root", "secret\r\n"}, "--root holds the control character '\\r'"},
		{"root flag given to the subcommand", []string{"sub", "--root", "secret\n"}, "--root holds the control character"},
		{"document", []string{"sub", "--doc", "{\n\t\"Part\": []\r\n}"}, ""},
	} {
		ran := false
		run := func(*cobra.Command, []string) error { ran = true; return nil }
		root := Root(&cobra.Command{Use: "prog", RunE: run})
		root.PersistentFlags().String("root", "", "")
		sub := &cobra.Command{Use: "sub", RunE: run}
		sub.Flags().String("text", "", "")
		sub.Flags().StringArray("meta", nil, "")
		sub.Flags().String("doc", "", "")
		TakesDocument(sub.Flags(), "doc")
		root.AddCommand(sub)
		root.SetOut(io.Discard)
		root.SetErr(io.Discard)
		root.SetArgs(tc.args)
		err := root.Execute()
		if tc.want == "" {
			if err != nil || !ran {
				t.Errorf("%s: error %v, ran %v; want the command to run", tc.name, err, ran)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) || ExitStatus(err) != 2 || ran {
			t.Errorf("%s: error %v (exit status %d, ran %v), want %q (2, not run)", tc.name, err, ExitStatus(err), ran, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: error %q shows the value", tc.name, err)
		}
	}
}
