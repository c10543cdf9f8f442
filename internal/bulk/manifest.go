package bulk

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/osscopy/osscopy/internal/ossurl"
	"github.com/osscopy/osscopy/worker"
)

// ErrManifest means the manifest has a line that names no object (or not
// one object): the error names the line. No object of that line or after
// it is copied.
var ErrManifest = errors.New("bad manifest line")

// maxManifestLine bounds a manifest line, so that a file that is no
// manifest (a binary, a stream without line breaks) is refused before it
// fills memory: two keys as full oss:// URLs, quoted with every quote
// doubled, take at most about 4.3 KiB.
const maxManifestLine = 8 << 10

// manifestHint says what a manifest line may be.
const manifestHint = "write KEY, SOURCE_KEY,DESTINATION_KEY or oss://BUCKET/KEY (quote keys holding commas or quotes, as CSV does)"

// CheckManifest reads a whole manifest as a run would and returns the
// error of its first bad line, so that a manifest in a file is checked
// before any request.
func CheckManifest(r io.Reader, src, dst Location) error {
	return eachManifestItem(r, src, dst, func(item) error { return nil })
}

// manifest sends the objects the run's manifest names to emit.
func (r *Runner) manifest(ctx context.Context, emit func(item) error) error {
	return eachManifestItem(r.opts.FilesFrom, r.opts.Source, r.opts.Dest, func(it item) error {
		if err := emit(it); err != nil {
			return err
		}
		return ctx.Err()
	})
}

// eachManifestItem calls fn with the object of each line of a manifest. A
// line is one CSV record: KEY, copied to the same key under the
// destination prefix, or SOURCE_KEY,DESTINATION_KEY; keys are relative to
// the prefixes, or full oss:// URLs under them. A UTF-8 byte order mark,
// blank lines and lines starting with # are skipped.
func eachManifestItem(r io.Reader, src, dst Location, fn func(item) error) error {
	lines := bufio.NewReaderSize(r, maxManifestLine)
	for n := 1; ; n++ {
		line, err := lines.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			return fmt.Errorf("%w %d: longer than %d bytes, which no pair of keys is: is this a manifest? %s", ErrManifest, n, maxManifestLine, manifestHint)
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("reading the manifest at line %d: %w", n, err)
		}
		text := strings.TrimSuffix(strings.TrimSuffix(string(line), "\n"), "\r")
		if n == 1 {
			text = strings.TrimPrefix(text, "\ufeff")
		}
		if strings.TrimLeft(text, " \t") != "" && text[0] != '#' {
			it, perr := manifestLine(text, src, dst)
			if perr != nil {
				return fmt.Errorf("%w %d: %w", ErrManifest, n, perr)
			}
			if ferr := fn(it); ferr != nil {
				return ferr
			}
		}
		if err != nil { // io.EOF
			return nil
		}
	}
}

// manifestLine reads one line, without its line break.
func manifestLine(text string, src, dst Location) (item, error) {
	// One reader per line: a quote left open cannot swallow the lines
	// after it, and a line's record stays within maxManifestLine.
	rec, err := csv.NewReader(strings.NewReader(text)).Read()
	if pe := (*csv.ParseError)(nil); errors.As(err, &pe) {
		return item{}, fmt.Errorf("%w at column %d; %s", pe.Err, pe.Column, manifestHint)
	}
	if err != nil {
		return item{}, err
	}
	if len(rec) > 2 {
		return item{}, fmt.Errorf("%d fields; %s", len(rec), manifestHint)
	}
	rel, err := manifestKey(rec[0], src, "source")
	if err != nil {
		return item{}, err
	}
	dstField := rel // KEY: the same key under the destination prefix
	if len(rec) == 2 {
		dstField = rec[1]
	}
	dstRel, err := manifestKey(dstField, dst, "destination")
	if err != nil {
		return item{}, err
	}
	return item{src: worker.Object{Bucket: src.Bucket, Key: src.Prefix + rel},
		dst: worker.Object{Bucket: dst.Bucket, Key: dst.Prefix + dstRel}, rel: rel}, nil
}

// manifestKey returns a field's key relative to loc's prefix. An empty
// field is refused: it would name the prefix itself (a KEY, line writing
// to the destination prefix object, overwriting it).
func manifestKey(field string, loc Location, role string) (string, error) {
	if field == "" {
		return "", fmt.Errorf("the %s key is empty: write KEY alone to copy to the same key, or SOURCE_KEY,DESTINATION_KEY", role)
	}
	rel := field
	if strings.HasPrefix(field, "oss://") {
		u, err := ossurl.Parse(field)
		if err != nil {
			return "", err
		}
		if u.Bucket != loc.Bucket {
			return "", fmt.Errorf("%s is not in the %s bucket %s", u, role, loc.Bucket)
		}
		var under bool
		if rel, under = strings.CutPrefix(u.Key, loc.Prefix); !under || rel == "" {
			return "", fmt.Errorf("%s is not an object under the %s prefix %s", u, role, loc)
		}
	}
	if err := ossurl.CheckKey(loc.Prefix + rel); err != nil {
		return "", fmt.Errorf("the %s key: %w", role, err)
	}
	return rel, nil
}
