//go:build compat

package compat

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
)

const (
	aliOSSDir    = "alioss"
	aliOSSSuite  = "alioss.test.js"
	aliOSSBucket = "alioss-compat"
)

// aliOSSSigning are the signing versions the suite runs its tests under
// (one describe block each).
const aliOSSSigning = 2

// TestAliOSS runs ali-oss, the official Node.js SDK (pinned by
// alioss/package-lock.json, installed by `npm ci` there), against the
// server: every test of alioss/alioss.test.js, signed with V1 and with V4.
// Node's runner names its tests only as they run, so the test counts what
// the suite's source declares and wants that many results.
func TestAliOSS(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat(filepath.Join(aliOSSDir, "node_modules", "ali-oss")); err != nil {
		t.Fatalf("ali-oss is not installed: run `npm ci` in internal/lab/compat/%s (.ci/run does): %v", aliOSSDir, err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("Node.js (20 or later) is needed to run ali-oss: %v", err)
	}
	src, err := os.ReadFile(filepath.Join(aliOSSDir, aliOSSSuite))
	if err != nil {
		t.Fatal(err)
	}
	declared := len(regexp.MustCompile(`(?m)^\s*it\(`).FindAll(src, -1)) * aliOSSSigning
	excluded := Exclusions{} // every test of the suite runs
	results := RunJobs(t.Context(), []Job{aliOSSJob(node)}, perTestTimeout)
	var subset []string
	for _, r := range results {
		subset = append(subset, r.Test)
	}
	if len(subset) != declared {
		t.Errorf("ali-oss reported %d results; %s declares %d tests for %d signing versions", len(subset), aliOSSSuite, declared, aliOSSSigning)
	}
	Judge(t, "ali-oss", subset, excluded, results)
}

func aliOSSJob(node string) Job {
	return Job{
		Parse: ParseJUnit,
		Command: func(ctx context.Context, srv *Server, work string) (*exec.Cmd, error) {
			if err := createBucket(ctx, srv, aliOSSBucket); err != nil {
				return nil, err
			}
			dir, err := filepath.Abs(aliOSSDir)
			if err != nil {
				return nil, err
			}
			cmd := exec.CommandContext(ctx, node, "--test", "--test-reporter=junit", aliOSSSuite)
			cmd.Dir = dir
			cmd.Env = ClientEnv(
				"OSS_TEST_ENDPOINT="+srv.Endpoint,
				"OSS_TEST_REGION="+srv.Region,
				"OSS_TEST_ACCESS_KEY_ID="+Keys[0].AccessKeyID,
				"OSS_TEST_ACCESS_KEY_SECRET="+Keys[0].AccessKeySecret,
				"OSS_TEST_BUCKET="+aliOSSBucket,
			)
			return cmd, nil
		},
	}
}

// createBucket makes the bucket a suite expects to find, through the SDK v2.
func createBucket(ctx context.Context, srv *Server, name string) error {
	client := oss.NewClient(oss.LoadDefaultConfig().
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider(Keys[0].AccessKeyID, Keys[0].AccessKeySecret)).
		WithRegion(srv.Region).WithEndpoint(srv.Endpoint).WithUsePathStyle(true))
	if _, err := client.PutBucket(ctx, &oss.PutBucketRequest{Bucket: oss.Ptr(name)}); err != nil {
		return fmt.Errorf("creating bucket %s for the suite: %w", name, err)
	}
	return nil
}
