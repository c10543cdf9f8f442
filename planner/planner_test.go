package planner

import (
	"strings"
	"testing"

	"github.com/osscopy/osscopy/internal/units"
)

const (
	kiB = int64(1) << 10
	miB = int64(1) << 20
	giB = int64(1) << 30
	tiB = int64(1) << 40
)

func TestNew(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		size     int64
		opts     Options
		single   bool
		partSize int64
		parts    int
		lastSize int64
	}{
		{"empty", 0, Options{}, true, 0, 0, 0},
		{"one byte", 1, Options{}, true, 0, 0, 0},
		{"exactly the threshold", giB, Options{}, true, 0, 0, 0},
		{"one byte over", giB + 1, Options{Parallel: 64}, false, 64 * miB, 17, 1},
		{"exact multiple", 2 * giB, Options{Parallel: 64}, false, 64 * miB, 32, 64 * miB},
		{"parallel 0 counts as 1", 2 * giB, Options{}, false, 256 * miB, 8, 256 * miB},
		{"1.5 GiB at parallel 64", 3 * giB / 2, Options{Parallel: 64}, false, 64 * miB, 24, 64 * miB},
		{"100 GiB at parallel 8", 100 * giB, Options{Parallel: 8}, false, 512 * miB, 200, 512 * miB},
		{"100 GiB at parallel 64", 100 * giB, Options{Parallel: 64}, false, 200 * miB, 512, 200 * miB},
		{"5 TiB: capped at 512 MiB then forced up", 5 * tiB, Options{Parallel: 64}, false, 525 * miB, 9987, 5*tiB - 9986*525*miB},
		{"48.8 TB: the part limit decides", MaxObjectSize, Options{}, false, 4654 * miB, 10000, MaxObjectSize - 9999*4654*miB},
		{"custom part size", 10 * giB, Options{PartSize: 100 * miB}, false, 100 * miB, 103, 10*giB - 102*100*miB},
		{"custom threshold", 200 * miB, Options{Threshold: 100 * miB}, false, 64 * miB, 4, 8 * miB},
		{"threshold 0 means default", 200 * miB, Options{Threshold: 0}, true, 0, 0, 0},
		{"minimum part size", 300 * kiB, Options{Threshold: 1, PartSize: 100 * kiB}, false, 100 * kiB, 3, 100 * kiB},
		{"within one bucket: one CopyObject at any size", 5 * tiB, Options{WithinBucket: true, Parallel: 64}, true, 0, 0, 0},
		{"within one bucket with a part size: parts", 10 * giB, Options{WithinBucket: true, PartSize: 100 * miB}, false, 100 * miB, 103, 10*giB - 102*100*miB},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := New(tc.size, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if p.Single != tc.single || p.PartSize != tc.partSize || len(p.Parts) != tc.parts || p.Size != tc.size {
				t.Fatalf("plan single=%v partSize=%d parts=%d, want %v %d %d", p.Single, p.PartSize, len(p.Parts), tc.single, tc.partSize, tc.parts)
			}
			if tc.single {
				return
			}
			var next int64
			for i, part := range p.Parts {
				if part.Number != int32(i+1) || part.Offset != next || part.Size <= 0 || part.Size > MaxPartSize {
					t.Fatalf("part %d = %+v, want number %d at offset %d", i, part, i+1, next)
				}
				if i < len(p.Parts)-1 && part.Size != p.PartSize {
					t.Fatalf("part %d has %d bytes, want %d", part.Number, part.Size, p.PartSize)
				}
				next += part.Size
			}
			if next != tc.size || p.Parts[len(p.Parts)-1].Size != tc.lastSize {
				t.Fatalf("parts cover %d bytes ending with %d, want %d ending with %d", next, p.Parts[len(p.Parts)-1].Size, tc.size, tc.lastSize)
			}
			if p.PartSize%miB != 0 && tc.opts.PartSize == 0 {
				t.Errorf("default part size %d is not a whole MiB", p.PartSize)
			}
		})
	}
}

