package ossserver

import (
	"encoding/xml"
	"strings"
)

// versionXML is a Version or DeleteMarker entry of ListObjectVersions;
// the fields a delete marker lacks are nil. Clients tell the two apart by
// Type (the SDK v2's IsMix mode), so a delete marker must not carry one.
type versionXML struct {
	XMLName      xml.Name
	Key          string  `xml:"Key"`
	VersionID    string  `xml:"VersionId"`
	IsLatest     bool    `xml:"IsLatest"`
	LastModified string  `xml:"LastModified"`
	ETag         *string `xml:"ETag,omitempty"`
	Type         *string `xml:"Type,omitempty"`
	Size         *int64  `xml:"Size,omitempty"`
	StorageClass *string `xml:"StorageClass,omitempty"`
	Owner        owner   `xml:"Owner"`
}

type listVersionsResult struct {
	XMLName             xml.Name     `xml:"ListVersionsResult"`
	Name                string       `xml:"Name"`
	Prefix              string       `xml:"Prefix"`
	KeyMarker           string       `xml:"KeyMarker"`
	VersionIDMarker     string       `xml:"VersionIdMarker"`
	MaxKeys             int          `xml:"MaxKeys"`
	Delimiter           string       `xml:"Delimiter"`
	IsTruncated         bool         `xml:"IsTruncated"`
	NextKeyMarker       string       `xml:"NextKeyMarker,omitempty"`
	NextVersionIDMarker string       `xml:"NextVersionIdMarker,omitempty"`
	EncodingType        string       `xml:"EncodingType,omitempty"`
	Entries             []versionXML // Version and DeleteMarker, in OSS's order
	CommonPrefixes      []prefixXML  `xml:"CommonPrefixes"`
}

// versionEntry is one version a page lists.
type versionEntry struct {
	o      *objectState
	latest bool
}

// versionPage is one page of ListObjectVersions.
type versionPage struct {
	entries           []versionEntry
	prefixes          []string
	truncated         bool
	nextKey, nextID   string // where the next page starts
	count, limit      int
	keyMarker, idMark string
}

func (p *versionPage) full() bool { return p.count == p.limit }

// walkVersions lists, as OSS does, the versions of the keys c walks that
// start with prefix, keys ascending and each key's versions newest first,
// after the version idMarker of keyMarker (after all of keyMarker's
// versions when idMarker is empty); a common prefix counts as one entry.
// objects holds each key's versions, oldest first.
func walkVersions(c *keyCursor, objects map[string][]*objectState, prefix, delim, keyMarker, idMarker string, limit int) versionPage {
	p := versionPage{limit: limit, keyMarker: keyMarker, idMark: idMarker}
	c.seek(max(keyMarker, prefix))
	for !p.truncated {
		k, ok := c.key()
		if !ok || !strings.HasPrefix(k, prefix) {
			break
		}
		if cp := commonPrefix(k, prefix, delim); cp != "" {
			if cp > keyMarker {
				p.addPrefix(cp)
			}
			if !p.truncated {
				c.seekPast(cp)
			}
			continue
		}
		p.addVersions(k, objects[k])
		if !p.truncated {
			c.next(k)
		}
	}
	return p
}

func (p *versionPage) addPrefix(cp string) {
	if p.full() {
		p.truncated = true
		return
	}
	p.prefixes = append(p.prefixes, cp)
	p.count++
	p.nextKey, p.nextID = cp, ""
}

// addVersions adds the versions of key (oldest first) that follow the
// markers, newest first.
func (p *versionPage) addVersions(key string, versions []*objectState) {
	newest := len(versions) - 1
	first := newest
	if key == p.keyMarker {
		first = resumeAfter(versions, p.idMark)
	}
	for i := first; i >= 0; i-- {
		if p.full() {
			p.truncated = true
			return
		}
		p.entries = append(p.entries, versionEntry{o: versions[i], latest: i == newest})
		p.count++
		p.nextKey, p.nextID = key, versions[i].versionID()
	}
}

// resumeAfter returns the index of the newest of versions (oldest first)
// that a listing resuming after version id lists, or -1 for none. A
// version deleted since it was listed is placed by its ID, which orders
// versions as they were written; a deleted "null" version, written before
// versioning, was the oldest.
func resumeAfter(versions []*objectState, id string) int {
	if id == "" {
		return -1 // all of the marker key's versions were listed
	}
	for i, o := range versions {
		if o.versionID() == id {
			return i - 1
		}
	}
	if id == "null" {
		return -1
	}
	for i, o := range versions {
		if o.VersionID != "null" && o.VersionID != "" && o.VersionID > id {
			return i - 1
		}
	}
	return len(versions) - 1
}

func (s *Server) listObjectVersions(rq *request) *ossError {
	q := rq.r.URL.Query()
	enc, encode, e := encodingType(rq.r)
	if e != nil {
		return e
	}
	maxKeys, e := intParam(q.Get("max-keys"), "max-keys", 100, 1, 1000)
	if e != nil {
		return e
	}
	prefix, delim, keyMarker, idMarker := q.Get("prefix"), q.Get("delimiter"), q.Get("key-marker"), q.Get("version-id-marker")
	res := listVersionsResult{Name: rq.bucket, Prefix: encodeKey(prefix, encode), KeyMarker: encodeKey(keyMarker, encode),
		VersionIDMarker: idMarker, MaxKeys: maxKeys, Delimiter: encodeKey(delim, encode), EncodingType: enc}
	s.store.mu.Lock()
	b, e := s.bucket(rq.bucket)
	if e != nil {
		s.store.mu.Unlock()
		return e
	}
	withVersions := b.index.view(b.Objects, func(k string) bool { return len(b.Objects[k]) > 0 })
	p := walkVersions(withVersions, b.Objects, prefix, delim, keyMarker, idMarker, maxKeys)
	var unsettled []*objectState
	for _, v := range p.entries {
		if !v.o.DeleteMarker && v.o.ETag == "" {
			unsettled = append(unsettled, v.o)
		}
	}
	if len(unsettled) > 0 {
		// The page lists the versions it found, even if they change meanwhile.
		s.store.mu.Unlock()
		s.settle(unsettled)
		s.store.mu.Lock()
	}
	for _, v := range p.entries {
		res.Entries = append(res.Entries, versionEntryXML(v, encode))
	}
	s.store.mu.Unlock()
	for _, cp := range p.prefixes {
		res.CommonPrefixes = append(res.CommonPrefixes, prefixXML{Prefix: encodeKey(cp, encode)})
	}
	if p.truncated {
		res.IsTruncated, res.NextKeyMarker, res.NextVersionIDMarker = true, encodeKey(p.nextKey, encode), p.nextID
	}
	return s.writeXML(rq, res)
}

// versionEntryXML describes one version; the caller holds the lock.
func versionEntryXML(v versionEntry, encode bool) versionXML {
	o := v.o
	x := versionXML{XMLName: xml.Name{Local: "DeleteMarker"}, Key: encodeKey(o.Key, encode), VersionID: o.versionID(),
		IsLatest: v.latest, LastModified: isoTime(o.LastModified), Owner: serverOwner}
	if !o.DeleteMarker {
		x.XMLName.Local = "Version"
		x.ETag, x.Type, x.Size, x.StorageClass = ptr(quoteETag(o.ETag)), ptr(o.Type), ptr(o.Size), ptr(o.StorageClass)
	}
	return x
}
