package planner

import (
	"fmt"

	"github.com/osscopy/osscopy/internal/units"
)

// Limits of OSS that every plan respects.
const (
	MinPartSize      = 100 << 10 // every part but the last
	MaxPartSize      = 5 << 30
	MaxParts         = 10000
	MaxObjectSize    = 48_800_000_000_000
	DefaultThreshold = 1 << 30 // CopyObject copies sources up to 1 GB

	minDefaultPart = 64 << 20
	maxDefaultPart = 512 << 20
	partsPerWorker = 8
	partAlign      = 1 << 20
)

// Options shape a plan.
type Options struct {
	// Threshold: sources of at most this many bytes are copied with one
	// CopyObject. 0 means DefaultThreshold.
	Threshold int64
	// PartSize overrides the default part size when not 0.
	PartSize int64
	// Parallel is how many parts are copied at once; the default part size
	// gives each worker several parts. 0 counts as 1.
	Parallel int
	// WithinBucket: the copy stays in one bucket and changes neither the
	// storage class nor the encryption, which OSS's CopyObject takes at
	// any size: one request, unless PartSize asks for parts.
	WithinBucket bool
}

// Part is one byte range of the source, copied as part Number.
type Part struct {
	Number int32 // 1-based
	Offset int64
	Size   int64
}

// Last returns the last byte of the range (inclusive, as in bytes=first-last).
func (p Part) Last() int64 { return p.Offset + p.Size - 1 }

// Plan is how to copy an object of Size bytes.
type Plan struct {
	Size     int64
	Single   bool // one CopyObject; PartSize and Parts are unset
	PartSize int64
	Parts    []Part
}

// New plans the copy of a source of size bytes.
func New(size int64, opts Options) (Plan, error) {
	threshold := opts.Threshold
	if threshold == 0 {
		threshold = DefaultThreshold
	}
	switch {
	case size < 0:
		return Plan{}, fmt.Errorf("source size %d is negative", size)
	case size > MaxObjectSize:
		return Plan{}, fmt.Errorf("source size %s is over OSS's 48.8 TB limit for an object", units.FormatSize(size))
	case threshold < 0 || threshold > DefaultThreshold:
		return Plan{}, fmt.Errorf("--bigfile-threshold %s is outside 0..1 GiB: CopyObject copies at most 1 GiB", units.FormatSize(threshold))
	case size <= threshold || opts.WithinBucket && opts.PartSize == 0:
		return Plan{Size: size, Single: true}, nil
	}
	partSize := opts.PartSize
	if partSize == 0 {
		partSize = DefaultPartSize(size, opts.Parallel)
	}
	if err := checkPartSize(size, partSize); err != nil {
		return Plan{}, err
	}
	n := (size + partSize - 1) / partSize
	parts := make([]Part, n)
	for i := range parts {
		off := int64(i) * partSize
		parts[i] = Part{Number: int32(i + 1), Offset: off, Size: min(partSize, size-off)}
	}
	return Plan{Size: size, PartSize: partSize, Parts: parts}, nil
}

// DefaultPartSize applies the formula in the package documentation.
func DefaultPartSize(size int64, parallel int) int64 {
	parallel = max(parallel, 1)
	target := size / int64(partsPerWorker*parallel)
	part := min(max(target, minDefaultPart), maxDefaultPart)
	return max(alignUp(part), SmallestPartSize(size))
}

// alignUp rounds n up to a whole MiB.
func alignUp(n int64) int64 { return (n + partAlign - 1) / partAlign * partAlign }

func checkPartSize(size, partSize int64) error {
	switch {
	case partSize < MinPartSize:
		return fmt.Errorf("--part-size %s is under OSS's minimum of 100 KiB for every part but the last", units.FormatSize(partSize))
	case partSize > MaxPartSize:
		return fmt.Errorf("--part-size %s is over OSS's maximum of 5 GiB per part", units.FormatSize(partSize))
	case (size+partSize-1)/partSize > MaxParts:
		return fmt.Errorf("--part-size %s splits %s into %d parts, over OSS's 10,000: use at least %s",
			units.FormatSize(partSize), units.FormatSize(size), (size+partSize-1)/partSize, units.FormatExact(SmallestPartSize(size)))
	}
	return nil
}

// SmallestPartSize is the smallest part size in whole MiB that splits
// size bytes into at most MaxParts parts: what a message suggests, as
// --part-size takes it.
func SmallestPartSize(size int64) int64 {
	return alignUp((size + MaxParts - 1) / MaxParts)
}
