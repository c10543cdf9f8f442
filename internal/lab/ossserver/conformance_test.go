package ossserver_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc64"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"

	"github.com/osscopy/osscopy/internal/etag"
	"github.com/osscopy/osscopy/internal/lab/crcmath"
	"github.com/osscopy/osscopy/internal/lab/ossserver"
	"github.com/osscopy/osscopy/internal/lab/osstest"
)

// The conformance suite drives every operation the local server implements
// through the official SDK, error cases included. It runs against the local
// server always, and against the real service when OSS_TEST_* is set: that
// is what keeps the local server honest.

const (
	localBucket    = "conformance"
	synthBucket    = "synthetic"
	synthHugeKey   = "huge.bin" // 5 TiB
	synthOneGiB    = "one-gib.bin"
	synthOverOne   = "over-one-gib.bin"
	synthSmallKey  = "small.bin" // under the MD5 limit
	synthMediumKey = "medium.bin"
)

func localEnv(t *testing.T) *osstest.Env {
	env := osstest.Start(t, ossserver.Config{
		Buckets: []string{localBucket},
		Seeds: []ossserver.Seed{
			{Bucket: synthBucket, Key: synthHugeKey, Size: 5 << 40, Seed: 1},
			{Bucket: synthBucket, Key: synthOneGiB, Size: 1 << 30, Seed: 2},
			{Bucket: synthBucket, Key: synthOverOne, Size: 1<<30 + 1, Seed: 3},
			{Bucket: synthBucket, Key: synthSmallKey, Size: 1<<20 - 3, Seed: 4},
			{Bucket: synthBucket, Key: synthMediumKey, Size: 3<<20 + 7, Seed: 5},
		},
	})
	env.Bucket = localBucket
	return env
}

func TestConformance(t *testing.T) {
	t.Run("local", func(t *testing.T) { runConformance(t, localEnv(t)) })
	t.Run("real-oss", func(t *testing.T) {
		env := osstest.Real(t)
		if env == nil {
			t.Skip("skipped the run against real OSS: set OSS_TEST_ENDPOINT, OSS_TEST_REGION, OSS_TEST_ACCESS_KEY_ID, OSS_TEST_ACCESS_KEY_SECRET and OSS_TEST_BUCKET to run it")
		}
		runConformance(t, env)
	})
}

func runConformance(t *testing.T, env *osstest.Env) {
	prefix := fmt.Sprintf("conformance-%d/", time.Now().UnixNano())
	for _, tc := range []struct {
		name string
		fn   func(*testing.T, *osstest.Env, string)
	}{
		{"Buckets", testBuckets},
		{"PutGetHeadObject", testPutGetHead},
		{"GetObjectRange", testGetRange},
		{"MissingThings", testMissing},
		{"DeleteObject", testDeleteObject},
		{"CopyObject", testCopyObject},
		{"CopyObjectSizeLimit", testCopyObjectSizeLimit},
		{"Tagging", testTagging},
		{"ListObjectsV2", testListObjectsV2},
		{"ListObjectsV1", testListObjectsV1},
		{"MultipartWorkflow", testMultipartWorkflow},
		{"MultipartETagSDKVector", testMultipartETagSDKVector},
		{"UploadPartCopyRangeAndConditions", testUploadPartCopyConditions},
		{"UploadPartCopyErrors", testUploadPartCopyErrors},
		{"CompleteErrors", testCompleteErrors},
		{"CompleteAll", testCompleteAll},
		{"ListMultipartUploads", testListMultipartUploads},
		{"Versioning", testVersioning},
		{"Signatures", testSignatures},
		{"SyntheticObjects", testSynthetic},
		{"HugeCopyByParts", testHugeCopy},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, env, prefix+tc.name+"/") })
	}
}

var ctx = context.Background()

// wantError checks that err is an OSS service error with status and code.
func wantError(t *testing.T, err error, status int, code string) *oss.ServiceError {
	t.Helper()
	var se *oss.ServiceError
	if !errors.As(err, &se) {
		t.Fatalf("want %d %s, got %v", status, code, err)
	}
	if se.StatusCode != status || (code != "" && se.Code != code) {
		t.Fatalf("want %d %s, got %d %s: %s", status, code, se.StatusCode, se.Code, se.Message)
	}
	if se.RequestID == "" && status != 304 {
		t.Errorf("error %s has no request ID", se.Code)
	}
	return se
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func randomData(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 99))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func md5Hex(b []byte) string {
	s := md5.Sum(b)
	return strings.ToUpper(hex.EncodeToString(s[:]))
}

func crcOf(b []byte) string { return strconv.FormatUint(crc64.Checksum(b, crcmath.Table), 10) }

func putObject(t *testing.T, env *osstest.Env, key string, data []byte, mod func(*oss.PutObjectRequest)) *oss.PutObjectResult {
	t.Helper()
	req := &oss.PutObjectRequest{Bucket: oss.Ptr(env.Bucket), Key: oss.Ptr(key), Body: bytes.NewReader(data)}
	if mod != nil {
		mod(req)
	}
	return must[*oss.PutObjectResult](t)(env.Client.PutObject(ctx, req))
}

func getBytes(t *testing.T, env *osstest.Env, bucket, key string, mod func(*oss.GetObjectRequest)) (*oss.GetObjectResult, []byte) {
	t.Helper()
	req := &oss.GetObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key)}
	if mod != nil {
		mod(req)
	}
	res := must[*oss.GetObjectResult](t)(env.Client.GetObject(ctx, req))
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, data
}

func localOnly(t *testing.T, env *osstest.Env, why string) {
	if !env.Local {
		t.Skip("local server only: " + why)
	}
}

