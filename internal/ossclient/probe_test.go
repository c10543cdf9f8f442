package ossclient

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/osscopy/osscopy/internal/lab/ossserver"
	"github.com/osscopy/osscopy/internal/lab/osstest"
	"github.com/osscopy/osscopy/internal/ossapi"
	"github.com/osscopy/osscopy/internal/osserr"
)

// answering is an endpoint that answers every request with status, the
// headers and body: what a proxy, a web server or another store says.
func answering(t *testing.T, status int, header map[string]string, body string) string {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}))
	t.Cleanup(s.Close)
	return s.URL
}

// ossXML are the headers of an answer from OSS.
var ossXML = map[string]string{"Content-Type": "application/xml", "x-oss-request-id": "5C3D"}

// TestProbe: the probe passes when OSS answers for the bucket (even with
// AccessDenied or a 5xx, which the run may get past), and otherwise fails
// naming the endpoint, with a hint: answers that are not OSS's, an
// Endpoint element (OSS's 403, or S3's 301 PermanentRedirect), the wrong
// region, and final answers such as NoSuchBucket.
func TestProbe(t *testing.T) {
	t.Parallel()
	const html = "<html><body>Sign in</body></html>"
	redirect := func(status int, code string) string {
		return `<?xml version="1.0" encoding="UTF-8"?><Error><Code>` + code + `</Code><Message>The bucket you are attempting to access must be addressed using the specified endpoint.</Message>` +
			`<RequestId>5C3D</RequestId><HostId>classify-bkt.oss-cn-hangzhou.aliyuncs.com</HostId><Bucket>classify-bkt</Bucket><Endpoint>oss-cn-beijing.aliyuncs.com</Endpoint></Error>`
	}
	for _, tc := range []struct {
		name     string
		endpoint func(t *testing.T) string // a fake; nil: the local server with cfg
		cfg      ossserver.Config
		region   string // signed for; "" the server's
		secret   string // "" the right one
		want     string // in the error; "" for none
		hint     string // in its hint
	}{
		{name: "OSS answers", want: ""},
		{name: "AccessDenied by a policy passes", cfg: ossserver.Config{Deny: []ossserver.DenyRule{{Op: "*", Bucket: bucket}}}},
		{name: "503 passes", cfg: ossserver.Config{ErrorRate: map[string]float64{ProbeOp: 1}, FaultSeed: 2}},
		{name: "wrong secret", secret: "wrong", want: "403 SignatureDoesNotMatch"},
		{name: "wrong region, named by HostId", region: "cn-beijing", want: "400 InvalidArgument",
			hint: "this endpoint serves region " + ossserver.DefaultRegion + ", not cn-beijing: use --region " + ossserver.DefaultRegion},
		{name: "bucket elsewhere (OSS: 403 AccessDenied)", cfg: ossserver.Config{Elsewhere: map[string]string{bucket: "cn-beijing"}},
			want: "403 AccessDenied", hint: "use --endpoint oss-cn-beijing.aliyuncs.com --region cn-beijing"},
		{name: "301 PermanentRedirect (S3's form)", want: "301 PermanentRedirect", hint: "use --endpoint oss-cn-beijing.aliyuncs.com --region cn-beijing",
			endpoint: func(t *testing.T) string { return answering(t, 301, ossXML, redirect(301, "PermanentRedirect")) }},
		{name: "HTML 200", want: "200: a text/html answer, not OSS's XML", hint: notOSSHint,
			endpoint: func(t *testing.T) string {
				return answering(t, 200, map[string]string{"Content-Type": "text/html"}, html)
			}},
		{name: "empty 200", want: "200: an answer without a Content-Type, not OSS's XML", hint: notOSSHint,
			endpoint: func(t *testing.T) string { return answering(t, 200, nil, "") }},
		{name: "XML 200 of something else", want: "200: an answer that is not OSS's <BucketInfo>", hint: notOSSHint,
			endpoint: func(t *testing.T) string { return answering(t, 200, ossXML, "<html><body/></html>") }},
		{name: "HTML 404", want: "404: a text/html answer, not OSS's", hint: notOSSHint,
			endpoint: func(t *testing.T) string {
				return answering(t, 404, map[string]string{"Content-Type": "text/html"}, html)
			}},
		{name: "XML error without a request id", want: "not OSS's", hint: notOSSHint,
			endpoint: func(t *testing.T) string {
				return answering(t, 403, map[string]string{"Content-Type": "application/xml"}, "<Error><Code>AccessDenied</Code></Error>")
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := Settings{Region: firstNonEmpty(tc.region, ossserver.DefaultRegion), AccessKeyID: osstest.AccessKeyID,
				AccessKeySecret: firstNonEmpty(tc.secret, osstest.AccessKeySecret), AddressingStyle: "path"}
			if tc.endpoint != nil {
				s.Endpoint = tc.endpoint(t)
			} else {
				cfg := tc.cfg
				cfg.Buckets = []string{bucket}
				s.Endpoint = osstest.Start(t, cfg).Endpoint
			}
			err := NewAPI(s, 3).Probe(context.Background(), bucket)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("probe failed: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("probe passed")
			}
			e := ossError(t, err)
			if !strings.Contains(e.Error(), " at "+s.Endpoint+": ") || !strings.Contains(e.Error(), tc.want) {
				t.Errorf("error %q does not name the endpoint %s and say %q", e, s.Endpoint, tc.want)
			}
			if !strings.Contains(e.Hint, tc.hint) {
				t.Errorf("hint %q does not say %q", e.Hint, tc.hint)
			}
			if e.Class != osserr.Permanent {
				t.Errorf("class %v, want permanent", e.Class)
			}
		})
	}
}

