package main

import (
	"slices"
	"testing"
)

// TestResumeCommand: the resume command is the command as typed, without
// --fresh and without the flags that carry secrets, whatever their
// spelling (long or short, value inline or next, in a cluster of short
// flags), and names the variables that must carry the secrets instead.
// Values that look like flags stay values.
func TestResumeCommand(t *testing.T) {
	t.Parallel()
	fl := newCpCommand().Flags()
	const tok, sec = "T0K", "S3CR3T"
	for _, tc := range []struct {
		in       []string
		want     string
		wantLeft []string
	}{
		{[]string{"osscopy", "cp", "oss://a/b", "oss://c/d"}, "osscopy cp oss://a/b oss://c/d", nil},
		{[]string{"osscopy", "cp", "--fresh", "oss://a/b", "oss://c/d"}, "osscopy cp oss://a/b oss://c/d", nil},
		{[]string{"osscopy", "cp", "--fresh=true", "oss://a/b", "oss://c/d"}, "osscopy cp oss://a/b oss://c/d", nil},
		{[]string{"osscopy", "cp", "--access-key-secret", sec, "--sts-token=" + tok, "oss://a/b", "oss://c/d k"},
			"osscopy cp oss://a/b 'oss://c/d k'", []string{"OSS_ACCESS_KEY_SECRET", "OSS_SESSION_TOKEN"}},
		{[]string{"osscopy", "cp", "-i", "LTAIid", "-k", sec, "-t" + tok, "oss://a/b", "oss://c/d"},
			"osscopy cp -i LTAIid oss://a/b oss://c/d", []string{"OSS_ACCESS_KEY_SECRET", "OSS_SESSION_TOKEN"}},
		{[]string{"osscopy", "cp", "-rk", sec, "-fut=" + tok, "oss://a/", "oss://c/"},
			"osscopy cp -r -fu oss://a/ oss://c/", []string{"OSS_ACCESS_KEY_SECRET", "OSS_SESSION_TOKEN"}},
		{[]string{"osscopy", "cp", "-k" + sec, "-k", sec, "oss://a/b", "oss://c/d"}, "osscopy cp oss://a/b oss://c/d", []string{"OSS_ACCESS_KEY_SECRET"}},
		{[]string{"osscopy", "cp", "--content-type", "--fresh", "--metadata-directive=REPLACE", "-j", "8", "oss://a/b", "oss://c/d"},
			"osscopy cp --content-type --fresh --metadata-directive=REPLACE -j 8 oss://a/b oss://c/d", nil},
		{[]string{"osscopy", "cp", "oss://a/b", "--", "-k", "oss://c/d"}, "osscopy cp oss://a/b -- -k oss://c/d", nil},
		{[]string{"osscopy", "cp", "oss://a/b", "oss://c/d", "--access-key-secret"}, "osscopy cp oss://a/b oss://c/d", []string{"OSS_ACCESS_KEY_SECRET"}},
	} {
		got, left := resumeCommand(fl, tc.in)
		if got != tc.want || !slices.Equal(left, tc.wantLeft) {
			t.Errorf("resumeCommand(%q) = %q, %q; want %q, %q", tc.in, got, left, tc.want, tc.wantLeft)
		}
	}
}
