//go:build !unix

package checkpoint

import (
	"fmt"
	"os"
)

func lockFile(path string) (*os.File, error) {
	return nil, fmt.Errorf("checkpoint locking is only implemented on Unix-like systems; %s cannot be locked here", path)
}

func unlockFile(f *os.File) error { return f.Close() }
