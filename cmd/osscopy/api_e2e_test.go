package main

// End-to-end tests for `osscopy api`: the binary TestMain builds (see
// server_e2e_test.go) runs the ossutil-compatible API commands against an
// `osscopy server`, configured as a user would (OSS_ENDPOINT, OSS_REGION and
// the keys in the environment), and the tests check what the commands print
// (golden files under testdata/api/, after normalizing what varies) and what
// they did, with the official SDK and the server's access log.

import (
	"bytes"
	"crypto/md5"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"gopkg.in/yaml.v3"

	"github.com/osscopy/osscopy/internal/etag"
	"github.com/osscopy/osscopy/internal/lab/e2e"
	"github.com/osscopy/osscopy/internal/ossapi"
)

// The examples of ossutil's upload-part-copy page, word for word.
var pageExamples = []struct{ name, line string }{
	{"plain", `ossutil api upload-part-copy --bucket examplebucket --key exampleobject --copy-source /srcbucket/srcobject --upload-id 123 --part-number 1`},
	{"json", `ossutil api upload-part-copy --bucket examplebucket --key exampleobject --copy-source /srcbucket/srcobject --upload-id 123 --part-number 1 --output-format json`},
	{"yaml", `ossutil api upload-part-copy --bucket examplebucket --key exampleobject --copy-source /srcbucket/srcobject --upload-id 123 --part-number 1 --output-format yaml`},
	{"range", `ossutil api upload-part-copy --bucket examplebucket --key exampleobject --copy-source /srcbucket/srcobject --upload-id 123 --part-number 1 --copy-source-range bytes=0-9`},
	{"if-match", `ossutil api upload-part-copy --bucket examplebucket --key exampleobject --copy-source /srcbucket/srcobject --upload-id 123 --part-number 1 --copy-source-if-match 123`},
	{"if-unmodified-since", `ossutil api upload-part-copy --bucket examplebucket --key exampleobject --copy-source /srcbucket/srcobject --upload-id 123 --part-number 1 --copy-source-if-unmodified-since "Mon, 11 May 2020 08:16:23 GMT"`},
	{"tagging", `ossutil api upload-part-copy --bucket examplebucket --key exampleobject --copy-source /srcbucket/srcobject --upload-id 123 --part-number 1 --tagging-directive Replace --tagging "TagA=A&TagB=B"`},
}

// pageArgs is the page's example name as arguments after `osscopy api`.
func pageArgs(t *testing.T, name string) []string {
	t.Helper()
	for _, ex := range pageExamples {
		if ex.name == name {
			words := shellWords(ex.line)
			if len(words) < 3 || words[0] != "ossutil" || words[1] != "api" {
				t.Fatalf("example %q does not start with 'ossutil api'", ex.line)
			}
			return words[2:]
		}
	}
	t.Fatalf("no page example %q", name)
	return nil
}

// shellWords splits a command line at spaces outside double quotes, as a
// shell would split the page's examples.
func shellWords(line string) []string {
	var words []string
	var cur strings.Builder
	quoted, inWord := false, false
	for _, r := range line {
		switch {
		case r == '"':
			quoted, inWord = !quoted, true
		case r == ' ' && !quoted:
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}

// withFlags returns args with each flag of kv (name, value pairs) set to
// value: replaced where args has it, appended otherwise, and left out
// when value is "-".
func withFlags(args []string, kv ...string) []string {
	out := slices.Clone(args)
	for i := 0; i+1 < len(kv); i += 2 {
		name, value := kv[i], kv[i+1]
		j := slices.Index(out, name)
		switch {
		case j >= 0 && value == "-":
			out = slices.Delete(out, j, j+2)
		case j >= 0:
			out[j+1] = value
		case value != "-":
			out = append(out, name, value)
		}
	}
	return out
}

// apiRun is a finished `osscopy api ...`.
type apiRun struct {
	args           []string
	stdout, stderr string
	code           int
}

func (a apiRun) String() string {
	return fmt.Sprintf("osscopy %q: exit %d\nstdout:\n%s\nstderr:\n%s", a.args, a.code, a.stdout, a.stderr)
}

// want requires exit status code, and nothing on the stream that status
// must leave empty: stderr after success, stdout after a failure.
func (a apiRun) want(t *testing.T, code int) apiRun {
	t.Helper()
	if a.code != code {
		t.Fatalf("exit status %d, want %d: %v", a.code, code, a)
	}
	if code == 0 && a.stderr != "" || code != 0 && a.stdout != "" {
		t.Fatalf("exit status %d with output on the wrong stream: %v", code, a)
	}
	return a
}

// apiRig is an `osscopy server` (see newCpRig: known keys, access log) that
// api commands reach through the environment.
type apiRig struct{ *cpRig }

func newAPIRig(t *testing.T, args ...string) apiRig { return apiRig{newCpRig(t, args...)} }

// api runs `osscopy api ARGS...` against the rig's server; env is added to
// the rig's environment.
func (r apiRig) api(t *testing.T, env []string, args ...string) apiRun {
	t.Helper()
	args = append([]string{"api"}, args...)
	stdout, stderr, code := runOsscopy(t, r.Env(env...), args...)
	return apiRun{args, stdout, stderr, code}
}

// initiate starts an upload of bucket/key with the api command and returns
// its ID.
func (r apiRig) initiate(t *testing.T, bucket, key string) string {
	t.Helper()
	run := r.api(t, nil, "initiate-multipart-upload", "--bucket", bucket, "--key", key, "--output-format", "json").want(t, 0)
	res := decodeAs[ossapi.InitiateMultipartUploadResult](t, "json", run.stdout)
	if res.Bucket != bucket || res.Key != key || !uploadIDRE.MatchString(res.UploadId) {
		t.Fatalf("initiate-multipart-upload printed %+v, want bucket %s, key %s and an upload ID", res, bucket, key)
	}
	return res.UploadId
}

// parts lists the parts of an upload with the api command.
func (r apiRig) parts(t *testing.T, bucket, key, uploadID string) []ossapi.PartEntry {
	t.Helper()
	run := r.api(t, nil, "list-parts", "--bucket", bucket, "--key", key, "--upload-id", uploadID, "--output-format", "json").want(t, 0)
	res := decodeAs[ossapi.ListPartsResult](t, "json", run.stdout)
	if res.UploadId != uploadID || res.IsTruncated {
		t.Fatalf("list-parts printed upload %s, truncated %v; want all of %s", res.UploadId, res.IsTruncated, uploadID)
	}
	return res.Part
}

// requireNoParts requires that the upload holds no part.
func (r apiRig) requireNoParts(t *testing.T, bucket, key, uploadID string) {
	t.Helper()
	if parts := r.parts(t, bucket, key, uploadID); len(parts) != 0 {
		t.Errorf("list-parts shows %+v, want no part", parts)
	}
}

// uploadIDs lists the IDs of the uploads in progress in bucket with the api
// command.
func (r apiRig) uploadIDs(t *testing.T, bucket string) []string {
	t.Helper()
	run := r.api(t, nil, "list-multipart-uploads", "--bucket", bucket, "--output-format", "json").want(t, 0)
	var ids []string
	for _, u := range decodeAs[ossapi.ListMultipartUploadsResult](t, "json", run.stdout).Upload {
		ids = append(ids, u.UploadId)
	}
	return ids
}

// sdkGet reads an object, or the byte range rng of it, with the SDK.
func (r apiRig) sdkGet(t *testing.T, bucket, key, rng string) []byte {
	t.Helper()
	req := &oss.GetObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key)}
	if rng != "" {
		req.Range = oss.Ptr(rng)
	}
	res, err := r.Client().GetObject(e2e.Ctx(t), req)
	if err != nil {
		t.Fatalf("GetObject %s/%s %s: %v", bucket, key, rng, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("GetObject %s/%s %s: reading: %v", bucket, key, rng, err)
	}
	return b
}

// sdkTags reads an object's tags with the SDK.
func (r apiRig) sdkTags(t *testing.T, bucket, key string) url.Values {
	t.Helper()
	res, err := r.Client().GetObjectTagging(e2e.Ctx(t), &oss.GetObjectTaggingRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key)})
	if err != nil {
		t.Fatalf("GetObjectTagging %s/%s: %v", bucket, key, err)
	}
	tags := url.Values{}
	for _, tag := range res.Tags {
		tags.Add(oss.ToString(tag.Key), oss.ToString(tag.Value))
	}
	return tags
}

