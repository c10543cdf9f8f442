package ossserver

import (
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/osscopy/osscopy/internal/etag"
	"github.com/osscopy/osscopy/internal/lab/crcmath"
)

func encodeKey(key string, url bool) string {
	if url {
		return urlEscape(key)
	}
	return key
}

// urlEscape encodes as OSS does for encoding-type=url (the SDK decodes with
// url.QueryUnescape).
func urlEscape(s string) string { return url.QueryEscape(s) }

func encodingType(r *http.Request) (string, bool, *ossError) {
	switch v := r.URL.Query().Get("encoding-type"); v {
	case "":
		return "", false, nil
	case "url":
		return v, true, nil
	default:
		return "", false, errInvalidArgument("encoding-type must be url, not %q.", v)
	}
}

func (s *Server) initiateMultipartUpload(rq *request) *ossError {
	enc, encode, e := encodingType(rq.r)
	if e != nil {
		return e
	}
	attrs, e := parseNewAttributes(rq.r.Header)
	if e != nil {
		return e
	}
	_, sequential := rq.r.URL.Query()["sequential"]
	u := &uploadState{ID: strings.ToUpper(newBlobID()[1:]) + "00000000", Bucket: rq.bucket, Key: rq.key,
		Initiated: s.cfg.Now().UTC(), StorageClass: attrs.class, Meta: attrs.meta, Tags: attrs.tags, ACL: attrs.acl, SSE: attrs.sse,
		Sequential: sequential}
	s.store.mu.Lock()
	b, e := s.bucket(rq.bucket)
	if e == nil && strings.EqualFold(rq.r.Header.Get("x-oss-forbid-overwrite"), "true") && b.Versioning == "" && b.current(rq.key) != nil {
		e = newErr(http.StatusConflict, "FileAlreadyExists", "The object %q already exists and x-oss-forbid-overwrite is true.", rq.key)
	}
	if e == nil {
		e = s.store.commit(record{Op: opInitUpload, Bucket: rq.bucket, Upload: u})
	}
	s.store.mu.Unlock()
	if e != nil {
		return e
	}
	rq.uploadID = u.ID
	u.SSE.setHeaders(rq.w.Header())
	return s.writeXML(rq, struct {
		XMLName      xml.Name `xml:"InitiateMultipartUploadResult"`
		Bucket       string   `xml:"Bucket"`
		Key          string   `xml:"Key"`
		UploadID     string   `xml:"UploadId"`
		EncodingType string   `xml:"EncodingType,omitempty"`
	}{Bucket: rq.bucket, Key: encodeKey(rq.key, encode), UploadID: u.ID, EncodingType: enc})
}

// upload returns the upload a request names; the caller holds the lock.
func (s *Server) upload(rq *request) (*uploadState, *ossError) {
	if _, e := s.bucket(rq.bucket); e != nil {
		return nil, e
	}
	u := s.store.st.Uploads[rq.uploadID]
	if u == nil || u.Bucket != rq.bucket || u.Key != rq.key {
		return nil, errNoSuchUpload(rq.op)
	}
	return u, nil
}

// partUpload checks that a part's upload exists and returns the encryption
// its parts get and, for a sequential upload, where the part's MD5 starts.
func (s *Server) partUpload(rq *request) (*sse, *sequence, *ossError) {
	if e := refuseSSE(rq.r.Header); e != nil {
		return nil, nil, e
	}
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	u, e := s.upload(rq)
	if e != nil {
		return nil, nil, e
	}
	if !u.Sequential {
		return u.SSE, nil, nil
	}
	seq, e := sequenceFor(u, rq.partNumber)
	return u.SSE, seq, e
}

func partNumber(rq *request) *ossError {
	n, err := strconv.Atoi(rq.r.URL.Query().Get("partNumber"))
	if err != nil || n < 1 || n > MaxPartNumber {
		return errInvalidArgument("Part number must be an integer between 1 and 10000, inclusive; got %q.", rq.r.URL.Query().Get("partNumber"))
	}
	rq.partNumber = n
	return nil
}

