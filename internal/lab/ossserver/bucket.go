package ossserver

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

type owner struct {
	ID          string `xml:"ID"`
	DisplayName string `xml:"DisplayName"`
}

var serverOwner = owner{ID: "osscopy", DisplayName: "osscopy"}

type bucketXML struct {
	CreationDate     string `xml:"CreationDate"`
	ExtranetEndpoint string `xml:"ExtranetEndpoint"`
	IntranetEndpoint string `xml:"IntranetEndpoint"`
	Location         string `xml:"Location"`
	Name             string `xml:"Name"`
	Region           string `xml:"Region"`
	StorageClass     string `xml:"StorageClass"`
}

// bucketXML describes b as ListBuckets and GetBucketInfo do. The endpoints
// are the region's OSS endpoints, as OSS gives them, not this server's
// address: clients that read them expect OSS's forms.
func (s *Server) bucketXML(b *bucketState) bucketXML {
	location := "oss-" + s.cfg.Region
	return bucketXML{CreationDate: isoTime(b.Created), ExtranetEndpoint: location + ".aliyuncs.com",
		IntranetEndpoint: location + "-internal.aliyuncs.com", Location: location, Name: b.Name, Region: s.cfg.Region,
		StorageClass: b.StorageClass}
}

// bucket returns the named bucket; the caller holds the store's lock.
func (s *Server) bucket(name string) (*bucketState, *ossError) {
	if b := s.store.st.Buckets[name]; b != nil {
		return b, nil
	}
	return nil, errNoSuchBucket()
}

