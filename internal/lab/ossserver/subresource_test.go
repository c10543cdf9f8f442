package ossserver_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/osscopy/osscopy/internal/lab/ossserver"
	"github.com/osscopy/osscopy/internal/lab/osstest"
)

// sdkV1SubResources are the query parameters the SDK v1
// (github.com/aliyun/aliyun-oss-go-sdk v3.0.2) signs or sends: its
// signKeyList in oss/conn.go, the params it sets and the options' addParam
// names in oss/*.go. It is not a dependency of this module, so they are
// listed here rather than read from its source like the SDK v2's.
var sdkV1SubResources = []string{
	"accessmonitor", "acl", "append", "asyncFetch", "bucketInfo", "callback", "callback-var",
	"cloudboxes", "cname", "comp", "continuation-token", "cors", "delete", "delimiter",
	"encoding-type", "encryption", "endTime", "fetch-owner", "img", "inventory", "inventoryId",
	"key-marker", "lifecycle", "list-type", "live", "location", "logging", "marker", "max-keys",
	"max-parts", "max-uploads", "metaQuery", "objectMeta", "part-number-marker", "partNumber",
	"policy", "position", "prefix", "qos", "qosInfo", "referer", "regionList", "regions",
	"replication", "replicationLocation", "replicationProgress", "requestPayment", "resourceGroup",
	"response-cache-control", "response-content-disposition", "response-content-encoding",
	"response-content-language", "response-content-type", "response-expires", "responseHeader",
	"restore", "rtc", "rule-id", "security-token", "sequential", "start-after", "startTime", "stat",
	"status", "style", "styleName", "symlink", "tag-key", "tag-value", "tagging",
	"transferAcceleration", "udf", "udfApplication", "udfApplicationLog", "udfId", "udfImage",
	"udfImageDesc", "udfName", "upload-id-marker", "uploadId", "uploads", "version-id-marker",
	"versionId", "versioning", "versions", "vod", "website", "withHashContext", "worm", "wormExtend",
	"wormId", "x-oss-ac-forward-allow", "x-oss-ac-source-ip", "x-oss-ac-subnet-mask",
	"x-oss-ac-vpc-id", "x-oss-async-process", "x-oss-enable-md5", "x-oss-enable-sha1",
	"x-oss-enable-sha256", "x-oss-hash-ctx", "x-oss-md5-ctx", "x-oss-process", "x-oss-request-payer",
	"x-oss-traffic-limit",
}