// commitPart records a part if its upload still exists and, for a
// sequential upload (seq), the part still follows the one its MD5 continues;
// r holds the record's other fields.
func (s *Server) commitPart(rq *request, p *partState, seq *sequence, r record) *ossError {
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	u, e := s.upload(rq)
	if e != nil {
		return e
	}
	if seq != nil {
		if e := seq.stillFollows(u); e != nil {
			return e
		}
	}
	r.Op, r.Bucket, r.UploadID, r.Part = opPutPart, rq.bucket, rq.uploadID, p
	return s.store.commit(r)
}

func (s *Server) uploadPart(rq *request) *ossError {
	if e := partNumber(rq); e != nil {
		return e
	}
	enc, seq, e := s.partUpload(rq)
	if e != nil {
		return e
	}
	if seq != nil {
		rq.r.Body = seq.tee(rq.r.Body)
	}
	in, e := s.readBody(rq, MaxPartSize)
	if e != nil {
		return e
	}
	p := &partState{Number: rq.partNumber, Content: contentOf(in.blob), Size: in.blob.Size(),
		ETag: fmt.Sprintf("%X", in.md5), CRC: in.crc, LastModified: s.cfg.Now().UTC()}
	if seq != nil {
		p.MD5State = seq.state()
	}
	if e := s.commitPart(rq, p, seq, record{}); e != nil {
		return e
	}
	h := rq.w.Header()
	enc.setHeaders(h)
	h.Set("ETag", quoteETag(p.ETag))
	h.Set("x-oss-hash-crc64ecma", strconv.FormatUint(p.CRC, 10))
	h.Set("Content-MD5", base64.StdEncoding.EncodeToString(in.md5[:]))
	return s.writeEmpty(rq, http.StatusOK)
}

func (s *Server) uploadPartCopy(rq *request) *ossError {
	if e := partNumber(rq); e != nil {
		return e
	}
	enc, seq, e := s.partUpload(rq)
	if e != nil {
		return e
	}
	if seq != nil {
		// Its MD5 would need the copied bytes, which a copy does not read.
		return notImplemented("osscopy server does not implement UploadPartCopy into a sequential upload.")
	}
	tagging, e := s.partCopyTagging(rq)
	if e != nil {
		return e
	}
	src, so, srcVersioned, e := s.findSource(rq)
	if e != nil {
		return e
	}
	first, n, e := s.copyRange(rq.r.Header.Get("x-oss-copy-source-range"), so.Size, src)
	if e != nil {
		return e
	}
	part := so.Content.slice(first, n)
	crc := part.crc()
	p := &partState{Number: rq.partNumber, Content: part, Size: n, CRC: crc,
		ETag: part.etag(crc, n, s.cfg.MD5Limit), LastModified: s.cfg.Now().UTC()}
	if e := s.transfer(rq, n); e != nil {
		return e
	}
	if e := s.commitPart(rq, p, nil, tagging); e != nil {
		return e
	}
	h := rq.w.Header()
	enc.setHeaders(h)
	h.Set("ETag", quoteETag(p.ETag))
	h.Set("x-oss-hash-crc64ecma", strconv.FormatUint(crc, 10))
	if srcVersioned {
		h.Set("x-oss-copy-source-version-id", so.versionID())
	}
	return s.writeXML(rq, copyResult{XMLName: xml.Name{Local: "CopyPartResult"}, LastModified: isoTime(p.LastModified), ETag: quoteETag(p.ETag)})
}

// partCopyTagging reads the directive and tagging headers ossutil sends
// with UploadPartCopy into the part's record: with a Replace tagging
// directive, the upload's tags become x-oss-tagging's.
func (s *Server) partCopyTagging(rq *request) (record, *ossError) {
	if s.cfg.IgnorePartCopyTagging {
		return record{}, nil
	}
	if _, e := directive(rq.r.Header, "x-oss-metadata-directive"); e != nil {
		return record{}, e
	}
	replace, e := directive(rq.r.Header, "x-oss-tagging-directive")
	if e != nil || !replace {
		return record{}, e
	}
	tags, e := parseTagging(rq.r.Header.Get("x-oss-tagging"))
	return record{Tags: tags, ReplaceTags: true}, e
}