// sdkMissing requires that bucket/key does not exist.
func (r apiRig) sdkMissing(t *testing.T, bucket, key string) {
	t.Helper()
	_, err := r.Head(t, bucket, key)
	serviceError(t, "HeadObject "+bucket+"/"+key, err, 404, "")
}

// etagOf is the ETag OSS gives a part or object of these bytes: their MD5.
func etagOf(b []byte) string { return fmt.Sprintf(`"%X"`, md5.Sum(b)) }

// multipartETag is the ETag, quoted, of an object completed from parts
// with these ETags.
func multipartETag(etags ...string) string { return `"` + etag.Multipart(etags...) + `"` }

var (
	uploadIDRE  = regexp.MustCompile(`^[0-9A-F]{24}0{8}$`)
	requestIDRE = regexp.MustCompile(`^[0-9A-F]{24}$`)
)

// apiNormalizers replace what varies from run to run in the output of the
// api commands; what stays (ETags and CRC64s of seeded content, sizes,
// keys, messages) is kept.
var apiNormalizers = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`\b[0-9A-F]{24}0{8}\b`), "<UPLOAD-ID>"}, // the server's upload IDs
	{regexp.MustCompile(`\b[0-9A-F]{24}\b`), "<REQUEST-ID>"},    // request IDs
	{regexp.MustCompile(`\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z\b`), "<TIME>"},
	{regexp.MustCompile(`\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT\b`), "<DATE>"},
	{regexp.MustCompile(`127\.0\.0\.1:\d+`), "127.0.0.1:<PORT>"},
}

// pageDate is the date in the examples of ossutil's page, kept as it is.
const pageDate = "Mon, 11 May 2020 08:16:23 GMT"

func normalizeAPI(s string) string {
	for _, n := range apiNormalizers {
		s = n.re.ReplaceAllStringFunc(s, func(m string) string {
			if m == pageDate {
				return m
			}
			return n.with
		})
	}
	return s
}

// checkAPIGolden compares normalized output with testdata/api/NAME.golden.
func checkAPIGolden(t *testing.T, name, got string) {
	t.Helper()
	checkGolden(t, filepath.Join("testdata", "api", name+".golden"), normalizeAPI(got))
}

// checkAPIGoldenExact compares output that does not vary (help, usage
// errors) with testdata/api/NAME.golden as it is.
func checkAPIGoldenExact(t *testing.T, name, got string) {
	t.Helper()
	checkGolden(t, filepath.Join("testdata", "api", name+".golden"), got)
}

// decodeAs parses what an api command printed in format into T, refusing
// fields T does not have. Raw head-object output and raw errors are
// "Name: value" lines; other raw output is XML.
func decodeAs[T any](t *testing.T, format, out string) T {
	t.Helper()
	var v T
	var err error
	switch format {
	case "json":
		d := json.NewDecoder(strings.NewReader(out))
		d.DisallowUnknownFields()
		err = d.Decode(&v)
	case "yaml":
		d := yaml.NewDecoder(strings.NewReader(out))
		d.KnownFields(true)
		err = d.Decode(&v)
	default:
		switch p := any(&v).(type) {
		case *ossapi.HeadObjectResult:
			*p, err = headerLines(out)
		case *ossapi.ErrorResult:
			var m map[string]string
			if m, err = headerLines(out); err == nil {
				*p, err = errorFromLines(m)
			}
		default:
			err = xml.Unmarshal([]byte(out), &v)
		}
	}
	if err != nil {
		t.Fatalf("output is not %s of a %T: %v\n%s", format, v, err, out)
	}
	return v
}

// headerLines reads "Name: value" lines, each name once.
func headerLines(out string) (map[string]string, error) {
	m := map[string]string{}
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		k, v, ok := strings.Cut(line, ": ")
		if !ok || k == "" {
			return nil, fmt.Errorf("line %q is not Name: value", line)
		}
		if _, dup := m[k]; dup {
			return nil, fmt.Errorf("%s appears twice", k)
		}
		m[k] = v
	}
	return m, nil
}

func errorFromLines(m map[string]string) (ossapi.ErrorResult, error) {
	status, err := strconv.Atoi(m["StatusCode"])
	if err != nil {
		return ossapi.ErrorResult{}, fmt.Errorf("StatusCode %q: %v", m["StatusCode"], err)
	}
	e := ossapi.ErrorResult{StatusCode: status, Code: m["Code"], Message: m["Message"], RequestId: m["RequestId"], EC: m["EC"], Hint: m["Hint"]}
	for k := range m {
		if !slices.Contains([]string{"StatusCode", "Code", "Message", "RequestId", "EC", "Hint"}, k) {
			return e, fmt.Errorf("unknown field %s", k)
		}
	}
	return e, nil
}

