//go:build unix

package checkpoint

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// lockFile takes an exclusive lock on the file at path, creating it.
// unlockFile removes the file before it lets the lock go, so that lock
// files do not pile up (a bulk run opens one per object); a process that
// opened the file just before it was removed then holds a lock on a file
// nobody else sees, so after locking, the file must still be the one at
// path, or the lock is taken again on the new one.
func lockFile(path string) (*os.File, error) {
	for {
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
		if samePath(f, path) {
			return f, nil
		}
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}
}

// samePath reports whether the open file f is the file at path now.
func samePath(f *os.File, path string) bool {
	var open, named syscall.Stat_t
	if syscall.Fstat(int(f.Fd()), &open) != nil || syscall.Stat(path, &named) != nil {
		return false
	}
	return open.Dev == named.Dev && open.Ino == named.Ino
}

func unlockFile(f *os.File) error {
	// Removed while still locked: nobody can lock it between the two. A
	// lock file that cannot be removed (a read-only directory) is only
	// left behind: it holds nothing.
	_ = os.Remove(f.Name())
	// Closing the descriptor alone would not release the flock while a
	// process forked meanwhile still holds a copy of it (until its exec):
	// unlock the open file description itself first.
	syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return f.Close()
}
