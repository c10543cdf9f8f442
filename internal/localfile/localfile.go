// Package localfile opens the files osscopy keeps or reads by name (the
// configuration file, checkpoints, journals): regular files only. A FIFO,
// a device, a socket or a directory at such a path is refused at once,
// where opening it would wait for a FIFO's writer forever, or reading it
// would take a device's endless bytes into memory.
package localfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// ErrNotRegular: the path names something other than a regular file.
var ErrNotRegular = errors.New("not a regular file")

type notRegularError struct {
	path string
	mode fs.FileMode
}

func (e notRegularError) Error() string {
	return fmt.Sprintf("%s is %s, not a regular file", e.path, kind(e.mode))
}

func (e notRegularError) Is(target error) bool { return target == ErrNotRegular }

func kind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO (named pipe)"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m.IsDir():
		return "a directory"
	}
	return "a special file"
}

// OpenFile is os.OpenFile for a regular file; anything else is refused
// with ErrNotRegular, without blocking. The file is opened non-blocking,
// which is what keeps a FIFO from waiting for its other end; it changes
// nothing for a regular file.
func OpenFile(path string, flag int, perm fs.FileMode) (*os.File, error) {
	f, err := os.OpenFile(path, flag|syscall.O_NONBLOCK, perm)
	if err != nil {
		// A FIFO opened for writing without a reader is ENXIO, a
		// directory opened for writing EISDIR: say what the path is.
		if fi, serr := os.Stat(path); serr == nil && !fi.Mode().IsRegular() {
			return nil, notRegularError{path, fi.Mode()}
		}
		return nil, err
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = notRegularError{path, fi.Mode()}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// ReadFile reads a regular file whole, as os.ReadFile does, refusing any
// other with ErrNotRegular, and one larger than limit bytes.
func ReadFile(path string, limit int64) ([]byte, error) {
	f, err := OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err == nil && int64(len(data)) > limit {
		err = fmt.Errorf("%s is larger than %d bytes", path, limit)
	}
	return data, err
}
