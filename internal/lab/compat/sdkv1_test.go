//go:build compat

package compat

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
)

const (
	sdkV1Module  = "github.com/aliyun/aliyun-oss-go-sdk"
	sdkV1Version = "v3.0.2+incompatible"
)

// sdkV1GoMod makes the SDK v1 (which predates modules) a module, with what
// its package oss and its tests import, at versions the Go module proxy
// serves; go.sum is filled in from the proxy when the tests are built.
const sdkV1GoMod = `module github.com/aliyun/aliyun-oss-go-sdk

go 1.18

require (
	golang.org/x/time v0.4.0
	gopkg.in/check.v1 v1.0.0-20201130134442-10cb98267c6c
)

require (
	github.com/kr/pretty v0.2.1 // indirect
	github.com/kr/text v0.1.0 // indirect
)
`

// sdkV1Suites are the SDK v1's gocheck suites for the OSS APIs the server
// implements or is to implement; docs/COMPAT.md lists the others. The
// suites that test the SDK alone (OssConnSuite, OssTypeSuite, ...) send
// nothing to a server and are not among them.
var sdkV1Suites = []string{
	"OssClientSuite",
	"OssBucketSuite",
	"OssBucketMultipartSuite",
	"OssCopySuite",
	"OssDownloadSuite",
	"OssUploadSuite",
	"OssProgressSuite",
	"OssCrcSuite",
}

// TestSDKv1 runs the SDK v1's own gocheck suites against the server.
func TestSDKv1(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	mod, err := CopyModule(ctx, t.TempDir(), sdkV1Module, sdkV1Version)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(mod, "go.mod"), []byte(sdkV1GoMod), 0o644); err != nil {
		t.Fatal(err)
	}
	bin, err := BuildTestBinary(ctx, mod, "./oss", "")
	if err != nil {
		t.Fatal(err)
	}
	excluded, err := LoadExclusions("testdata/sdkv1-excluded.txt")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(mod, "oss")
	var tests []string
	for _, suite := range sdkV1Suites {
		tests = append(tests, testMethods(t, dir, nil, suite)...)
	}
	subset, out := inScope(tests)
	logOutOfScope(t, out)
	var jobs []Job
	for _, name := range included(subset, excluded) {
		jobs = append(jobs, sdkV1Job(bin, mod, name))
	}
	Judge(t, "SDK v1 "+sdkV1Version, subset, excluded, RunJobs(ctx, jobs, perTestTimeout))
}

// sdkV1Job runs one test in a process of its own, so that what one test
// leaves behind on the server (a bucket its failed cleanup kept) cannot
// fail the next.
func sdkV1Job(bin, mod, test string) Job {
	return Job{
		Tests: []string{test},
		Parse: ParseGocheck,
		Command: func(ctx context.Context, srv *Server, work string) (*exec.Cmd, error) {
			// The tests read ../sample and write checkpoints there, and
			// write and delete files in ../oss: each process gets its own.
			if err := os.CopyFS(filepath.Join(work, "sample"), os.DirFS(filepath.Join(mod, "sample"))); err != nil {
				return nil, err
			}
			if err := os.Mkdir(filepath.Join(work, "oss"), 0o755); err != nil {
				return nil, err
			}
			cmd := exec.CommandContext(ctx, bin, "-check.v", "-check.f", "^"+regexp.QuoteMeta(test)+"$")
			cmd.Dir = filepath.Join(work, "oss")
			cmd.Env = ClientEnv(
				"OSS_TEST_ENDPOINT="+srv.Endpoint,
				"OSS_TEST_REGION="+srv.Region,
				"OSS_TEST_ACCESS_KEY_ID="+Keys[0].AccessKeyID,
				"OSS_TEST_ACCESS_KEY_SECRET="+Keys[0].AccessKeySecret,
				"OSS_CREDENTIAL_KEY_ID="+Keys[1].AccessKeyID,
				"OSS_CREDENTIAL_KEY_SECRET="+Keys[1].AccessKeySecret,
				// for the tests of NewEnvironmentVariableCredentialsProvider
				"OSS_ACCESS_KEY_ID="+Keys[0].AccessKeyID,
				"OSS_ACCESS_KEY_SECRET="+Keys[0].AccessKeySecret,
			)
			return cmd, nil
		},
	}
}
