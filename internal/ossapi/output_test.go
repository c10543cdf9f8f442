package ossapi

import (
	"bytes"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func TestWriteGolden(t *testing.T) {
	t.Parallel()
	results := map[string]any{
		"upload-part-copy": UploadPartCopyResult{LastModified: "2020-05-11T08:16:23.000Z", ETag: `"781E5E245D69B566979B86E28D23F2C7"`,
			CopySourceVersionId: "CAEQ"},
		"list-parts": ListPartsResult{Bucket: "b", Key: "k & <k>", UploadId: "U", NextPartNumberMarker: 2, MaxParts: 1000,
			Part: []PartEntry{{1, "2020-05-11T08:16:23.000Z", `"A"`, 102400, "123"}, {2, "2020-05-11T08:16:24.000Z", `"B"`, 10, "456"}}},
		"list-uploads": ListMultipartUploadsResult{Bucket: "b", Delimiter: "/", MaxUploads: 1000,
			Upload: []UploadEntry{{"k", "U", "2020-05-11T08:16:23.000Z"}}, CommonPrefixes: []CommonPrefix{{"a/"}, {"b/"}}},
		"head-object": HeadObjectResult{"Content-Length": "10", "Etag": `"A"`, "X-Oss-Meta-Owner": "alice"},
		"error": ErrorResult{StatusCode: 404, Code: "NoSuchUpload", Message: "The specified upload does not exist.",
			RequestId: "R", EC: "0042-00000311", Hint: "list the uploads"},
	}
	for name, v := range results {
		for _, format := range []string{FormatRaw, FormatJSON, FormatYAML} {
			var b bytes.Buffer
			if err := Write(&b, format, v); err != nil {
				t.Fatalf("%s as %s: %v", name, format, err)
			}
			golden := filepath.Join("testdata", name+"."+format+".golden")
			if *update {
				if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if b.String() != string(want) {
				t.Errorf("%s as %s:\n%s\nwant (%s):\n%s", name, format, b.String(), golden, want)
			}
		}
	}
}

func TestCheckFormat(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"raw", "json", "yaml"} {
		if err := CheckFormat(ok); err != nil {
			t.Errorf("CheckFormat(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "xml", "JSON", "text"} {
		if err := CheckFormat(bad); err == nil || !strings.Contains(err.Error(), "raw") {
			t.Errorf("CheckFormat(%q) = %v; want an error listing the formats", bad, err)
		}
	}
}

func TestDecodeKeys(t *testing.T) {
	t.Parallel()
	r := ListMultipartUploadsResult{KeyMarker: "a%2Fb", Prefix: "p%20", Delimiter: "%2F", NextKeyMarker: "n",
		Upload: []UploadEntry{{Key: "%E4%B8%AD"}}, CommonPrefixes: []CommonPrefix{{"p%20x%2F"}}}
	if err := r.DecodeKeys(); err != nil {
		t.Fatal(err)
	}
	if r.KeyMarker != "a/b" || r.Prefix != "p " || r.Delimiter != "/" || r.Upload[0].Key != "中" || r.CommonPrefixes[0].Prefix != "p x/" {
		t.Errorf("DecodeKeys gave %+v", r)
	}
	// OSS repeats CommonPrefixes, one per prefix.
	var decoded ListMultipartUploadsResult
	doc := `<ListMultipartUploadsResult><CommonPrefixes><Prefix>a/</Prefix></CommonPrefixes><CommonPrefixes><Prefix>b/</Prefix></CommonPrefixes></ListMultipartUploadsResult>`
	if err := xml.Unmarshal([]byte(doc), &decoded); err != nil || len(decoded.CommonPrefixes) != 2 || decoded.CommonPrefixes[1].Prefix != "b/" {
		t.Errorf("decoding CommonPrefixes gave %+v, %v", decoded.CommonPrefixes, err)
	}
	bad := ListMultipartUploadsResult{Upload: []UploadEntry{{Key: "%zz"}}}
	if err := bad.DecodeKeys(); err == nil {
		t.Error("DecodeKeys accepted %zz")
	}
}