func TestNewRejects(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		size int64
		opts Options
		want string
	}{
		{"negative size", -1, Options{}, "negative"},
		{"over 48.8 TB", MaxObjectSize + 1, Options{}, "48.8 TB"},
		{"part under 100 KiB", 2 * giB, Options{PartSize: 100*kiB - 1}, "minimum of 100 KiB"},
		{"part over 5 GiB", 20 * giB, Options{PartSize: 5*giB + 1}, "maximum of 5 GiB"},
		{"too many parts", 5 * tiB, Options{PartSize: 100 * miB}, "use at least"},
		{"threshold over 1 GiB", 2 * giB, Options{Threshold: giB + 1}, "at most 1 GiB"},
		{"negative threshold", 2 * giB, Options{Threshold: -1}, "outside"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := New(tc.size, tc.opts); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New(%d, %+v) error %v, want one saying %q", tc.size, tc.opts, err, tc.want)
			}
		})
	}
}

// TestSuggestedPartSize: the part size the too-many-parts error suggests
// is written as --part-size takes it (2 TiB once got "209.72 MiB", which
// is no whole number of bytes), and it plans the copy.
func TestSuggestedPartSize(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		size int64
		want string
	}{
		{2 * tiB, "210MiB"}, {5 * tiB, "525MiB"}, {10000*100*miB + 1, "101MiB"}, {10000 * 200 * miB, "200MiB"},
		{MaxObjectSize, "4654MiB"}, {4 * 10000 * giB, "4GiB"},
	} {
		_, err := New(tc.size, Options{PartSize: 100 * miB})
		suggested := suggestion(err)
		if suggested != tc.want {
			t.Errorf("New(%d) with 100 MiB parts: error %v suggests %q, want %q", tc.size, err, suggested, tc.want)
			continue
		}
		checkSuggestion(t, tc.size, suggested)
	}
}

// suggestion is the part size an error suggests, "" when none.
func suggestion(err error) string {
	if err == nil {
		return ""
	}
	_, s, _ := strings.Cut(err.Error(), "use at least ")
	return s
}

// checkSuggestion requires that the suggested part size parses as
// --part-size does and plans size bytes in at most 10,000 parts.
func checkSuggestion(t *testing.T, size int64, suggested string) {
	t.Helper()
	partSize, err := units.ParseSize(suggested)
	if err != nil {
		t.Fatalf("the suggested part size %q does not parse: %v", suggested, err)
	}
	if _, err := New(size, Options{PartSize: partSize}); err != nil {
		t.Fatalf("the suggested part size %s does not plan %d bytes: %v", suggested, size, err)
	}
}

func TestPartLast(t *testing.T) {
	t.Parallel()
	if got := (Part{Offset: 0, Size: 10}).Last(); got != 9 {
		t.Errorf("Last() = %d, want 9 (bytes=0-9 is 10 bytes)", got)
	}
}

func FuzzNew(f *testing.F) {
	f.Add(int64(0), int64(0), int64(0), 0)
	f.Add(int64(5<<40), int64(0), int64(0), 64)
	f.Add(int64(1<<30+1), int64(100<<10), int64(1), 3)
	f.Add(int64(2<<40), int64(100<<20), int64(0), 64)
	f.Fuzz(func(t *testing.T, size, partSize, threshold int64, parallel int) {
		p, err := New(size, Options{PartSize: partSize, Threshold: threshold, Parallel: parallel % 1024})
		if s := suggestion(err); s != "" {
			checkSuggestion(t, size, s)
		}
		if err != nil || p.Single {
			return
		}
		var next int64
		for i, part := range p.Parts {
			if part.Offset != next || part.Size <= 0 || part.Size > MaxPartSize || (i < len(p.Parts)-1 && part.Size < MinPartSize) {
				t.Fatalf("bad part %+v", part)
			}
			next += part.Size
		}
		if next != size || len(p.Parts) > MaxParts {
			t.Fatalf("%d parts cover %d of %d bytes", len(p.Parts), next, size)
		}
	})
}