// copyRange reads x-oss-copy-source-range ("bytes=first-last", inclusive,
// within the source); no header means the whole source.
func (s *Server) copyRange(v string, size int64, src copySource) (first, n int64, e *ossError) {
	if v == "" {
		n = size
	} else {
		spec, ok := strings.CutPrefix(v, "bytes=")
		a, b, dash := strings.Cut(spec, "-")
		start, err1 := strconv.ParseInt(a, 10, 64)
		end, err2 := strconv.ParseInt(b, 10, 64)
		switch {
		case !ok || !dash || err1 != nil || err2 != nil || start < 0 || start > end:
			if !s.cfg.LenientCopyRange {
				return 0, 0, errInvalidArgument("x-oss-copy-source-range %q is not of the form bytes=first-last with first <= last.", v)
			}
			n = size
		case end >= size:
			return 0, 0, errInvalidArgument("x-oss-copy-source-range %q goes beyond the %d bytes of %s/%s.", v, size, src.bucket, src.key).withEC("0042-00000306")
		default:
			first, n = start, end-start+1
		}
	}
	if n > MaxPartSize {
		return 0, 0, newErr(http.StatusBadRequest, "EntityTooLarge", "A part can hold at most 5 GB; the range asks for %d bytes.", n)
	}
	return first, n, nil
}

func (s *Server) abortMultipartUpload(rq *request) *ossError {
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	if _, e := s.upload(rq); e != nil {
		return e
	}
	if e := s.store.commit(record{Op: opAbortUpload, Bucket: rq.bucket, UploadID: rq.uploadID}); e != nil {
		return e
	}
	return s.writeEmpty(rq, http.StatusNoContent)
}

type partXML struct {
	PartNumber int    `xml:"PartNumber"`
	ETag       string `xml:"ETag"`
}

func (s *Server) completeMultipartUpload(rq *request) *ossError {
	enc, encode, e := encodingType(rq.r)
	if e != nil {
		return e
	}
	var body struct {
		XMLName xml.Name  `xml:"CompleteMultipartUpload"`
		Parts   []partXML `xml:"Part"`
	}
	completeAll := strings.EqualFold(rq.r.Header.Get("x-oss-complete-all"), "yes")
	if e := readXML(rq.r, &body, completeAll); e != nil {
		return e
	}
	if completeAll && len(body.Parts) > 0 {
		return errInvalidArgument("Should not speficy both complete all header and http body.").withEC("0042-00000216") // sic: OSS's words
	}
	acl, e := parseObjectACL(rq.r.Header)
	if e != nil {
		return e
	}
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	u, e := s.upload(rq)
	if e != nil {
		return e
	}
	if completeAll {
		body.Parts = allParts(u)
	}
	o, e := assemble(u, body.Parts)
	if e != nil {
		return e
	}
	b := s.store.st.Buckets[rq.bucket]
	if strings.EqualFold(rq.r.Header.Get("x-oss-forbid-overwrite"), "true") && b.Versioning == "" && b.current(rq.key) != nil {
		return newErr(http.StatusConflict, "FileAlreadyExists", "The object %q already exists and x-oss-forbid-overwrite is true.", rq.key)
	}
	o.LastModified, o.VersionID = s.cfg.Now().UTC(), b.versionIDFor()
	if rq.r.Header.Get(hdrObjectACL) != "" { // Complete's own ACL overrides Initiate's
		x := o.extra()
		x.ACL = acl
		o.setExtra(x)
	}
	if e := s.store.commit(record{Op: opCompleteUpload, Bucket: rq.bucket, UploadID: u.ID, Object: o}); e != nil {
		return e
	}
	h := rq.w.Header()
	o.extra().SSE.setHeaders(h)
	h.Set("ETag", quoteETag(o.ETag))
	h.Set("x-oss-hash-crc64ecma", strconv.FormatUint(o.CRC, 10))
	if b.Versioning != "" {
		h.Set("x-oss-version-id", o.versionID())
	}
	return s.writeXML(rq, struct {
		XMLName      xml.Name `xml:"CompleteMultipartUploadResult"`
		EncodingType string   `xml:"EncodingType,omitempty"`
		Location     string   `xml:"Location"`
		Bucket       string   `xml:"Bucket"`
		Key          string   `xml:"Key"`
		ETag         string   `xml:"ETag"`
	}{EncodingType: enc, Location: "http://" + rq.r.Host + "/" + rq.bucket + "/" + urlEscape(rq.key),
		Bucket: rq.bucket, Key: encodeKey(rq.key, encode), ETag: quoteETag(o.ETag)})
}

