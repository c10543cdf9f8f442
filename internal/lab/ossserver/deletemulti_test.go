package ossserver_test

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/osscopy/osscopy/internal/lab/ossserver"
	"github.com/osscopy/osscopy/internal/lab/osstest"
)

// Helpers of this file are prefixed dm.

func dmDelete(t *testing.T, c *oss.Client, bucket string, quiet bool, objects ...oss.ObjectIdentifier) *oss.DeleteMultipleObjectsResult {
	t.Helper()
	res, err := c.DeleteMultipleObjects(ctx, &oss.DeleteMultipleObjectsRequest{Bucket: oss.Ptr(bucket),
		Delete: &oss.Delete{Objects: objects, Quiet: quiet}})
	if err != nil {
		t.Fatalf("DeleteMultipleObjects: %v", err)
	}
	return res
}

func dmKeys(keys ...string) []oss.ObjectIdentifier {
	out := make([]oss.ObjectIdentifier, len(keys))
	for i, k := range keys {
		out[i] = oss.ObjectIdentifier{Key: oss.Ptr(k)}
	}
	return out
}

// dmReport describes the Deleted entries as "key version marker markerVersion".
func dmReport(res *oss.DeleteMultipleObjectsResult) []string {
	var out []string
	for _, d := range res.DeletedObjects {
		out = append(out, fmt.Sprintf("%s|%s|%v|%s", oss.ToString(d.Key), oss.ToString(d.VersionId), d.DeleteMarker, oss.ToString(d.DeleteMarkerVersionId)))
	}
	return out
}

func dmExists(t *testing.T, c *oss.Client, bucket, key string) bool {
	t.Helper()
	_, err := c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key)})
	if se := ftServiceError(err); se != nil && se.StatusCode == http.StatusNotFound {
		return false
	} else if err != nil {
		t.Fatalf("HeadObject %s/%s: %v", bucket, key, err)
	}
	return true
}

// In an unversioned bucket DeleteMultipleObjects deletes every key it
// names, existing or not, and reports each in verbose mode (keys
// URL-encoded on the wire, as the SDK asks) and none in quiet mode.
func TestDeleteMultipleObjects(t *testing.T) {
	t.Parallel()
	env := osstest.Start(t, ossserver.Config{Buckets: []string{"dmu"}})
	c := env.Client
	special := "sp a+c%e/&<>\"'~é中"
	control := "ctl\x01\x02\x1b\x1f"
	for _, tc := range []struct {
		name    string
		put     []string
		delete  []string
		quiet   bool
		reports []string
	}{
		{name: "verbose", put: []string{"v1", "v2"}, delete: []string{"v1", "v2", "never-was"},
			reports: []string{"v1||false|", "v2||false|", "never-was||false|"}},
		{name: "quiet", put: []string{"q1", "q2"}, delete: []string{"q1", "q2"}, quiet: true},
		{name: "special characters", put: []string{special}, delete: []string{special}, reports: []string{special + "||false|"}},
		{name: "control characters", delete: []string{control}, reports: []string{control + "||false|"}},
		{name: "the same key twice", put: []string{"twice"}, delete: []string{"twice", "twice"}, reports: []string{"twice||false|", "twice||false|"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for _, k := range tc.put {
				verPut(t, c, "dmu", k, "data of "+k)
			}
			res := dmDelete(t, c, "dmu", tc.quiet, dmKeys(tc.delete...)...)
			if got := dmReport(res); !slices.Equal(got, tc.reports) {
				t.Errorf("reported %q, want %q", got, tc.reports)
			}
			for _, k := range tc.put {
				if dmExists(t, c, "dmu", k) {
					t.Errorf("%q is still there", k)
				}
			}
		})
	}
	t.Run("1,000 keys", func(t *testing.T) {
		t.Parallel()
		var keys []string
		for i := range ossserver.MaxDeleteObjects {
			keys = append(keys, fmt.Sprintf("many/%04d", i))
		}
		for _, k := range keys[:20] {
			verPut(t, c, "dmu", k, "x")
		}
		if res := dmDelete(t, c, "dmu", false, dmKeys(keys...)...); len(res.DeletedObjects) != len(keys) {
			t.Errorf("%d reported, want %d", len(res.DeletedObjects), len(keys))
		}
		for _, k := range keys[:20] {
			if dmExists(t, c, "dmu", k) {
				t.Errorf("%q is still there", k)
			}
		}
		verPut(t, c, "dmu", "many/kept", "x")
		_, err := c.DeleteMultipleObjects(ctx, &oss.DeleteMultipleObjectsRequest{Bucket: oss.Ptr("dmu"),
			Delete: &oss.Delete{Objects: dmKeys(append(keys, "many/kept")...)}})
		wantError(t, err, http.StatusBadRequest, "MalformedXML")
		if !dmExists(t, c, "dmu", "many/kept") {
			t.Error("a refused request of 1,001 keys deleted one")
		}
	})
	t.Run("missing bucket", func(t *testing.T) {
		t.Parallel()
		_, err := c.DeleteMultipleObjects(ctx, &oss.DeleteMultipleObjectsRequest{Bucket: oss.Ptr("dmu-none"), Objects: dmKeys("k")})
		wantError(t, err, http.StatusNotFound, "NoSuchBucket")
	})
}