// formatOf is the --output-format an api command line asks for.
func formatOf(args []string) string {
	if i := slices.Index(args, "--output-format"); i >= 0 && i+1 < len(args) {
		return args[i+1]
	}
	return "raw"
}

// requireOSSError requires a failed run (exit 1) that printed OSS's error
// status and code, with a message and request ID, in its output format on
// stderr; ec says whether an EC must be there too.
func requireOSSError(t *testing.T, run apiRun, status int, code string, ec bool) ossapi.ErrorResult {
	t.Helper()
	want := 1
	if status == http.StatusNotModified {
		want = exitNotModified
	}
	run.want(t, want)
	e := decodeAs[ossapi.ErrorResult](t, formatOf(run.args), run.stderr)
	if e.StatusCode != status || e.Code != code {
		t.Errorf("error %d %s, want %d %s:\n%s", e.StatusCode, e.Code, status, code, run.stderr)
	}
	if e.Message == "" || !requestIDRE.MatchString(e.RequestId) || e.Hint == "" {
		t.Errorf("error lacks a Message, a RequestId or a Hint: %+v", e)
	}
	if ec && e.EC == "" {
		t.Errorf("error lacks the EC OSS sent: %+v", e)
	}
	return e
}

// httpDate writes t as HTTP does.
func httpDate(t time.Time) string { return t.UTC().Format(http.TimeFormat) }

// TestAPIPageExamples runs every example of ossutil's upload-part-copy page
// (testdata/api/examples/): first as printed, with upload ID 123, which the
// server does not know; then each in an upload of its own, and checks what
// it did: the part's ETag is the MD5 of the copied bytes and list-parts
// shows it; a failed condition (the page's own values) copies nothing; the
// tagging example's tags reach the completed object unless the server runs
// with --ignore-part-copy-tagging.
func TestAPIPageExamples(t *testing.T) {
	t.Parallel()
	const srcSize = 300 << 10
	seed := []string{"--bucket", "examplebucket", "--seed-object", "oss://srcbucket/srcobject=300KiB"}
	r := newAPIRig(t, seed...)
	ignoring := newAPIRig(t, append(seed, "--ignore-part-copy-tagging")...)
	src := r.head(t, "srcbucket", "srcobject")
	srcBytes := r.sdkGet(t, "srcbucket", "srcobject", "")
	first10 := r.sdkGet(t, "srcbucket", "srcobject", "bytes=0-9")
	if len(srcBytes) != srcSize || len(first10) != 10 || !bytes.Equal(first10, srcBytes[:10]) {
		t.Fatalf("GetObject: %d bytes, range bytes=0-9: %d bytes; want %d and the first 10", len(srcBytes), len(first10), srcSize)
	}
	if oss.ToString(src.ETag) != etagOf(srcBytes) || src.LastModified == nil {
		t.Fatalf("the source's ETag %s is not the MD5 of its bytes %s, or it has no Last-Modified", oss.ToString(src.ETag), etagOf(srcBytes))
	}
	srcETag, modified := oss.ToString(src.ETag), *src.LastModified

	t.Run("upload-id-123", func(t *testing.T) {
		t.Parallel()
		for _, ex := range pageExamples {
			t.Run(ex.name, func(t *testing.T) {
				t.Parallel()
				run := r.api(t, nil, pageArgs(t, ex.name)...)
				e := requireOSSError(t, run, 404, "NoSuchUpload", true)
				if !strings.Contains(e.Hint, "list-multipart-uploads") {
					t.Errorf("the hint %q does not say how to find the open uploads", e.Hint)
				}
				checkAPIGolden(t, "examples/"+ex.name+"-upload-id-123", run.stderr)
			})
		}
	})

	type outcome struct {
		code     int    // exit status
		errCode  string // OSS's error code, when code is 1
		etag     string // of the part, when copied
		size     int64
		tags     url.Values // of the completed object; nil: do not complete
		ignoring bool       // run against the server with --ignore-part-copy-tagging
	}
	copied := outcome{etag: srcETag, size: srcSize}
	for _, tc := range []struct {
		name, example string
		flags         []string // set on the example's line (see withFlags)
		want          outcome
	}{
		{"plain", "plain", nil, copied},
		{"json", "json", nil, copied},
		{"yaml", "yaml", nil, copied},
		{"range", "range", nil, outcome{etag: etagOf(first10), size: 10}},
		{"if-match", "if-match", nil, outcome{code: 1, errCode: "PreconditionFailed"}},
		{"if-match-source-etag", "if-match", []string{"--copy-source-if-match", srcETag}, copied},
		{"if-unmodified-since", "if-unmodified-since", nil, outcome{code: 1, errCode: "PreconditionFailed"}},
		{"if-unmodified-since-later", "if-unmodified-since", []string{"--copy-source-if-unmodified-since", httpDate(modified.Add(time.Hour))}, copied},
		{"tagging", "tagging", nil, outcome{etag: srcETag, size: srcSize, tags: url.Values{"TagA": {"A"}, "TagB": {"B"}}}},
		{"tagging-ignored", "tagging", nil, outcome{etag: srcETag, size: srcSize, tags: url.Values{}, ignoring: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rig := r
			if tc.want.ignoring {
				rig = ignoring
			}
			id := rig.initiate(t, "examplebucket", "exampleobject")
			args := withFlags(pageArgs(t, tc.example), append([]string{"--upload-id", id}, tc.flags...)...)
			run := rig.api(t, nil, args...)
			if tc.want.code != 0 {
				requireOSSError(t, run, 412, tc.want.errCode, false)
				checkAPIGolden(t, "examples/"+tc.name, run.stderr)
				rig.requireNoParts(t, "examplebucket", "exampleobject", id)
				return
			}
			run.want(t, 0)
			checkAPIGolden(t, "examples/"+tc.name, run.stdout)
			res := decodeAs[ossapi.UploadPartCopyResult](t, formatOf(args), run.stdout)
			if res.ETag != tc.want.etag {
				t.Errorf("the part's ETag is %s, want %s, the MD5 of the %d bytes copied", res.ETag, tc.want.etag, tc.want.size)
			}
			if _, err := time.Parse("2006-01-02T15:04:05.000Z", res.LastModified); err != nil {
				t.Errorf("LastModified %q: %v", res.LastModified, err)
			}
			parts := rig.parts(t, "examplebucket", "exampleobject", id)
			if len(parts) != 1 || parts[0].PartNumber != 1 || parts[0].Size != tc.want.size || parts[0].ETag != res.ETag {
				t.Fatalf("list-parts shows %+v, want part 1 of %d bytes with ETag %s", parts, tc.want.size, res.ETag)
			}
			if tc.want.tags == nil {
				return
			}
			rig.api(t, nil, "complete-multipart-upload", "--bucket", "examplebucket", "--key", "exampleobject", "--upload-id", id,
				"--complete-all", "yes").want(t, 0)
			if got := rig.sdkTags(t, "examplebucket", "exampleobject"); !reflect.DeepEqual(got, tc.want.tags) {
				t.Errorf("the completed object's tags are %v, want %v", got, tc.want.tags)
			}
		})
	}
}

