// Tests of failing objects: the failure report, retried transient errors, resumed multipart copies, and fatal errors stopping the run.

package bulk

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/osscopy/osscopy/internal/observe"
	"github.com/osscopy/osscopy/worker"
)

func readFailures(t *testing.T, path string) []Failure {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []Failure
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var fl Failure
		dec := json.NewDecoder(strings.NewReader(sc.Text()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&fl); err != nil {
			t.Fatalf("failure report line %q: %v", sc.Text(), err)
		}
		// Every field of the documented format is present.
		var raw map[string]any
		if err := json.Unmarshal(sc.Bytes(), &raw); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"source", "destination", "error_code", "message", "attempts"} {
			if _, ok := raw[k]; !ok {
				t.Errorf("failure report line %q has no %q", sc.Text(), k)
			}
		}
		out = append(out, fl)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// Objects that fail are reported, once each, and the run goes on.
func TestRunFailureReport(t *testing.T) {
	t.Parallel()
	g := newRig(t)
	g.putSrc(map[string]int64{"a": 10, "denied": 20, "flaky": 30, "gone": 40, "changed": 50, "d": 60})
	var broken, goneBroken atomic.Bool
	broken.Store(true)
	goneBroken.Store(true)
	g.fs.fail = func(op string, obj worker.Object) error {
		if op == "Head" && obj.Key == "data/gone" && goneBroken.Load() {
			return noSuchKey(obj) // deleted after the listing
		}
		if !broken.Load() {
			return nil
		}
		switch {
		case op == "CopyObject" && obj.Key == "backup/2024/denied":
			return permanentErr("AccessDenied")
		case op == "CopyObject" && obj.Key == "backup/2024/flaky":
			return transientErr("InternalError")
		case op == "CopyObject" && obj.Key == "backup/2024/changed":
			g.fs.put(srcBkt, "data/changed", 50, "v2") // overwritten as the copy starts
		}
		return nil
	}
	res := g.run(context.Background(), nil)
	if res.err != nil {
		t.Fatalf("Run: %v (failed objects are not the run's error)", res.err)
	}
	s := res.sum
	if s.Failed != 4 || s.Copied != 2 {
		t.Errorf("summary %+v, want 4 failed, 2 copied", s)
	}
	wantPath := filepath.Join(g.dir, res.opts.RunName+".failures.jsonl")
	if s.FailureReport != wantPath {
		t.Fatalf("FailureReport = %q, want %q", s.FailureReport, wantPath)
	}
	if fi, err := os.Stat(wantPath); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("failure report: %v, mode %v", err, fi.Mode().Perm())
	}
	got := map[string]Failure{}
	for _, f := range readFailures(t, wantPath) {
		if _, dup := got[f.Source]; dup {
			t.Errorf("%s reported twice", f.Source)
		}
		got[f.Source] = f
	}
	for _, want := range []struct {
		rel, code string
		attempts  int
		msg       string
	}{
		{"denied", "AccessDenied", 1, "AccessDenied"},
		{"flaky", "InternalError", 3, "InternalError"},
		{"gone", "NoSuchKey", 1, "reading the source: HeadObject of oss://src-bkt/data/gone"},
		{"changed", "SourceChanged", 1, "overwritten or deleted"},
	} {
		src := "oss://src-bkt/data/" + want.rel
		f, ok := got[src]
		if !ok {
			t.Errorf("%s is not in the failure report %v", src, got)
			continue
		}
		if f.Destination != "oss://dst-bkt/backup/2024/"+want.rel || f.Code != want.code || f.Attempts != want.attempts || !strings.Contains(f.Message, want.msg) {
			t.Errorf("failure of %s = %+v, want code %s after %d attempts, message with %q", want.rel, f, want.code, want.attempts, want.msg)
		}
		if o := res.outcomeOf(t, "data/"+want.rel); o.Action != observe.ActionFailed || o.Code != want.code || o.Error != f.Message {
			t.Errorf("outcome of %s = %+v", want.rel, o)
		}
		if _, ok := g.fs.get(dstBkt, "backup/2024/"+want.rel); ok {
			t.Errorf("the failed %s was written", want.rel)
		}
	}
	if len(got) != 4 {
		t.Errorf("failure report has %d objects, want 4", len(got))
	}
	for _, rel := range []string{"a", "d"} {
		g.requireSame("data/"+rel, "backup/2024/"+rel)
	}

	// Fixed: the rerun copies the failed objects (gone is still gone) and
	// its report holds this run's failures only.
	broken.Store(false)
	g.fs.resetCounts()
	again := g.run(context.Background(), nil)
	if again.err != nil {
		t.Fatal(again.err)
	}
	if again.sum.Copied != 3 || again.sum.Failed != 1 || again.sum.Skipped.DoneBefore != 2 {
		t.Errorf("rerun summary %+v, want 3 copied, 1 failed, 2 done before", again.sum)
	}
	if fl := readFailures(t, wantPath); len(fl) != 1 || fl[0].Source != "oss://src-bkt/data/gone" {
		t.Errorf("rerun failure report %+v, want only gone", fl)
	}
	for _, rel := range []string{"denied", "flaky", "changed"} {
		g.requireSame("data/"+rel, "backup/2024/"+rel)
	}

	// All fine: no report, and the last one is gone.
	goneBroken.Store(false)
	third := g.run(context.Background(), nil)
	if third.err != nil || third.sum.Failed != 0 || third.sum.FailureReport != "" || third.sum.Copied != 1 {
		t.Errorf("third run: %v, %+v", third.err, third.sum)
	}
	if _, err := os.Stat(wantPath); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the last run's failure report is still there: %v", err)
	}
}