// allSubResources is every query parameter name either SDK knows.
func allSubResources(t *testing.T) []string {
	names := slices.Clone(sdkV1SubResources)
	for _, op := range loadSDKV2Ops(t) {
		for name := range op.query {
			names = append(names, name)
		}
		names = append(names, op.optional...)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

const (
	subresBucket = "subres"       // holds subresKey
	subresEmpty  = "subres-empty" // empty: a DeleteBucket would succeed
	subresKey    = "obj"
)

var subresBytes = []byte("the object's known bytes")

// subresAnswered are the probes (one empty query parameter, sent with no
// other) that the server takes for an operation it implements, by the
// operation it must log. Every other probe must be refused with 501.
var subresAnswered = map[string]string{
	"GET bucket?acl":                          "GetBucketAcl",
	"GET bucket?bucketInfo":                   "GetBucketInfo",
	"GET bucket?delimiter":                    "ListObjects",
	"GET bucket?location":                     "GetBucketLocation",
	"GET bucket?marker":                       "ListObjects",
	"GET bucket?max-keys":                     "ListObjects",
	"GET bucket?prefix":                       "ListObjects",
	"GET bucket?uploads":                      "ListMultipartUploads",
	"GET bucket?versioning":                   "GetBucketVersioning",
	"PUT bucket?versioning":                   "PutBucketVersioning", // the probe's body is no VersioningConfiguration
	"GET bucket?encoding-type":                "ListObjects",
	"GET object?uploadId":                     "ListParts",
	"GET object?tagging":                      "GetObjectTagging",
	"GET object?versionId":                    "GetObject",
	"HEAD object?objectMeta":                  "GetObjectMeta",
	"HEAD object?versionId":                   "HeadObject",
	"PUT object?tagging":                      "PutObjectTagging", // the probe's body is no Tagging
	"POST object?uploadId":                    "CompleteMultipartUpload",
	"DELETE object?uploadId":                  "AbortMultipartUpload",
	"DELETE object?tagging":                   "DeleteObjectTagging",
	"DELETE object?versionId":                 "DeleteObject",
	"POST object?uploads":                     "InitiateMultipartUpload",
	"GET object?response-cache-control":       "GetObject",
	"GET object?response-content-disposition": "GetObject",
	"GET object?response-content-encoding":    "GetObject",
	"GET object?response-content-language":    "GetObject",
	"GET object?response-content-type":        "GetObject",
	"GET object?response-expires":             "GetObject",
	"GET bucket?versions":                     "ListObjectVersions",
	"GET bucket?live":                         "ListLiveChannel",
	"POST bucket?delete":                      "DeleteMultipleObjects", // the probe's body is no Delete
	"GET object?acl":                          "GetObjectAcl",
	"PUT object?acl":                          "PutObjectAcl", // without x-oss-object-acl
	"PUT bucket?acl":                          "PutBucketAcl", // without x-oss-acl
	// OSS ignores these on PutObject (params.go): the probe's body is stored.
	"PUT object?response-cache-control":       "PutObject",
	"PUT object?response-content-disposition": "PutObject",
	"PUT object?response-content-encoding":    "PutObject",
	"PUT object?response-content-language":    "PutObject",
	"PUT object?response-content-type":        "PutObject",
	"PUT object?response-expires":             "PutObject",
}

// subresChanges are the probes among subresAnswered that change state as
// the operation they are says: each runs alone, then the state is restored.
var subresChanges = map[string]bool{
	"DELETE object?tagging":   true, // the object's tags go
	"DELETE object?versionId": true, // an empty versionId is the current version
	"POST object?uploads":     true, // an upload starts
	// the object is replaced
	"PUT object?response-cache-control":       true,
	"PUT object?response-content-disposition": true,
	"PUT object?response-content-encoding":    true,
	"PUT object?response-content-language":    true,
	"PUT object?response-content-type":        true,
	"PUT object?response-expires":             true,
}

// TestSubResourcesChangeNothing sends every sub-resource name either SDK
// knows, alone, with every method, to an empty bucket and to an object of
// known bytes, metadata and tags, and wants no change of state from any
// but the few that are implemented operations which change it.
func TestSubResourcesChangeNothing(t *testing.T) {
	t.Parallel()
	log := &logIndex{}
	env := osstest.Start(t, ossserver.Config{Buckets: []string{subresBucket, subresEmpty}, AccessLog: log})
	subresRestore(t, env)
	baseline := subresSnapshot(t, env)
	sent := map[string]bool{}
	for _, name := range allSubResources(t) {
		var group []string
		for _, target := range []string{"bucket", "object"} {
			for _, method := range []string{"GET", "PUT", "POST", "DELETE", "HEAD"} {
				probe := method + " " + target + "?" + name
				sent[probe] = true
				op := subresProbe(t, env, log, probe, method, target, name)
				if subresChanges[probe] {
					subresRestore(t, env)
					if got := subresSnapshot(t, env); got != baseline {
						t.Fatalf("after %s (%s), restoring did not give the state back:\n%s\nwant\n%s", probe, op, got, baseline)
					}
					continue
				}
				group = append(group, probe+" -> "+op)
			}
		}
		if got := subresSnapshot(t, env); got != baseline {
			t.Errorf("the state changed after\n\t%s\nnow\n%s\nwas\n%s", strings.Join(group, "\n\t"), got, baseline)
			subresRestore(t, env)
		}
	}
	for probe := range subresAnswered {
		if !sent[probe] {
			t.Errorf("subresAnswered has %s, which neither SDK's sub-resources make", probe)
		}
	}
}

// subresProbe sends one probe and checks how it was answered; it returns
// what the access log says of it.
func subresProbe(t *testing.T, env *osstest.Env, log *logIndex, probe, method, target, name string) string {
	t.Helper()
	in := &oss.OperationInput{OpName: "Probe", Method: method, Bucket: oss.Ptr(subresEmpty), Parameters: map[string]string{name: ""}}
	if target == "object" {
		in.Bucket, in.Key = oss.Ptr(subresBucket), oss.Ptr(subresKey)
	}
	if method == http.MethodPut || method == http.MethodPost {
		in.Body = strings.NewReader("<Probe>" + name + "</Probe>")
	}
	id, status := invoke(t, env.Client, in)
	e := log.entry(t, id)
	got := fmt.Sprintf("%s %d %s", e.Op, status, e.Code)
	if want, ok := subresAnswered[probe]; ok {
		if e.Op != want || e.Code == "NotImplemented" {
			t.Errorf("%s: %s, want it taken for %s", probe, got, want)
		}
	} else if status != http.StatusNotImplemented || e.Code != "NotImplemented" {
		t.Errorf("%s: %s, want 501 NotImplemented", probe, got)
	}
	return got
}

// subresRestore puts the object back as it was and removes anything else.
func subresRestore(t *testing.T, env *osstest.Env) {
	t.Helper()
	ctx := context.Background()
	for _, b := range []string{subresBucket, subresEmpty} {
		ups := must[*oss.ListMultipartUploadsResult](t)(env.Client.ListMultipartUploads(ctx, &oss.ListMultipartUploadsRequest{Bucket: oss.Ptr(b)}))
		for _, u := range ups.Uploads {
			must[*oss.AbortMultipartUploadResult](t)(env.Client.AbortMultipartUpload(ctx, &oss.AbortMultipartUploadRequest{Bucket: oss.Ptr(b), Key: u.Key, UploadId: u.UploadId}))
		}
		objs := must[*oss.ListObjectsV2Result](t)(env.Client.ListObjectsV2(ctx, &oss.ListObjectsV2Request{Bucket: oss.Ptr(b)}))
		for _, o := range objs.Contents {
			must[*oss.DeleteObjectResult](t)(env.Client.DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: oss.Ptr(b), Key: o.Key}))
		}
	}
	must[*oss.PutObjectResult](t)(env.Client.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(subresBucket), Key: oss.Ptr(subresKey),
		Body: bytes.NewReader(subresBytes), ContentType: oss.Ptr("text/plain"), Metadata: map[string]string{"kept": "yes"}, Tagging: oss.Ptr("t=1&u=2")}))
}

