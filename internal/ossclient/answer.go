package ossclient

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"mime"
	"net/http"

	"github.com/osscopy/osscopy/internal/osserr"
)

// notOSSHint is what to try when something other than OSS answered.
const notOSSHint = "this endpoint is not OSS (a captive portal, a proxy or a web server answered): check --endpoint, and log in to the network or set its proxy"

// maxAnswer bounds the XML read from one answer that osscopy decodes
// itself: a listing page of 1,000 keys of 1,023 bytes, with room to spare.
const maxAnswer = 8 << 20

// xmlAnswer checks that a successful answer is XML, as every answer OSS
// gives to a request with a body to decode is: the SDK decodes anything
// else (an HTML page, an empty body) into an empty result, which a listing
// would take for no objects at all.
func (a *API) xmlAnswer(r request, status int, h http.Header) error {
	if mt, _, _ := mime.ParseMediaType(h.Get("Content-Type")); mt == "application/xml" || mt == "text/xml" {
		return nil
	}
	return a.notOSS(r, status, "a "+describeType(h)+" answer, not OSS's XML")
}

// decodeXML decodes an answer osscopy reads itself into v, whose root
// element is root; anything but that XML is not OSS's answer.
func (a *API) decodeXML(r request, status int, h http.Header, body io.Reader, root string, v any) error {
	if err := a.xmlAnswer(r, status, h); err != nil {
		return err
	}
	data, err := io.ReadAll(io.LimitReader(body, maxAnswer))
	if err != nil {
		return r.fail(err)
	}
	var start struct{ XMLName xml.Name }
	if err := xml.Unmarshal(data, &start); err != nil || start.XMLName.Local != root {
		return a.notOSS(r, status, fmt.Sprintf("an XML answer without OSS's <%s> (%s)", root, excerpt(data)))
	}
	if err := xml.Unmarshal(data, v); err != nil {
		return a.notOSS(r, status, fmt.Sprintf("a malformed <%s>: %v", root, err))
	}
	return nil
}

// notOSS is the error of an answer that is not OSS's: permanent, and the
// end of a run, since every other request would meet the same.
func (a *API) notOSS(r request, status int, what string) error {
	return &osserr.Error{Op: r.op, Bucket: r.bucket, Key: r.key, Part: r.part, Status: status, Endpoint: a.endpoint,
		Message: what, Class: osserr.Permanent, EndsRun: true, Hint: notOSSHint}
}

// describeType names an answer's Content-Type for a person.
func describeType(h http.Header) string {
	if ct := h.Get("Content-Type"); ct != "" {
		return ct
	}
	return "untyped"
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
