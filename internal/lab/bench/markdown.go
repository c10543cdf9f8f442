package bench

import (
	"fmt"
	"strings"
)

// Markdown renders the report: the model, the table, the runs that did
// not complete and what the columns mean. It depends on nothing but rep,
// so the same report always renders the same text.
func Markdown(rep Report) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Suite %q. %s.\n\n", rep.Suite.Name, capitalize(modelText(rep.Suite)))
	b.WriteString("| " + strings.Join(columns, " | ") + " |\n")
	b.WriteString("|" + strings.Repeat("---|", len(columns)) + "\n")
	for _, r := range rep.Rows {
		c := cells(r)
		for i := range c {
			c[i] = strings.ReplaceAll(c[i], "|", `\|`)
		}
		b.WriteString("| " + strings.Join(c, " | ") + " |\n")
	}
	if notes := notesText(rep, "- "); notes != "" {
		b.WriteString("\nNotes:\n\n" + strings.ReplaceAll(notes, "|", `\|`))
	}
	b.WriteString("\nColumns:\n" + legend)
	fmt.Fprintf(&b, "\nThe benchmark took %s.\n", durationText(rep.Seconds))
	return b.String()
}

const legend = `
- plan: the parts the tool made, their size and how many it copies at once.
- ideal: ceil(parts / parallel) x (latency + part size / bandwidth), with parallel capped at the
  server's capacity when it has one; the requests around the parts (HEAD, initiate, complete) are
  not in it.
- wall: the copy's time inside the client process; for an interrupted copy, both runs added.
- parts: from the first UploadPartCopy's arrival at the server to the last one's answer, and its
  ratio to the ideal: the part copies without the requests around them (not for two runs).
- requests: by operation, counted from the server's access log (UPC = UploadPartCopy,
  Init = InitiateMultipartUpload, Complete = CompleteMultipartUpload); not 2xx: injected 500/503
  faults, throttling 503s, and requests cut off by the client (499).
- retries: UploadPartCopy requests beyond one per part; re-copied: parts the server copied more
  than once (successful UploadPartCopy requests beyond one per part).
- CPU s and peak RSS: of the client process alone (rusage of the child; both runs for an
  interrupted copy: CPU added, the larger peak).
- CRC64: the destination's size and CRC64, read back with HEAD, equal the source's.
`

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