// A transient error is retried within the attempts, then the copy succeeds.
func TestRunTransientErrorRetried(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, op, key string
		failures      int32
		wantRetries   int64
	}{
		{"CopyObject", "CopyObject", "backup/2024/b", 2, 2},
		{"part copy", "UploadPartCopy", "backup/2024/big", 2, 2},
		{"complete", "Complete", "backup/2024/big", 1, 1},
		{"initiate", "Initiate", "backup/2024/big", 2, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g := newRig(t)
			g.putSrc(map[string]int64{"a": 10, "b": 20, "big": bigSize})
			var left atomic.Int32
			left.Store(tc.failures)
			g.fs.fail = func(op string, obj worker.Object) error {
				if op == tc.op && obj.Key == tc.key && left.Add(-1) >= 0 {
					return transientErr("InternalError")
				}
				return nil
			}
			res := g.run(context.Background(), nil)
			if res.err != nil {
				t.Fatal(res.err)
			}
			if res.sum.Copied != 3 || res.sum.Failed != 0 || res.sum.Retries != tc.wantRetries {
				t.Errorf("summary %+v, want 3 copied, %d retries", res.sum, tc.wantRetries)
			}
			g.requireSame("data/b", "backup/2024/b")
			g.requireSame("data/big", "backup/2024/big")
			if g.fs.openUploads() != 0 {
				t.Errorf("%d uploads left", g.fs.openUploads())
			}
		})
	}
}

// A multipart copy that fails midway keeps its upload; the rerun resumes
// it without copying the finished parts again.
func TestRunMultipartFailureResumes(t *testing.T) {
	t.Parallel()
	g := newRig(t)
	g.putSrc(map[string]int64{"a": 10, "big": bigSize})
	var broken atomic.Bool
	broken.Store(true)
	g.fs.fail = func(op string, obj worker.Object) error {
		if op == "UploadPartCopy" && broken.Load() && g.fs.count("UploadPartCopy") > 3 {
			return permanentErr("AccessDenied")
		}
		return nil
	}
	res := g.run(context.Background(), nil)
	if res.err != nil || res.sum.Failed != 1 || res.sum.Copied != 1 {
		t.Fatalf("first run: %v, %+v", res.err, res.sum)
	}
	if g.fs.openUploads() != 1 || len(g.stateFiles()) == 0 {
		t.Fatalf("after the failure: %d uploads, state files %v; want the upload and its checkpoint kept", g.fs.openUploads(), g.stateFiles())
	}
	var onServer int
	g.fs.mu.Lock()
	for _, u := range g.fs.uploads {
		onServer = len(u.parts)
	}
	g.fs.mu.Unlock()
	if onServer == 0 {
		t.Fatal("no part was copied before the failure")
	}
	broken.Store(false)
	g.fs.resetCounts()
	again := g.run(context.Background(), nil)
	if again.err != nil || again.sum.Copied != 1 || again.sum.Failed != 0 || again.sum.Skipped.DoneBefore != 1 {
		t.Fatalf("rerun: %v, %+v", again.err, again.sum)
	}
	if n := g.fs.count("UploadPartCopy"); n != 6-onServer {
		t.Errorf("rerun copied %d parts, want %d (%d were on the server)", n, 6-onServer, onServer)
	}
	if g.fs.count("Initiate") != 0 || g.fs.count("ListParts") != 1 {
		t.Errorf("rerun: %d initiates, %d ListParts; want 0, 1", g.fs.count("Initiate"), g.fs.count("ListParts"))
	}
	if o := again.outcomeOf(t, "data/big"); !strings.Contains(o.How, fmt.Sprintf("%d resumed", onServer)) {
		t.Errorf("outcome %+v does not say %d parts were resumed", o, onServer)
	}
	g.requireSame("data/big", "backup/2024/big")
	if g.fs.openUploads() != 0 || len(g.stateFiles()) != 0 {
		t.Errorf("left %d uploads and state files %v", g.fs.openUploads(), g.stateFiles())
	}
}

// An error every object would share (the destination bucket is gone)
// stops the run with one error instead of a failure line per object.
func TestRunFatalErrorStops(t *testing.T) {
	t.Parallel()
	g := newRig(t)
	objects := map[string]int64{}
	for i := range 200 {
		objects[fmt.Sprintf("k%03d", i)] = 10
	}
	g.putSrc(objects)
	g.fs.fail = func(op string, obj worker.Object) error {
		if op == "CopyObject" {
			return permanentErr("NoSuchBucket")
		}
		return nil
	}
	res := g.run(context.Background(), nil)
	if res.err == nil || !strings.Contains(res.err.Error(), "the run stopped") || !strings.Contains(res.err.Error(), "NoSuchBucket") {
		t.Fatalf("Run = %v, want the run stopped by NoSuchBucket", res.err)
	}
	if res.sum.Failed != 0 || res.sum.FailureReport != "" {
		t.Errorf("summary %+v: the fatal error is the run's, not each object's", res.sum)
	}
	if n := g.fs.count("CopyObject"); n > 2*res.opts.Job.Parallel {
		t.Errorf("%d CopyObjects sent after the bucket was known to be gone, want at most those in flight (%d)", n, res.opts.Job.Parallel)
	}
}
