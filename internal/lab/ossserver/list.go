package ossserver

import (
	"encoding/base64"
	"encoding/xml"
	"strings"
)

type prefixXML struct {
	Prefix string `xml:"Prefix"`
}

// commonPrefix returns the part of key up to and including the first
// delimiter after prefix, or "" when there is none.
func commonPrefix(key, prefix, delim string) string {
	if delim == "" {
		return ""
	}
	if i := strings.Index(key[len(prefix):], delim); i >= 0 {
		return key[:len(prefix)+i+len(delim)]
	}
	return ""
}

// prefixEnd returns the smallest string greater than every string that
// starts with p, or "" when there is none.
func prefixEnd(p string) string {
	b := []byte(p)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1])
		}
	}
	return ""
}

// page is one page of a listing: keys and common prefixes after a marker.
type page struct {
	keys      []string
	prefixes  []string
	last      string // the last key or prefix returned
	truncated bool
}

// walk lists up to limit keys and common prefixes of the keys c walks that
// start with prefix and sort after marker. It jumps over a common prefix's
// keys, so a page costs O(limit log n) however many keys a prefix groups.
func walk(c *keyCursor, prefix, delim, marker string, limit int) page {
	var p page
	c.seek(max(marker, prefix))
	for {
		k, ok := c.key()
		if !ok || !strings.HasPrefix(k, prefix) {
			break
		}
		if k <= marker {
			c.next(k)
			continue
		}
		cp := commonPrefix(k, prefix, delim)
		if cp != "" && cp <= marker {
			c.seekPast(cp)
			continue
		}
		if len(p.keys)+len(p.prefixes) == limit {
			p.truncated = true
			break
		}
		if cp != "" {
			p.prefixes = append(p.prefixes, cp)
			p.last = cp
			c.seekPast(cp)
			continue
		}
		p.keys = append(p.keys, k)
		p.last = k
		c.next(k)
	}
	return p
}

type objectXML struct {
	Key          string `xml:"Key"`
	LastModified string `xml:"LastModified"`
	ETag         string `xml:"ETag"`
	Type         string `xml:"Type"`
	Size         int64  `xml:"Size"`
	StorageClass string `xml:"StorageClass"`
	Owner        *owner `xml:"Owner,omitempty"`
}

type listResult struct {
	XMLName               xml.Name    `xml:"ListBucketResult"`
	Name                  string      `xml:"Name"`
	Prefix                string      `xml:"Prefix"`
	Marker                *string     `xml:"Marker,omitempty"`
	StartAfter            *string     `xml:"StartAfter,omitempty"`
	ContinuationToken     *string     `xml:"ContinuationToken,omitempty"`
	MaxKeys               int         `xml:"MaxKeys"`
	Delimiter             string      `xml:"Delimiter"`
	IsTruncated           bool        `xml:"IsTruncated"`
	NextMarker            string      `xml:"NextMarker,omitempty"`
	NextContinuationToken string      `xml:"NextContinuationToken,omitempty"`
	KeyCount              *int        `xml:"KeyCount,omitempty"`
	EncodingType          string      `xml:"EncodingType,omitempty"`
	Contents              []objectXML `xml:"Contents"`
	CommonPrefixes        []prefixXML `xml:"CommonPrefixes"`
}

// listObjects answers ListObjects (V1: marker) and ListObjectsV2
// (list-type=2: start-after and continuation-token).
func (s *Server) listObjects(rq *request) *ossError {
	q := rq.r.URL.Query()
	v2 := rq.op == "ListObjectsV2"
	enc, encode, e := encodingType(rq.r)
	if e != nil {
		return e
	}
	maxKeys, e := intParam(q.Get("max-keys"), "max-keys", 100, 0, 1000)
	if e != nil {
		return e
	}
	prefix, delim := q.Get("prefix"), q.Get("delimiter")
	res := listResult{Name: rq.bucket, Prefix: encodeKey(prefix, encode), MaxKeys: maxKeys,
		Delimiter: encodeKey(delim, encode), EncodingType: enc}
	marker := q.Get("marker")
	withOwner := !v2 || q.Get("fetch-owner") == "true"
	if v2 {
		startAfter, token := q.Get("start-after"), q.Get("continuation-token")
		marker = startAfter
		if startAfter != "" {
			res.StartAfter = ptr(encodeKey(startAfter, encode))
		}
		if token != "" {
			decoded, err := base64.RawURLEncoding.DecodeString(token)
			if err != nil {
				return errInvalidArgument("The continuation token %q is not one this server issued.", truncate(token, 40))
			}
			marker = max(marker, string(decoded))
			res.ContinuationToken = &token
		}
	} else {
		res.Marker = ptr(encodeKey(marker, encode))
	}
	s.store.mu.Lock()
	b, e := s.bucket(rq.bucket)
	if e != nil {
		s.store.mu.Unlock()
		return e
	}
	p := walk(b.listing(), prefix, delim, marker, maxKeys)
	objs := make([]*objectState, len(p.keys))
	var unsettled []*objectState
	for i, k := range p.keys {
		if objs[i] = b.current(k); objs[i].ETag == "" {
			unsettled = append(unsettled, objs[i])
		}
	}
	if len(unsettled) > 0 {
		// The page lists the objects it found, even if they change meanwhile.
		s.store.mu.Unlock()
		s.settle(unsettled)
		s.store.mu.Lock()
	}
	for i, k := range p.keys {
		o := objs[i]
		ox := objectXML{Key: encodeKey(k, encode), LastModified: isoTime(o.LastModified), ETag: quoteETag(o.ETag),
			Type: o.Type, Size: o.Size, StorageClass: o.StorageClass}
		if withOwner {
			ox.Owner = &serverOwner
		}
		res.Contents = append(res.Contents, ox)
	}
	s.store.mu.Unlock()
	for _, cp := range p.prefixes {
		res.CommonPrefixes = append(res.CommonPrefixes, prefixXML{Prefix: encodeKey(cp, encode)})
	}
	res.IsTruncated = p.truncated
	if v2 {
		count := len(p.keys) + len(p.prefixes)
		res.KeyCount = &count
		if p.truncated {
			res.NextContinuationToken = base64.RawURLEncoding.EncodeToString([]byte(p.last))
		}
	} else if p.truncated {
		res.NextMarker = encodeKey(p.last, encode)
	}
	return s.writeXML(rq, res)
}