// TestAPINotModified: a condition that holds with 304 Not Modified (an
// if-none-match of the ETag, an if-modified-since after Last-Modified)
// exits 3 saying nothing was done, and nothing was (no part, no object);
// the opposite conditions do it.
func TestAPINotModified(t *testing.T) {
	t.Parallel()
	r := newAPIRig(t, "--bucket", "examplebucket", "--seed-object", "oss://srcbucket/srcobject=300KiB")
	src := r.head(t, "srcbucket", "srcobject")
	etag, later := oss.ToString(src.ETag), httpDate(src.LastModified.Add(time.Hour))
	const earlier = pageDate
	upc := func(flags ...string) []string { return withFlags(pageArgs(t, "plain"), flags...) }
	head := []string{"head-object", "--bucket", "srcbucket", "--key", "srcobject"}
	copyObject := []string{"copy-object", "--bucket", "examplebucket", "--key", "KEY", "--copy-source", "srcbucket/srcobject"}
	for _, tc := range []struct {
		name string
		args []string // --upload-id and copy-object's --key are set by the test
		code int
		says string // in the message of a 304
	}{
		{"upload-part-copy-if-none-match", upc("--copy-source-if-none-match", etag), 3, "part 1 was not copied"},
		{"upload-part-copy-if-none-match-json", upc("--copy-source-if-none-match", strings.Trim(etag, `"`), "--output-format", "json"), 3, "part 1 was not copied"},
		{"upload-part-copy-if-modified-since", upc("--copy-source-if-modified-since", later), 3, "part 1 was not copied"},
		{"upload-part-copy-if-modified-since-yaml", upc("--copy-source-if-modified-since", later, "--output-format", "yaml"), 3, "part 1 was not copied"},
		{"upload-part-copy-if-none-match-other", upc("--copy-source-if-none-match", `"0123456789ABCDEF0123456789ABCDEF"`), 0, ""},
		{"upload-part-copy-if-modified-since-earlier", upc("--copy-source-if-modified-since", earlier), 0, ""},
		{"head-object-if-none-match", append(head, "--if-none-match", etag), 3, "the object's ETag matches --if-none-match"},
		{"head-object-if-modified-since", append(head, "--if-modified-since", later), 3, "not modified since --if-modified-since"},
		{"head-object-if-none-match-other", append(head, "--if-none-match", `"0123456789ABCDEF0123456789ABCDEF"`), 0, ""},
		{"copy-object-if-none-match", append(slices.Clone(copyObject), "--copy-source-if-none-match", etag), 3, "nothing was copied"},
		{"copy-object-if-modified-since", append(slices.Clone(copyObject), "--copy-source-if-modified-since", later), 3, "nothing was copied"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args, id := tc.args, ""
			switch args[0] {
			case "upload-part-copy":
				id = r.initiate(t, "examplebucket", "exampleobject")
				args = withFlags(args, "--upload-id", id)
			case "copy-object":
				args = withFlags(args, "--key", tc.name)
			}
			run := r.api(t, nil, args...)
			if tc.code == 0 {
				run.want(t, 0)
			} else {
				e := requireOSSError(t, run, 304, "NotModified", false)
				if !strings.Contains(e.Message, tc.says) {
					t.Errorf("the message %q does not say %q", e.Message, tc.says)
				}
				checkAPIGolden(t, "not-modified/"+tc.name, run.stderr)
			}
			switch args[0] {
			case "upload-part-copy":
				wantParts := 1
				if tc.code == exitNotModified {
					wantParts = 0
				}
				if parts := r.parts(t, "examplebucket", "exampleobject", id); len(parts) != wantParts {
					t.Errorf("list-parts shows %+v after exit status %d, want %d parts", parts, tc.code, wantParts)
				}
			case "copy-object":
				r.sdkMissing(t, "examplebucket", tc.name)
			case "head-object":
				if tc.code == 0 && !strings.Contains(run.stdout, "Etag: "+etag+"\n") {
					t.Errorf("head-object printed %q, want the Etag line", run.stdout)
				}
			}
		})
	}
}

