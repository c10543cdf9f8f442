package bulk

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// Failure is one line of the failure report.
type Failure struct {
	Source      string `json:"source"`
	Destination string `json:"destination"`
	Code        string `json:"error_code"`
	Message     string `json:"message"`
	Attempts    int    `json:"attempts"`
}

// failureReport is the JSON-lines file of a run's failed objects. It holds
// this run's failures only: the objects of an earlier run's report are
// tried again (they are not in the journal) and land here if they fail
// again. The file is created with the first failure. A dry run's report
// has no path: it only counts.
type failureReport struct {
	path string

	mu      sync.Mutex
	f       *os.File
	written int // lines written
}

func openFailureReport(dir, runName string, dryRun bool) (*failureReport, error) {
	if dryRun {
		return &failureReport{}, nil
	}
	r := &failureReport{path: filepath.Join(dir, runName+".failures.jsonl")}
	if err := os.Remove(r.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("removing the last run's failure report %s: %w", r.path, err)
	}
	return r, nil
}

func (r *failureReport) Write(f Failure) error {
	line, err := json.Marshal(f)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.path == "" {
		return nil
	}
	if r.f == nil {
		if r.f, err = os.OpenFile(r.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600); err != nil {
			return fmt.Errorf("opening the failure report %s: %w", r.path, err)
		}
	}
	if _, err := r.f.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("writing the failure report %s: %w", r.path, err)
	}
	r.written++
	return nil
}

// Path is the report's path when it holds failures, else "" (none, a dry
// run, or the report could not be written).
func (r *failureReport) Path() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.written == 0 {
		return ""
	}
	return r.path
}

func (r *failureReport) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.f == nil {
		return nil
	}
	err := r.f.Close()
	r.f = nil
	return err
}
