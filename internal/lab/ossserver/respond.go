package ossserver

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"net/http"
	"strconv"
)

type errorBody struct {
	XMLName   xml.Name `xml:"Error"`
	Code      string   `xml:"Code"`
	Message   string   `xml:"Message"`
	RequestID string   `xml:"RequestId"`
	HostID    string   `xml:"HostId"`
	EC        string   `xml:"EC,omitempty"`
	Header    string   `xml:"Header,omitempty"`
	Bucket    string   `xml:"Bucket,omitempty"`
	Endpoint  string   `xml:"Endpoint,omitempty"`
}

// fail answers with e in OSS's form: an XML body, or for HEAD (which has
// none) the same XML base64-encoded in x-oss-err.
func (s *Server) fail(rq *request, e *ossError) {
	rq.status, rq.code = e.Status, e.Code
	if e == errClientGone {
		return
	}
	h := rq.w.Header()
	for name, values := range e.headers {
		h[name] = values
	}
	if e.EC != "" {
		h.Set("x-oss-ec", e.EC)
	}
	if e.Status == http.StatusNotModified {
		rq.w.WriteHeader(e.Status)
		return
	}
	body, _ := xml.Marshal(errorBody{Code: e.Code, Message: e.Message, RequestID: rq.id, HostID: s.hostID(rq.bucket), EC: e.EC,
		Header: e.Header, Bucket: e.Bucket, Endpoint: e.Endpoint})
	body = append([]byte(xml.Header), body...)
	if rq.r.Method == http.MethodHead {
		h.Set("x-oss-err", base64.StdEncoding.EncodeToString(body))
		rq.w.WriteHeader(e.Status)
		return
	}
	h.Set("Content-Type", "application/xml")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	rq.w.WriteHeader(e.Status)
	_, _ = rq.w.Write(body)
}

// hostID is the host OSS names in its errors, the one the request was
// sent to (bucket.oss-cn-hangzhou.aliyuncs.com): this server's region's,
// not its own address, so that clients can read the region from it as
// they do from OSS's.
func (s *Server) hostID(bucket string) string {
	if bucket == "" {
		return ossEndpoint(s.cfg.Region)
	}
	return bucket + "." + ossEndpoint(s.cfg.Region)
}

// writeXML answers 200 with v as the XML body.
func (s *Server) writeXML(rq *request, v any) *ossError {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	if err := xml.NewEncoder(&buf).Encode(v); err != nil {
		return newErr(500, "InternalError", "encoding the answer: %v", err)
	}
	rq.w.Header().Set("Content-Type", "application/xml")
	rq.w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	rq.status = http.StatusOK
	rq.w.WriteHeader(http.StatusOK)
	_, _ = rq.w.Write(buf.Bytes())
	return nil
}

// writeEmpty answers status with no body.
func (s *Server) writeEmpty(rq *request, status int) *ossError {
	rq.w.Header().Set("Content-Length", "0")
	rq.status = status
	rq.w.WriteHeader(status)
	return nil
}

func quoteETag(etag string) string { return `"` + etag + `"` }
