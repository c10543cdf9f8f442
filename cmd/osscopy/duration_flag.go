package main

import (
	"time"

	"github.com/spf13/pflag"

	"github.com/osscopy/osscopy/internal/units"
)

// durationVar defines a duration flag that takes what time.ParseDuration
// does and days too (7d, 1d12h), as units.ParseDuration reads them.
func durationVar(fl *pflag.FlagSet, p *time.Duration, name string, value time.Duration, usage string) {
	*p = value
	fl.Var(durationFlag{p}, name, usage)
}

type durationFlag struct{ d *time.Duration }

func (f durationFlag) Set(s string) error {
	d, err := units.ParseDuration(s)
	if err != nil {
		return err
	}
	*f.d = d
	return nil
}

func (f durationFlag) Type() string { return "duration" }

func (f durationFlag) String() string {
	if *f.d == 0 {
		return "0" // pflag shows no default for "0", as for its own durations
	}
	return f.d.String()
}