// TestAPIWorkflow copies an object by hand, three times: initiate, three
// upload-part-copy of consecutive ranges covering the source (100 KiB, 100
// KiB, the rest), list-parts, complete (with list-parts' JSON output fed
// back from a file, with an inline XML document, with --complete-all yes),
// head-object; each run prints in another output format
// (testdata/api/workflow/). The copy has the source's size, CRC64 and bytes,
// and the upload is gone.
func TestAPIWorkflow(t *testing.T) {
	t.Parallel()
	const size = 311521
	r := newAPIRig(t, "--bucket", "examplebucket", "--seed-object", fmt.Sprintf("oss://srcbucket/workflow.bin=%d", size))
	srcBytes := r.sdkGet(t, "srcbucket", "workflow.bin", "")
	srcCRC := oss.ToString(r.head(t, "srcbucket", "workflow.bin").HashCRC64)
	if len(srcBytes) != size || srcCRC == "" {
		t.Fatalf("the source has %d bytes and CRC64 %q, want %d and one", len(srcBytes), srcCRC, size)
	}
	ranges := [][2]int{{0, 102399}, {102400, 204799}, {204800, size - 1}}
	for _, tc := range []struct{ name, format string }{
		{"list-parts-json-file", "json"},
		{"inline-xml", "raw"},
		{"complete-all", "yaml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			key := "copies/" + tc.name + ".bin"
			obj := []string{"--bucket", "examplebucket", "--key", key}
			do := func(step string, args ...string) string {
				t.Helper()
				run := r.api(t, nil, append(args, "--output-format", tc.format)...).want(t, 0)
				checkAPIGolden(t, "workflow/"+tc.name+"/"+step, run.stdout)
				return run.stdout
			}

			out := do("initiate", append([]string{"initiate-multipart-upload"}, obj...)...)
			id := decodeAs[ossapi.InitiateMultipartUploadResult](t, tc.format, out).UploadId
			if !uploadIDRE.MatchString(id) {
				t.Fatalf("initiate-multipart-upload printed upload ID %q", id)
			}
			withID := append(slices.Clone(obj), "--upload-id", id)

			var etags []string
			for i, rg := range ranges {
				n := strconv.Itoa(i + 1)
				out := do("upload-part-copy-"+n, append([]string{"upload-part-copy", "--copy-source", "/srcbucket/workflow.bin",
					"--part-number", n, "--copy-source-range", fmt.Sprintf("bytes=%d-%d", rg[0], rg[1])}, withID...)...)
				res := decodeAs[ossapi.UploadPartCopyResult](t, tc.format, out)
				if want := etagOf(srcBytes[rg[0] : rg[1]+1]); res.ETag != want {
					t.Errorf("part %s: ETag %s, want %s, the MD5 of bytes %d-%d", n, res.ETag, want, rg[0], rg[1])
				}
				etags = append(etags, res.ETag)
			}

			listed := do("list-parts", append([]string{"list-parts"}, withID...)...)
			list := decodeAs[ossapi.ListPartsResult](t, tc.format, listed)
			if len(list.Part) != len(ranges) || list.IsTruncated {
				t.Fatalf("list-parts shows %d parts (truncated: %v), want %d", len(list.Part), list.IsTruncated, len(ranges))
			}
			for i, p := range list.Part {
				if want := int64(ranges[i][1] - ranges[i][0] + 1); p.PartNumber != int32(i+1) || p.Size != want || p.ETag != etags[i] {
					t.Errorf("list-parts shows part %d of %d bytes with ETag %s, want part %d of %d with %s", p.PartNumber, p.Size, p.ETag, i+1, want, etags[i])
				}
			}

			complete := append([]string{"complete-multipart-upload"}, withID...)
			switch tc.name {
			case "list-parts-json-file":
				path := filepath.Join(t.TempDir(), "parts.json")
				if err := os.WriteFile(path, []byte(listed), 0o600); err != nil {
					t.Fatal(err)
				}
				complete = append(complete, "--complete-multipart-upload", "file://"+path)
			case "inline-xml":
				var doc strings.Builder
				doc.WriteString("<CompleteMultipartUpload>")
				for i, e := range etags {
					fmt.Fprintf(&doc, "<Part><PartNumber>%d</PartNumber><ETag>%s</ETag></Part>", i+1, e)
				}
				doc.WriteString("</CompleteMultipartUpload>")
				complete = append(complete, "--complete-multipart-upload", doc.String())
			default:
				complete = append(complete, "--complete-all", "yes")
			}
			done := decodeAs[ossapi.CompleteMultipartUploadResult](t, tc.format, do("complete-multipart-upload", complete...))
			if want := multipartETag(etags...); done.ETag != want || done.HashCrc64ecma != srcCRC || done.Key != key ||
				done.Bucket != "examplebucket" || done.Location != r.Endpoint+"/examplebucket/"+url.QueryEscape(key) {
				t.Errorf("complete-multipart-upload printed %+v, want ETag %s, the source's CRC64 %s, and the object's bucket, key and location", done, want, srcCRC)
			}

			head := decodeAs[ossapi.HeadObjectResult](t, tc.format, do("head-object", append([]string{"head-object"}, obj...)...))
			if head["X-Oss-Hash-Crc64ecma"] != srcCRC || head["Content-Length"] != strconv.Itoa(size) ||
				head["Etag"] != done.ETag || head["X-Oss-Object-Type"] != "Multipart" {
				t.Errorf("head-object printed %v, want the source's CRC64 %s and size %d, ETag %s, type Multipart", head, srcCRC, size, done.ETag)
			}
			if got := r.sdkGet(t, "examplebucket", key, ""); !bytes.Equal(got, srcBytes) {
				t.Errorf("the copy's %d bytes differ from the source's %d", len(got), len(srcBytes))
			}
			requireOSSError(t, r.api(t, nil, append([]string{"list-parts"}, withID...)...), 404, "NoSuchUpload", true)
			if slices.Contains(r.uploadIDs(t, "examplebucket"), id) {
				t.Errorf("list-multipart-uploads still lists the completed upload %s", id)
			}
		})
	}
}

// TestAPIAbortMultipartUpload: abort prints nothing and drops the upload
// (list-multipart-uploads no longer lists it, its parts are gone, it takes
// no parts); another upload stays; aborting twice is NoSuchUpload.
func TestAPIAbortMultipartUpload(t *testing.T) {
	t.Parallel()
	r := newAPIRig(t, "--bucket", "examplebucket", "--seed-object", "oss://srcbucket/srcobject=300KiB")
	doomed, kept := r.initiate(t, "examplebucket", "doomed"), r.initiate(t, "examplebucket", "kept")
	upc := withFlags(pageArgs(t, "plain"), "--key", "doomed", "--upload-id", doomed)
	r.api(t, nil, upc...).want(t, 0)
	if ids := r.uploadIDs(t, "examplebucket"); !slices.Contains(ids, doomed) || !slices.Contains(ids, kept) {
		t.Fatalf("list-multipart-uploads lists %q, want both %s and %s", ids, doomed, kept)
	}
	abort := []string{"abort-multipart-upload", "--bucket", "examplebucket", "--key", "doomed", "--upload-id", doomed}
	if run := r.api(t, nil, abort...).want(t, 0); run.stdout != "" {
		t.Errorf("abort-multipart-upload printed %q, want nothing", run.stdout)
	}
	if ids := r.uploadIDs(t, "examplebucket"); !slices.Equal(ids, []string{kept}) {
		t.Errorf("after the abort list-multipart-uploads lists %q, want only %s", ids, kept)
	}
	requireOSSError(t, r.api(t, nil, "list-parts", "--bucket", "examplebucket", "--key", "doomed", "--upload-id", doomed), 404, "NoSuchUpload", true)
	requireOSSError(t, r.api(t, nil, upc...), 404, "NoSuchUpload", true)
	run := r.api(t, nil, append(abort, "--output-format", "json")...)
	requireOSSError(t, run, 404, "NoSuchUpload", true)
	checkAPIGolden(t, "abort/again", run.stderr)
}

