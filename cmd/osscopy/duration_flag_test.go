package main

import (
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

func TestDurationFlag(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		arg  string
		want time.Duration
		err  string
	}{
		{"7d", 7 * 24 * time.Hour, ""},
		{"1d12h", 36 * time.Hour, ""},
		{"90s", 90 * time.Second, ""},
		{"0", 0, ""},
		{"7days", 0, `invalid argument "7days" for "--older-than" flag: not a duration: write a number and a unit`},
		{"1w", 0, "like 90s, 30m, 24h or 7d"},
	} {
		fl := pflag.NewFlagSet("test", pflag.ContinueOnError)
		var d time.Duration
		durationVar(fl, &d, "older-than", time.Hour, "usage")
		err := fl.Parse([]string{"--older-than", tc.arg})
		switch {
		case tc.err == "" && (err != nil || d != tc.want):
			t.Errorf("--older-than %s: %v, %v; want %v", tc.arg, d, err, tc.want)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("--older-than %s: error %v, want one saying %q", tc.arg, err, tc.err)
		}
	}
}

// TestEveryDurationFlagTakesDays: each duration flag of every command is
// a durationFlag, so each takes days.
func TestEveryDurationFlagTakesDays(t *testing.T) {
	t.Parallel()
	found := 0
	walk(newRootCommand(), func(cmd *cobra.Command) {
		cmd.Flags().VisitAll(func(f *pflag.Flag) {
			if f.Value.Type() != "duration" {
				return
			}
			found++
			if _, ok := f.Value.(durationFlag); !ok {
				t.Errorf("%s --%s is a %T, not a durationFlag: it does not take days", cmd.CommandPath(), f.Name, f.Value)
			}
		})
	})
	if found < 4 { // cp --grace and --part-timeout, cleanup --older-than, server --retry-after
		t.Errorf("found %d duration flags, want at least 4", found)
	}
}

// walk calls fn on cmd and every command below it.
func walk(cmd *cobra.Command, fn func(*cobra.Command)) {
	fn(cmd)
	for _, c := range cmd.Commands() {
		walk(c, fn)
	}
}
