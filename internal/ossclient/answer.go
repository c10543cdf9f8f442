package ossclient

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"mime"
	"net/http"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/osscopy/osscopy/internal/osserr"
)

// notOSSHint is what to try when something other than OSS answered.
const notOSSHint = "this endpoint is not OSS (a captive portal, a proxy or a web server answered): check --endpoint, and log in to the network or set its proxy"

// maxAnswer bounds the XML answer read to check it: a listing page of
// 1,000 keys of 1,023 bytes, URL-encoded, with room to spare.
const maxAnswer = 16 << 20

// answersXML makes r fail unless its successful answer is OSS's XML with
// the root element root, as every answer OSS gives with a body to decode
// is: the SDK decodes anything else (an HTML page, an empty body, another
// document) into an empty result, which a listing would take for no
// objects at all. Error answers are the SDK's to read.
func (a *API) answersXML(r request, root string) func(*oss.Options) {
	return func(o *oss.Options) {
		o.ResponseHandlers = append(o.ResponseHandlers, func(res *http.Response) error { return a.checkXML(r, root, res) })
	}
}

// checkXML checks a successful answer and leaves its body to be read again.
func (a *API) checkXML(r request, root string, res *http.Response) error {
	if mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type")); mt != "application/xml" && mt != "text/xml" {
		return a.notOSS(r, res.StatusCode, answerKind(res.Header)+", not OSS's XML")
	}
	data, err := io.ReadAll(io.LimitReader(res.Body, maxAnswer))
	res.Body.Close()
	if err != nil {
		return err // the connection failed: the transport's error, classified as such
	}
	res.Body = io.NopCloser(bytes.NewReader(data))
	var start struct{ XMLName xml.Name }
	if err := xml.Unmarshal(data, &start); err != nil || start.XMLName.Local != root {
		return a.notOSS(r, res.StatusCode, fmt.Sprintf("an answer that is not OSS's <%s> (%s)", root, excerpt(data)))
	}
	return nil
}

// notOSS is the error of an answer that is not OSS's: permanent, and the
// end of a run, since every other request would meet the same.
func (a *API) notOSS(r request, status int, what string) error {
	return &osserr.Error{Op: r.op, Bucket: r.bucket, Key: r.key, Part: r.part, Status: status, Endpoint: a.endpoint,
		Message: what, Class: osserr.Permanent, EndsRun: true, Hint: notOSSHint}
}

// answerKind names an answer by its media type, for a person.
func answerKind(h http.Header) string {
	ct := h.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err == nil {
		return "a " + mt + " answer"
	}
	if ct != "" {
		return fmt.Sprintf("an answer of Content-Type %q", ct)
	}
	return "an answer without a Content-Type"
}

// excerpt is the start of an answer's body, on one line, for the error.
func excerpt(data []byte) string {
	const most = 60
	data = bytes.Join(bytes.Fields(data), []byte(" "))
	if len(data) == 0 {
		return "empty"
	}
	if len(data) > most {
		return fmt.Sprintf("%q...", data[:most])
	}
	return fmt.Sprintf("%q", data)
}
