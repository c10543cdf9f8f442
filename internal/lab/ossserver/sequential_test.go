package ossserver_test

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"net/http"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/osscopy/osscopy/internal/lab/ossserver"
	"github.com/osscopy/osscopy/internal/lab/osstest"
)

// sequentialParams make an upload sequential, as the SDKs ask for it.
var sequentialParams = oss.RequestCommon{Parameters: map[string]string{"sequential": ""}}

func contentMD5(data []byte) string {
	sum := md5.Sum(data)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// TestSequentialUploaderGetsContentMD5 uploads as the SDK v2's own test
// does: its Uploader, asked for a sequential upload, sends the parameter
// with Initiate, Complete and Abort, and the object has the Content-MD5 of
// its content; without it, the multipart object has none.
func TestSequentialUploaderGetsContentMD5(t *testing.T) {
	t.Parallel()
	env := osstest.Start(t, ossserver.Config{Buckets: []string{"seq"}})
	data := randomData(7, 4*100<<10+123)
	for _, tc := range []struct {
		name    string
		common  oss.RequestCommon
		wantMD5 string
	}{
		{"sequential", sequentialParams, contentMD5(data)},
		{"not sequential", oss.RequestCommon{}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := env.Client.NewUploader(func(o *oss.UploaderOptions) { o.PartSize = 100 << 10 })
			key := "uploaded-" + tc.name
			if _, err := u.UploadFrom(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr("seq"), Key: oss.Ptr(key), RequestCommon: tc.common},
				bytes.NewReader(data)); err != nil {
				t.Fatal(err)
			}
			head := must[*oss.HeadObjectResult](t)(env.Client.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr("seq"), Key: oss.Ptr(key)}))
			if got := oss.ToString(head.ContentMD5); got != tc.wantMD5 {
				t.Errorf("Content-MD5 %q, want %q", got, tc.wantMD5)
			}
			if oss.ToString(head.ObjectType) != "Multipart" {
				t.Errorf("object type %s, want Multipart", oss.ToString(head.ObjectType))
			}
		})
	}
}

// TestSequentialUploadTakesPartsInOrder sends parts of a sequential upload
// in the orders the table gives: a part that does not follow the last one
// (or repeat it) is refused with 400 PartNotSequential, and the completed
// object's Content-MD5 is that of the parts it lists when they are the
// upload's first ones, else it has none.
func TestSequentialUploadTakesPartsInOrder(t *testing.T) {
	t.Parallel()
	env := osstest.Start(t, ossserver.Config{Buckets: []string{"seq"}})
	env.Bucket = "seq"
	p1, p1b, p2, p3 := randomData(1, 100<<10), randomData(2, 100<<10), randomData(3, 100<<10), randomData(4, 10)
	type upload struct {
		n    int32
		data []byte
		ok   bool
	}
	for _, tc := range []struct {
		name     string
		uploads  []upload
		complete []int32 // part numbers; their ETags are the last uploaded
		wantMD5  []byte  // nil: no Content-MD5
	}{
		{"in order", []upload{{1, p1, true}, {2, p2, true}, {3, p3, true}}, []int32{1, 2, 3}, concat(p1, p2, p3)},
		{"first part not 1", []upload{{2, p2, false}, {1, p1, true}}, []int32{1}, p1},
		{"a gap", []upload{{1, p1, true}, {3, p3, false}, {2, p2, true}}, []int32{1, 2}, concat(p1, p2)},
		{"the last part again", []upload{{1, p1, true}, {1, p1b, true}, {2, p3, true}}, []int32{1, 2}, concat(p1b, p3)},
		{"an earlier part again", []upload{{1, p1, true}, {2, p2, true}, {1, p1b, false}}, []int32{1, 2}, concat(p1, p2)},
		{"the first parts completed", []upload{{1, p1, true}, {2, p2, true}, {3, p3, true}}, []int32{1, 2}, concat(p1, p2)},
		{"no parts completed", []upload{{1, p1, true}}, nil, []byte{}},
		{"not the first parts completed", []upload{{1, p1, true}, {2, p3, true}}, []int32{2}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key := "ordered-" + tc.name
			id := initiate(t, env, key, func(r *oss.InitiateMultipartUploadRequest) { r.RequestCommon = sequentialParams })
			etags := map[int32]*string{}
			for _, u := range tc.uploads {
				res, err := env.Client.UploadPart(ctx, &oss.UploadPartRequest{Bucket: oss.Ptr(env.Bucket), Key: oss.Ptr(key),
					UploadId: oss.Ptr(id), PartNumber: u.n, Body: bytes.NewReader(u.data)})
				if !u.ok {
					wantError(t, err, http.StatusBadRequest, "PartNotSequential")
					continue
				}
				if err != nil {
					t.Fatalf("part %d: %v", u.n, err)
				}
				etags[u.n] = res.ETag
			}
			var parts []oss.UploadPart
			for _, n := range tc.complete {
				parts = append(parts, oss.UploadPart{PartNumber: n, ETag: etags[n]})
			}
			must[*oss.CompleteMultipartUploadResult](t)(complete(env, key, id, parts))
			head := must[*oss.HeadObjectResult](t)(env.Client.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(env.Bucket), Key: oss.Ptr(key)}))
			want := ""
			if tc.wantMD5 != nil {
				want = contentMD5(tc.wantMD5)
			}
			if got := oss.ToString(head.ContentMD5); got != want {
				t.Errorf("Content-MD5 %q, want %q", got, want)
			}
		})
	}
}