func testBuckets(t *testing.T, env *osstest.Env, _ string) {
	name := fmt.Sprintf("osscopy-conf-%d", time.Now().UnixNano()%1e9)
	must[*oss.PutBucketResult](t)(env.Client.PutBucket(ctx, &oss.PutBucketRequest{Bucket: oss.Ptr(name)}))
	defer env.Client.DeleteBucket(ctx, &oss.DeleteBucketRequest{Bucket: oss.Ptr(name)})
	info := must[*oss.GetBucketInfoResult](t)(env.Client.GetBucketInfo(ctx, &oss.GetBucketInfoRequest{Bucket: oss.Ptr(name)}))
	if oss.ToString(info.BucketInfo.Name) != name || oss.ToString(info.BucketInfo.StorageClass) != "Standard" {
		t.Errorf("GetBucketInfo = %+v", info.BucketInfo)
	}
	if ok, err := env.Client.IsBucketExist(ctx, name); err != nil || !ok {
		t.Errorf("IsBucketExist = %v, %v", ok, err)
	}
	if ok, err := env.Client.IsBucketExist(ctx, name+"-missing"); err != nil || ok {
		t.Errorf("IsBucketExist(missing) = %v, %v", ok, err)
	}
	found := false
	for p := env.Client.NewListBucketsPaginator(&oss.ListBucketsRequest{Prefix: oss.Ptr("osscopy-conf-")}); p.HasNext(); {
		page := must[*oss.ListBucketsResult](t)(p.NextPage(ctx))
		for _, b := range page.Buckets {
			found = found || oss.ToString(b.Name) == name
		}
	}
	if !found {
		t.Errorf("ListBuckets does not show %s", name)
	}
	must[*oss.PutObjectResult](t)(env.Client.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(name), Key: oss.Ptr("x"), Body: strings.NewReader("x")}))
	// OSS answers its owner's PutBucket of an existing bucket with 200 and
	// changes nothing: the bucket keeps its object (DeleteBucket says so).
	must[*oss.PutBucketResult](t)(env.Client.PutBucket(ctx, &oss.PutBucketRequest{Bucket: oss.Ptr(name)}))
	_, err := env.Client.DeleteBucket(ctx, &oss.DeleteBucketRequest{Bucket: oss.Ptr(name)})
	wantError(t, err, 409, "BucketNotEmpty")
	must[*oss.DeleteObjectResult](t)(env.Client.DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: oss.Ptr(name), Key: oss.Ptr("x")}))
	must[*oss.DeleteBucketResult](t)(env.Client.DeleteBucket(ctx, &oss.DeleteBucketRequest{Bucket: oss.Ptr(name)}))
	_, err = env.Client.GetBucketInfo(ctx, &oss.GetBucketInfoRequest{Bucket: oss.Ptr(name)})
	wantError(t, err, 404, "NoSuchBucket")
}

func testPutGetHead(t *testing.T, env *osstest.Env, prefix string) {
	data := randomData(1, 300_001)
	key := prefix + "dir/a file+with %20 spaces ü.bin"
	put := putObject(t, env, key, data, func(r *oss.PutObjectRequest) {
		r.ContentType = oss.Ptr("text/x-test")
		r.CacheControl = oss.Ptr("max-age=60")
		r.ContentDisposition = oss.Ptr(`attachment; filename="a.bin"`)
		r.ContentEncoding = oss.Ptr("identity")
		r.Expires = oss.Ptr("Wed, 21 Oct 2037 07:28:00 GMT")
		r.Metadata = map[string]string{"Owner": "alice", "purpose": "conformance"}
	})
	if got, want := oss.ToString(put.ETag), `"`+md5Hex(data)+`"`; got != want {
		t.Errorf("PutObject ETag = %s, want %s", got, want)
	}
	if got := oss.ToString(put.HashCRC64); got != crcOf(data) {
		t.Errorf("PutObject CRC64 = %s, want %s", got, crcOf(data))
	}
	head := must[*oss.HeadObjectResult](t)(env.Client.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(env.Bucket), Key: oss.Ptr(key)}))
	for name, pair := range map[string][2]string{
		"Content-Type":        {oss.ToString(head.ContentType), "text/x-test"},
		"Cache-Control":       {oss.ToString(head.CacheControl), "max-age=60"},
		"Content-Disposition": {oss.ToString(head.ContentDisposition), `attachment; filename="a.bin"`},
		"Content-Encoding":    {oss.ToString(head.ContentEncoding), "identity"},
		"Expires":             {oss.ToString(head.Expires), "Wed, 21 Oct 2037 07:28:00 GMT"},
		"x-oss-meta-owner":    {head.Metadata["owner"], "alice"},
		"x-oss-meta-purpose":  {head.Metadata["purpose"], "conformance"},
		"ETag":                {oss.ToString(head.ETag), `"` + md5Hex(data) + `"`},
		"x-oss-hash-crc64":    {oss.ToString(head.HashCRC64), crcOf(data)},
		"x-oss-object-type":   {oss.ToString(head.ObjectType), "Normal"},
		"x-oss-storage-class": {oss.ToString(head.StorageClass), "Standard"},
	} {
		if pair[0] != pair[1] {
			t.Errorf("HEAD %s = %q, want %q", name, pair[0], pair[1])
		}
	}
	if head.ContentLength != int64(len(data)) {
		t.Errorf("HEAD Content-Length = %d, want %d", head.ContentLength, len(data))
	}
	res, got := getBytes(t, env, env.Bucket, key, nil)
	if !bytes.Equal(got, data) || oss.ToString(res.HashCRC64) != crcOf(data) {
		t.Error("GetObject did not return the bytes and CRC64 that were put")
	}
	empty := putObject(t, env, prefix+"empty", nil, nil)
	if oss.ToString(empty.ETag) != `"D41D8CD98F00B204E9800998ECF8427E"` || oss.ToString(empty.HashCRC64) != "0" {
		t.Errorf("empty object: ETag %s CRC %s", oss.ToString(empty.ETag), oss.ToString(empty.HashCRC64))
	}
	_, err := env.Client.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(env.Bucket), Key: oss.Ptr(key),
		Body: strings.NewReader("other"), ForbidOverwrite: oss.Ptr("true")})
	wantError(t, err, 409, "FileAlreadyExists")
}

func testGetRange(t *testing.T, env *osstest.Env, prefix string) {
	data := randomData(2, 1000)
	key := prefix + "ranged"
	putObject(t, env, key, data, nil)
	for _, tc := range []struct {
		rng        string
		want       []byte
		wantRanged bool
	}{
		{"bytes=2-5", data[2:6], true},
		{"bytes=990-", data[990:], true},
		{"bytes=-3", data[997:], true},
		{"bytes=995-2000", data[995:], true},
		{"bytes=5-2", data, false}, // malformed: OSS ignores it
		{"bytes=abc", data, false}, // malformed: OSS ignores it
	} {
		res, got := getBytes(t, env, env.Bucket, key, func(r *oss.GetObjectRequest) { r.Range = oss.Ptr(tc.rng) })
		if !bytes.Equal(got, tc.want) {
			t.Errorf("Range %s: got %d bytes, want %d", tc.rng, len(got), len(tc.want))
		}
		if ranged := res.StatusCode == 206; ranged != tc.wantRanged {
			t.Errorf("Range %s: status %d", tc.rng, res.StatusCode)
		}
	}
	_, err := env.Client.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(env.Bucket), Key: oss.Ptr(key), Range: oss.Ptr("bytes=1000-1001")})
	wantError(t, err, 416, "InvalidRange")
}

func testMissing(t *testing.T, env *osstest.Env, prefix string) {
	_, err := env.Client.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(env.Bucket), Key: oss.Ptr(prefix + "nope")})
	wantError(t, err, 404, "NoSuchKey")
	_, err = env.Client.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(env.Bucket), Key: oss.Ptr(prefix + "nope")})
	wantError(t, err, 404, "NoSuchKey")
	_, err = env.Client.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr("osscopy-no-such-bucket-x"), Key: oss.Ptr("k")})
	wantError(t, err, 404, "NoSuchBucket")
	if ok, err := env.Client.IsObjectExist(ctx, env.Bucket, prefix+"nope"); err != nil || ok {
		t.Errorf("IsObjectExist(missing) = %v, %v", ok, err)
	}
}

