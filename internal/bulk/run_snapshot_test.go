// Tests of the progress snapshot read while a run goes on.

package bulk

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/osscopy/osscopy/internal/gate"
)

// Snapshot may be read while the run goes on (the CLI's progress starts
// reading it before Run), and its counters only grow. Not parallel: a data
// race here would be blamed on every test running alongside.
func TestRunSnapshotWhileRunning(t *testing.T) {
	g := newRig(t)
	g.fs.delay = 200 * time.Microsecond
	g.fs.pageSize = 5
	objects := map[string]int64{"big": bigSize}
	for i := range 40 {
		objects[fmt.Sprintf("o-%02d", i)] = 1000
	}
	g.putSrc(objects)
	o := g.options(nil)
	r := New(g.fs, g.fs, gate.New(o.Job.Parallel, true, nil), o)
	stop, done := make(chan struct{}), make(chan struct{})
	var snaps []Snapshot
	go func() {
		defer close(done)
		for {
			snaps = append(snaps, r.Snapshot())
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Microsecond):
			}
		}
	}()
	sum, err := r.Run(context.Background())
	close(stop)
	<-done
	snaps = append(snaps, r.Snapshot())
	if err != nil || sum.Copied != int64(len(objects)) {
		t.Fatalf("Run = %v, %+v", err, sum)
	}
	for i := 1; i < len(snaps); i++ {
		a, b := snaps[i-1], snaps[i]
		if b.Listed < a.Listed || b.Copied < a.Copied || b.BytesCopied < a.BytesCopied || b.Requests < a.Requests {
			t.Fatalf("snapshot went back: %+v then %+v", a, b)
		}
		if b.InFlight > b.Limit || b.Limit > o.Job.Parallel {
			t.Fatalf("snapshot %+v: in flight over the limit", b)
		}
	}
}
