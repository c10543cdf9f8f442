//go:build unix

// Tests of saving and opening a checkpoint's state, its name, and the default directory.

package checkpoint

import (
	"os"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

func TestSaveOpenRoundTrip(t *testing.T) {
	t.Parallel()
	created := time.Date(2023, 1, 2, 3, 4, 5, 6, time.UTC)
	cases := []struct {
		name   string
		state  func() *State
		keepCr bool // Created was set by the caller and must be kept
	}{
		{"full", testState, false},
		{"created kept", func() *State { s := testState(); s.Created = created; return s }, true},
		{"no options no parts no version", func() *State {
			s := testState()
			s.Options, s.Parts, s.Source.VersionID = nil, nil, ""
			return s
		}, false},
		{"zero part count", func() *State { s := testState(); s.PartCount, s.PartSize, s.Parts = 0, 0, nil; return s }, false},
		{"odd keys and a non-UTC time", func() *State {
			s := testState()
			s.Source.Key = "../../etc/passwd\n\"quoted\"/ключ/🙂"
			s.Destination.Key = "a//b/./c/"
			s.Source.LastModified = time.Date(2024, 2, 29, 23, 59, 59, 1, time.FixedZone("CST", 8*3600))
			s.Options = map[string]string{"": "empty key", "k=v": "a\tb"}
			return s
		}, false},
		{"unsorted parts come back sorted", func() *State {
			s := testState()
			s.Parts = []Part{{9, "i"}, {3, "c"}, {5, "e"}}
			return s
		}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			st := tc.state()
			name := Name(st.Source, st.Destination)
			c, got := mustOpen(t, dir, name)
			if got != nil {
				t.Fatalf("fresh dir: got state %+v, want nil", got)
			}
			before := time.Now().UTC()
			if err := c.Save(st); err != nil {
				t.Fatalf("Save: %v", err)
			}
			after := time.Now().UTC()
			if st.Version != SchemaVersion {
				t.Errorf("Version = %d, want %d", st.Version, SchemaVersion)
			}
			if st.Updated.Before(before) || st.Updated.After(after) {
				t.Errorf("Updated = %v, want within [%v, %v]", st.Updated, before, after)
			}
			if tc.keepCr {
				if !st.Created.Equal(created) {
					t.Errorf("Created = %v, want the caller's %v", st.Created, created)
				}
			} else if !st.Created.Equal(st.Updated) {
				t.Errorf("Created = %v, want Updated %v on first save", st.Created, st.Updated)
			}
			mustClose(t, c)

			c2, got := mustOpen(t, dir, name)
			want := tc.state()
			want.Version, want.Created, want.Updated = SchemaVersion, st.Created, st.Updated
			sort.Slice(want.Parts, func(i, j int) bool { return want.Parts[i].Number < want.Parts[j].Number })
			equalState(t, got, want)
			if got.Parts == nil {
				t.Errorf("Parts = nil, want a non-nil slice")
			}

			// A second save keeps Created and moves Updated.
			time.Sleep(2 * time.Millisecond)
			if err := c2.Save(got); err != nil {
				t.Fatal(err)
			}
			if !got.Created.Equal(want.Created) {
				t.Errorf("second Save: Created = %v, want %v", got.Created, want.Created)
			}
			if !got.Updated.After(want.Updated) {
				t.Errorf("second Save: Updated = %v, want after %v", got.Updated, want.Updated)
			}
			if names := dirNames(t, dir); !reflect.DeepEqual(names, []string{name + ".json", name + ".lock"}) {
				t.Errorf("dir holds %v, want only the state and the lock", names)
			}
		})
	}
}

