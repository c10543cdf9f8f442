package main

import "testing"

func TestResumeCommand(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{[]string{"osscopy", "cp", "oss://a/b", "oss://c/d"}, "osscopy cp oss://a/b oss://c/d"},
		{[]string{"osscopy", "cp", "--fresh", "oss://a/b", "oss://c/d"}, "osscopy cp oss://a/b oss://c/d"},
		{[]string{"osscopy", "cp", "--fresh=true", "oss://a/b", "oss://c/d"}, "osscopy cp oss://a/b oss://c/d"},
		{[]string{"osscopy", "cp", "--access-key-secret", "S3CR3T", "--sts-token=T0K", "oss://a/b", "oss://c/d k"},
			"osscopy cp --access-key-secret '<secret>' --sts-token='<secret>' oss://a/b 'oss://c/d k'"},
	} {
		if got := resumeCommand(tc.in); got != tc.want {
			t.Errorf("resumeCommand(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
