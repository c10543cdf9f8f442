package bulk

import (
	"context"
	"sync"
)

// flights are the objects between their emission and the end of their
// processing, by destination key (the run has one destination bucket), so
// that a manifest naming an object twice copies it once: a duplicate of
// an object in flight is skipped here, and one that comes after the copy
// finished is found in the journal. Memory stays at the objects in flight
// (the pool and its queue), not one entry per manifest line.
type flights struct {
	mu sync.Mutex
	by map[string]*flight
}

type flight struct {
	src  string
	done chan struct{} // closed when the object's processing ends
}

// enter admits it. It reports a duplicate of an object in flight (same
// source and destination), which must be skipped. Another source for a
// destination in flight waits for that copy to end, so that the later
// manifest line wins, as it would read one line at a time, and two
// copies never race to one key.
func (f *flights) enter(ctx context.Context, it item) (duplicate bool, err error) {
	for {
		f.mu.Lock()
		if f.by == nil {
			f.by = map[string]*flight{}
		}
		other, busy := f.by[it.dst.Key]
		if !busy {
			f.by[it.dst.Key] = &flight{src: it.src.Key, done: make(chan struct{})}
		}
		f.mu.Unlock()
		switch {
		case !busy:
			return false, nil
		case other.src == it.src.Key:
			return true, nil
		}
		select {
		case <-other.done:
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}
}

// leave ends the flight of it, which enter admitted.
func (f *flights) leave(it item) {
	f.mu.Lock()
	defer f.mu.Unlock()
	close(f.by[it.dst.Key].done)
	delete(f.by, it.dst.Key)
}