func testDeleteObject(t *testing.T, env *osstest.Env, prefix string) {
	key := prefix + "doomed"
	putObject(t, env, key, []byte("bye"), nil)
	must[*oss.DeleteObjectResult](t)(env.Client.DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: oss.Ptr(env.Bucket), Key: oss.Ptr(key)}))
	_, err := env.Client.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(env.Bucket), Key: oss.Ptr(key)})
	wantError(t, err, 404, "NoSuchKey")
	// Deleting what is not there succeeds, as on OSS.
	must[*oss.DeleteObjectResult](t)(env.Client.DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: oss.Ptr(env.Bucket), Key: oss.Ptr(key)}))
}

func testCopyObject(t *testing.T, env *osstest.Env, prefix string) {
	data := randomData(3, 200_000)
	src := prefix + "src object+ü"
	put := putObject(t, env, src, data, func(r *oss.PutObjectRequest) {
		r.ContentType = oss.Ptr("image/png")
		r.Metadata = map[string]string{"color": "blue"}
		r.Tagging = oss.Ptr("team=storage&env=test")
	})
	copyTo := func(dst string, mod func(*oss.CopyObjectRequest)) (*oss.CopyObjectResult, error) {
		req := &oss.CopyObjectRequest{Bucket: oss.Ptr(env.Bucket), Key: oss.Ptr(dst), SourceBucket: oss.Ptr(env.Bucket), SourceKey: oss.Ptr(src)}
		if mod != nil {
			mod(req)
		}
		return env.Client.CopyObject(ctx, req)
	}
	res := must[*oss.CopyObjectResult](t)(copyTo(prefix+"copy", nil))
	if oss.ToString(res.ETag) != oss.ToString(put.ETag) || oss.ToString(res.HashCRC64) != crcOf(data) {
		t.Errorf("CopyObject ETag %s CRC %s; source ETag %s", oss.ToString(res.ETag), oss.ToString(res.HashCRC64), oss.ToString(put.ETag))
	}
	head := must[*oss.HeadObjectResult](t)(env.Client.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(env.Bucket), Key: oss.Ptr(prefix + "copy")}))
	if oss.ToString(head.ContentType) != "image/png" || head.Metadata["color"] != "blue" || head.TaggingCount != 2 {
		t.Errorf("COPY directive lost metadata or tags: %s %v tags=%d", oss.ToString(head.ContentType), head.Metadata, head.TaggingCount)
	}
	must[*oss.CopyObjectResult](t)(copyTo(prefix+"replaced", func(r *oss.CopyObjectRequest) {
		r.MetadataDirective, r.ContentType, r.Metadata = oss.Ptr("REPLACE"), oss.Ptr("text/plain"), map[string]string{"shape": "round"}
		r.TaggingDirective, r.Tagging = oss.Ptr("Replace"), oss.Ptr("TagA=A&TagB=B")
	}))
	head = must[*oss.HeadObjectResult](t)(env.Client.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(env.Bucket), Key: oss.Ptr(prefix + "replaced")}))
	if oss.ToString(head.ContentType) != "text/plain" || head.Metadata["shape"] != "round" || head.Metadata["color"] != "" {
		t.Errorf("REPLACE directive: %s %v", oss.ToString(head.ContentType), head.Metadata)
	}
	tags := must[*oss.GetObjectTaggingResult](t)(env.Client.GetObjectTagging(ctx, &oss.GetObjectTaggingRequest{Bucket: oss.Ptr(env.Bucket), Key: oss.Ptr(prefix + "replaced")}))
	if got := tagString(tags); got != "TagA=A&TagB=B" {
		t.Errorf("tagging Replace gave tags %q", got)
	}
	_, err := copyTo(prefix+"c412", func(r *oss.CopyObjectRequest) { r.IfMatch = oss.Ptr(`"0123"`) })
	wantError(t, err, 412, "PreconditionFailed")
	_, err = copyTo(prefix+"c304", func(r *oss.CopyObjectRequest) { r.IfNoneMatch = put.ETag })
	wantError(t, err, 304, "")
	_, err = copyTo(prefix+"cbad", func(r *oss.CopyObjectRequest) { r.MetadataDirective = oss.Ptr("MOVE") })
	wantError(t, err, 400, "InvalidArgument")
}

func tagString(res *oss.GetObjectTaggingResult) string {
	var parts []string
	for _, tg := range res.Tags {
		parts = append(parts, oss.ToString(tg.Key)+"="+oss.ToString(tg.Value))
	}
	return strings.Join(parts, "&")
}

func testCopyObjectSizeLimit(t *testing.T, env *osstest.Env, prefix string) {
	localOnly(t, env, "needs synthetic objects of 1 GiB and 1 GiB + 1 byte")
	res := must[*oss.CopyObjectResult](t)(env.Client.CopyObject(ctx, &oss.CopyObjectRequest{Bucket: oss.Ptr(env.Bucket),
		Key: oss.Ptr(prefix + "exactly-1gib"), SourceBucket: oss.Ptr(synthBucket), SourceKey: oss.Ptr(synthOneGiB)}))
	src := must[*oss.HeadObjectResult](t)(env.Client.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(synthBucket), Key: oss.Ptr(synthOneGiB)}))
	if oss.ToString(res.HashCRC64) != oss.ToString(src.HashCRC64) {
		t.Errorf("copy of 1 GiB: CRC %s, source %s", oss.ToString(res.HashCRC64), oss.ToString(src.HashCRC64))
	}
	_, err := env.Client.CopyObject(ctx, &oss.CopyObjectRequest{Bucket: oss.Ptr(env.Bucket),
		Key: oss.Ptr(prefix + "too-big"), SourceBucket: oss.Ptr(synthBucket), SourceKey: oss.Ptr(synthOverOne)})
	wantError(t, err, 400, "EntityTooLarge")
}

func testTagging(t *testing.T, env *osstest.Env, prefix string) {
	key := prefix + "tagged"
	putObject(t, env, key, []byte("t"), nil)
	must[*oss.PutObjectTaggingResult](t)(env.Client.PutObjectTagging(ctx, &oss.PutObjectTaggingRequest{Bucket: oss.Ptr(env.Bucket), Key: oss.Ptr(key),
		Tagging: &oss.Tagging{TagSet: &oss.TagSet{Tags: []oss.Tag{{Key: oss.Ptr("b"), Value: oss.Ptr("2")}, {Key: oss.Ptr("a"), Value: oss.Ptr("1 + 1 = 2")}}}}}))
	got := must[*oss.GetObjectTaggingResult](t)(env.Client.GetObjectTagging(ctx, &oss.GetObjectTaggingRequest{Bucket: oss.Ptr(env.Bucket), Key: oss.Ptr(key)}))
	if s := tagString(got); s != "a=1 + 1 = 2&b=2" {
		t.Errorf("tags = %q", s)
	}
	head := must[*oss.HeadObjectResult](t)(env.Client.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(env.Bucket), Key: oss.Ptr(key)}))
	if head.TaggingCount != 2 {
		t.Errorf("x-oss-tagging-count = %d", head.TaggingCount)
	}
	must[*oss.DeleteObjectTaggingResult](t)(env.Client.DeleteObjectTagging(ctx, &oss.DeleteObjectTaggingRequest{Bucket: oss.Ptr(env.Bucket), Key: oss.Ptr(key)}))
	got = must[*oss.GetObjectTaggingResult](t)(env.Client.GetObjectTagging(ctx, &oss.GetObjectTaggingRequest{Bucket: oss.Ptr(env.Bucket), Key: oss.Ptr(key)}))
	if s := tagString(got); s != "" {
		t.Errorf("tags after delete = %q", s)
	}
	_, err := env.Client.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(env.Bucket), Key: oss.Ptr(prefix + "badtags"),
		Body: strings.NewReader("x"), Tagging: oss.Ptr("a=1&a=2")})
	wantError(t, err, 400, "")
}