// TestAPIListMultipartUploads: --prefix picks keys, --delimiter groups them
// under CommonPrefixes, --max-uploads and --key-marker page
// (testdata/api/list-uploads/).
func TestAPIListMultipartUploads(t *testing.T) {
	t.Parallel()
	r := newAPIRig(t, "--bucket", "examplebucket")
	keys := []string{"backups/a/1", "backups/a/2", "backups/b/1", "backups/c", "other"}
	ids := map[string]string{}
	for _, k := range keys {
		ids[k] = r.initiate(t, "examplebucket", k)
	}
	list := []string{"list-multipart-uploads", "--bucket", "examplebucket"}
	for _, tc := range []struct {
		name      string
		flags     []string
		uploads   []string // keys
		prefixes  []string
		truncated bool
	}{
		{"all", nil, keys, nil, false},
		{"prefix", []string{"--prefix", "backups/"}, keys[:4], nil, false},
		{"prefix-delimiter", []string{"--prefix", "backups/", "--delimiter", "/"}, []string{"backups/c"}, []string{"backups/a/", "backups/b/"}, false},
		{"prefix-delimiter-json", []string{"--prefix", "backups/", "--delimiter", "/", "--output-format", "json"}, []string{"backups/c"}, []string{"backups/a/", "backups/b/"}, false},
		{"prefix-delimiter-yaml", []string{"--prefix", "backups/", "--delimiter", "/", "--output-format", "yaml"}, []string{"backups/c"}, []string{"backups/a/", "backups/b/"}, false},
		{"delimiter", []string{"--delimiter", "/", "--output-format", "json"}, []string{"other"}, []string{"backups/"}, false},
		{"max-uploads", []string{"--max-uploads", "2", "--output-format", "json"}, keys[:2], nil, true},
		{"key-marker", []string{"--max-uploads", "2", "--key-marker", "backups/a/2", "--output-format", "json"}, keys[2:4], nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := append(slices.Clone(list), tc.flags...)
			run := r.api(t, nil, args...).want(t, 0)
			checkAPIGolden(t, "list-uploads/"+tc.name, run.stdout)
			res := decodeAs[ossapi.ListMultipartUploadsResult](t, formatOf(args), run.stdout)
			var uploads, prefixes []string
			for _, u := range res.Upload {
				uploads = append(uploads, u.Key)
				if u.UploadId != ids[u.Key] {
					t.Errorf("upload of %s has ID %s, want %s", u.Key, u.UploadId, ids[u.Key])
				}
			}
			for _, p := range res.CommonPrefixes {
				prefixes = append(prefixes, p.Prefix)
			}
			if !slices.Equal(uploads, tc.uploads) || !slices.Equal(prefixes, tc.prefixes) || res.IsTruncated != tc.truncated {
				t.Errorf("uploads %q, CommonPrefixes %q, truncated %v; want %q, %q, %v", uploads, prefixes, res.IsTruncated, tc.uploads, tc.prefixes, tc.truncated)
			}
			if tc.truncated && res.NextKeyMarker != uploads[len(uploads)-1] {
				t.Errorf("NextKeyMarker %q, want the last key listed", res.NextKeyMarker)
			}
		})
	}
}

// TestAPICopyObject: copy-object of a small object, its key URL-encoded in
// --copy-source, keeps the source's Content-Type and metadata by default and
// takes the given ones with --metadata-directive REPLACE, as head-object
// shows (testdata/api/copy-object/); the bytes are the source's.
func TestAPICopyObject(t *testing.T) {
	t.Parallel()
	r := newAPIRig(t, "--bucket", "examplebucket", "--bucket", "srcbucket")
	body := bytes.Repeat([]byte("osscopy api copy-object\n"), 100)
	if _, err := r.Client().PutObject(e2e.Ctx(t), &oss.PutObjectRequest{Bucket: oss.Ptr("srcbucket"), Key: oss.Ptr("dir/a b+c 中.txt"),
		Body: bytes.NewReader(body), ContentType: oss.Ptr("text/x-source"), Metadata: map[string]string{"owner": "bob"}}); err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	srcCRC := oss.ToString(r.head(t, "srcbucket", "dir/a b+c 中.txt").HashCRC64)
	replace := []string{"--metadata-directive", "REPLACE", "--metadata", "Owner=alice", "--metadata", "project=osscopy", "--content-type", "text/plain"}
	for _, tc := range []struct {
		name, format string
		flags        []string
		contentType  string
		meta         map[string]string // X-Oss-Meta-* headers
	}{
		{"copy", "raw", nil, "text/x-source", map[string]string{"X-Oss-Meta-Owner": "bob"}},
		{"replace", "raw", replace, "text/plain", map[string]string{"X-Oss-Meta-Owner": "alice", "X-Oss-Meta-Project": "osscopy"}},
		{"replace-json", "json", replace, "text/plain", map[string]string{"X-Oss-Meta-Owner": "alice", "X-Oss-Meta-Project": "osscopy"}},
		{"replace-yaml", "yaml", replace, "text/plain", map[string]string{"X-Oss-Meta-Owner": "alice", "X-Oss-Meta-Project": "osscopy"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			key := "copy-" + tc.name
			args := append([]string{"copy-object", "--bucket", "examplebucket", "--key", key, "--copy-source", "srcbucket/dir%2Fa%20b%2Bc%20%E4%B8%AD.txt",
				"--output-format", tc.format}, tc.flags...)
			run := r.api(t, nil, args...).want(t, 0)
			checkAPIGolden(t, "copy-object/"+tc.name, run.stdout)
			res := decodeAs[ossapi.CopyObjectResult](t, tc.format, run.stdout)
			if res.ETag != etagOf(body) || res.HashCrc64ecma != srcCRC {
				t.Errorf("copy-object printed %+v, want ETag %s and CRC64 %s", res, etagOf(body), srcCRC)
			}
			run = r.api(t, nil, "head-object", "--bucket", "examplebucket", "--key", key, "--output-format", tc.format).want(t, 0)
			checkAPIGolden(t, "copy-object/"+tc.name+"-head-object", run.stdout)
			head := decodeAs[ossapi.HeadObjectResult](t, tc.format, run.stdout)
			meta := map[string]string{}
			for k, v := range head {
				if strings.HasPrefix(k, "X-Oss-Meta-") {
					meta[k] = v
				}
			}
			if head["Content-Type"] != tc.contentType || !reflect.DeepEqual(meta, tc.meta) || head["Content-Length"] != strconv.Itoa(len(body)) {
				t.Errorf("head-object printed %v, want Content-Type %s, metadata %v, Content-Length %d", head, tc.contentType, tc.meta, len(body))
			}
			if got := r.sdkGet(t, "examplebucket", key, ""); !bytes.Equal(got, body) {
				t.Errorf("the copy's bytes differ from the source's")
			}
		})
	}
}

