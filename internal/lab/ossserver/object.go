package ossserver

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// newAttributes are what a request that creates an object says about it.
type newAttributes struct {
	meta  metadata
	tags  []tag
	class string
	acl   string
	sse   *sse
}

func parseNewAttributes(h http.Header) (newAttributes, *ossError) {
	var a newAttributes
	var e *ossError
	if a.meta, e = parseMetadata(h); e != nil {
		return a, e
	}
	if a.tags, e = parseTagging(h.Get("x-oss-tagging")); e != nil {
		return a, e
	}
	if a.acl, a.sse, e = parseProtection(h); e != nil {
		return a, e
	}
	a.class, e = storageClass(h.Get("x-oss-storage-class"))
	return a, e
}

// parseProtection reads the ACL and encryption a write gives its object.
func parseProtection(h http.Header) (string, *sse, *ossError) {
	acl, e := parseObjectACL(h)
	if e != nil {
		return "", nil, e
	}
	enc, e := parseSSE(h)
	return acl, enc, e
}

func (s *Server) putObject(rq *request) *ossError {
	attrs, e := parseNewAttributes(rq.r.Header)
	if e != nil {
		return e
	}
	if e := s.bucketExists(rq.bucket); e != nil {
		return e
	}
	in, e := s.readBody(rq, MaxPutSize)
	if e != nil {
		return e
	}
	o := &objectState{Key: rq.key, Content: contentOf(in.blob), Size: in.blob.Size(), ETag: fmt.Sprintf("%X", in.md5),
		CRC: in.crc, LastModified: s.cfg.Now().UTC(), Type: "Normal", StorageClass: attrs.class, Meta: &attrs.meta, Tags: attrs.tags}
	x := objectExtra{ContentMD5: base64.StdEncoding.EncodeToString(in.md5[:]), ACL: attrs.acl, SSE: attrs.sse}
	o.setExtra(x)
	versioned, e := s.commitObject(rq, o)
	if e != nil {
		return e
	}
	h := rq.w.Header()
	x.SSE.setHeaders(h)
	h.Set("ETag", quoteETag(o.ETag))
	h.Set("x-oss-hash-crc64ecma", strconv.FormatUint(o.CRC, 10))
	h.Set("Content-MD5", x.ContentMD5)
	if versioned {
		h.Set("x-oss-version-id", o.versionID())
	}
	return s.writeEmpty(rq, http.StatusOK)
}

func contentOf(b blob) content {
	if b.Size() == 0 {
		return nil
	}
	return content{{BlobID: b.ID(), N: b.Size(), b: b}}
}

// readBody stores a request body as a blob, checking Content-MD5 when given,
// and simulates its transfer time.
func (s *Server) readBody(rq *request, limit int64) (ingested, *ossError) {
	in, err := s.store.blobs.create(rq.r.Body, limit)
	if errors.Is(err, errTooLarge) {
		return in, newErr(http.StatusBadRequest, "EntityTooLarge", "The body is larger than the %d bytes this operation accepts.", limit)
	}
	if err != nil {
		return in, newErr(http.StatusBadRequest, "IncompleteBody", "The request body could not be read completely: %v", err)
	}
	if want := rq.r.Header.Get("Content-MD5"); want != "" {
		got := base64.StdEncoding.EncodeToString(in.md5[:])
		if d, err := base64.StdEncoding.DecodeString(want); err != nil || len(d) != md5.Size {
			return in, newErr(http.StatusBadRequest, "InvalidDigest", "The Content-MD5 you specified is not valid base64 of 16 bytes.")
		} else if want != got {
			return in, newErr(http.StatusBadRequest, "BadDigest", "The Content-MD5 you specified did not match what was received (%s).", got)
		}
	}
	return in, s.transfer(rq, in.blob.Size())
}