// listingKeys are chosen to exercise delimiters, URL encoding and order.
var listingKeys = []string{"a/1", "a/2", "a/b/3", "b+plus", "c d", "c%25", "dir/ü/x", "e", "f/", "f/g"}

func putListing(t *testing.T, env *osstest.Env, prefix string) {
	for _, k := range listingKeys {
		putObject(t, env, prefix+k, []byte(k), nil)
	}
}

func testListObjectsV2(t *testing.T, env *osstest.Env, prefix string) {
	putListing(t, env, prefix)
	var keys []string
	pages := 0
	for p := env.Client.NewListObjectsV2Paginator(&oss.ListObjectsV2Request{Bucket: oss.Ptr(env.Bucket), Prefix: oss.Ptr(prefix), MaxKeys: 3}); p.HasNext(); {
		page := must[*oss.ListObjectsV2Result](t)(p.NextPage(ctx))
		pages++
		for _, o := range page.Contents {
			keys = append(keys, strings.TrimPrefix(oss.ToString(o.Key), prefix))
			if o.Size != int64(len(strings.TrimPrefix(oss.ToString(o.Key), prefix))) || oss.ToString(o.ETag) == "" {
				t.Errorf("listing entry %s: size %d etag %s", oss.ToString(o.Key), o.Size, oss.ToString(o.ETag))
			}
		}
	}
	if strings.Join(keys, ",") != strings.Join(listingKeys, ",") || pages != 4 {
		t.Errorf("paginated keys (%d pages) = %q, want %q", pages, keys, listingKeys)
	}
	res := must[*oss.ListObjectsV2Result](t)(env.Client.ListObjectsV2(ctx, &oss.ListObjectsV2Request{Bucket: oss.Ptr(env.Bucket), Prefix: oss.Ptr(prefix), Delimiter: oss.Ptr("/")}))
	var objs, cps []string
	for _, o := range res.Contents {
		objs = append(objs, strings.TrimPrefix(oss.ToString(o.Key), prefix))
	}
	for _, cp := range res.CommonPrefixes {
		cps = append(cps, strings.TrimPrefix(oss.ToString(cp.Prefix), prefix))
	}
	if strings.Join(objs, ",") != "b+plus,c d,c%25,e" || strings.Join(cps, ",") != "a/,dir/,f/" || res.KeyCount != 7 {
		t.Errorf("delimiter listing: objects %q prefixes %q count %d", objs, cps, res.KeyCount)
	}
	res = must[*oss.ListObjectsV2Result](t)(env.Client.ListObjectsV2(ctx, &oss.ListObjectsV2Request{Bucket: oss.Ptr(env.Bucket), Prefix: oss.Ptr(prefix), StartAfter: oss.Ptr(prefix + "c d"), MaxKeys: 2}))
	if len(res.Contents) != 2 || oss.ToString(res.Contents[0].Key) != prefix+"c%25" || !res.IsTruncated {
		t.Errorf("start-after listing: %d entries, truncated %v", len(res.Contents), res.IsTruncated)
	}
	// A delimiter page boundary inside a common prefix must not repeat it.
	var seen []string
	for p := env.Client.NewListObjectsV2Paginator(&oss.ListObjectsV2Request{Bucket: oss.Ptr(env.Bucket), Prefix: oss.Ptr(prefix), Delimiter: oss.Ptr("/"), MaxKeys: 1}); p.HasNext(); {
		page := must[*oss.ListObjectsV2Result](t)(p.NextPage(ctx))
		for _, o := range page.Contents {
			seen = append(seen, strings.TrimPrefix(oss.ToString(o.Key), prefix))
		}
		for _, cp := range page.CommonPrefixes {
			seen = append(seen, strings.TrimPrefix(oss.ToString(cp.Prefix), prefix))
		}
	}
	if got := strings.Join(seen, ","); got != "a/,b+plus,c d,c%25,dir/,e,f/" {
		t.Errorf("one-at-a-time delimiter listing = %q", got)
	}
}

func testListObjectsV1(t *testing.T, env *osstest.Env, prefix string) {
	putListing(t, env, prefix)
	var keys []string
	for p := env.Client.NewListObjectsPaginator(&oss.ListObjectsRequest{Bucket: oss.Ptr(env.Bucket), Prefix: oss.Ptr(prefix), MaxKeys: 4}); p.HasNext(); {
		page := must[*oss.ListObjectsResult](t)(p.NextPage(ctx))
		for _, o := range page.Contents {
			keys = append(keys, strings.TrimPrefix(oss.ToString(o.Key), prefix))
		}
	}
	if strings.Join(keys, ",") != strings.Join(listingKeys, ",") {
		t.Errorf("V1 paginated keys = %q", keys)
	}
}

func initiate(t *testing.T, env *osstest.Env, key string, mod func(*oss.InitiateMultipartUploadRequest)) string {
	t.Helper()
	req := &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr(env.Bucket), Key: oss.Ptr(key)}
	if mod != nil {
		mod(req)
	}
	res := must[*oss.InitiateMultipartUploadResult](t)(env.Client.InitiateMultipartUpload(ctx, req))
	if oss.ToString(res.Key) != key || oss.ToString(res.UploadId) == "" {
		t.Fatalf("InitiateMultipartUpload returned key %q upload %q", oss.ToString(res.Key), oss.ToString(res.UploadId))
	}
	t.Cleanup(func() {
		_, _ = env.Client.AbortMultipartUpload(ctx, &oss.AbortMultipartUploadRequest{Bucket: oss.Ptr(env.Bucket), Key: oss.Ptr(key), UploadId: res.UploadId})
	})
	return oss.ToString(res.UploadId)
}