// TestAPIErrorOutput: an OSS error prints StatusCode, Code, Message,
// RequestId, EC and a hint in the output format on stderr and exits 1
// (testdata/api/errors/); an error without an answer from OSS is one line
// and a hint.
func TestAPIErrorOutput(t *testing.T) {
	t.Parallel()
	r := newAPIRig(t, "--bucket", "examplebucket", "--seed-object", "oss://srcbucket/srcobject=300KiB")
	for _, tc := range []struct {
		name   string
		args   []string
		env    []string
		status int
		code   string
	}{
		{"head-object-no-such-key", []string{"head-object", "--bucket", "examplebucket", "--key", "nosuch"}, nil, 404, "NoSuchKey"},
		{"head-object-no-such-key-json", []string{"head-object", "--bucket", "examplebucket", "--key", "nosuch", "--output-format", "json"}, nil, 404, "NoSuchKey"},
		{"head-object-no-such-key-yaml", []string{"head-object", "--bucket", "examplebucket", "--key", "nosuch", "--output-format", "yaml"}, nil, 404, "NoSuchKey"},
		{"list-parts-no-such-upload-json", []string{"list-parts", "--bucket", "examplebucket", "--key", "k", "--upload-id", "123", "--output-format", "json"}, nil, 404, "NoSuchUpload"},
		{"complete-no-such-upload-yaml", []string{"complete-multipart-upload", "--bucket", "examplebucket", "--key", "k", "--upload-id", "123",
			"--complete-all", "yes", "--output-format", "yaml"}, nil, 404, "NoSuchUpload"},
		{"copy-object-no-such-source", []string{"copy-object", "--bucket", "examplebucket", "--key", "k", "--copy-source", "srcbucket/nosuch"}, nil, 404, "NoSuchKey"},
		{"upload-part-copy-no-such-bucket-json", withFlags(pageArgs(t, "json"), "--bucket", "nosuchbucket"), nil, 404, "NoSuchBucket"},
		{"initiate-wrong-secret", []string{"initiate-multipart-upload", "--bucket", "examplebucket", "--key", "k"},
			[]string{"OSS_ACCESS_KEY_SECRET=wrong"}, 403, "SignatureDoesNotMatch"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			run := r.api(t, tc.env, tc.args...)
			requireOSSError(t, run, tc.status, tc.code, true)
			checkAPIGolden(t, "errors/"+tc.name, run.stderr)
		})
	}
	t.Run("no-answer", func(t *testing.T) {
		t.Parallel()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		closed := "http://" + ln.Addr().String()
		ln.Close()
		run := r.api(t, []string{"OSS_ENDPOINT=" + closed}, "head-object", "--bucket", "examplebucket", "--key", "k", "--retry-times", "0",
			"--output-format", "json").want(t, 1)
		lines := strings.Split(strings.TrimSuffix(run.stderr, "\n"), "\n")
		if len(lines) != 2 || !strings.HasPrefix(lines[0], "osscopy: HeadObject of oss://examplebucket/k: ") ||
			!strings.Contains(lines[0], "connection refused") || !strings.HasPrefix(lines[1], "osscopy: hint: ") {
			t.Errorf("stderr %q, want one line naming the request and saying the connection was refused, then a hint", run.stderr)
		}
	})
}

// TestAPIUsageErrors: every flag is checked before a request is sent: each
// mistake exits 2 with one line on stderr (testdata/api/usage/NAME.golden),
// and the server the environment points at sees no request, though it sees
// the one valid command run last.
func TestAPIUsageErrors(t *testing.T) {
	t.Parallel()
	r := newAPIRig(t, "--bucket", "examplebucket", "--seed-object", "oss://srcbucket/srcobject=300KiB")
	upc := func(flags ...string) []string { return withFlags(pageArgs(t, "plain"), flags...) }
	complete := func(flags ...string) []string {
		return append([]string{"complete-multipart-upload", "--bucket", "examplebucket", "--key", "exampleobject", "--upload-id", "123"}, flags...)
	}
	elevenTags := "a=1&b=2&c=3&d=4&e=5&f=6&g=7&h=8&i=9&j=10&k=11"
	t.Run("cases", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			args []string // after api
		}{
			{"part-number-0", upc("--part-number", "0")},
			{"part-number-10001", upc("--part-number", "10001")},
			{"part-number-abc", upc("--part-number", "abc")},
			{"part-number-space", upc("--part-number", " 1")},
			{"range-reversed", upc("--copy-source-range", "bytes=9-0")},
			{"range-no-unit", upc("--copy-source-range", "0-9")},
			{"range-suffix", upc("--copy-source-range", "bytes=-5")},
			{"range-letters", upc("--copy-source-range", "bytes=a-b")},
			{"date-yesterday", upc("--copy-source-if-modified-since", "yesterday")},
			{"date-month-13", upc("--copy-source-if-unmodified-since", "2020-13-01")},
			{"metadata-directive-keep", upc("--metadata-directive", "KEEP")},
			{"tagging-directive-keep", upc("--tagging-directive", "KEEP")},
			{"tagging-bad-escape", upc("--tagging-directive", "Replace", "--tagging", "a=%zz")},
			{"tagging-no-equals", upc("--tagging-directive", "Replace", "--tagging", "noequals")},
			{"tagging-11-tags", upc("--tagging-directive", "Replace", "--tagging", elevenTags)},
			{"tagging-without-directive", upc("--tagging", "TagA=A")},
			{"copy-source-bucket-only", upc("--copy-source", "srcbucket")},
			{"copy-source-empty-key", upc("--copy-source", "/srcbucket/")},
			{"copy-source-bad-escape", upc("--copy-source", "srcbucket/a%zz")},
			{"copy-source-bad-bucket", upc("--copy-source", "Bad_Bucket/key")},
			{"copy-source-query", upc("--copy-source", "b/k?foo=1")},
			{"copy-source-query-not-version", upc("--copy-source", "srcbucket/k?foo=1")},
			{"missing-bucket", upc("--bucket", "-")},
			{"missing-key", upc("--key", "-")},
			{"missing-upload-id", upc("--upload-id", "-")},
			{"missing-copy-source", upc("--copy-source", "-")},
			{"missing-part-number", upc("--part-number", "-")},
			{"output-format-xml", upc("--output-format", "xml")},
			{"retry-times-negative", upc("--retry-times", "-1")},
			{"unknown-flag", upc("--no-such-flag", "1")},
			{"argument", append(upc(), "extra")},
			{"unknown-command", []string{"bogus"}},
			{"complete-neither", complete()},
			{"complete-both", complete("--complete-all", "yes", "--complete-multipart-upload", `{"Part":[{"PartNumber":1,"ETag":"\"A\""}]}`)},
			{"complete-all-no", complete("--complete-all", "no")},
			{"complete-malformed-json", complete("--complete-multipart-upload", `{"Part":[{"PartNumber":1,"ETag":"\"A\""}`)},
			{"complete-malformed-xml", complete("--complete-multipart-upload", `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>`)},
			{"complete-out-of-order", complete("--complete-multipart-upload",
				`<CompleteMultipartUpload><Part><PartNumber>2</PartNumber><ETag>"B"</ETag></Part><Part><PartNumber>1</PartNumber><ETag>"A"</ETag></Part></CompleteMultipartUpload>`)},
			{"complete-duplicate-part", complete("--complete-multipart-upload", `{"Part":[{"PartNumber":1,"ETag":"A"},{"PartNumber":1,"ETag":"A"}]}`)},
			{"complete-no-parts", complete("--complete-multipart-upload", `{"Part":[]}`)},
			{"complete-missing-file", complete("--complete-multipart-upload", "file://no-such-parts.json")},
			{"initiate-storage-class", []string{"initiate-multipart-upload", "--bucket", "examplebucket", "--key", "k", "--storage-class", "Gold"}},
			{"copy-object-tagging-without-directive", []string{"copy-object", "--bucket", "examplebucket", "--key", "k", "--copy-source", "srcbucket/srcobject", "--tagging", "a=b"}},
			{"head-object-missing-key", []string{"head-object", "--bucket", "examplebucket"}},
			{"head-object-date", []string{"head-object", "--bucket", "examplebucket", "--key", "k", "--if-modified-since", "yesterday"}},
			{"abort-missing-upload-id", []string{"abort-multipart-upload", "--bucket", "examplebucket", "--key", "k"}},
			{"list-parts-max-parts-0", []string{"list-parts", "--bucket", "examplebucket", "--key", "k", "--upload-id", "123", "--max-parts", "0"}},
			{"list-uploads-bad-bucket", []string{"list-multipart-uploads", "--bucket", "Bad_Bucket"}},
			// Control characters in what goes into a header or a query.
			{"control-char-upload-id", upc("--upload-id", "123\n")},
			{"control-char-copy-source", upc("--copy-source", "srcbucket/srcobject\r\n")},
			{"control-char-copy-source-version", upc("--copy-source", "srcbucket/srcobject?versionId=v%0A1")},
			{"control-char-tagging", upc("--tagging-directive", "Replace", "--tagging", "TagA=A\n")},
			{"control-char-if-match", upc("--copy-source-if-match", "\"etag\"\n")},
			{"control-char-metadata", []string{"copy-object", "--bucket", "examplebucket", "--key", "k", "--copy-source", "srcbucket/srcobject",
				"--metadata-directive", "REPLACE", "--metadata", "owner=alice\x01"}},
			{"control-char-content-type", []string{"initiate-multipart-upload", "--bucket", "examplebucket", "--key", "k", "--content-type", "text/plain\n"}},
			{"control-char-key-marker", []string{"list-multipart-uploads", "--bucket", "examplebucket", "--key-marker", "a\tb"}},
			{"control-char-version-id", []string{"head-object", "--bucket", "examplebucket", "--key", "k", "--version-id", "v\x7f"}},
			{"metadata-key-underscore", []string{"initiate-multipart-upload", "--bucket", "examplebucket", "--key", "k", "--metadata", "my_key=v"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				run := r.api(t, nil, tc.args...).want(t, 2)
				if !strings.HasPrefix(run.stderr, "osscopy: ") || strings.Count(run.stderr, "\n") != 1 {
					t.Errorf("stderr %q, want one line starting with \"osscopy: \"", run.stderr)
				}
				checkAPIGoldenExact(t, "usage/"+tc.name, run.stderr)
			})
		}
	})
	// The environment does reach the server: a valid command is one request.
	r.api(t, nil, "head-object", "--bucket", "srcbucket", "--key", "srcobject").want(t, 0)
	r.Stop(t)
	if log := r.Log(t); len(log) != 1 || log[0].Op != "HeadObject" {
		t.Errorf("the access log shows %+v, want only the HeadObject of the valid command: usage errors send nothing", log)
	}
}

