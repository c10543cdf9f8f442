//go:build unix

// Tests of the checkpoint's lock: exclusion, release on Close, death with its process, and refused writes after Close.

package checkpoint

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

func TestLocking(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		sameDir    bool
		secondName string
		locked     bool
	}{
		{"same name same dir", true, "copy-a", true},
		{"other name same dir", true, "copy-b", false},
		{"same name other dir", false, "copy-a", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			dir2 := dir
			if !tc.sameDir {
				dir2 = t.TempDir()
			}
			first, _ := mustOpen(t, dir, "copy-a")
			if err := first.Save(testState()); err != nil {
				t.Fatal(err)
			}
			c, st, err := Open(dir2, tc.secondName)
			if !tc.locked {
				if err != nil {
					t.Fatalf("Open: %v, want success", err)
				}
				if st != nil {
					t.Errorf("state = %+v, want nil for an unrelated checkpoint", st)
				}
				mustClose(t, c)
				return
			}
			if !errors.Is(err, ErrLocked) {
				t.Fatalf("second Open: err = %v, want ErrLocked", err)
			}
			if c != nil || st != nil {
				t.Errorf("second Open returned %v, %v with the error", c, st)
			}
			lockPath := filepath.Join(dir, "copy-a.lock")
			for _, m := range []string{lockPath, "wait for it to finish, or stop it first"} {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not mention %q", err, m)
				}
			}
			mustClose(t, first)
			if err := first.Close(); err != nil {
				t.Errorf("second Close: %v", err)
			}
			_, st = mustOpen(t, dir2, tc.secondName)
			if st == nil || st.UploadID != testState().UploadID {
				t.Errorf("after Close: state = %+v, want the saved one", st)
			}
		})
	}
}

// A process forked while the lock is held (os/exec, a credentials helper)
// shares the lock's open file description until it execs. Close must
// release the lock anyway; a dup of the descriptor stands in for the child.
func TestCloseReleasesLockDespiteDuplicate(t *testing.T) {
	t.Parallel()
	dir, name := t.TempDir(), "copy-dup"
	c, _ := mustOpen(t, dir, name)
	dup, err := syscall.Dup(int(c.lock.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(dup)
	mustClose(t, c)
	c2, _, err := Open(dir, name)
	if err != nil {
		t.Fatalf("Open after Close with a duplicate of the lock descriptor alive: %v", err)
	}
	mustClose(t, c2)
}

const lockChildEnv = "OSSCOPY_CHECKPOINT_TEST_LOCK_CHILD"

// TestLockDiesWithProcess holds the lock in a child process, then kills the
// child with SIGKILL: the lock must die with it.
func TestLockDiesWithProcess(t *testing.T) {
	if dir := os.Getenv(lockChildEnv); dir != "" {
		lockChild(dir)
		return
	}
	t.Parallel()
	dir, name := t.TempDir(), "copy-child"
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockDiesWithProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), lockChildEnv+"="+dir)
	stdin, err := cmd.StdinPipe() // the child exits when this closes
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	defer func() {
		if !killed {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}()
	line := make(chan string, 1)
	go func() {
		l, _ := bufio.NewReader(stdout).ReadString('\n')
		line <- l
		io.Copy(io.Discard, stdout)
	}()
	select {
	case l := <-line:
		if l != "locked\n" {
			t.Fatalf("child said %q, want \"locked\"", l)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("child did not take the lock in time")
	}

	if c, _, err := Open(dir, name); !errors.Is(err, ErrLocked) {
		if c != nil {
			c.Close()
		}
		t.Fatalf("Open while the child holds the lock: err = %v, want ErrLocked", err)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed = true
	err = cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child exit: %v, want killed by SIGKILL", err)
	}
	_, st := mustOpen(t, dir, name)
	if st == nil || st.UploadID != "from-child" {
		t.Errorf("after the child died: state = %+v, want the child's", st)
	}
}

func lockChild(dir string) {
	c, _, err := Open(dir, "copy-child")
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	st := testState()
	st.UploadID = "from-child"
	if err := c.Save(st); err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println("locked")
	io.Copy(io.Discard, os.Stdin) // hold the lock until killed or orphaned
	os.Exit(0)
}

// Writes after Close would race a run that took the lock meanwhile.
func TestWritesAfterCloseAreRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c, _, err := Open(dir, "closed")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Save(&State{UploadID: "u"}); !errors.Is(err, errClosed) {
		t.Errorf("Save after Close = %v, want errClosed", err)
	}
	if err := c.RecordPart(Part{Number: 1, ETag: "e"}); !errors.Is(err, errClosed) {
		t.Errorf("RecordPart after Close = %v, want errClosed", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("closed checkpoint wrote files: %v", entries)
	}
}

// The lock file goes when the lock is released; a run that opened it just
// before must not think it holds the lock then. Many openers at once never
// hold one checkpoint together.
func TestLockFileRemovalKeepsExclusion(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var holders, held atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 300 {
				c, _, err := Open(dir, "contended")
				if errors.Is(err, ErrLocked) {
					continue
				}
				if err != nil {
					t.Error(err)
					return
				}
				if n := holders.Add(1); n != 1 {
					t.Errorf("%d runs hold the checkpoint at once", n)
				}
				held.Add(1)
				holders.Add(-1)
				if err := c.Close(); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if held.Load() == 0 {
		t.Fatal("no run ever held the lock")
	}
	if names := dirNames(t, dir); len(names) != 0 {
		t.Errorf("the dir holds %v after every lock was released", names)
	}
}