func uploadPart(t *testing.T, env *osstest.Env, key, id string, n int32, data []byte) oss.UploadPart {
	t.Helper()
	res := must[*oss.UploadPartResult](t)(env.Client.UploadPart(ctx, &oss.UploadPartRequest{Bucket: oss.Ptr(env.Bucket), Key: oss.Ptr(key),
		UploadId: oss.Ptr(id), PartNumber: n, Body: bytes.NewReader(data)}))
	if oss.ToString(res.ETag) != `"`+md5Hex(data)+`"` {
		t.Errorf("UploadPart %d ETag %s, want MD5 %s", n, oss.ToString(res.ETag), md5Hex(data))
	}
	return oss.UploadPart{PartNumber: n, ETag: res.ETag}
}

func complete(env *osstest.Env, key, id string, parts []oss.UploadPart) (*oss.CompleteMultipartUploadResult, error) {
	return env.Client.CompleteMultipartUpload(ctx, &oss.CompleteMultipartUploadRequest{Bucket: oss.Ptr(env.Bucket), Key: oss.Ptr(key),
		UploadId: oss.Ptr(id), CompleteMultipartUpload: &oss.CompleteMultipartUpload{Parts: parts}})
}

// multipartETag is OSS's ETag of a completed upload, quoted as answers give it.
func multipartETag(partETags ...string) string { return `"` + etag.Multipart(partETags...) + `"` }

// testMultipartETagSDKVector uploads the SDK v1's sample file in the parts
// its own tests use: the real service completed it with the ETag they assert.
func testMultipartETagSDKVector(t *testing.T, env *osstest.Env, prefix string) {
	key := prefix + "BingWallpaper-2015-11-07.jpg"
	id := initiate(t, env, key, nil)
	var parts []oss.UploadPart
	for i, data := range osstest.SampleParts(t) {
		parts = append(parts, uploadPart(t, env, key, id, int32(i+1), data))
	}
	res := must[*oss.CompleteMultipartUploadResult](t)(complete(env, key, id, parts))
	if got := oss.ToString(res.ETag); got != osstest.SampleMultipartETag {
		t.Errorf("CompleteMultipartUpload ETag %s, want the SDK's %s", got, osstest.SampleMultipartETag)
	}
	head := must[*oss.HeadObjectResult](t)(env.Client.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(env.Bucket), Key: oss.Ptr(key)}))
	if got := oss.ToString(head.ETag); got != osstest.SampleMultipartETag {
		t.Errorf("HEAD ETag %s, want the SDK's %s", got, osstest.SampleMultipartETag)
	}
}

func testMultipartWorkflow(t *testing.T, env *osstest.Env, prefix string) {
	src := randomData(4, 150_000)
	putObject(t, env, prefix+"copy source", src, nil)
	key := prefix + "assembled ü"
	id := initiate(t, env, key, func(r *oss.InitiateMultipartUploadRequest) {
		r.ContentType, r.CacheControl = oss.Ptr("video/mp4"), oss.Ptr("no-cache")
		r.Metadata = map[string]string{"origin": "multipart"}
		r.Tagging = oss.Ptr("k=v")
		r.StorageClass = oss.StorageClassIA
	})
	p1, p2 := randomData(5, 102_400), randomData(6, 120_000)
	parts := []oss.UploadPart{uploadPart(t, env, key, id, 1, p1), uploadPart(t, env, key, id, 2, p2)}
	cp := must[*oss.UploadPartCopyResult](t)(env.Client.UploadPartCopy(ctx, &oss.UploadPartCopyRequest{Bucket: oss.Ptr(env.Bucket), Key: oss.Ptr(key),
		UploadId: oss.Ptr(id), PartNumber: 3, SourceBucket: oss.Ptr(env.Bucket), SourceKey: oss.Ptr(prefix + "copy source"), Range: oss.Ptr("bytes=100-50099")}))
	if oss.ToString(cp.ETag) != `"`+md5Hex(src[100:50100])+`"` || cp.LastModified == nil {
		t.Errorf("UploadPartCopy ETag %s, want MD5 of the range %s", oss.ToString(cp.ETag), md5Hex(src[100:50100]))
	}
	parts = append(parts, oss.UploadPart{PartNumber: 3, ETag: cp.ETag})
	var listed []oss.Part
	for p := env.Client.NewListPartsPaginator(&oss.ListPartsRequest{Bucket: oss.Ptr(env.Bucket), Key: oss.Ptr(key), UploadId: oss.Ptr(id), MaxParts: 1}); p.HasNext(); {
		page := must[*oss.ListPartsResult](t)(p.NextPage(ctx))
		listed = append(listed, page.Parts...)
	}
	wantSizes := []int64{102_400, 120_000, 50_000}
	if len(listed) != 3 {
		t.Fatalf("ListParts paginated by 1 found %d parts", len(listed))
	}
	for i, p := range listed {
		if p.PartNumber != int32(i+1) || p.Size != wantSizes[i] || oss.ToString(p.ETag) != oss.ToString(parts[i].ETag) {
			t.Errorf("ListParts part %d: number %d size %d etag %s", i, p.PartNumber, p.Size, oss.ToString(p.ETag))
		}
	}
	res := must[*oss.CompleteMultipartUploadResult](t)(complete(env, key, id, parts))
	whole := append(append(append([]byte{}, p1...), p2...), src[100:50100]...)
	if want := multipartETag(oss.ToString(parts[0].ETag), oss.ToString(parts[1].ETag), oss.ToString(parts[2].ETag)); oss.ToString(res.ETag) != want {
		t.Errorf("Complete ETag %s, want %s", oss.ToString(res.ETag), want)
	}
	if oss.ToString(res.HashCRC64) != crcOf(whole) || oss.ToString(res.Key) != key {
		t.Errorf("Complete CRC %s key %q; want CRC %s", oss.ToString(res.HashCRC64), oss.ToString(res.Key), crcOf(whole))
	}
	head := must[*oss.HeadObjectResult](t)(env.Client.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(env.Bucket), Key: oss.Ptr(key)}))
	if oss.ToString(head.ObjectType) != "Multipart" || oss.ToString(head.ContentType) != "video/mp4" || oss.ToString(head.CacheControl) != "no-cache" ||
		head.Metadata["origin"] != "multipart" || head.TaggingCount != 1 || oss.ToString(head.StorageClass) != "IA" || head.ContentLength != int64(len(whole)) {
		t.Errorf("completed object: type %s ctype %s meta %v tags %d class %s size %d", oss.ToString(head.ObjectType),
			oss.ToString(head.ContentType), head.Metadata, head.TaggingCount, oss.ToString(head.StorageClass), head.ContentLength)
	}
	if _, got := getBytes(t, env, env.Bucket, key, nil); !bytes.Equal(got, whole) {
		t.Error("completed object's bytes differ from its parts")
	}
	_, err := complete(env, key, id, parts)
	wantError(t, err, 404, "NoSuchUpload")
}

