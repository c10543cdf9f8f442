package main

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/osscopy/osscopy/internal/ossclient"
)

// The command that resumes an interrupted copy, printed as its last words.

// secretEnv names, for each flag that carries a secret, the environment
// variable that carries it in a resume command instead.
var secretEnv = map[string]string{"access-key-secret": ossclient.EnvAccessKeySecret, "sts-token": ossclient.EnvSessionToken}

// resumable adds to err the command that resumes the copy, after the
// line that says where the secrets go when they came in flags.
func resumable(err error, fl *pflag.FlagSet) error {
	line, left := resumeCommand(fl, os.Args)
	if len(left) > 0 {
		err = fmt.Errorf("%w\nset %s in the environment first: the command below leaves secrets out", err, strings.Join(left, " and "))
	}
	return fmt.Errorf("%w\nresume with: %s", err, line)
}

// resumeCommand is args as typed, without --fresh, which would throw the
// progress away, and without the flags that carry secrets, which never
// appear in output: left names the variables that must carry them. fl
// tells which flags take a value, so that a value is never read as a flag.
func resumeCommand(fl *pflag.FlagSet, args []string) (line string, left []string) {
	var out []string
	drop := func(f *pflag.Flag) bool {
		if env := secretEnv[f.Name]; env != "" {
			if !slices.Contains(left, env) {
				left = append(left, env)
			}
			return true
		}
		return f.Name == "fresh"
	}
	for i := 0; i < len(args); i++ {
		if args[i] == "--" { // the rest are arguments, whatever they look like
			for _, a := range args[i:] {
				out = append(out, shellQuote(a))
			}
			break
		}
		kept, value := argument(fl, args[i], drop)
		if kept != "" {
			out = append(out, shellQuote(kept))
		}
		if value && i+1 < len(args) {
			i++
			if kept == args[i-1] { // the flag was kept whole, and so is its value
				out = append(out, shellQuote(args[i]))
			}
		}
	}
	return strings.Join(out, " "), left
}

// argument is what is kept of one argument: all of it, none (a flag drop
// says to leave out, with its value), or the short flags before such a
// flag in a cluster like -rk. value is whether the next argument is the
// value of its last flag, kept with the flag or dropped with it.
func argument(fl *pflag.FlagSet, a string, drop func(*pflag.Flag) bool) (kept string, value bool) {
	if name, ok := strings.CutPrefix(a, "--"); ok && name != "" {
		name, _, inline := strings.Cut(name, "=")
		f := fl.Lookup(name)
		if f == nil {
			return a, false
		}
		value = !inline && f.NoOptDefVal == ""
		if drop(f) {
			return "", value
		}
		return a, value
	}
	if len(a) < 2 || a[0] != '-' {
		return a, false
	}
	for j := 1; j < len(a); j++ {
		f := fl.ShorthandLookup(a[j : j+1])
		if f == nil {
			return a, false
		}
		// A flag with a value takes the rest of the cluster, or the next
		// argument; so does -x=v of a flag without one.
		rest := a[j+1:]
		if f.NoOptDefVal != "" && !strings.HasPrefix(rest, "=") {
			continue
		}
		if drop(f) {
			if j == 1 {
				return "", rest == ""
			}
			return a[:j], rest == ""
		}
		return a, rest == ""
	}
	return a, false
}

func shellQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"\\$`!*?&;|<>()[]{}#~") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