func (s *Server) listBuckets(rq *request) *ossError {
	q := rq.r.URL.Query()
	maxKeys, e := intParam(q.Get("max-keys"), "max-keys", 100, 1, 1000)
	if e != nil {
		return e
	}
	prefix, marker := q.Get("prefix"), q.Get("marker")
	if !bucketNamePrefix(prefix) {
		return errInvalidArgument("The prefix %q cannot begin a bucket name (3 to 63 characters of a-z, 0-9 and '-', starting with a letter or digit).", prefix).withEC("0017-00000290")
	}
	type result struct {
		XMLName     xml.Name    `xml:"ListAllMyBucketsResult"`
		Prefix      string      `xml:"Prefix"`
		Marker      string      `xml:"Marker"`
		MaxKeys     int         `xml:"MaxKeys"`
		IsTruncated bool        `xml:"IsTruncated"`
		NextMarker  string      `xml:"NextMarker,omitempty"`
		Owner       owner       `xml:"Owner"`
		Buckets     []bucketXML `xml:"Buckets>Bucket"`
	}
	res := result{Prefix: prefix, Marker: marker, MaxKeys: maxKeys, Owner: serverOwner}
	s.store.mu.Lock()
	names := make([]string, 0, len(s.store.st.Buckets))
	for n := range s.store.st.Buckets {
		if strings.HasPrefix(n, prefix) && n > marker {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		if len(res.Buckets) == maxKeys {
			res.IsTruncated, res.NextMarker = true, res.Buckets[len(res.Buckets)-1].Name
			break
		}
		b := s.bucketXML(s.store.st.Buckets[n])
		// Clients follow these to reach a bucket (the SDK v2's tests clean
		// up every bucket listed through the endpoint it names), so they
		// name this server, where the request came; GetBucketInfo keeps
		// OSS's names, which clients only show.
		b.ExtranetEndpoint, b.IntranetEndpoint = rq.r.Host, rq.r.Host
		res.Buckets = append(res.Buckets, b)
	}
	s.store.mu.Unlock()
	return s.writeXML(rq, res)
}

func (s *Server) putBucket(rq *request) *ossError {
	var cfg struct {
		StorageClass string `xml:"StorageClass"`
	}
	if e := readXML(rq.r, &cfg, true); e != nil {
		return e
	}
	class, e := storageClass(cfg.StorageClass)
	if e != nil {
		return e
	}
	acl, e := parseBucketACL(rq.r.Header)
	if e != nil {
		return e
	}
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	// Every bucket here has the one owner every access key stands for; OSS
	// answers its owner's PutBucket of an existing bucket with 200 and
	// changes nothing.
	if s.store.st.Buckets[rq.bucket] == nil {
		if e := s.store.commit(record{Op: opPutBucket, Bucket: rq.bucket, NewBucket: &bucketState{
			Name: rq.bucket, Created: s.cfg.Now().UTC(), StorageClass: class, ACL: acl}}); e != nil {
			return e
		}
	}
	rq.w.Header().Set("Location", "/"+rq.bucket)
	return s.writeEmpty(rq, http.StatusOK)
}

func (s *Server) deleteBucket(rq *request) *ossError {
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	b, e := s.bucket(rq.bucket)
	if e != nil {
		return e
	}
	if len(b.Objects) > 0 {
		return newErr(http.StatusConflict, "BucketNotEmpty", "The bucket %q holds objects: delete them first.", rq.bucket)
	}
	for _, u := range s.store.st.Uploads {
		if u.Bucket == rq.bucket {
			return newErr(http.StatusConflict, "BucketNotEmpty", "The bucket %q has multipart uploads in progress: abort them first.", rq.bucket)
		}
	}
	if e := s.store.commit(record{Op: opDeleteBucket, Bucket: rq.bucket}); e != nil {
		return e
	}
	return s.writeEmpty(rq, http.StatusNoContent)
}

// bucketInfoXML is GetBucketInfo's answer, with every field OSS documents.
// What this server does not have is reported as OSS reports it when unset:
// no access tracking, transfer acceleration, replication, logging or
// default encryption ("None"); locally redundant storage; private ACL. There
// is no public access at all, which is what BlockPublicAccess true says
// (OSS's default for new buckets). Versioning appears once it was set.
type bucketInfoXML struct {
	XMLName xml.Name `xml:"BucketInfo"`
	Bucket  struct {
		bucketXML
		AccessMonitor          string `xml:"AccessMonitor"`
		TransferAcceleration   string `xml:"TransferAcceleration"`
		CrossRegionReplication string `xml:"CrossRegionReplication"`
		DataRedundancyType     string `xml:"DataRedundancyType"`
		ResourceGroupID        string `xml:"ResourceGroupId"`
		Versioning             string `xml:"Versioning,omitempty"`
		Owner                  owner  `xml:"Owner"`
		AccessControlList      string `xml:"AccessControlList>Grant"`
		SSEAlgorithm           string `xml:"ServerSideEncryptionRule>SSEAlgorithm"`
		LogBucket              string `xml:"BucketPolicy>LogBucket"`
		LogPrefix              string `xml:"BucketPolicy>LogPrefix"`
		Comment                string `xml:"Comment"`
		BlockPublicAccess      bool   `xml:"BlockPublicAccess"`
	} `xml:"Bucket"`
}

// defaultResourceGroup stands for the account's default resource group,
// which every bucket OSS creates without one belongs to.
const defaultResourceGroup = "rg-osscopy-default"

func (s *Server) getBucketInfo(rq *request) *ossError {
	var res bucketInfoXML
	out := &res.Bucket
	s.store.mu.Lock()
	b, e := s.bucket(rq.bucket)
	if e == nil {
		out.bucketXML, out.Versioning, out.AccessControlList = s.bucketXML(b), b.Versioning, bucketACLName(b.ACL)
	}
	s.store.mu.Unlock()
	if e != nil {
		return e
	}
	out.AccessMonitor, out.TransferAcceleration, out.CrossRegionReplication = "Disabled", "Disabled", "Disabled"
	out.DataRedundancyType, out.ResourceGroupID, out.SSEAlgorithm = "LRS", defaultResourceGroup, "None"
	out.Owner, out.BlockPublicAccess = serverOwner, true
	return s.writeXML(rq, res)
}

func (s *Server) getBucketLocation(rq *request) *ossError {
	if e := s.bucketExists(rq.bucket); e != nil {
		return e
	}
	return s.writeXML(rq, struct {
		XMLName  xml.Name `xml:"LocationConstraint"`
		Location string   `xml:",chardata"`
	}{Location: "oss-" + s.cfg.Region})
}

func (s *Server) headBucket(rq *request) *ossError {
	if e := s.bucketExists(rq.bucket); e != nil {
		return e
	}
	return s.writeEmpty(rq, http.StatusOK)
}

func (s *Server) bucketExists(name string) *ossError {
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	_, e := s.bucket(name)
	return e
}

type versioningXML struct {
	XMLName xml.Name `xml:"VersioningConfiguration"`
	Status  string   `xml:"Status,omitempty"`
}

func (s *Server) putBucketVersioning(rq *request) *ossError {
	var v versioningXML
	if e := readXML(rq.r, &v, false); e != nil {
		return e
	}
	if v.Status != "Enabled" && v.Status != "Suspended" {
		return errMalformedXML() // OSS's answer to a status other than Enabled or Suspended
	}
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	if _, e := s.bucket(rq.bucket); e != nil {
		return e
	}
	if e := s.store.commit(record{Op: opVersioning, Bucket: rq.bucket, Versioning: v.Status}); e != nil {
		return e
	}
	return s.writeEmpty(rq, http.StatusOK)
}

func (s *Server) getBucketVersioning(rq *request) *ossError {
	status, e := readBucket(s, rq.bucket, func(b *bucketState) string { return b.Versioning })
	if e != nil {
		return e
	}
	return s.writeXML(rq, versioningXML{Status: status})
}

// readBucket returns what read takes from the named bucket, under the
// store's lock.
func readBucket[T any](s *Server, name string, read func(*bucketState) T) (T, *ossError) {
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	b, e := s.bucket(name)
	if e != nil {
		var zero T
		return zero, e
	}
	return read(b), nil
}

// readXML decodes a small XML request body into v; an empty body is an
// error unless optional.
func readXML(r *http.Request, v any, optional bool) *ossError {
	body, e := readXMLBody(r)
	if e != nil {
		return e
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		if optional {
			return nil
		}
		return errMalformedXML()
	}
	if decodeXMLDocument(body, v) != nil {
		return errMalformedXML()
	}
	return nil
}

// readXMLBody reads a request body that holds a small XML document.
func readXMLBody(r *http.Request) ([]byte, *ossError) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxXMLBody+1))
	if err != nil {
		return nil, errInvalidArgument("reading the request body: %v", err)
	}
	if len(body) > maxXMLBody {
		return nil, newErr(http.StatusBadRequest, "EntityTooLarge", "The XML body is larger than %d bytes.", maxXMLBody)
	}
	return body, nil
}