func testUploadPartCopyConditions(t *testing.T, env *osstest.Env, prefix string) {
	src := randomData(7, 5000)
	put := putObject(t, env, prefix+"src/with space+plus%", src, nil)
	key := prefix + "dst"
	id := initiate(t, env, key, nil)
	head := must[*oss.HeadObjectResult](t)(env.Client.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(env.Bucket), Key: oss.Ptr(prefix + "src/with space+plus%")}))
	before := head.LastModified.Add(-time.Hour).UTC().Format(http.TimeFormat)
	after := head.LastModified.Add(time.Hour).UTC().Format(time.RFC1123) // "UTC" rather than "GMT": accepted too
	partCopy := func(n int32, mod func(*oss.UploadPartCopyRequest)) (*oss.UploadPartCopyResult, error) {
		req := &oss.UploadPartCopyRequest{Bucket: oss.Ptr(env.Bucket), Key: oss.Ptr(key), UploadId: oss.Ptr(id), PartNumber: n,
			SourceBucket: oss.Ptr(env.Bucket), SourceKey: oss.Ptr(prefix + "src/with space+plus%")}
		if mod != nil {
			mod(req)
		}
		return env.Client.UploadPartCopy(ctx, req)
	}
	res := must[*oss.UploadPartCopyResult](t)(partCopy(1, func(r *oss.UploadPartCopyRequest) { r.Range = oss.Ptr("bytes=0-9") }))
	if oss.ToString(res.ETag) != `"`+md5Hex(src[:10])+`"` {
		t.Errorf("bytes=0-9 part ETag %s, want MD5 of 10 bytes %s", oss.ToString(res.ETag), md5Hex(src[:10]))
	}
	for _, tc := range []struct {
		name   string
		mod    func(*oss.UploadPartCopyRequest)
		status int
	}{
		{"if-match holds", func(r *oss.UploadPartCopyRequest) { r.IfMatch = put.ETag }, 200},
		{"if-match fails", func(r *oss.UploadPartCopyRequest) { r.IfMatch = oss.Ptr(`"ABC"`) }, 412},
		{"if-none-match holds", func(r *oss.UploadPartCopyRequest) { r.IfNoneMatch = oss.Ptr(`"ABC"`) }, 200},
		{"if-none-match fails", func(r *oss.UploadPartCopyRequest) { r.IfNoneMatch = put.ETag }, 304},
		{"if-unmodified-since after", func(r *oss.UploadPartCopyRequest) { r.IfUnmodifiedSince = oss.Ptr(after) }, 200},
		{"if-unmodified-since before", func(r *oss.UploadPartCopyRequest) { r.IfUnmodifiedSince = oss.Ptr(before) }, 412},
		{"if-modified-since before", func(r *oss.UploadPartCopyRequest) { r.IfModifiedSince = oss.Ptr(before) }, 200},
		{"if-modified-since after", func(r *oss.UploadPartCopyRequest) { r.IfModifiedSince = oss.Ptr(after) }, 304},
	} {
		_, err := partCopy(2, tc.mod)
		switch tc.status {
		case 200:
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
		case 412:
			wantError(t, err, 412, "PreconditionFailed")
		case 304:
			wantError(t, err, 304, "")
		}
	}
}

func testUploadPartCopyErrors(t *testing.T, env *osstest.Env, prefix string) {
	putObject(t, env, prefix+"src", randomData(8, 1000), nil)
	key := prefix + "dst"
	id := initiate(t, env, key, nil)
	partCopy := func(mod func(*oss.UploadPartCopyRequest)) error {
		req := &oss.UploadPartCopyRequest{Bucket: oss.Ptr(env.Bucket), Key: oss.Ptr(key), UploadId: oss.Ptr(id), PartNumber: 1,
			SourceBucket: oss.Ptr(env.Bucket), SourceKey: oss.Ptr(prefix + "src")}
		mod(req)
		_, err := env.Client.UploadPartCopy(ctx, req)
		return err
	}
	wantError(t, partCopy(func(r *oss.UploadPartCopyRequest) { r.SourceKey = oss.Ptr(prefix + "missing") }), 404, "NoSuchKey")
	wantError(t, partCopy(func(r *oss.UploadPartCopyRequest) { r.UploadId = oss.Ptr("0123456789ABCDEF") }), 404, "NoSuchUpload")
	wantError(t, partCopy(func(r *oss.UploadPartCopyRequest) { r.Key = oss.Ptr(prefix + "other") }), 404, "NoSuchUpload")
	wantError(t, partCopy(func(r *oss.UploadPartCopyRequest) { r.Range = oss.Ptr("bytes=0-1000") }), 400, "InvalidArgument")
	// The SDK refuses part number 0 itself; hostile_test.go sends it raw.
	for _, n := range []int32{-1, 10001} {
		wantError(t, partCopy(func(r *oss.UploadPartCopyRequest) { r.PartNumber = n }), 400, "InvalidArgument")
	}
	if env.Local {
		wantError(t, partCopy(func(r *oss.UploadPartCopyRequest) { r.Range = oss.Ptr("bytes=9-3") }), 400, "InvalidArgument")
	}
	_, err := env.Client.UploadPart(ctx, &oss.UploadPartRequest{Bucket: oss.Ptr(env.Bucket), Key: oss.Ptr(key), UploadId: oss.Ptr(id),
		PartNumber: 10001, Body: strings.NewReader("x")})
	wantError(t, err, 400, "InvalidArgument")
}

func testCompleteErrors(t *testing.T, env *osstest.Env, prefix string) {
	key := prefix + "dst"
	id := initiate(t, env, key, nil)
	small := uploadPart(t, env, key, id, 1, randomData(9, 1000))
	big := uploadPart(t, env, key, id, 2, randomData(10, 102_400))
	last := uploadPart(t, env, key, id, 3, randomData(11, 10))
	// The SDK sorts the parts it sends, so a repeated part is how it can
	// send an order that is not strictly ascending.
	_, err := complete(env, key, id, []oss.UploadPart{big, big, last})
	wantError(t, err, 400, "InvalidPartOrder")
	_, err = complete(env, key, id, []oss.UploadPart{{PartNumber: 2, ETag: oss.Ptr(`"00000000000000000000000000000000"`)}, last})
	wantError(t, err, 400, "InvalidPart")
	_, err = complete(env, key, id, []oss.UploadPart{big, {PartNumber: 7, ETag: last.ETag}})
	wantError(t, err, 400, "InvalidPart")
	_, err = complete(env, key, id, []oss.UploadPart{small, big, last})
	wantError(t, err, 400, "EntityTooSmall")
	// Parts need not be consecutive; the last may be small.
	must[*oss.CompleteMultipartUploadResult](t)(complete(env, key, id, []oss.UploadPart{big, last}))
	aborted := initiate(t, env, key, nil)
	must[*oss.AbortMultipartUploadResult](t)(env.Client.AbortMultipartUpload(ctx, &oss.AbortMultipartUploadRequest{Bucket: oss.Ptr(env.Bucket), Key: oss.Ptr(key), UploadId: oss.Ptr(aborted)}))
	_, err = env.Client.ListParts(ctx, &oss.ListPartsRequest{Bucket: oss.Ptr(env.Bucket), Key: oss.Ptr(key), UploadId: oss.Ptr(aborted)})
	wantError(t, err, 404, "NoSuchUpload")
	_, err = complete(env, key, aborted, []oss.UploadPart{big})
	wantError(t, err, 404, "NoSuchUpload")
	_, err = env.Client.AbortMultipartUpload(ctx, &oss.AbortMultipartUploadRequest{Bucket: oss.Ptr(env.Bucket), Key: oss.Ptr(key), UploadId: oss.Ptr(aborted)})
	wantError(t, err, 404, "NoSuchUpload")
}