// TestListingsRefuseWhatIsNotOSS: a listing answered 200 with something
// other than OSS's XML is an error that says so, never an empty page (the
// SDK decodes an HTML page into no objects; a cp -r then copied nothing
// and exited 0), and it ends the run.
func TestListingsRefuseWhatIsNotOSS(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		name, contentType, body, want string
	}{
		{"HTML", "text/html", "<html><body>Sign in</body></html>", "a text/html answer, not OSS's XML"},
		{"well-formed XHTML said to be XML", "application/xml", "<html><body>Sign in</body></html>", "not OSS's"},
		{"malformed XML", "application/xml", "<ListBucketResult><Contents>", "not OSS's"},
		{"OSS's root, fields that are not", "application/xml", "<ListBucketResult><MaxKeys>many</MaxKeys></ListBucketResult>", "not OSS's"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			endpoint := answering(t, 200, map[string]string{"Content-Type": tc.contentType, "x-oss-request-id": "5C3D"}, tc.body)
			s := Settings{Endpoint: endpoint, Region: ossserver.DefaultRegion, AccessKeyID: osstest.AccessKeyID,
				AccessKeySecret: osstest.AccessKeySecret, AddressingStyle: "path"}
			page, err := New(s).List(ctx, bucket, "", "")
			checkNotOSS(t, "List", err, tc.want)
			if len(page.Objects) != 0 {
				t.Errorf("List returned %d objects with its error", len(page.Objects))
			}
			_, err = NewAPI(s, 0).ListMultipartUploads(ctx, ossapi.ListUploadsInput{Bucket: bucket})
			checkNotOSS(t, "ListMultipartUploads", err, tc.want)
		})
	}
}

func checkNotOSS(t *testing.T, op string, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: no error", op)
	}
	e := ossError(t, err)
	if !strings.Contains(e.Error(), want) || e.Hint != notOSSHint || e.Class != osserr.Permanent || !e.EndsRun {
		t.Errorf("%s: error %q (hint %q, %v, ends run %v), want one that says %q, with the hint that this is not OSS, permanent, ending the run",
			op, e, e.Hint, e.Class, e.EndsRun, want)
	}
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
