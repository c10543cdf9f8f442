package ossclient

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/osscopy/osscopy/internal/osserr"
)

// notOSSHint is what to try when something other than OSS answered.
const notOSSHint = "this endpoint is not OSS (a captive portal, a proxy or a web server answered): check --endpoint, and log in to the network or set its proxy"

// answerHead is how much of an answer is read ahead to find its root
// element: OSS's answers open with it, after at most an XML declaration.
const answerHead = 4 << 10

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

// checkXML checks a successful answer's media type and root element,
// reading only the head of its body, which is left whole for the SDK to
// decode: a listing page is parsed once, not twice.
func (a *API) checkXML(r request, root string, res *http.Response) error {
	if mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type")); mt != "application/xml" && mt != "text/xml" {
		return a.notOSS(r, res.StatusCode, answerKind(res.Header)+", not OSS's XML")
	}
	br := bufio.NewReaderSize(res.Body, answerHead)
	head, err := br.Peek(answerHead)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return err // the connection failed: the transport's error, classified as such
	}
	res.Body = struct {
		io.Reader
		io.Closer
	}{br, res.Body}
	if rootElement(head) != root {
		return a.notOSS(r, res.StatusCode, fmt.Sprintf("an answer that is not OSS's <%s> (%s)", root, excerpt(head)))
	}
	return nil
}

// rootElement is the name of the first element in head; "" when head
// holds none.
func rootElement(head []byte) string {
	dec := xml.NewDecoder(bytes.NewReader(head))
	for {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		if se, ok := tok.(xml.StartElement); ok {
			return se.Name.Local
		}
	}
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