// commitObject stores o as the current version of its key, honouring
// x-oss-forbid-overwrite. It reports whether the bucket is versioned.
func (s *Server) commitObject(rq *request, o *objectState) (bool, *ossError) {
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	b, e := s.bucket(rq.bucket)
	if e != nil {
		return false, e
	}
	if strings.EqualFold(rq.r.Header.Get("x-oss-forbid-overwrite"), "true") && b.Versioning == "" && b.current(o.Key) != nil {
		return false, newErr(http.StatusConflict, "FileAlreadyExists", "The object %q already exists and x-oss-forbid-overwrite is true.", o.Key)
	}
	o.VersionID = b.versionIDFor()
	return b.Versioning != "", s.store.commit(record{Op: opPutObject, Bucket: rq.bucket, Object: o})
}

// findObject returns a copy of the object a request names, checked against
// its conditions, and whether its bucket is versioned.
func (s *Server) findObject(bucket, key, versionID string, cond conditions) (objectState, bool, *ossError) {
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	b, e := s.bucket(bucket)
	if e != nil {
		return objectState{}, false, e
	}
	o, e := b.lookup(key, versionID)
	if e != nil {
		return objectState{}, false, e
	}
	if o.ETag == "" {
		// The request sees o as it was looked up, even if it changes meanwhile.
		s.store.mu.Unlock()
		s.settle([]*objectState{o})
		s.store.mu.Lock()
	}
	if e := cond.check(o); e != nil {
		return objectState{}, false, e
	}
	return *o, b.Versioning != "", nil
}

// headObject answers HeadObject and GetObjectMeta, which takes no
// conditions and returns fewer headers.
func (s *Server) headObject(rq *request) *ossError {
	meta := rq.op == "GetObjectMeta"
	cond := getConditions(rq.r.Header)
	if meta {
		cond = conditions{}
	}
	o, versioned, e := s.findObject(rq.bucket, rq.key, rq.r.URL.Query().Get("versionId"), cond)
	if e != nil {
		return e
	}
	if meta {
		objectMetaHeaders(rq.w.Header(), &o, versioned)
	} else {
		objectHeaders(rq.w.Header(), &o, versioned)
	}
	rq.w.Header().Set("Content-Length", strconv.FormatInt(o.Size, 10))
	rq.status = http.StatusOK
	rq.w.WriteHeader(http.StatusOK)
	return nil
}

var responseOverrides = map[string]string{
	"response-content-type": "Content-Type", "response-content-language": "Content-Language",
	"response-expires": "Expires", "response-cache-control": "Cache-Control",
	"response-content-disposition": "Content-Disposition", "response-content-encoding": "Content-Encoding",
}

func (s *Server) getObject(rq *request) *ossError {
	q := rq.r.URL.Query()
	o, versioned, e := s.findObject(rq.bucket, rq.key, q.Get("versionId"), getConditions(rq.r.Header))
	if e != nil {
		return e
	}
	first, n, partial, e := parseGetRange(rq.r.Header.Get("Range"), o.Size, rq.r.Header.Get("x-oss-range-behavior") == "standard")
	if e != nil {
		return e
	}
	h := rq.w.Header()
	objectHeaders(h, &o, versioned)
	for param, header := range responseOverrides {
		if v := q.Get(param); v != "" {
			h.Set(header, v)
		}
	}
	status := http.StatusOK
	if partial {
		status = http.StatusPartialContent
		h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", first, first+n-1, o.Size))
		h.Del("x-oss-hash-crc64ecma") // they describe the whole object only
		h.Del("Content-MD5")
	}
	h.Set("Content-Length", strconv.FormatInt(n, 10))
	if e := s.transfer(rq, n); e != nil {
		return e
	}
	rq.status = status
	rq.w.WriteHeader(status)
	if rq.r.Method != http.MethodHead {
		_, _ = io.Copy(rq.w, o.Content.slice(first, n).reader())
	}
	return nil
}

