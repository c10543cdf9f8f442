package ossapi

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseCompleteParts(t *testing.T) {
	t.Parallel()
	two := []CompletePart{{1, `"A"`}, {3, `"B"`}}
	tests := []struct {
		name, in string
		want     []CompletePart
		wantErr  string
	}{
		{name: "xml", in: `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"A"</ETag></Part>` +
			`<Part><PartNumber>3</PartNumber><ETag>"B"</ETag></Part></CompleteMultipartUpload>`, want: two},
		{name: "xml with declaration and comment", in: "<?xml version=\"1.0\"?>\n<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>" +
			"<ETag>\"A\"</ETag></Part><Part><PartNumber>3</PartNumber><ETag>\"B\"</ETag></Part></CompleteMultipartUpload>\n<!-- end -->\n", want: two},
		{name: "json", in: ` {"Part": [{"PartNumber": 1, "ETag": "\"A\""}, {"PartNumber": 3, "ETag": "\"B\""}]} `, want: two},
		{name: "list-parts json", in: `{"Bucket": "b", "UploadId": "x", "IsTruncated": false, "Part": [{"PartNumber": 1, "LastModified": "2020-01-01T00:00:00.000Z",
			"ETag": "\"A\"", "Size": 102400}, {"PartNumber": 3, "ETag": "\"B\"", "Size": 5}]}`, want: two},
		{name: "neither", in: "1:A,3:B", wantErr: "neither XML nor JSON"},
		{name: "empty", in: "  ", wantErr: "neither XML nor JSON"},
		{name: "bad json", in: `{"Part": [{"PartNumber": "one"}]}`, wantErr: "does not parse"},
		{name: "json trailing", in: `{"Part": [{"PartNumber": 1, "ETag": "A"}]} {}`, wantErr: "more after the document"},
		{name: "xml trailing", in: `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>A</ETag></Part></CompleteMultipartUpload>junk`, wantErr: "more after the document"},
		{name: "xml wrong root", in: `<Complete><Part><PartNumber>1</PartNumber><ETag>A</ETag></Part></Complete>`, wantErr: "does not parse"},
		{name: "xml unclosed", in: `<CompleteMultipartUpload><Part>`, wantErr: "does not parse"},
		{name: "no parts", in: `{"Parts": [{"PartNumber": 1, "ETag": "A"}]}`, wantErr: "lists no parts"},
		{name: "part 0", in: `{"Part": [{"PartNumber": 0, "ETag": "A"}]}`, wantErr: "outside 1..10000"},
		{name: "part 10001", in: `{"Part": [{"PartNumber": 10001, "ETag": "A"}]}`, wantErr: "outside 1..10000"},
		{name: "no etag", in: `{"Part": [{"PartNumber": 1, "ETag": " "}]}`, wantErr: "has no ETag"},
		{name: "out of order", in: `{"Part": [{"PartNumber": 2, "ETag": "A"}, {"PartNumber": 1, "ETag": "B"}]}`, wantErr: "ascending order"},
		{name: "twice", in: `{"Part": [{"PartNumber": 2, "ETag": "A"}, {"PartNumber": 2, "ETag": "B"}]}`, wantErr: "ascending order"},
	}
	for _, tt := range tests {
		got, err := ParseCompleteParts("--parts", []byte(tt.in))
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "--parts") {
				t.Errorf("%s: got %v, %v; want an error starting with the flag and saying %q", tt.name, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %v, %v; want %v", tt.name, got, err, tt.want)
		}
	}
}

func FuzzParseCompleteParts(f *testing.F) {
	f.Add(`<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"A"</ETag></Part></CompleteMultipartUpload>`)
	f.Add(`{"Part": [{"PartNumber": 1, "ETag": "A"}, {"PartNumber": 2, "ETag": "B"}]}`)
	f.Add(`{"Part": {"PartNumber": 1}}`)
	f.Add(`<CompleteMultipartUpload><Part><PartNumber>1</PartNumber></Part>`)
	f.Fuzz(func(t *testing.T, s string) {
		parts, err := ParseCompleteParts("--p", []byte(s))
		if err != nil {
			return
		}
		if len(parts) == 0 {
			t.Fatal("no parts and no error")
		}
		for i, p := range parts {
			if p.PartNumber < 1 || p.PartNumber > MaxPartNumber || strings.TrimSpace(p.ETag) == "" ||
				i > 0 && p.PartNumber <= parts[i-1].PartNumber {
				t.Fatalf("accepted %+v in %q", parts, s)
			}
		}
	})
}