func testCompleteAll(t *testing.T, env *osstest.Env, prefix string) {
	key := prefix + "all"
	id := initiate(t, env, key, nil)
	a, b := randomData(12, 102_400), randomData(13, 7)
	pa, pb := uploadPart(t, env, key, id, 4, a), uploadPart(t, env, key, id, 9, b)
	res := must[*oss.CompleteMultipartUploadResult](t)(env.Client.CompleteMultipartUpload(ctx, &oss.CompleteMultipartUploadRequest{
		Bucket: oss.Ptr(env.Bucket), Key: oss.Ptr(key), UploadId: oss.Ptr(id), CompleteAll: oss.Ptr("yes")}))
	if want := multipartETag(oss.ToString(pa.ETag), oss.ToString(pb.ETag)); oss.ToString(res.ETag) != want {
		t.Errorf("complete-all ETag %s, want %s", oss.ToString(res.ETag), want)
	}
	if _, got := getBytes(t, env, env.Bucket, key, nil); !bytes.Equal(got, append(a, b...)) {
		t.Error("complete-all assembled the wrong bytes")
	}
}

func testListMultipartUploads(t *testing.T, env *osstest.Env, prefix string) {
	want := map[string]bool{}
	for _, k := range []string{"u/1", "u/2", "u/2", "u/3 ü", "v/x"} {
		want[initiate(t, env, prefix+k, nil)] = true
	}
	found := map[string]string{}
	pages := 0
	for p := env.Client.NewListMultipartUploadsPaginator(&oss.ListMultipartUploadsRequest{Bucket: oss.Ptr(env.Bucket), Prefix: oss.Ptr(prefix + "u/"), MaxUploads: 2}); p.HasNext(); {
		page := must[*oss.ListMultipartUploadsResult](t)(p.NextPage(ctx))
		pages++
		for _, u := range page.Uploads {
			found[oss.ToString(u.UploadId)] = oss.ToString(u.Key)
		}
	}
	if len(found) != 4 || pages != 2 {
		t.Errorf("ListMultipartUploads under u/ found %d uploads in %d pages, want 4 in 2", len(found), pages)
	}
	for id, k := range found {
		if !want[id] || !strings.HasPrefix(k, prefix+"u/") {
			t.Errorf("unexpected upload %s for %q", id, k)
		}
	}
}

func testVersioning(t *testing.T, env *osstest.Env, _ string) {
	localOnly(t, env, "turning on versioning for the test bucket cannot be undone")
	bucket := "versioned"
	must[*oss.PutBucketResult](t)(env.Client.PutBucket(ctx, &oss.PutBucketRequest{Bucket: oss.Ptr(bucket)}))
	must[*oss.PutBucketVersioningResult](t)(env.Client.PutBucketVersioning(ctx, &oss.PutBucketVersioningRequest{Bucket: oss.Ptr(bucket),
		VersioningConfiguration: &oss.VersioningConfiguration{Status: oss.VersionEnabled}}))
	v := must[*oss.GetBucketVersioningResult](t)(env.Client.GetBucketVersioning(ctx, &oss.GetBucketVersioningRequest{Bucket: oss.Ptr(bucket)}))
	if oss.ToString(v.VersionStatus) != "Enabled" {
		t.Errorf("versioning status %q", oss.ToString(v.VersionStatus))
	}
	put := func(data string) string {
		res := must[*oss.PutObjectResult](t)(env.Client.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("k"), Body: strings.NewReader(data)}))
		return oss.ToString(res.VersionId)
	}
	v1, v2 := put("one"), put("two")
	if v1 == "" || v1 == v2 {
		t.Fatalf("version IDs %q %q", v1, v2)
	}
	if _, got := getBytes(t, env, bucket, "k", func(r *oss.GetObjectRequest) { r.VersionId = oss.Ptr(v1) }); string(got) != "one" {
		t.Errorf("GET version 1 = %q", got)
	}
	key := "part-copied"
	id := must[*oss.InitiateMultipartUploadResult](t)(env.Client.InitiateMultipartUpload(ctx, &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key)}))
	cp := must[*oss.UploadPartCopyResult](t)(env.Client.UploadPartCopy(ctx, &oss.UploadPartCopyRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key),
		UploadId: id.UploadId, PartNumber: 1, SourceBucket: oss.Ptr(bucket), SourceKey: oss.Ptr("k"), SourceVersionId: oss.Ptr(v1)}))
	if oss.ToString(cp.ETag) != `"`+md5Hex([]byte("one"))+`"` || oss.ToString(cp.VersionId) != v1 {
		t.Errorf("UploadPartCopy of version 1: ETag %s source version %q", oss.ToString(cp.ETag), oss.ToString(cp.VersionId))
	}
	del := must[*oss.DeleteObjectResult](t)(env.Client.DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("k")}))
	if !del.DeleteMarker || oss.ToString(del.VersionId) == "" {
		t.Errorf("delete in a versioned bucket: marker %v version %q", del.DeleteMarker, oss.ToString(del.VersionId))
	}
	_, err := env.Client.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("k")})
	wantError(t, err, 404, "NoSuchKey")
	if _, got := getBytes(t, env, bucket, "k", func(r *oss.GetObjectRequest) { r.VersionId = oss.Ptr(v2) }); string(got) != "two" {
		t.Errorf("GET version 2 after delete = %q", got)
	}
	_, err = env.Client.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("k"), VersionId: oss.Ptr("NOPE")})
	wantError(t, err, 404, "NoSuchVersion")
}

