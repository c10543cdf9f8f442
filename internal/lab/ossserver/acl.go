package ossserver

import (
	"encoding/xml"
	"net/http"
	"slices"
)

// ACLs are kept and reported as OSS does; the server does not enforce
// them (every request is signed by an owner).

var (
	bucketACLs = []string{"private", "public-read", "public-read-write"}
	// objectACLs: "default" makes the object follow its bucket's ACL.
	objectACLs = append([]string{"default"}, bucketACLs...)
)

const (
	hdrObjectACL = "X-Oss-Object-Acl"
	hdrBucketACL = "X-Oss-Acl"
)

// parseObjectACL reads x-oss-object-acl; "" (no header) and "default"
// are both kept as "".
func parseObjectACL(h http.Header) (string, *ossError) {
	v := h.Get(hdrObjectACL)
	if v != "" && !slices.Contains(objectACLs, v) {
		return "", errInvalidArgument("no such object access control exists: %q is not one of default, private, public-read, public-read-write.", truncate(v, 40))
	}
	if v == "default" {
		v = ""
	}
	return v, nil
}

// parseBucketACL reads x-oss-acl; "" (no header) is kept as "".
func parseBucketACL(h http.Header) (string, *ossError) {
	v := h.Get(hdrBucketACL)
	if v != "" && !slices.Contains(bucketACLs, v) {
		return "", errInvalidArgument("no such bucket access control exists: %q is not one of private, public-read, public-read-write.", truncate(v, 40))
	}
	return v, nil
}

func bucketACLName(acl string) string {
	if acl == "" {
		return "private"
	}
	return acl
}

func objectACLName(acl string) string {
	if acl == "" {
		return "default"
	}
	return acl
}

type aclXML struct {
	XMLName xml.Name `xml:"AccessControlPolicy"`
	Owner   owner    `xml:"Owner"`
	Grant   string   `xml:"AccessControlList>Grant"`
}

func (s *Server) putBucketACL(rq *request) *ossError {
	acl, e := parseBucketACL(rq.r.Header)
	if e == nil && acl == "" {
		e = errInvalidArgument("PutBucketAcl needs the %s header.", hdrBucketACL)
	}
	if e != nil {
		return e
	}
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	if _, e := s.bucket(rq.bucket); e != nil {
		return e
	}
	if e := s.store.commit(record{Op: opBucketACL, Bucket: rq.bucket, ACL: acl}); e != nil {
		return e
	}
	return s.writeEmpty(rq, http.StatusOK)
}

func (s *Server) getBucketACL(rq *request) *ossError {
	acl, e := readBucket(s, rq.bucket, func(b *bucketState) string { return b.ACL })
	if e != nil {
		return e
	}
	return s.writeXML(rq, aclXML{Owner: serverOwner, Grant: bucketACLName(acl)})
}

func (s *Server) putObjectACL(rq *request) *ossError {
	if rq.r.Header.Get(hdrObjectACL) == "" {
		return errInvalidArgument("PutObjectAcl needs the %s header.", hdrObjectACL)
	}
	acl, e := parseObjectACL(rq.r.Header)
	if e != nil {
		return e
	}
	return s.updateVersion(rq, record{Op: opObjectACL, ACL: acl}, http.StatusOK)
}

func (s *Server) getObjectACL(rq *request) *ossError {
	o, versioned, e := s.findObject(rq.bucket, rq.key, rq.r.URL.Query().Get("versionId"), conditions{})
	if e != nil {
		return e
	}
	if versioned {
		rq.w.Header().Set("x-oss-version-id", o.versionID())
	}
	return s.writeXML(rq, aclXML{Owner: serverOwner, Grant: objectACLName(o.extra().ACL)})
}
