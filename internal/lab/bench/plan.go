package bench

import (
	"fmt"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/osscopy/osscopy/planner"
)

// Tool is one contender in a scenario.
type Tool string

const (
	// Osscopy is worker.Copy, as `osscopy cp` runs it, at its defaults
	// unless the scenario sets the parallelism or part size.
	Osscopy Tool = "osscopy"
	// CopierDefaults is the SDK's oss.Copier with no options.
	CopierDefaults Tool = "copier-defaults"
	// CopierEqual is the SDK's oss.Copier given osscopy's parallelism
	// (ParallelNum) and part size (PartSize).
	CopierEqual Tool = "copier-equal"
)

// Tools are the contenders, in the order the tables show them.
var Tools = []Tool{Osscopy, CopierDefaults, CopierEqual}

// OsscopyParallel is osscopy cp's default --parallel (cmd/osscopy).
const OsscopyParallel = 64

// Settings are what a tool is told: 0 leaves a value to the tool.
type Settings struct {
	Parallel int   `json:"parallel,omitempty"`
	PartSize int64 `json:"part_size,omitempty"`
}

// settingsFor is what tool is told in scenario s: osscopy takes the
// scenario's values, the Copier at defaults nothing, and the Copier at
// equal parallelism the parallelism and part size osscopy planned.
func settingsFor(tool Tool, s Scenario) (Settings, error) {
	mine := Settings{Parallel: s.Parallel, PartSize: s.PartSize}
	if mine.Parallel == 0 {
		mine.Parallel = OsscopyParallel
	}
	switch tool {
	case Osscopy:
		return mine, nil
	case CopierDefaults:
		return Settings{}, nil
	case CopierEqual:
		p, err := OsscopyPlan(s.Size, mine)
		if err != nil {
			return Settings{}, err
		}
		return Settings{Parallel: p.Parallel, PartSize: p.PartSize}, nil
	}
	return Settings{}, fmt.Errorf("unknown tool %q", tool)
}

// PlanFor is the plan tool makes for an object of size bytes.
func PlanFor(tool Tool, size int64, set Settings) (Plan, error) {
	if tool == Osscopy {
		return OsscopyPlan(size, set)
	}
	return CopierPlan(size, set)
}

// OsscopyPlan is osscopy's plan (package planner) for a multipart copy.
func OsscopyPlan(size int64, set Settings) (Plan, error) {
	parallel := set.Parallel
	if parallel == 0 {
		parallel = OsscopyParallel
	}
	p, err := planner.New(size, planner.Options{PartSize: set.PartSize, Parallel: parallel})
	if err != nil {
		return Plan{}, fmt.Errorf("osscopy's plan for %d bytes: %w", size, err)
	}
	if p.Single {
		return Plan{}, fmt.Errorf("osscopy copies %d bytes with one CopyObject: a scenario needs a multipart copy", size)
	}
	return Plan{Parts: len(p.Parts), PartSize: p.PartSize, Parallel: parallel}, nil
}

// CopierPlan is the plan the SDK's Copier (v1.6.1, copier.go) makes, as
// its source reads: ParallelNum and PartSize default to 3 and 64 MiB;
// while size / partSize is 10,000 or more, the part size grows by the
// given part size (so an object of exactly 10,000 parts gets parts twice
// as large); sources up to 200 MiB take one CopyObject.
func CopierPlan(size int64, set Settings) (Plan, error) {
	parallel, base := set.Parallel, set.PartSize
	if parallel <= 0 {
		parallel = oss.DefaultCopyParallel
	}
	if base <= 0 {
		base = oss.DefaultCopyPartSize
	}
	if size <= oss.DefaultCopyThreshold {
		return Plan{}, fmt.Errorf("the Copier copies %d bytes with one CopyObject: a scenario needs a multipart copy", size)
	}
	part := base
	for size/part >= int64(oss.MaxUploadParts) {
		part += base
	}
	return Plan{Parts: int((size + part - 1) / part), PartSize: part, Parallel: parallel}, nil
}