func testSignatures(t *testing.T, env *osstest.Env, prefix string) {
	localOnly(t, env, "needs the local server's key pair")
	key := prefix + "signed"
	putObject(t, env, key, []byte("v4"), nil)
	v1 := env.NewClient(osstest.AccessKeyID, osstest.AccessKeySecret, func(c *oss.Config) { c.WithSignatureVersion(oss.SignatureVersionV1) })
	if _, err := v1.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(env.Bucket), Key: oss.Ptr(key + " v1?&="), Body: strings.NewReader("v1"),
		Metadata: map[string]string{"a": "b"}}); err != nil {
		t.Errorf("V1-signed PutObject: %v", err)
	}
	if _, err := v1.GetObjectTagging(ctx, &oss.GetObjectTaggingRequest{Bucket: oss.Ptr(env.Bucket), Key: oss.Ptr(key)}); err != nil {
		t.Errorf("V1-signed GetObjectTagging: %v", err)
	}
	for _, tc := range []struct {
		name   string
		client *oss.Client
		status int
		code   string
	}{
		{"wrong secret V4", env.NewClient(osstest.AccessKeyID, "wrong"), 403, "SignatureDoesNotMatch"},
		{"wrong secret V1", env.NewClient(osstest.AccessKeyID, "wrong", func(c *oss.Config) { c.WithSignatureVersion(oss.SignatureVersionV1) }), 403, "SignatureDoesNotMatch"},
		{"unknown key", env.NewClient("LTAIunknown", osstest.AccessKeySecret), 403, "InvalidAccessKeyId"},
		{"wrong region", env.NewClient(osstest.AccessKeyID, osstest.AccessKeySecret, func(c *oss.Config) { c.WithRegion("us-west-1") }), 400, "InvalidArgument"},
	} {
		_, err := tc.client.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(env.Bucket), Key: oss.Ptr(key)})
		wantError(t, err, tc.status, tc.code)
		_, err = tc.client.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(env.Bucket), Key: oss.Ptr(key)})
		wantError(t, err, tc.status, tc.code)
	}
	anonymous := env.NewClient(osstest.AccessKeyID, osstest.AccessKeySecret, func(c *oss.Config) {
		c.WithCredentialsProvider(credentials.NewAnonymousCredentialsProvider())
	})
	_, err := anonymous.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(env.Bucket), Key: oss.Ptr(key)})
	wantError(t, err, 403, "AccessDenied")
}

func testSynthetic(t *testing.T, env *osstest.Env, _ string) {
	localOnly(t, env, "synthetic objects exist only on the local server")
	for _, key := range []string{synthSmallKey, synthMediumKey} {
		res, data := getBytes(t, env, synthBucket, key, nil)
		if oss.ToString(res.HashCRC64) != crcOf(data) {
			t.Errorf("%s: header CRC %s, bytes CRC %s", key, oss.ToString(res.HashCRC64), crcOf(data))
		}
		if key == synthSmallKey && oss.ToString(res.ETag) != `"`+md5Hex(data)+`"` {
			t.Errorf("%s under the MD5 limit: ETag %s, MD5 %s", key, oss.ToString(res.ETag), md5Hex(data))
		}
	}
	head := must[*oss.HeadObjectResult](t)(env.Client.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(synthBucket), Key: oss.Ptr(synthHugeKey)}))
	if head.ContentLength != 5<<40 || oss.ToString(head.HashCRC64) == "" {
		t.Errorf("5 TiB synthetic object: size %d CRC %q", head.ContentLength, oss.ToString(head.HashCRC64))
	}
	offset := int64(3<<40 + 12345)
	res, data := getBytes(t, env, synthBucket, synthHugeKey, func(r *oss.GetObjectRequest) { r.Range = oss.Ptr(fmt.Sprintf("bytes=%d-%d", offset, offset+99_999)) })
	if len(data) != 100_000 || res.StatusCode != 206 {
		t.Fatalf("range of the 5 TiB object: %d bytes, status %d", len(data), res.StatusCode)
	}
	// The same range copied as a part has the MD5 of those bytes.
	id := initiate(t, env, "range-of-huge", nil)
	cp := must[*oss.UploadPartCopyResult](t)(env.Client.UploadPartCopy(ctx, &oss.UploadPartCopyRequest{Bucket: oss.Ptr(env.Bucket), Key: oss.Ptr("range-of-huge"),
		UploadId: oss.Ptr(id), PartNumber: 1, SourceBucket: oss.Ptr(synthBucket), SourceKey: oss.Ptr(synthHugeKey),
		Range: oss.Ptr(fmt.Sprintf("bytes=%d-%d", offset, offset+99_999))}))
	if oss.ToString(cp.ETag) != `"`+md5Hex(data)+`"` {
		t.Errorf("part copied from the 5 TiB object: ETag %s, MD5 of the bytes %s", oss.ToString(cp.ETag), md5Hex(data))
	}
}

// testHugeCopy copies the whole 5 TiB synthetic object in 1,024 parts of
// 5 GiB, out of order, and checks the result's CRC64 and ETag.
func testHugeCopy(t *testing.T, env *osstest.Env, prefix string) {
	localOnly(t, env, "copies a 5 TiB synthetic object")
	const partSize, total = int64(5 << 30), int64(5 << 40)
	var ranges []partRange
	for i := total/partSize - 1; i >= 0; i-- {
		ranges = append(ranges, partRange{number: int32(i + 1), first: i * partSize})
	}
	res := copyAsParts(t, env, prefix+"huge-copy", ranges, partSize)
	src := must[*oss.HeadObjectResult](t)(env.Client.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(synthBucket), Key: oss.Ptr(synthHugeKey)}))
	if oss.ToString(res.HashCRC64) != oss.ToString(src.HashCRC64) {
		t.Errorf("5 TiB copy CRC %s, source %s", oss.ToString(res.HashCRC64), oss.ToString(src.HashCRC64))
	}
	if !strings.HasSuffix(oss.ToString(res.ETag), fmt.Sprintf(`-%d"`, len(ranges))) {
		t.Errorf("ETag %s does not end in -%d", oss.ToString(res.ETag), len(ranges))
	}
	// Swapping two parts must change the CRC: the content is not periodic.
	ordered := copyAsParts(t, env, prefix+"ordered", []partRange{{1, 0}, {2, partSize}}, partSize)
	swapped := copyAsParts(t, env, prefix+"swapped", []partRange{{1, partSize}, {2, 0}}, partSize)
	if oss.ToString(swapped.HashCRC64) == oss.ToString(ordered.HashCRC64) {
		t.Error("swapping two 5 GiB parts left the CRC64 unchanged: misordered copies would go unnoticed")
	}
}

type partRange struct {
	number int32
	first  int64
}

// copyAsParts copies ranges of the 5 TiB synthetic object into key, in the
// order given, and completes the upload.
func copyAsParts(t *testing.T, env *osstest.Env, key string, ranges []partRange, size int64) *oss.CompleteMultipartUploadResult {
	t.Helper()
	id := initiate(t, env, key, nil)
	parts := make([]oss.UploadPart, 0, len(ranges))
	for _, r := range ranges {
		res := must[*oss.UploadPartCopyResult](t)(env.Client.UploadPartCopy(ctx, &oss.UploadPartCopyRequest{Bucket: oss.Ptr(env.Bucket), Key: oss.Ptr(key),
			UploadId: oss.Ptr(id), PartNumber: r.number, SourceBucket: oss.Ptr(synthBucket), SourceKey: oss.Ptr(synthHugeKey),
			Range: oss.Ptr(fmt.Sprintf("bytes=%d-%d", r.first, r.first+size-1))}))
		parts = append(parts, oss.UploadPart{PartNumber: r.number, ETag: res.ETag})
	}
	return must[*oss.CompleteMultipartUploadResult](t)(complete(env, key, id, parts))
}
