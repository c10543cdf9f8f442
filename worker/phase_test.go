// The steps a copy tells its observer, for a status line to say what a copy that shows no progress is doing.

package worker_test

import (
	"context"
	"slices"
	"testing"

	"github.com/osscopy/osscopy/internal/lab/ossserver"
	"github.com/osscopy/osscopy/internal/observe"
	"github.com/osscopy/osscopy/worker"
)

func TestCopyTellsPhases(t *testing.T) {
	t.Parallel()
	// noCRC64 hides the CRC64 the completion returns: a HEAD must prove the copy.
	noCRC64 := func(ctx context.Context, uploadID string, next func() (worker.CopyResult, error)) (worker.CopyResult, error) {
		out, err := next()
		out.CRC64 = ""
		return out, err
	}
	tests := []struct {
		name     string
		size     int64
		complete func(context.Context, string, func() (worker.CopyResult, error)) (worker.CopyResult, error)
		want     []string
	}{
		{"one CopyObject", mib, nil, []string{observe.StepRead, observe.StepCopy}},
		{"parts", 3 * gib, nil, []string{observe.StepRead, observe.StepStart, observe.StepCopy, observe.StepComplete}},
		{"parts proven by a HEAD", 3 * gib, noCRC64,
			[]string{observe.StepRead, observe.StepStart, observe.StepCopy, observe.StepComplete, observe.StepVerify}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, tt.size, ossserver.Config{})
			job := f.job()
			var rec recorder
			job.Observer = &rec
			if _, err := worker.Copy(context.Background(), &hooked{Store: f.store, complete: tt.complete}, job); err != nil {
				t.Fatal(err)
			}
			if got := rec.phases(); !slices.Equal(got, tt.want) {
				t.Errorf("steps told %q, want %q", got, tt.want)
			}
		})
	}
}
