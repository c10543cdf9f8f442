// Package storelab gives the store suite (worker/storetest) fixtures on
// the local OSS server. It is apart from the suite because it imports
// internal/ossclient, which the tests of the packages ossclient imports
// (internal/bulk) cannot.
package storelab

import (
	"bytes"
	"context"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/osscopy/osscopy/internal/lab/ossserver"
	"github.com/osscopy/osscopy/internal/lab/osstest"
	"github.com/osscopy/osscopy/internal/ossclient"
	"github.com/osscopy/osscopy/worker"
	"github.com/osscopy/osscopy/worker/storetest"
)

// Fixtures returns fixtures on a local OSS server of their own, configured as
// cfg says, whose store is the SDK-backed ossclient.Client talking real
// HTTP to it, as wrap makes it into (nil: as it is). Objects are seeded
// and read through the SDK, not the store under test.
func Fixtures(cfg ossserver.Config, wrap func(worker.Store) worker.Store) func(t *testing.T) storetest.Fixture {
	return func(t *testing.T) storetest.Fixture {
		buckets := [2]string{"suite-src", "suite-dst"}
		cfg := cfg
		cfg.Buckets = append(buckets[:], cfg.Buckets...) // a new slice: fixtures run in parallel
		env := osstest.Start(t, cfg)
		var store worker.Store = ossclient.New(ossclient.Settings{Endpoint: env.Endpoint, Region: env.Region,
			AccessKeyID: osstest.AccessKeyID, AccessKeySecret: osstest.AccessKeySecret, AddressingStyle: "path"})
		if wrap != nil {
			store = wrap(store)
		}
		return storetest.Fixture{Store: store, Buckets: buckets,
			Put: func(t *testing.T, obj worker.Object, content []byte, a worker.Attributes) {
				t.Helper()
				if _, err := env.Client.PutObject(context.Background(), &oss.PutObjectRequest{Bucket: &obj.Bucket, Key: &obj.Key,
					Body: bytes.NewReader(content), ContentType: optional(a.ContentType), CacheControl: optional(a.CacheControl),
					ContentDisposition: optional(a.ContentDisposition), ContentEncoding: optional(a.ContentEncoding),
					Expires: optional(a.Expires), Metadata: a.Meta, Tagging: optional(a.Tagging),
					StorageClass: oss.StorageClassType(a.StorageClass)}); err != nil {
					t.Fatalf("PutObject %s: %v", obj, err)
				}
			},
			StorageClass: func(t *testing.T, obj worker.Object) string {
				t.Helper()
				res, err := env.Client.HeadObject(context.Background(), &oss.HeadObjectRequest{Bucket: &obj.Bucket, Key: &obj.Key})
				if err != nil {
					t.Fatalf("HeadObject %s: %v", obj, err)
				}
				return oss.ToString(res.StorageClass)
			},
		}
	}
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
