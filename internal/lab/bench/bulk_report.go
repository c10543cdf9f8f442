package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/osscopy/osscopy/internal/units"
)

// Files WriteBulkFiles writes into its directory.
const (
	BulkMarkdownFile = "bulk.md"
	BulkJSONFile     = "bulk.json"
)

// RSSGoalMiB is the bulk copy's memory goal: a client under 256 MB at
// 1,000,000 objects.
const RSSGoalMiB = 256e6 / (1 << 20)

// WriteBulkFiles writes the report to dir (made if missing) as Markdown
// and JSON.
func WriteBulkFiles(dir string, rep BulkReport) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("making %s: %w", dir, err)
	}
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding the report: %w", err)
	}
	for name, data := range map[string][]byte{BulkMarkdownFile: []byte(BulkMarkdown(rep)), BulkJSONFile: append(js, '\n')} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return fmt.Errorf("writing the report: %w", err)
		}
	}
	return nil
}

// WriteBulkTable prints the report's tables and readings for a terminal.
func WriteBulkTable(w io.Writer, rep BulkReport) error {
	return writeBulk(w, rep, false)
}

// BulkMarkdown renders the report; it depends on nothing but rep.
func BulkMarkdown(rep BulkReport) string {
	var b strings.Builder
	_ = writeBulk(&b, rep, true)
	return b.String()
}

func writeBulk(w io.Writer, rep BulkReport, md bool) error {
	heading := func(s string) string {
		if md {
			return "### " + s + "\n\n"
		}
		return "== " + s + "\n"
	}
	fmt.Fprintf(w, "Bulk suite %q, %s, %d CPUs, %s; started %s, took %s.\n\n", rep.Suite.Name, rep.Host.OS, rep.Host.CPUs,
		rep.Host.Go, rep.Started.Format("2006-01-02 15:04 UTC"), durationText(rep.Seconds))
	for _, sc := range rep.Suite.Scenarios {
		var cases []BulkCase
		for _, c := range rep.Cases {
			if c.Scenario == sc.Name {
				cases = append(cases, c)
			}
		}
		if len(cases) == 0 {
			continue
		}
		io.WriteString(w, heading(fmt.Sprintf("%s: %s", sc.Name, sc.Title)))
		fmt.Fprintf(w, "Server: %s\n\n", quoteIf(md, cases[0].ServerCommand))
		fmt.Fprintln(w, "Copies (with --endpoint, --region, --addressing-style path and --checkpoint-dir; the keys in the environment):")
		for _, c := range commands(cases) {
			fmt.Fprintf(w, "- %s\n", quoteIf(md, c))
		}
		io.WriteString(w, "\n")
		var err error
		if len(cases) == 1 {
			err = phaseTable(w, md, cases[0])
		} else {
			err = variantTable(w, md, sc, cases)
		}
		if err != nil {
			return err
		}
		if floor := parentFloor(cases); floor > 0 {
			fmt.Fprintf(w, "\nPeak RSS is the client's rusage (ru_maxrss), which on Linux also holds the benchmark's own peak RSS when it started the client (%.0f MiB at most here): Go starts a child in its parent's address space and exec keeps that space's high-water mark.\n", floor)
		}
		for _, c := range cases {
			if c.Error != "" {
				fmt.Fprintf(w, "%s/%s #%d: %s\n", c.Scenario, c.Variant, c.Repeat, oneLine(c.Error))
			}
			for _, r := range c.Runs {
				if r.Error != "" {
					fmt.Fprintf(w, "%s/%s #%d, %s: %s\n", c.Scenario, c.Variant, c.Repeat, r.Phase, oneLine(r.Error))
				}
			}
		}
		io.WriteString(w, "\n")
		for _, g := range bulkGoals(sc, cases) {
			fmt.Fprintf(w, "- %s\n", g)
		}
		io.WriteString(w, "\n")
	}
	return nil
}

func quoteIf(md bool, s string) string {
	if md {
		return "`" + s + "`"
	}
	return s
}

// commands are the cp commands of the cases, each once, in order.
func commands(cases []BulkCase) []string {
	var out []string
	for _, c := range cases {
		for _, r := range c.Runs {
			if !slices.Contains(out, r.Command) {
				out = append(out, r.Command)
			}
		}
	}
	return out
}