// subresSnapshot describes, through the SDK, everything a probe might
// change: the buckets, their objects, uploads and versioning, and the
// object's bytes, metadata and tags.
func subresSnapshot(t *testing.T, env *osstest.Env) string {
	t.Helper()
	ctx := context.Background()
	var sb strings.Builder
	buckets := must[*oss.ListBucketsResult](t)(env.Client.ListBuckets(ctx, &oss.ListBucketsRequest{}))
	for _, b := range buckets.Buckets {
		fmt.Fprintf(&sb, "bucket %s\n", oss.ToString(b.Name))
	}
	for _, b := range []string{subresBucket, subresEmpty} {
		objs := must[*oss.ListObjectsV2Result](t)(env.Client.ListObjectsV2(ctx, &oss.ListObjectsV2Request{Bucket: oss.Ptr(b)}))
		for _, o := range objs.Contents {
			fmt.Fprintf(&sb, "object %s/%s %s %d\n", b, oss.ToString(o.Key), oss.ToString(o.ETag), o.Size)
		}
		ups := must[*oss.ListMultipartUploadsResult](t)(env.Client.ListMultipartUploads(ctx, &oss.ListMultipartUploadsRequest{Bucket: oss.Ptr(b)}))
		for _, u := range ups.Uploads {
			fmt.Fprintf(&sb, "upload %s/%s\n", b, oss.ToString(u.Key))
		}
		v := must[*oss.GetBucketVersioningResult](t)(env.Client.GetBucketVersioning(ctx, &oss.GetBucketVersioningRequest{Bucket: oss.Ptr(b)}))
		fmt.Fprintf(&sb, "versioning %s %q\n", b, oss.ToString(v.VersionStatus))
	}
	res, err := env.Client.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(subresBucket), Key: oss.Ptr(subresKey)})
	if err != nil {
		return sb.String() + fmt.Sprintf("object %s: %v\n", subresKey, err)
	}
	data, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&sb, "bytes %q type %s meta %v tags %d class %s\n", data, oss.ToString(res.ContentType), res.Metadata, res.TaggingCount, oss.ToString(res.StorageClass))
	tags := must[*oss.GetObjectTaggingResult](t)(env.Client.GetObjectTagging(ctx, &oss.GetObjectTaggingRequest{Bucket: oss.Ptr(subresBucket), Key: oss.Ptr(subresKey)}))
	for _, tg := range tags.Tags {
		fmt.Fprintf(&sb, "tag %s=%s\n", oss.ToString(tg.Key), oss.ToString(tg.Value))
	}
	return sb.String()
}
