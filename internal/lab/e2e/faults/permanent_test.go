package faults_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/osscopy/osscopy/internal/lab/e2e"
	"github.com/osscopy/osscopy/internal/lab/ossserver"
)

// TestPermanentErrors: a destination bucket that does not exist, access
// denied to the source (to read it, or only to copy from it) or to the
// destination, expired or wrong temporary credentials, a wrong secret. cp
// fails at once (exit 1) naming the problem, with no retry: the access log
// shows at most the requests that must be made to meet the error (and one
// per part in flight when parts meet it). No destination object is
// written; an upload with parts is kept for a resume, an empty one is not
// left behind by a failure before any part.
func TestPermanentErrors(t *testing.T) {
	t.Parallel()
	const parallel = 4
	past := time.Now().Add(-time.Hour)
	for _, tc := range []struct {
		name        string
		server      []string              // flags of `osscopy server`
		inProcess   *ossserver.Credential // else: an in-process server with this credential
		env         []string
		src, dst    string
		maxRequests int
		want        []string // in stderr
		keepsUpload bool     // the upload stays, for a resume
	}{
		{name: "destination-bucket-missing", src: "oss://src/f.bin", dst: "oss://nosuch/f.bin", maxRequests: 2,
			want: []string{"NoSuchBucket", "nosuch"}},
		{name: "source-bucket-missing", src: "oss://nosuch/f.bin", dst: "oss://dst/f.bin", maxRequests: 0,
			want: []string{"NoSuchBucket", "oss://nosuch/"}},
		{name: "source-missing", src: "oss://src/none.bin", dst: "oss://dst/f.bin", maxRequests: 1,
			want: []string{"NoSuchKey", "oss://src/none.bin"}},
		{name: "source-denied", server: []string{"--deny", "src/f.bin"}, src: "oss://src/f.bin", dst: "oss://dst/f.bin", maxRequests: 1,
			want: []string{"AccessDenied", "reading the source: HeadObject of oss://src/f.bin"}},
		{name: "source-denied-to-copy", server: []string{"--deny", "UploadPartCopy=src/f.bin"}, src: "oss://src/f.bin", dst: "oss://dst/f.bin",
			maxRequests: 2 + parallel, want: []string{"AccessDenied", "part ", "run the same command"}, keepsUpload: true},
		{name: "destination-denied", server: []string{"--deny", "dst"}, src: "oss://src/f.bin", dst: "oss://dst/f.bin", maxRequests: 2,
			want: []string{"AccessDenied", "starting the upload: InitiateMultipartUpload of oss://dst/f.bin"}},
		{name: "destination-denied-single-copy", server: []string{"--deny", "dst"}, src: "oss://src/small.bin", dst: "oss://dst/small.bin",
			maxRequests: 2, want: []string{"AccessDenied", "copying oss://src/small.bin: CopyObject of oss://dst/small.bin"}},
		{name: "sts-token-expired", inProcess: &ossserver.Credential{AccessKeyID: "STS.e2eExpired", AccessKeySecret: "sts-secret",
			SecurityToken: "sts-token-old", Expiration: past}, src: "oss://src/f.bin", dst: "oss://dst/f.bin", maxRequests: 1,
			want: []string{"SecurityTokenExpired", "new temporary credentials"}},
		{name: "sts-token-wrong", inProcess: &ossserver.Credential{AccessKeyID: "STS.e2eLive", AccessKeySecret: "sts-secret",
			SecurityToken: "sts-token-live", Expiration: time.Now().Add(time.Hour)}, env: []string{"OSS_SESSION_TOKEN=sts-token-forged"},
			src: "oss://src/f.bin", dst: "oss://dst/f.bin", maxRequests: 1, want: []string{"InvalidSecurityToken"}},
		{name: "wrong-secret", env: []string{"OSS_ACCESS_KEY_SECRET=not-the-secret"}, src: "oss://src/f.bin", dst: "oss://dst/f.bin",
			maxRequests: 1, want: []string{"SignatureDoesNotMatch"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var s *e2e.Server
			if tc.inProcess != nil {
				s = e2e.StartInProcess(t, ossserver.Config{Buckets: []string{"dst"}, Credentials: []ossserver.Credential{*tc.inProcess},
					Seeds: []ossserver.Seed{{Bucket: "src", Key: "f.bin", Size: 40 << 30, Seed: 1}}})
			} else {
				s = e2e.StartServerWith(t, e2e.ServerOptions{DataDir: true, Args: append([]string{"--bucket", "dst",
					"--seed-object", e2e.SeedObject("src", "f.bin", srcSize), "--seed-object", e2e.SeedObject("src", "small.bin", "1MiB")}, tc.server...)})
			}
			ckpt := filepath.Join(t.TempDir(), "ckpt")
			p := e2e.Run(t, s.Env(tc.env...), cpArgs(ckpt, tc.src, tc.dst, "--parallel", "4")...)
			p.RequireCode(1)
			stderr := p.Stderr()
			e2e.RequireMentions(t, "stderr", stderr, tc.want...)
			if strings.Contains(stderr, "retry:") {
				t.Errorf("stderr shows retries of a permanent error:\n%s", stderr)
			}
			s.Stop(t)
			log := s.Log(t)
			if len(log) == 0 || len(log) > 1+tc.maxRequests {
				t.Errorf("the access log shows %d requests, want the probe and up to %d (no retries): %+v", len(log), tc.maxRequests, log)
			}
			last := log[len(log)-1]
			if last.Status/100 != 4 {
				t.Errorf("the last request %s answered %d, want the 4xx that ended the copy", last.Op, last.Status)
			}
			noDeletes(t, log)
			kept := stateFiles(t, ckpt)
			if tc.keepsUpload != (len(kept) == 1) {
				t.Errorf("checkpoint files %q; want one exactly when the upload is kept", kept)
			}
			if tc.inProcess != nil {
				t.Logf("%s: failed cleanly after %d request(s), naming %q", tc.name, len(log), tc.want)
				return // every request was refused: nothing to inspect, nor a key to do it with
			}
			s.RestartClean(t)
			dst := strings.SplitN(strings.TrimPrefix(tc.dst, "oss://"), "/", 2)
			if dst[0] == "dst" {
				s.RequireNoObject(t, "dst", dst[1])
				uploads := s.Uploads(t, "dst")
				if tc.keepsUpload && len(uploads) != 1 || !tc.keepsUpload && len(uploads) != 0 {
					t.Errorf("uploads %+v left; want %v", uploads, tc.keepsUpload)
				}
			}
			t.Logf("%s: failed cleanly after %d request(s), naming %q", tc.name, len(log), tc.want)
		})
	}
}

// errorLine is the line of stderr that starts "osscopy: ": the error.
func errorLine(stderr string) string {
	for _, line := range strings.Split(stderr, "\n") {
		if strings.HasPrefix(line, "osscopy: ") {
			return line
		}
	}
	return ""
}