// parentFloor is the benchmark's largest peak RSS at a client's start.
func parentFloor(cases []BulkCase) float64 {
	floor := 0.0
	for _, c := range cases {
		for _, r := range c.Runs {
			floor = max(floor, r.ParentPeakRSSMiB)
		}
	}
	return floor
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

// phaseTable shows the phases of one case: dry run, copy, rerun.
func phaseTable(w io.Writer, md bool, c BulkCase) error {
	cols := []string{"phase", "wall s", "in-run s", "listed", "copied", "done before", "failed", "objects/s",
		"requests", "requests/s", "throttled", "server in flight (mean)", "CPU s", "peak RSS MiB", "load before, after"}
	var rows [][]string
	for _, r := range c.Runs {
		rows = append(rows, []string{r.Phase, fmt.Sprintf("%.1f", r.WallSeconds), fmt.Sprintf("%.1f", r.Summary.Seconds),
			group(r.Summary.Listed), group(r.Summary.Copied), group(r.Summary.Skipped.DoneBefore), group(r.Summary.Failed),
			fmt.Sprintf("%.0f", r.ObjectsPerSecond), requestsText(r.Counts), fmt.Sprintf("%.0f", r.RequestsPerSecond),
			group(r.Counts.Throttled), inFlight(r), fmt.Sprintf("%.1f", r.CPUSeconds), fmt.Sprintf("%.0f", r.PeakRSSMiB), loadText(r)})
	}
	if err := table(w, md, cols, rows); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nServer: ready in %.2fs (seeding its objects); over the whole case %.1fs of CPU, peak RSS %.0f MiB.\n",
		c.StartSeconds, c.ServerCPUSeconds, c.ServerPeakRSSMiB)
	return nil
}

// variantTable shows each run of each variant, then the variants side by side.
func variantTable(w io.Writer, md bool, sc BulkScenario, cases []BulkCase) error {
	cols := []string{"variant", "#", "wall s", "copied", "failed", "requests", "throttled (503)", "cp: throttled, retries",
		"min parallel", fmt.Sprintf("server in flight (mean, of %d)", sc.MaxInflight), "CPU s", "peak RSS MiB", "server start s", "load before, after"}
	var rows [][]string
	for _, c := range cases {
		for _, r := range c.Runs {
			rows = append(rows, []string{c.Variant, fmt.Sprint(c.Repeat), fmt.Sprintf("%.2f", r.WallSeconds),
				group(r.Summary.Copied), group(r.Summary.Failed), fmt.Sprintf("%s: %s", group(r.Counts.Total()), requestsText(r.Counts)),
				group(r.Counts.Throttled), fmt.Sprintf("%s, %s", group(r.Summary.Throttled), group(r.Summary.Retries)),
				fmt.Sprint(r.Summary.MinLimit), inFlight(r), fmt.Sprintf("%.2f", r.CPUSeconds), fmt.Sprintf("%.0f", r.PeakRSSMiB),
				fmt.Sprintf("%.2f", c.StartSeconds), loadText(r)})
		}
	}
	if err := table(w, md, cols, rows); err != nil {
		return err
	}
	io.WriteString(w, "\n")
	cols = []string{"variant", "runs", "wall s: min, median, max", "throttled: min, median, max", "requests: median", "min parallel: median",
		"server in flight: median"}
	rows = nil
	for _, v := range sc.Variants {
		s := summarize(cases, v.Name)
		if s.runs == 0 {
			continue
		}
		rows = append(rows, []string{v.Name, fmt.Sprint(s.runs), spread(s.wall, "%.2f"), spread(s.throttled, "%.0f"),
			fmt.Sprintf("%.0f", median(s.requests)), fmt.Sprintf("%.0f", median(s.minParallel)), fmt.Sprintf("%.1f", median(s.inFlight))})
	}
	return table(w, md, cols, rows)
}

// variantStats are the values of a variant's runs.
type variantStats struct {
	runs                                             int
	wall, throttled, requests, minParallel, inFlight []float64
	failed                                           int64
}