// decodeXMLDocument decodes body into v as xml.Unmarshal does, but insists
// on a well-formed document: one root element with nothing around it but
// white space, comments, processing instructions and a DOCTYPE.
// xml.Unmarshal ignores text before the root and anything after it. A
// UTF-8 byte order mark may come first.
func decodeXMLDocument(body []byte, v any) error {
	d := xml.NewDecoder(bytes.NewReader(bytes.TrimPrefix(body, []byte("\ufeff"))))
	root := false
	for {
		tok, err := d.Token()
		if err == io.EOF && root {
			return nil
		}
		if err == io.EOF {
			return io.ErrUnexpectedEOF
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if root {
				return fmt.Errorf("a second root element <%s> follows the first", t.Name.Local)
			}
			if err := d.DecodeElement(v, &t); err != nil {
				return err
			}
			root = true
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return errors.New("there is text outside the root element")
			}
		}
	}
}

// intParam parses an optional integer query parameter within [lo, hi].
func intParam(v, name string, def, lo, hi int) (int, *ossError) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, errInvalidArgument("%s must be a whole number from %d to %d, not %q.", name, lo, hi, v)
	}
	return n, nil
}

var storageClasses = []string{"Standard", "IA", "Archive", "ColdArchive", "DeepColdArchive"}

// storageClass checks a storage class name; empty means Standard.
func storageClass(v string) (string, *ossError) {
	if v == "" {
		return "Standard", nil
	}
	for _, c := range storageClasses {
		if strings.EqualFold(v, c) {
			return c, nil
		}
	}
	return "", errInvalidArgument("The storage class %q is not one of %s.", v, strings.Join(storageClasses, ", "))
}