// parseGetRange reads a GetObject Range header. As OSS does, a range that
// is not well-formed is ignored (the whole object is returned) unless
// x-oss-range-behavior is standard; one that starts past the end is 416.
func parseGetRange(v string, size int64, standard bool) (first, n int64, partial bool, e *ossError) {
	if v == "" {
		return 0, size, false, nil
	}
	invalid := newErr(http.StatusRequestedRangeNotSatisfiable, "InvalidRange", "The requested range %q cannot be satisfied for an object of %d bytes.", v, size)
	spec, ok := strings.CutPrefix(v, "bytes=")
	a, b, dash := strings.Cut(spec, "-")
	if !ok || !dash || strings.Contains(spec, ",") {
		if standard {
			return 0, 0, false, invalid
		}
		return 0, size, false, nil
	}
	start, err1 := strconv.ParseInt(a, 10, 64)
	end, err2 := strconv.ParseInt(b, 10, 64)
	switch {
	case a == "" && err2 == nil && end > 0: // suffix: the last end bytes
		start, end = max(0, size-end), size-1
	case err1 == nil && b == "" && start >= 0:
		end = size - 1
	case err1 == nil && err2 == nil && start >= 0 && start <= end:
		end = min(end, size-1)
	default:
		if standard {
			return 0, 0, false, invalid
		}
		return 0, size, false, nil
	}
	if start >= size {
		return 0, 0, false, invalid
	}
	return start, end - start + 1, true, nil
}

func (s *Server) deleteObject(rq *request) *ossError {
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	b, e := s.bucket(rq.bucket)
	if e != nil {
		return e
	}
	r, d := s.planDelete(b, rq.bucket, rq.key, rq.r.URL.Query().Get("versionId"))
	if r == nil {
		return s.writeEmpty(rq, http.StatusNoContent)
	}
	if e := s.store.commit(*r); e != nil {
		return e
	}
	h := rq.w.Header()
	if d.DeleteMarker {
		h.Set("x-oss-delete-marker", "true")
		h.Set("x-oss-version-id", d.DeleteMarkerVersionID)
	}
	if d.VersionID != "" {
		h.Set("x-oss-version-id", d.VersionID)
	}
	return s.writeEmpty(rq, http.StatusNoContent)
}

// deleted is what OSS reports of one deletion (DeleteObject's headers,
// DeleteMultipleObjects' Deleted entries).
type deleted struct {
	Key                   string `xml:"Key"`
	DeleteMarker          bool   `xml:"DeleteMarker,omitempty"`
	DeleteMarkerVersionID string `xml:"DeleteMarkerVersionId,omitempty"`
	VersionID             string `xml:"VersionId,omitempty"`
}

// planDelete decides what deleting key (or one version of it) does in b,
// as OSS does: a version ID removes that version for good; otherwise a
// versioned bucket gets a delete marker and an unversioned one loses the
// key. It returns the record to commit (nil: nothing changes) and the
// report. The caller holds the lock.
func (s *Server) planDelete(b *bucketState, bucket, key, versionID string) (*record, deleted) {
	d := deleted{Key: key}
	switch {
	case versionID != "":
		d.VersionID = versionID
		v := b.version(key, versionID)
		if v == nil {
			return nil, d
		}
		if v.DeleteMarker {
			d.DeleteMarker, d.DeleteMarkerVersionID = true, versionID
		}
		return &record{Op: opDeleteObject, Bucket: bucket, Key: key, VersionID: v.versionID()}, d
	case b.Versioning != "":
		marker := &objectState{Key: key, VersionID: b.versionIDFor(), DeleteMarker: true, LastModified: s.cfg.Now().UTC()}
		d.DeleteMarker, d.DeleteMarkerVersionID = true, marker.VersionID
		return &record{Op: opDeleteObject, Bucket: bucket, Key: key, Object: marker}, d
	case b.Objects[key] == nil:
		return nil, d
	}
	return &record{Op: opDeleteObject, Bucket: bucket, Key: key}, d
}

// copySource is a parsed x-oss-copy-source header.
type copySource struct {
	bucket, key, versionID string
}

