//go:build unix

package checkpoint

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

func lockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening checkpoint lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w (it holds %s): wait for it to finish, or stop it first", ErrLocked, path)
		}
		return nil, fmt.Errorf("locking checkpoint %s: %w", path, err)
	}
	return f, nil
}

func unlockFile(f *os.File) error {
	// Closing the descriptor alone would not release the flock while a
	// process forked meanwhile still holds a copy of it (until its exec):
	// unlock the open file description itself first.
	syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return f.Close()
}
