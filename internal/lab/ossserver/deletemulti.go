package ossserver

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/xml"
	"net/http"
	"strings"
)

// MaxDeleteObjects is the most objects one DeleteMultipleObjects names.
const MaxDeleteObjects = 1000

// deletion is one object a DeleteMultipleObjects request names.
type deletion struct {
	key, versionID string
}

// parseDeleteRequest reads a DeleteMultipleObjects body: whether the
// answer is quiet and up to 1,000 objects, each a key and optionally a
// version ID. Keys may hold control characters written as character
// references, as the SDKs write them.
func parseDeleteRequest(body []byte) (bool, []deletion, *ossError) {
	var doc struct {
		XMLName xml.Name `xml:"Delete"`
		Quiet   bool     `xml:"Quiet"`
		Objects []struct {
			Key       *string `xml:"Key"`
			VersionID *string `xml:"VersionId"`
		} `xml:"Object"`
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return false, nil, errMalformedXML()
	}
	if decodeXMLDocument(escapeControlRefs(body), &doc) != nil {
		return false, nil, errMalformedXML()
	}
	if n := len(doc.Objects); n == 0 || n > MaxDeleteObjects {
		return false, nil, errMalformedXML() // OSS's answer to no objects or more than 1,000
	}
	out := make([]deletion, len(doc.Objects))
	for i, o := range doc.Objects {
		switch {
		case o.Key == nil || *o.Key == "":
			return false, nil, newErr(http.StatusBadRequest, "MalformedXML",
				"The XML you provided was not well-formed or did not validate: Object %d has no Key.", i+1).withEC("0016-00000613")
		case o.VersionID != nil && *o.VersionID == "":
			return false, nil, errInvalidArgument("The VersionId of object %d is empty: name a version or leave the element out.", i+1).withEC("0016-00000612")
		case len(*o.Key) > MaxKeyLength:
			return false, nil, newErr(http.StatusBadRequest, "InvalidObjectName", "The specified object name is not valid: it is longer than 1023 bytes.")
		}
		out[i].key = unescapeControlRefs(*o.Key)
		if o.VersionID != nil {
			out[i].versionID = unescapeControlRefs(*o.VersionID)
		}
	}
	return doc.Quiet, out, nil
}

// checkBodyMD5 enforces OSS's rule for DeleteMultipleObjects: the body
// must come with a Content-MD5 that matches it.
func checkBodyMD5(h http.Header, body []byte) *ossError {
	want := h.Get("Content-MD5")
	if want == "" {
		return newErr(http.StatusBadRequest, "MissingArgument", "Missing Some Required Arguments.").withEC("0016-00000606")
	}
	sum := md5.Sum(body)
	if want != base64.StdEncoding.EncodeToString(sum[:]) {
		return newErr(http.StatusBadRequest, "InvalidDigest", "The Content-MD5 you specified was invalid.")
	}
	return nil
}

func (s *Server) deleteMultipleObjects(rq *request) *ossError {
	enc, encode, e := encodingType(rq.r)
	if e != nil {
		return e
	}
	if e := s.bucketExists(rq.bucket); e != nil {
		return e
	}
	body, e := readXMLBody(rq.r)
	if e != nil {
		return e
	}
	if e := checkBodyMD5(rq.r.Header, body); e != nil {
		return e
	}
	quiet, objects, e := parseDeleteRequest(body)
	if e != nil {
		return e
	}
	done, e := s.deleteAll(rq.bucket, objects)
	if e != nil {
		return e
	}
	if quiet { // OSS's quiet answer lists only failures, and none failed
		return s.writeEmpty(rq, http.StatusOK)
	}
	for i := range done {
		done[i].Key = encodeKey(done[i].Key, encode)
	}
	return s.writeXML(rq, struct {
		XMLName      xml.Name  `xml:"DeleteResult"`
		EncodingType string    `xml:"EncodingType,omitempty"`
		Deleted      []deleted `xml:"Deleted"`
	}{EncodingType: enc, Deleted: done})
}

// deleteAll deletes objects from bucket as DeleteObject would each, in one
// durable record, and reports each deletion.
func (s *Server) deleteAll(bucket string, objects []deletion) ([]deleted, *ossError) {
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	b, e := s.bucket(bucket)
	if e != nil {
		return nil, e
	}
	var batch []record
	done := make([]deleted, len(objects))
	for i, o := range objects {
		var r *record
		if r, done[i] = s.planDelete(b, bucket, o.key, o.versionID); r != nil {
			batch = append(batch, *r)
		}
	}
	if len(batch) == 0 {
		return done, nil
	}
	return done, s.store.commit(record{Op: opBatch, Bucket: bucket, Batch: batch})
}
