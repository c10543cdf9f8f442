package cli

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/osscopy/osscopy/internal/ossurl"
)

// document is the annotation of a flag whose value may span lines.
const document = "cli/document"

// TakesDocument exempts the flag name of fl from the check for control
// characters: its value is a document (XML, JSON) that may span lines.
func TakesDocument(fl *pflag.FlagSet, name string) {
	if err := fl.SetAnnotation(name, document, []string{"true"}); err != nil {
		panic(err) // no such flag: a mistake in the program
	}
}

// refuseControlCharacters runs before every command: a flag's value with
// a control character (a line break pasted in, a stray escape) would go
// into a header or a query, which no request can carry: net/http refuses
// it, and each attempt would fail as if the network had, and be retried.
// It is refused here, once for every flag of every command, before any
// request. The value is not shown: it may be a secret.
func refuseControlCharacters(cmd *cobra.Command, _ []string) error {
	var err error
	cmd.Flags().Visit(func(f *pflag.Flag) {
		if err != nil || f.Annotations[document] != nil {
			return
		}
		for _, v := range values(f) {
			if i := strings.IndexFunc(v, ossurl.IsControl); i >= 0 {
				err = Usage(fmt.Errorf("--%s holds the control character %s, which osscopy never sends: remove it (see '%s --help')",
					f.Name, strconv.QuoteRune(rune(v[i])), cmd.CommandPath()))
				return
			}
		}
	})
	return err
}

// values are what a flag was given: each value of a repeatable flag.
func values(f *pflag.Flag) []string {
	if s, ok := f.Value.(pflag.SliceValue); ok {
		return s.GetSlice()
	}
	return []string{f.Value.String()}
}
