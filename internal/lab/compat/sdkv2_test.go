//go:build compat

package compat

import (
	"context"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
)

const sdkV2Module = "github.com/aliyun/alibabacloud-oss-go-sdk-v2"

// sdkV2Files are the SDK v2's integration test files for the OSS APIs the
// server implements or is to implement; docs/COMPAT.md lists the others
// and what they cover.
var sdkV2Files = []string{
	"client_integration_bucket_basic_test.go",
	"client_integration_bucket_acl_test.go",
	"client_integration_bucket_versioning_test.go",
	"client_integration_object_basic_test.go",
	"client_integration_object_acl_test.go",
	"client_integration_object_tagging_test.go",
	"client_integration_object_multipart_test.go",
	"client_integration_object_extension_test.go",
	"client_integration_presign_test.go",
	"client_integration_misc_test.go",
}

// TestSDKv2 runs the SDK v2's own integration tests (package oss, build
// tag integration) against the server, signing with V4 and with V1: each
// test in a process of its own, because a failure in the suite's cleanup
// can panic and end the process.
func TestSDKv2(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	version, err := ModuleVersion(ctx, sdkV2Module)
	if err != nil {
		t.Fatal(err)
	}
	mod, err := CopyModule(ctx, t.TempDir(), sdkV2Module, version)
	if err != nil {
		t.Fatal(err)
	}
	bin, err := BuildTestBinary(ctx, mod, "./oss", "integration")
	if err != nil {
		t.Fatal(err)
	}
	excluded, err := LoadExclusions("testdata/sdkv2-excluded.txt")
	if err != nil {
		t.Fatal(err)
	}
	subset, out := inScope(testMethods(t, filepath.Join(mod, "oss"), sdkV2Files, ""))
	logOutOfScope(t, out)
	for _, sig := range []string{"v4", "v1"} {
		t.Run(sig, func(t *testing.T) {
			t.Parallel()
			var jobs []Job
			for _, name := range included(subset, excluded) {
				jobs = append(jobs, sdkV2Job(bin, name, sig))
			}
			Judge(t, "SDK v2 "+version+" signing "+sig, subset, excluded, RunJobs(ctx, jobs, perTestTimeout))
		})
	}
}

func sdkV2Job(bin, test, sig string) Job {
	return Job{
		Tests: []string{test},
		Parse: ParseGoTest,
		Command: func(ctx context.Context, srv *Server, work string) (*exec.Cmd, error) {
			cmd := exec.CommandContext(ctx, bin, "-test.run", "^"+regexp.QuoteMeta(test)+"$", "-test.v", "-test.count=1")
			cmd.Dir = work // the tests write their files next to themselves
			cmd.Env = ClientEnv(
				"OSS_TEST_REGION="+srv.Region,
				"OSS_TEST_ENDPOINT="+srv.Endpoint,
				"OSS_TEST_ACCESS_KEY_ID="+Keys[0].AccessKeyID,
				"OSS_TEST_ACCESS_KEY_SECRET="+Keys[0].AccessKeySecret,
				"OSS_TEST_SIGNATURE_VERSION="+sig,
				"OSS_TEST_PAYER_ACCESS_KEY_ID="+Keys[1].AccessKeyID,
				"OSS_TEST_PAYER_ACCESS_KEY_SECRET="+Keys[1].AccessKeySecret,
			)
			return cmd, nil
		},
	}
}