func TestName(t *testing.T) {
	t.Parallel()
	src := Source{Bucket: "sb", Key: "sk", VersionID: "sv", ETag: "e", Size: 1}
	dst := Destination{Bucket: "db", Key: "dk"}
	base := Name(src, dst)
	if again := Name(src, dst); again != base {
		t.Fatalf("Name not deterministic: %s vs %s", base, again)
	}
	re := regexp.MustCompile(`^copy-[0-9a-f]{32}$`)

	type pair struct {
		src Source
		dst Destination
	}
	with := func(f func(*Source, *Destination)) pair {
		s, d := src, dst
		f(&s, &d)
		return pair{s, d}
	}
	differ := []struct {
		name string
		p    pair
	}{
		{"source bucket", with(func(s *Source, d *Destination) { s.Bucket = "sb2" })},
		{"source key", with(func(s *Source, d *Destination) { s.Key = "sk2" })},
		{"version id", with(func(s *Source, d *Destination) { s.VersionID = "sv2" })},
		{"no version id", with(func(s *Source, d *Destination) { s.VersionID = "" })},
		{"destination bucket", with(func(s *Source, d *Destination) { d.Bucket = "db2" })},
		{"destination key", with(func(s *Source, d *Destination) { d.Key = "dk2" })},
		{"source and destination swapped", pair{Source{Bucket: "db", Key: "dk", VersionID: "sv"}, Destination{"sb", "sk"}}},
		{"split bucket/key a|bc", with(func(s *Source, d *Destination) { s.Bucket, s.Key = "a", "bc" })},
		{"split bucket/key ab|c", with(func(s *Source, d *Destination) { s.Bucket, s.Key = "ab", "c" })},
		{"split key/version a|bc", with(func(s *Source, d *Destination) { s.Key, s.VersionID = "a", "bc" })},
		{"split key/version ab|c", with(func(s *Source, d *Destination) { s.Key, s.VersionID = "ab", "c" })},
		{"split version/dst a|bc", with(func(s *Source, d *Destination) { s.VersionID, d.Bucket = "a", "bc" })},
		{"split version/dst ab|c", with(func(s *Source, d *Destination) { s.VersionID, d.Bucket = "ab", "c" })},
		{"split dst a|bc", with(func(s *Source, d *Destination) { d.Bucket, d.Key = "a", "bc" })},
		{"split dst ab|c", with(func(s *Source, d *Destination) { d.Bucket, d.Key = "ab", "c" })},
		{"separator in key 1", with(func(s *Source, d *Destination) { s.Bucket, s.Key = "a;1:b", "" })},
		{"separator in key 2", with(func(s *Source, d *Destination) { s.Bucket, s.Key = "a", "b;0:" })},
		{"path traversal key", with(func(s *Source, d *Destination) { s.Key = "../../../etc/passwd" })},
		{"slashes in dst key", with(func(s *Source, d *Destination) { d.Key = "/a/b/../c/" })},
		{"all empty", pair{}},
	}
	seen := map[string]string{base: "base"}
	for _, tc := range differ {
		n := Name(tc.p.src, tc.p.dst)
		if !re.MatchString(n) {
			t.Errorf("%s: name %q does not match %s", tc.name, n, re)
		}
		if strings.ContainsAny(n, "/.\\;:") {
			t.Errorf("%s: name %q carries part of a key", tc.name, n)
		}
		if prev, dup := seen[n]; dup {
			t.Errorf("%s: name %s equals that of %s", tc.name, n, prev)
		}
		seen[n] = tc.name
	}
	// What the object looks like does not name the copy: a resume must find
	// the checkpoint to notice that the source changed.
	changed := src
	changed.ETag, changed.Size, changed.LastModified = "other", 2, time.Now()
	if n := Name(changed, dst); n != base {
		t.Errorf("Name depends on ETag/Size/LastModified: %s vs %s", n, base)
	}
}

// TestDefaultDir is not parallel: it sets environment variables.
func TestDefaultDir(t *testing.T) {
	const unset = "\x00unset"
	cases := []struct {
		name, xdg, home string
		want            string
		wantErr         string
	}{
		{"XDG_STATE_HOME set", "/xdg/state", "/home/u", "/xdg/state/osscopy", ""},
		{"XDG_STATE_HOME with trailing slash", "/xdg/state/", "/home/u", "/xdg/state/osscopy", ""},
		{"XDG_STATE_HOME empty", "", "/home/u", "/home/u/.local/state/osscopy", ""},
		{"XDG_STATE_HOME unset", unset, "/home/u", "/home/u/.local/state/osscopy", ""},
		{"XDG_STATE_HOME relative is ignored", "rel/state", "/home/u", "/home/u/.local/state/osscopy", ""},
		{"no home", unset, unset, "", "--checkpoint-dir"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range map[string]string{"XDG_STATE_HOME": tc.xdg, "HOME": tc.home} {
				if v == unset {
					t.Setenv(k, "") // restores the old value afterwards
					os.Unsetenv(k)
				} else {
					t.Setenv(k, v)
				}
			}
			got, err := DefaultDir()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("DefaultDir() = %q, %v; want an error mentioning %q", got, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("DefaultDir() = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}