// parseCopySource reads "/bucket/url-escaped-key[?versionId=ID]". OSS
// decodes it as a query string: a '+' is a space. The SDK v1 and ossutil
// 1.x escape keys with query escaping (a space as '+', '+' as %2B); the SDK
// v2 percent-encodes both; each reads back as the key it meant.
func parseCopySource(v string) (copySource, *ossError) {
	bad := func(why string) (copySource, *ossError) {
		return copySource{}, errInvalidArgument("x-oss-copy-source %q is not valid: %s; the form is /bucket/url-encoded-key, optionally with ?versionId=ID.", truncate(v, 80), why).withEC("0042-00000301")
	}
	path, query, _ := strings.Cut(v, "?")
	if !strings.HasPrefix(path, "/") {
		return bad("it does not start with '/'")
	}
	decoded, err := url.QueryUnescape(path[1:])
	if err != nil {
		return bad("the key is not properly URL-encoded")
	}
	bucket, key, ok := strings.Cut(decoded, "/")
	if !ok || key == "" {
		return bad("it names no object")
	}
	src := copySource{bucket: bucket, key: key}
	if query != "" {
		values, err := url.ParseQuery(query)
		if err != nil || len(values) != 1 || values.Get("versionId") == "" {
			return bad("the only parameter allowed is versionId")
		}
		src.versionID = values.Get("versionId")
	}
	if e := validBucketName(bucket); e != nil {
		return copySource{}, e
	}
	if e := validKey(key); e != nil {
		return copySource{}, e
	}
	return src, nil
}

// findSource resolves a copy source and checks its conditions.
func (s *Server) findSource(rq *request) (copySource, objectState, bool, *ossError) {
	src, e := parseCopySource(rq.r.Header.Get("x-oss-copy-source"))
	if e != nil {
		return src, objectState{}, false, e
	}
	o, versioned, e := s.findObject(src.bucket, src.key, src.versionID, copyConditions(rq.r.Header))
	return src, o, versioned, e
}

func directive(h http.Header, name string) (replace bool, e *ossError) {
	switch v := h.Get(name); strings.ToUpper(v) {
	case "", "COPY":
		return false, nil
	case "REPLACE":
		return true, nil
	default:
		return false, errInvalidArgument("%s must be COPY or REPLACE, not %q.", name, v)
	}
}

func (s *Server) copyObject(rq *request) *ossError {
	replaceMeta, e := directive(rq.r.Header, "x-oss-metadata-directive")
	if e != nil {
		return e
	}
	replaceTags, e := directive(rq.r.Header, "x-oss-tagging-directive")
	if e != nil {
		return e
	}
	class, e := storageClass(rq.r.Header.Get("x-oss-storage-class"))
	if e != nil {
		return e
	}
	acl, enc, e := parseProtection(rq.r.Header)
	if e != nil {
		return e
	}
	if e := s.bucketExists(rq.bucket); e != nil {
		return e
	}
	src, so, srcVersioned, e := s.findSource(rq)
	if e != nil {
		return e
	}
	if so.Size > s.cfg.CopyObjectLimit && copyRewrites(rq, src, &so) {
		return newErr(http.StatusBadRequest, "EntityTooLarge",
			"CopyObject copies sources up to %d bytes to another bucket or to another storage class or encryption; %s/%s has %d: use a multipart upload with UploadPartCopy.",
			s.cfg.CopyObjectLimit, src.bucket, src.key, so.Size)
	}
	// As on OSS, the copy is encrypted and shared as the request says, not
	// as its source was.
	o := so
	o.Key, o.LastModified, o.StorageClass, o.VersionID = rq.key, s.cfg.Now().UTC(), class, ""
	x := o.extra()
	x.ACL, x.SSE = acl, enc
	o.setExtra(x)
	if replaceMeta {
		meta, e := parseMetadata(rq.r.Header)
		if e != nil {
			return e
		}
		o.Meta = &meta
	}
	if replaceTags {
		if o.Tags, e = parseTagging(rq.r.Header.Get("x-oss-tagging")); e != nil {
			return e
		}
	}
	if e := s.transfer(rq, o.Size); e != nil {
		return e
	}
	versioned, e := s.commitObject(rq, &o)
	if e != nil {
		return e
	}
	h := rq.w.Header()
	x.SSE.setHeaders(h)
	h.Set("ETag", quoteETag(o.ETag))
	h.Set("x-oss-hash-crc64ecma", strconv.FormatUint(o.CRC, 10))
	if srcVersioned {
		h.Set("x-oss-copy-source-version-id", so.versionID())
	}
	if versioned {
		h.Set("x-oss-version-id", o.versionID())
	}
	return s.writeXML(rq, copyResult{XMLName: xml.Name{Local: "CopyObjectResult"}, LastModified: isoTime(o.LastModified), ETag: quoteETag(o.ETag)})
}