func concat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// TestSequentialUploadRefusesPartCopy: a copied part's MD5 would need the
// copied bytes, which UploadPartCopy does not read, so the server refuses
// it into a sequential upload rather than leave the MD5 wrong.
func TestSequentialUploadRefusesPartCopy(t *testing.T) {
	t.Parallel()
	env := osstest.Start(t, ossserver.Config{Buckets: []string{"seq"}})
	env.Bucket = "seq"
	putObject(t, env, "source", randomData(5, 1000), nil)
	id := initiate(t, env, "copied", func(r *oss.InitiateMultipartUploadRequest) { r.RequestCommon = sequentialParams })
	_, err := env.Client.UploadPartCopy(ctx, &oss.UploadPartCopyRequest{Bucket: oss.Ptr(env.Bucket), Key: oss.Ptr("copied"),
		UploadId: oss.Ptr(id), PartNumber: 1, SourceKey: oss.Ptr("source")})
	wantError(t, err, http.StatusNotImplemented, "NotImplemented")
}

// TestSequentialUploadSurvivesRestart: an upload's sequence and its parts'
// MD5 states are kept in the data directory.
func TestSequentialUploadSurvivesRestart(t *testing.T) {
	t.Parallel()
	cfg := ossserver.Config{DataDir: t.TempDir(), Buckets: []string{"seq"}}
	first := pstStart(t, cfg)
	first.env.Bucket = "seq"
	id := initiate(t, first.env, "kept", func(r *oss.InitiateMultipartUploadRequest) { r.RequestCommon = sequentialParams })
	p1, p2 := randomData(8, 100<<10), randomData(9, 77)
	part1 := uploadPart(t, first.env, "kept", id, 1, p1)
	first.stop()

	second := pstStart(t, cfg)
	second.env.Bucket = "seq"
	_, err := second.env.Client.UploadPart(ctx, &oss.UploadPartRequest{Bucket: oss.Ptr("seq"), Key: oss.Ptr("kept"),
		UploadId: oss.Ptr(id), PartNumber: 3, Body: bytes.NewReader(p2)})
	wantError(t, err, http.StatusBadRequest, "PartNotSequential")
	part2 := uploadPart(t, second.env, "kept", id, 2, p2)
	must[*oss.CompleteMultipartUploadResult](t)(complete(second.env, "kept", id, []oss.UploadPart{part1, part2}))
	head := must[*oss.HeadObjectResult](t)(second.env.Client.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr("seq"), Key: oss.Ptr("kept")}))
	if got, want := oss.ToString(head.ContentMD5), contentMD5(concat(p1, p2)); got != want {
		t.Errorf("Content-MD5 %q after a restart, want %q", got, want)
	}
}