// TestAPIHelp: `osscopy api --help` lists every api command, and each
// command's --help lists every flag with its meaning; all match
// testdata/api/help/NAME.golden. upload-part-copy has every flag of
// ossutil's page.
func TestAPIHelp(t *testing.T) {
	t.Parallel()
	api := newAPICommand()
	var names []string
	for _, sub := range api.Commands() {
		names = append(names, sub.Name())
	}
	want := []string{"abort-multipart-upload", "complete-multipart-upload", "copy-object", "head-object", "initiate-multipart-upload",
		"list-multipart-uploads", "list-parts", "upload-part-copy"}
	if !slices.Equal(names, want) {
		t.Fatalf("api commands %q, want %q", names, want)
	}
	t.Run("api", func(t *testing.T) {
		t.Parallel()
		stdout, stderr, code := runOsscopy(t, e2e.ChildEnv(), "api", "--help")
		if code != 0 || stderr != "" {
			t.Fatalf("exit status %d, stderr %q; want 0 and nothing", code, stderr)
		}
		for _, sub := range api.Commands() {
			if !regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(sub.Name()) + ` +` + regexp.QuoteMeta(sub.Short) + `$`).MatchString(stdout) {
				t.Errorf("--help does not list %s with %q", sub.Name(), sub.Short)
			}
		}
		checkAPIGoldenExact(t, "help/api", stdout)
	})
	for _, sub := range api.Commands() {
		t.Run(sub.Name(), func(t *testing.T) {
			t.Parallel()
			stdout, stderr, code := runOsscopy(t, e2e.ChildEnv(), "api", sub.Name(), "--help")
			if code != 0 || stderr != "" {
				t.Fatalf("exit status %d, stderr %q; want 0 and nothing", code, stderr)
			}
			usages := flagUsages(sub.Flags().VisitAll)
			if len(usages) < 12 {
				t.Fatalf("found only flags %v", usages)
			}
			for name, usage := range usages {
				line := regexp.MustCompile(`(?m)^ +(-., )?--` + regexp.QuoteMeta(name) + ` .*$`).FindString(stdout)
				if strings.TrimSpace(usage) == "" || !strings.Contains(line, usage) {
					t.Errorf("--help lists --%s as %q, want it with its meaning %q", name, line, usage)
				}
			}
			if sub.Example == "" || !strings.Contains(stdout, "Examples:\n") || !strings.Contains(stdout, "-h, --help") {
				t.Errorf("--help has no examples or no -h, --help")
			}
			if sub.Name() == "upload-part-copy" {
				for _, f := range []string{"bucket", "copy-source", "key", "part-number", "upload-id", "copy-source-if-match",
					"copy-source-if-modified-since", "copy-source-if-none-match", "copy-source-if-unmodified-since", "copy-source-range",
					"metadata-directive", "tagging", "tagging-directive", "output-format"} {
					if _, ok := usages[f]; !ok {
						t.Errorf("upload-part-copy has no --%s, which ossutil's page lists", f)
					}
				}
			}
			checkAPIGoldenExact(t, "help/"+sub.Name(), stdout)
		})
	}
}