func allParts(u *uploadState) []partXML {
	parts := make([]partXML, 0, len(u.Parts))
	for _, p := range u.Parts {
		parts = append(parts, partXML{PartNumber: p.Number, ETag: p.ETag})
	}
	sort.Slice(parts, func(i, j int) bool { return parts[i].PartNumber < parts[j].PartNumber })
	return parts
}

// assemble checks the listed parts as OSS does at Complete and builds the
// object: ascending part numbers, each present with its ETag, every part but
// the last at least 100 KB. Its ETag is OSS's multipart ETag (internal/etag).
// No parts make an empty object, as on OSS.
func assemble(u *uploadState, listed []partXML) (*objectState, *ossError) {
	meta := u.Meta // a copy: the object must not keep the upload and its parts alive
	o := &objectState{Key: u.Key, Type: "Multipart", StorageClass: u.StorageClass, Meta: &meta, Tags: u.Tags}
	x := objectExtra{ACL: u.ACL, SSE: u.SSE}
	partETags := make([]string, len(listed))
	for i, lp := range listed {
		if i > 0 && lp.PartNumber <= listed[i-1].PartNumber {
			return nil, newErr(http.StatusBadRequest, "InvalidPartOrder",
				"The list of parts was not in ascending order: part %d follows part %d.", lp.PartNumber, listed[i-1].PartNumber)
		}
		p := u.Parts[lp.PartNumber]
		if p == nil || !etag.Equal(lp.ETag, p.ETag) {
			return nil, newErr(http.StatusBadRequest, "InvalidPart",
				"One or more of the specified parts could not be found or the specified entity tag might not have matched the part's entity tag: part %d.", lp.PartNumber)
		}
		if i < len(listed)-1 && p.Size < MinPartSize {
			return nil, newErr(http.StatusBadRequest, "EntityTooSmall",
				"Part %d has %d bytes; every part but the last needs at least 100 KB.", p.Number, p.Size).withEC("0042-00000213")
		}
		partETags[i] = p.ETag
		o.Content = append(o.Content, p.Content...)
		o.CRC = crcmath.Combine(o.CRC, p.CRC, p.Size)
		o.Size += p.Size
	}
	if o.Size > MaxObjectSize {
		return nil, newErr(http.StatusBadRequest, "EntityTooLarge", "The object would have %d bytes; OSS allows at most 48.8 TB.", o.Size)
	}
	o.ETag = etag.Multipart(partETags...)
	if u.Sequential {
		x.ContentMD5 = sequentialMD5(u, listed)
	}
	o.setExtra(x)
	return o, nil
}

func (s *Server) listParts(rq *request) *ossError {
	enc, encode, e := encodingType(rq.r)
	if e != nil {
		return e
	}
	q := rq.r.URL.Query()
	maxParts, e := intParam(q.Get("max-parts"), "max-parts", 1000, 1, 1000)
	if e != nil {
		return e
	}
	marker, e := intParam(q.Get("part-number-marker"), "part-number-marker", 0, 0, MaxPartNumber)
	if e != nil {
		return e
	}
	type partOut struct {
		PartNumber   int    `xml:"PartNumber"`
		LastModified string `xml:"LastModified"`
		ETag         string `xml:"ETag"`
		HashCRC64    string `xml:"HashCrc64ecma"`
		Size         int64  `xml:"Size"`
	}
	res := struct {
		XMLName              xml.Name  `xml:"ListPartsResult"`
		Bucket               string    `xml:"Bucket"`
		EncodingType         string    `xml:"EncodingType,omitempty"`
		Key                  string    `xml:"Key"`
		UploadID             string    `xml:"UploadId"`
		StorageClass         string    `xml:"StorageClass"`
		PartNumberMarker     int       `xml:"PartNumberMarker"`
		NextPartNumberMarker int       `xml:"NextPartNumberMarker"`
		MaxParts             int       `xml:"MaxParts"`
		IsTruncated          bool      `xml:"IsTruncated"`
		Parts                []partOut `xml:"Part"`
	}{Bucket: rq.bucket, EncodingType: enc, Key: encodeKey(rq.key, encode), UploadID: rq.uploadID,
		PartNumberMarker: marker, MaxParts: maxParts}
	s.store.mu.Lock()
	u, e := s.upload(rq)
	if e != nil {
		s.store.mu.Unlock()
		return e
	}
	res.StorageClass = u.StorageClass
	numbers := make([]int, 0, len(u.Parts))
	for n := range u.Parts {
		if n > marker {
			numbers = append(numbers, n)
		}
	}
	sort.Ints(numbers)
	for _, n := range numbers {
		if len(res.Parts) == maxParts {
			res.IsTruncated = true
			break
		}
		p := u.Parts[n]
		res.Parts = append(res.Parts, partOut{PartNumber: n, LastModified: isoTime(p.LastModified),
			ETag: quoteETag(p.ETag), HashCRC64: strconv.FormatUint(p.CRC, 10), Size: p.Size})
		res.NextPartNumberMarker = n
	}
	s.store.mu.Unlock()
	return s.writeXML(rq, res)
}

