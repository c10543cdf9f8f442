package bench

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// Files WriteFiles writes into its directory.
const (
	MarkdownFile = "results.md"
	JSONFile     = "results.json"
	ChartFile    = "wall-vs-ideal.svg"
)

// WriteFiles writes the report to dir (made if missing) as Markdown,
// JSON and an SVG chart.
func WriteFiles(dir string, rep Report) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("making %s: %w", dir, err)
	}
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding the report: %w", err)
	}
	chart, err := Chart(rep, "svg")
	if err != nil {
		return err
	}
	for name, data := range map[string][]byte{MarkdownFile: []byte(Markdown(rep)), JSONFile: append(js, '\n'), ChartFile: chart} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return fmt.Errorf("writing the report: %w", err)
		}
	}
	return nil
}
