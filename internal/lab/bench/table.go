package bench

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/osscopy/osscopy/internal/units"
)

// columns are the table's headings, for the terminal and for Markdown.
var columns = []string{"scenario", "tool", "plan", "ideal s", "wall s", "wall/ideal", "parts s (/ideal)", "requests", "not 2xx",
	"retries", "re-copied", "CPU s", "peak RSS MiB", "completed", "CRC64"}

// cells are one row of the table.
func cells(r Row) []string {
	completed := "yes"
	if !r.Completed {
		completed = "NO"
	}
	crc := "-"
	if r.CRC64Verified {
		crc = "equal"
	}
	wall := fmt.Sprintf("%.2f", r.WallSeconds)
	if r.Runs > 1 {
		wall = fmt.Sprintf("%.2f (%d runs)", r.WallSeconds, r.Runs)
	}
	// A copy that failed has no ratio to the ideal of a copy.
	ratio, parts := "-", "-"
	if r.Completed && r.Ratio > 0 {
		ratio = fmt.Sprintf("%.3f", r.Ratio)
	}
	if r.Completed && r.PartsSeconds > 0 {
		parts = fmt.Sprintf("%.2f (%.3f)", r.PartsSeconds, r.PartsRatio)
	}
	return []string{r.Title, string(r.Tool), planText(r.Plan), fmt.Sprintf("%.2f", r.IdealSeconds), wall, ratio, parts,
		requestsText(r.Counts), failuresText(r.Counts), fmt.Sprint(r.Retries), fmt.Sprint(r.Recopied),
		fmt.Sprintf("%.2f", r.CPUSeconds), fmt.Sprintf("%.0f", r.PeakRSSMiB), completed, crc}
}

func planText(p Plan) string {
	return fmt.Sprintf("%s x %s, parallel %d", units.Group(p.Parts), units.FormatSize(p.PartSize), p.Parallel)
}

// opNames shortens the operations the copies send, in the order shown.
var opNames = []struct{ op, short string }{
	{"UploadPartCopy", "UPC"}, {"HeadObject", "Head"}, {"InitiateMultipartUpload", "Init"},
	{"CompleteMultipartUpload", "Complete"}, {"ListParts", "ListParts"}, {"AbortMultipartUpload", "Abort"},
	{"GetObjectTagging", "Tagging"}, {"CopyObject", "CopyObject"},
}

// requestsText lists requests by operation: "UPC 514, Head 2, Init 1".
func requestsText(c Counts) string {
	var parts []string
	known := map[string]bool{}
	for _, o := range opNames {
		known[o.op] = true
		if n := c.Requests[o.op]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", o.short, n))
		}
	}
	var other []string
	for op, n := range c.Requests {
		if !known[op] && n > 0 {
			other = append(other, fmt.Sprintf("%s %d", op, n))
		}
	}
	sort.Strings(other)
	return strings.Join(append(parts, other...), ", ")
}

// failuresText sums the answers that were not 2xx by cause.
func failuresText(c Counts) string {
	var parts []string
	for _, f := range []struct {
		name string
		n    int64
	}{{"injected", c.Injected}, {"throttled", c.Throttled}, {"cut", c.Cut}} {
		if f.n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", f.name, f.n))
		}
	}
	if len(parts) == 0 {
		return "0"
	}
	return strings.Join(parts, ", ")
}

// WriteTable prints the report as an aligned table, then the errors.
func WriteTable(w io.Writer, rep Report) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(columns, "\t"))
	for _, r := range rep.Rows {
		fmt.Fprintln(tw, strings.Join(cells(r), "\t"))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("writing the table: %w", err)
	}
	_, err := io.WriteString(w, modelText(rep.Suite)+"\n"+notesText(rep, "")+fmt.Sprintf("benchmark took %s\n", durationText(rep.Seconds)))
	return err
}

func modelText(s Suite) string {
	return fmt.Sprintf("model: %s per request (every operation), part copies at %s/s per request; fault seed %d",
		s.Model.Latency, units.FormatSize(s.Model.Bandwidth), s.FaultSeed)
}

// notesText says, per row, what the table cannot: how an interrupted copy
// split between its runs, uploads left open, and why a copy failed.
func notesText(rep Report, bullet string) string {
	var b strings.Builder
	for _, r := range rep.Rows {
		name := fmt.Sprintf("%s%s, %s:", bullet, r.Scenario, r.Tool)
		if r.Runs > 1 {
			second := r.Counts.Succeeded[opPartCopy] - r.FirstRunCopied
			fmt.Fprintf(&b, "%s the first run (interrupted: %v) had %s of %s parts copied, the second %s; %s copied twice\n",
				name, r.Interrupted, units.Group(int(r.FirstRunCopied)), units.Group(r.Plan.Parts), units.Group(int(second)), units.Group(int(r.Recopied)))
		}
		if r.UploadsLeft > 0 {
			fmt.Fprintf(&b, "%s %d multipart upload(s) left open in the destination bucket at the end\n", name, r.UploadsLeft)
		}
		if r.Error != "" {
			msg := strings.ReplaceAll(r.Error, "\n", " ")
			if len(msg) > 300 {
				msg = msg[:300] + "..."
			}
			fmt.Fprintf(&b, "%s did not complete: %s\n", name, msg)
		}
	}
	return b.String()
}

func durationText(seconds float64) string {
	return time.Duration(seconds * float64(time.Second)).Round(100 * time.Millisecond).String()
}