// copyRewrites tells whether a CopyObject is one OSS's size limit applies
// to. OSS's CopyObject reference (Limits, "Object size limits":
// https://www.alibabacloud.com/help/en/oss/developer-reference/copyobject)
// lets a copy within one bucket that changes neither the storage class nor
// the encryption be of any size; a copy to another bucket, or one that
// asks for another storage class or for server-side encryption, is limited.
// This server keeps no encryption, so any x-oss-server-side-encryption
// asks for a change.
func copyRewrites(rq *request, src copySource, so *objectState) bool {
	class := rq.r.Header.Get("x-oss-storage-class")
	return src.bucket != rq.bucket || class != "" && !strings.EqualFold(class, so.StorageClass) ||
		rq.r.Header.Get("x-oss-server-side-encryption") != ""
}

type copyResult struct {
	XMLName      xml.Name
	LastModified string `xml:"LastModified"`
	ETag         string `xml:"ETag"`
}

func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

type taggingXML struct {
	XMLName xml.Name `xml:"Tagging"`
	Tags    []struct {
		Key   string `xml:"Key"`
		Value string `xml:"Value"`
	} `xml:"TagSet>Tag"`
}

func (s *Server) putObjectTagging(rq *request) *ossError {
	var in taggingXML
	if e := readXML(rq.r, &in, false); e != nil {
		return e
	}
	tags := make([]tag, len(in.Tags))
	for i, t := range in.Tags {
		tags[i] = tag{Key: t.Key, Value: t.Value}
	}
	if e := validTags(tags); e != nil {
		return e
	}
	return s.setTags(rq, tags, http.StatusOK)
}

func (s *Server) deleteObjectTagging(rq *request) *ossError {
	return s.setTags(rq, nil, http.StatusNoContent)
}

func (s *Server) setTags(rq *request, tags []tag, status int) *ossError {
	return s.updateVersion(rq, record{Op: opTags, Tags: tags}, status)
}

// updateVersion commits r (its Op and what it sets) to the object version
// the request names, and answers status, naming the version in a
// versioned bucket.
func (s *Server) updateVersion(rq *request, r record, status int) *ossError {
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	b, e := s.bucket(rq.bucket)
	if e != nil {
		return e
	}
	o, e := b.lookup(rq.key, rq.r.URL.Query().Get("versionId"))
	if e != nil {
		return e
	}
	r.Bucket, r.Key, r.VersionID = rq.bucket, rq.key, o.VersionID
	if e := s.store.commit(r); e != nil {
		return e
	}
	if b.Versioning != "" {
		rq.w.Header().Set("x-oss-version-id", o.versionID())
	}
	return s.writeEmpty(rq, status)
}

func (s *Server) getObjectTagging(rq *request) *ossError {
	o, versioned, e := s.findObject(rq.bucket, rq.key, rq.r.URL.Query().Get("versionId"), conditions{})
	if e != nil {
		return e
	}
	var out taggingXML
	for _, t := range sortTags(o.Tags) {
		out.Tags = append(out.Tags, struct {
			Key   string `xml:"Key"`
			Value string `xml:"Value"`
		}{t.Key, t.Value})
	}
	if versioned {
		rq.w.Header().Set("x-oss-version-id", o.versionID())
	}
	return s.writeXML(rq, out)
}