func summarize(cases []BulkCase, variant string) variantStats {
	var s variantStats
	for _, c := range cases {
		if c.Variant != variant {
			continue
		}
		for _, r := range c.Runs {
			s.runs++
			s.wall = append(s.wall, r.WallSeconds)
			s.throttled = append(s.throttled, float64(r.Counts.Throttled))
			s.requests = append(s.requests, float64(r.Counts.Total()))
			s.minParallel = append(s.minParallel, float64(r.Summary.MinLimit))
			s.inFlight = append(s.inFlight, meanInFlight(r))
			s.failed += r.Summary.Failed
			if r.ExitCode != 0 {
				s.failed++
			}
		}
	}
	return s
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func spread(v []float64, format string) string {
	if len(v) == 0 {
		return "-"
	}
	return fmt.Sprintf(format+", "+format+", "+format, slices.Min(v), median(v), slices.Max(v))
}

// bulkGoals says, from the figures alone, whether the scenario's goals
// were met.
func bulkGoals(sc BulkScenario, cases []BulkCase) []string {
	var out []string
	if len(cases) == 1 {
		c := cases[0]
		peak, worst := 0.0, ""
		for _, r := range c.Runs {
			if r.PeakRSSMiB > peak {
				peak, worst = r.PeakRSSMiB, r.Phase
			}
		}
		verdict := "met"
		if peak >= RSSGoalMiB {
			verdict = "NOT met"
		}
		out = append(out, fmt.Sprintf("Client peak RSS under 256 MB (%.0f MiB): %s; the largest was %.0f MiB (%s).", RSSGoalMiB, verdict, peak, worst))
		for _, r := range c.Runs {
			if r.Phase == phaseCopy.Name {
				out = append(out, fmt.Sprintf("The copy of %s objects took %.1fs (%.0f objects/s, %.0f requests/s).",
					group(r.Summary.Listed), r.WallSeconds, r.ObjectsPerSecond, r.RequestsPerSecond))
			}
		}
		return out
	}
	a, f := summarize(cases, variantAdaptive.Name), summarize(cases, variantFixed.Name)
	if a.runs == 0 || f.runs == 0 {
		return nil
	}
	faster, fewer := median(a.wall) < median(f.wall), median(a.throttled) < median(f.throttled)
	verdict := "met"
	if !faster || !fewer {
		verdict = "NOT met"
	}
	out = append(out, fmt.Sprintf("Adaptive finishes sooner than fixed, with fewer throttled requests: %s (medians: %.2fs against %.2fs; %.0f throttled against %.0f).",
		verdict, median(a.wall), median(f.wall), median(a.throttled), median(f.throttled)))
	if a.failed+f.failed > 0 {
		out = append(out, fmt.Sprintf("Failed objects or runs: adaptive %d, fixed %d.", a.failed, f.failed))
	}
	return out
}

// meanInFlight is how many requests the server was working on, on
// average over the run's wall time (throttled answers left out).
func meanInFlight(r BulkRun) float64 {
	if r.WallSeconds <= 0 {
		return 0
	}
	return r.ServerBusySeconds / r.WallSeconds
}

func inFlight(r BulkRun) string { return fmt.Sprintf("%.1f", meanInFlight(r)) }

func group(n int64) string { return units.Group(int(n)) }

func loadText(r BulkRun) string {
	before, _, _ := strings.Cut(r.LoadBefore, " ")
	after, _, _ := strings.Cut(r.LoadAfter, " ")
	if before == "" {
		return "-"
	}
	return before + ", " + after
}

// table writes cols and rows as Markdown or aligned text.
func table(w io.Writer, md bool, cols []string, rows [][]string) error {
	if md {
		esc := func(c []string) string {
			out := make([]string, len(c))
			for i, s := range c {
				out[i] = strings.ReplaceAll(s, "|", `\|`)
			}
			return "| " + strings.Join(out, " | ") + " |\n"
		}
		var b strings.Builder
		b.WriteString(esc(cols))
		b.WriteString("|" + strings.Repeat("---|", len(cols)) + "\n")
		for _, r := range rows {
			b.WriteString(esc(r))
		}
		_, err := io.WriteString(w, b.String())
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(cols, "\t"))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}