// In a versioned bucket a key without a version gets a delete marker; a
// version ID (or "null", for an object written before versioning) deletes
// that version for good, delete markers included.
func TestDeleteMultipleObjectsVersioned(t *testing.T) {
	t.Parallel()
	env := osstest.Start(t, ossserver.Config{Buckets: []string{"dmv"}})
	c := env.Client
	verPut(t, c, "dmv", "old", "before versioning")
	verEnable(t, c, "dmv")
	a1 := verPut(t, c, "dmv", "a", "a 1")
	a2 := verPut(t, c, "dmv", "a", "a 2")
	b1 := verPut(t, c, "dmv", "b", "b 1")
	bm := verDelete(t, c, "dmv", "b")

	res := dmDelete(t, c, "dmv", false,
		oss.ObjectIdentifier{Key: oss.Ptr("a"), VersionId: oss.Ptr(a1)},
		oss.ObjectIdentifier{Key: oss.Ptr("b"), VersionId: oss.Ptr(bm)},
		oss.ObjectIdentifier{Key: oss.Ptr("old"), VersionId: oss.Ptr("null")},
		oss.ObjectIdentifier{Key: oss.Ptr("a")})
	report := dmReport(res)
	if len(report) != 4 || report[0] != "a|"+a1+"|false|" || report[1] != "b|"+bm+"|true|"+bm || report[2] != "old|null|false|" ||
		!strings.HasPrefix(report[3], "a||true|") || strings.HasSuffix(report[3], "|") {
		t.Fatalf("reported %q", report)
	}
	marker := strings.TrimPrefix(report[3], "a||true|")
	got, _ := verList(t, c, "dmv", "", "", 1000)
	want := []verEntry{{"a", marker, true, true}, {"a", a2, false, false}, {"b", b1, true, false}}
	if !slices.Equal(got, want) {
		t.Errorf("versions left:\n%v\nwant\n%v", got, want)
	}
	pstMissing(t, c, "dmv", "a", "", http.StatusNotFound, "NoSuchKey")
}

// DeleteMultipleObjects needs a Content-MD5 of its body and a well-formed
// list of 1 to 1,000 objects, each with a key; anything else changes
// nothing.
func TestDeleteMultipleObjectsRefusals(t *testing.T) {
	t.Parallel()
	e := hostileStart(t)
	body := func(objects string) []byte { return []byte("<Delete><Quiet>false</Quiet>" + objects + "</Delete>") }
	small := body("<Object><Key>" + hostileSmall + "</Key></Object>")
	md5Of := func(b []byte) string { s := md5.Sum(b); return base64.StdEncoding.EncodeToString(s[:]) }
	for _, tc := range []struct {
		name   string
		body   []byte
		md5    string
		status int
		code   string
		ec     string
	}{
		{"no Content-MD5", small, "", 400, "MissingArgument", "0016-00000606"},
		{"wrong Content-MD5", small, md5Of([]byte("other")), 400, "InvalidDigest", ""},
		{"Content-MD5 not base64", small, "not base64!", 400, "InvalidDigest", ""},
		{"empty body", nil, md5Of(nil), 400, "MalformedXML", ""},
		{"not XML", []byte("<Delete>"), md5Of([]byte("<Delete>")), 400, "MalformedXML", ""},
		{"no objects", body(""), md5Of(body("")), 400, "MalformedXML", ""},
		{"object without key", body("<Object><VersionId>v</VersionId></Object>"), md5Of(body("<Object><VersionId>v</VersionId></Object>")), 400, "MalformedXML", "0016-00000613"},
		{"empty version", body("<Object><Key>k</Key><VersionId></VersionId></Object>"), md5Of(body("<Object><Key>k</Key><VersionId></VersionId></Object>")), 400, "InvalidArgument", "0016-00000612"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			hdr := map[string]string{}
			if tc.md5 != "" {
				hdr["Content-MD5"] = tc.md5
			}
			r := e.do(t, hostileReq{method: http.MethodPost, bucket: hostileBucket, query: "delete", body: tc.body, header: hdr})
			r.wantError(t, tc.status, tc.code)
			if tc.ec != "" && r.header.Get("x-oss-ec") != tc.ec {
				t.Errorf("EC %q, want %q", r.header.Get("x-oss-ec"), tc.ec)
			}
			if !dmExists(t, e.Client, hostileBucket, hostileSmall) {
				t.Fatal("a refused DeleteMultipleObjects deleted the object")
			}
		})
	}
	t.Run("quiet answer has no body", func(t *testing.T) {
		t.Parallel()
		b := []byte("<Delete><Quiet>true</Quiet><Object><Key>nothing-here</Key></Object></Delete>")
		r := e.do(t, hostileReq{method: http.MethodPost, bucket: hostileBucket, query: "delete", body: b,
			header: map[string]string{"Content-MD5": md5Of(b)}})
		if r.status != http.StatusOK || len(r.body) != 0 {
			t.Errorf("quiet answer %d %q, want 200 and no body", r.status, r.body)
		}
	})
	t.Run("verbose answer without encoding", func(t *testing.T) {
		t.Parallel()
		b := []byte("<Delete><Object><Key>a&amp;b c</Key></Object></Delete>")
		r := e.do(t, hostileReq{method: http.MethodPost, bucket: hostileBucket, query: "delete", body: b,
			header: map[string]string{"Content-MD5": md5Of(b)}})
		var res struct {
			XMLName      xml.Name `xml:"DeleteResult"`
			EncodingType *string  `xml:"EncodingType"`
			Keys         []string `xml:"Deleted>Key"`
		}
		if err := xml.Unmarshal(r.body, &res); err != nil || r.status != http.StatusOK || res.EncodingType != nil || !slices.Equal(res.Keys, []string{"a&b c"}) {
			t.Errorf("answer %d %q: %v", r.status, r.body, err)
		}
	})
}
