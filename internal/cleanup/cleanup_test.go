package cleanup

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/osscopy/osscopy/internal/ossapi"
	"github.com/osscopy/osscopy/internal/osserr"
)

var now = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

func TestDecide(t *testing.T) {
	t.Parallel()
	o := Options{OlderThan: 24 * time.Hour, Now: now, Resumable: map[string]string{"R": "/ck/copy-r.json"}}
	tests := []struct {
		id      string
		age     time.Duration
		dryRun  bool
		want    string
		wantCkp string
	}{
		{"A", 25 * time.Hour, false, Aborted, ""},
		{"A", 24 * time.Hour, false, Aborted, ""},
		{"A", 24*time.Hour - time.Millisecond, false, KeptRecent, ""},
		{"A", 25 * time.Hour, true, WouldAbort, ""},
		{"R", 1000 * time.Hour, false, KeptResumable, "/ck/copy-r.json"},
		{"A", -time.Hour, false, KeptRecent, ""}, // a server clock ahead of ours
	}
	for _, tt := range tests {
		o.DryRun = tt.dryRun
		if got, ckp := Decide(o, tt.id, now.Add(-tt.age)); got != tt.want || ckp != tt.wantCkp {
			t.Errorf("Decide(%s, age %v, dry run %v) = %s, %q; want %s, %q", tt.id, tt.age, tt.dryRun, got, ckp, tt.want, tt.wantCkp)
		}
	}
}

// fakeStore lists uploads in pages of pageSize and records aborts.
type fakeStore struct {
	uploads  []ossapi.UploadEntry
	pageSize int
	abortErr map[string]error
	listErr  error

	mu      sync.Mutex
	aborted []string
	lists   int
}

func (f *fakeStore) ListMultipartUploads(_ context.Context, in ossapi.ListUploadsInput) (ossapi.ListMultipartUploadsResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lists++
	if f.listErr != nil && f.lists > 1 {
		return ossapi.ListMultipartUploadsResult{}, f.listErr
	}
	start := 0
	for start < len(f.uploads) && in.KeyMarker != "" &&
		(f.uploads[start].Key < in.KeyMarker || f.uploads[start].Key == in.KeyMarker && f.uploads[start].UploadId <= in.UploadIDMarker) {
		start++
	}
	end := min(start+f.pageSize, len(f.uploads))
	res := ossapi.ListMultipartUploadsResult{Upload: f.uploads[start:end], IsTruncated: end < len(f.uploads)}
	if end > 0 {
		res.NextKeyMarker, res.NextUploadIdMarker = f.uploads[end-1].Key, f.uploads[end-1].UploadId
	}
	return res, nil
}

func (f *fakeStore) AbortMultipartUpload(_ context.Context, _, _, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.aborted = append(f.aborted, id)
	return f.abortErr[id]
}

func uploadsAged(ages ...time.Duration) []ossapi.UploadEntry {
	var out []ossapi.UploadEntry
	for i, a := range ages {
		out = append(out, ossapi.UploadEntry{Key: fmt.Sprintf("k%02d", i), UploadId: fmt.Sprintf("U%02d", i),
			Initiated: now.Add(-a).Format(initiatedTimes)})
	}
	return out
}

func TestRun(t *testing.T) {
	t.Parallel()
	old, young := 48*time.Hour, time.Hour
	s := &fakeStore{uploads: uploadsAged(old, young, old, old, old, young, old), pageSize: 2,
		abortErr: map[string]error{"U03": errors.New("AccessDenied"), "U04": &osserr.Error{Op: "AbortMultipartUpload", Status: 404, Code: "NoSuchUpload"}}}
	o := Options{Bucket: "b", OlderThan: 24 * time.Hour, Now: now, Parallel: 3, Resumable: map[string]string{"U06": "/ck/x.json"}}
	rep, err := Run(context.Background(), s, o)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"U00": Aborted, "U01": KeptRecent, "U02": Aborted, "U03": AbortFailed, "U04": AlreadyGone,
		"U05": KeptRecent, "U06": KeptResumable}
	if len(rep.Uploads) != len(want) {
		t.Fatalf("report has %d uploads, want %d: %+v", len(rep.Uploads), len(want), rep.Uploads)
	}
	for i, u := range rep.Uploads {
		if u.Action != want[u.UploadID] || u.Key != fmt.Sprintf("k%02d", i) {
			t.Errorf("upload %d: %+v; want action %s, in listing order", i, u, want[u.UploadID])
		}
	}
	if rep.Uploads[3].Error != "AccessDenied" || rep.Failed() != 1 || rep.Counts[Aborted] != 2 {
		t.Errorf("failure not reported: %+v, counts %v", rep.Uploads[3], rep.Counts)
	}
	if s.lists != 4 || len(s.aborted) != 4 {
		t.Errorf("%d list calls (want 4 pages), %d aborts (want 4)", s.lists, len(s.aborted))
	}
}

func TestRunDryRunAbortsNothing(t *testing.T) {
	t.Parallel()
	s := &fakeStore{uploads: uploadsAged(48*time.Hour, 72*time.Hour), pageSize: 1000}
	rep, err := Run(context.Background(), s, Options{OlderThan: time.Hour, Now: now, DryRun: true})
	if err != nil || rep.Counts[WouldAbort] != 2 || len(s.aborted) != 0 {
		t.Errorf("dry run: %+v, %v, aborted %v", rep, err, s.aborted)
	}
}

func TestRunListingFails(t *testing.T) {
	t.Parallel()
	s := &fakeStore{uploads: uploadsAged(48*time.Hour, 48*time.Hour, 48*time.Hour), pageSize: 1, listErr: errors.New("503")}
	rep, err := Run(context.Background(), s, Options{Bucket: "b", Prefix: "p/", OlderThan: time.Hour, Now: now})
	if err == nil || rep.Counts[Aborted] != 1 {
		t.Errorf("got %+v, %v; want the first page's abort reported and the listing error", rep, err)
	}
}

func TestRunRefusesBadInitiated(t *testing.T) {
	t.Parallel()
	s := &fakeStore{uploads: []ossapi.UploadEntry{{Key: "k", UploadId: "U", Initiated: "yesterday"}}, pageSize: 10}
	if _, err := Run(context.Background(), s, Options{Now: now}); err == nil {
		t.Error("an unreadable Initiated time was accepted")
	}
	if len(s.aborted) != 0 {
		t.Errorf("aborted %v", s.aborted)
	}
}