func (s *Server) listMultipartUploads(rq *request) *ossError {
	enc, encode, e := encodingType(rq.r)
	if e != nil {
		return e
	}
	q := rq.r.URL.Query()
	maxUploads, e := intParam(q.Get("max-uploads"), "max-uploads", 1000, 1, 1000)
	if e != nil {
		return e
	}
	prefix, delim := q.Get("prefix"), q.Get("delimiter")
	keyMarker, idMarker := q.Get("key-marker"), q.Get("upload-id-marker")
	type uploadOut struct {
		Key          string `xml:"Key"`
		UploadID     string `xml:"UploadId"`
		Initiated    string `xml:"Initiated"`
		StorageClass string `xml:"StorageClass"`
	}
	res := struct {
		XMLName            xml.Name    `xml:"ListMultipartUploadsResult"`
		Bucket             string      `xml:"Bucket"`
		EncodingType       string      `xml:"EncodingType,omitempty"`
		KeyMarker          string      `xml:"KeyMarker"`
		UploadIDMarker     string      `xml:"UploadIdMarker"`
		NextKeyMarker      string      `xml:"NextKeyMarker"`
		NextUploadIDMarker string      `xml:"NextUploadIdMarker"`
		Delimiter          string      `xml:"Delimiter,omitempty"`
		Prefix             string      `xml:"Prefix"`
		MaxUploads         int         `xml:"MaxUploads"`
		IsTruncated        bool        `xml:"IsTruncated"`
		Uploads            []uploadOut `xml:"Upload"`
		CommonPrefixes     []prefixXML `xml:"CommonPrefixes"`
	}{Bucket: rq.bucket, EncodingType: enc, KeyMarker: encodeKey(keyMarker, encode), UploadIDMarker: idMarker,
		Delimiter: encodeKey(delim, encode), Prefix: encodeKey(prefix, encode), MaxUploads: maxUploads}
	s.store.mu.Lock()
	if _, e := s.bucket(rq.bucket); e != nil {
		s.store.mu.Unlock()
		return e
	}
	var uploads []*uploadState
	for _, u := range s.store.st.Uploads {
		after := u.Key > keyMarker || u.Key == keyMarker && idMarker != "" && u.ID > idMarker
		if u.Bucket == rq.bucket && strings.HasPrefix(u.Key, prefix) && after {
			uploads = append(uploads, u)
		}
	}
	s.store.mu.Unlock()
	sort.Slice(uploads, func(i, j int) bool {
		a, b := uploads[i], uploads[j]
		return a.Key < b.Key || a.Key == b.Key && a.ID < b.ID
	})
	lastPrefix := ""
	for _, u := range uploads {
		cp := commonPrefix(u.Key, prefix, delim)
		if cp != "" && (cp == lastPrefix || cp <= keyMarker) {
			continue // a prefix already given, on this page or (as the marker) on an earlier one
		}
		if len(res.Uploads)+len(res.CommonPrefixes) == maxUploads {
			res.IsTruncated = true
			break
		}
		if cp != "" {
			lastPrefix = cp
			res.CommonPrefixes = append(res.CommonPrefixes, prefixXML{Prefix: encodeKey(cp, encode)})
			res.NextKeyMarker, res.NextUploadIDMarker = encodeKey(cp, encode), ""
			continue
		}
		res.Uploads = append(res.Uploads, uploadOut{Key: encodeKey(u.Key, encode), UploadID: u.ID,
			Initiated: isoTime(u.Initiated), StorageClass: u.StorageClass})
		res.NextKeyMarker, res.NextUploadIDMarker = encodeKey(u.Key, encode), u.ID
	}
	return s.writeXML(rq, res)
}
