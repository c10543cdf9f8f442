package ossserver

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// The server's state. Every change is a record (see record.go), applied the
// same way live and when a data directory is loaded again.

type bucketState struct {
	Name         string                    `json:"name"`
	Created      time.Time                 `json:"created"`
	StorageClass string                    `json:"storage_class"`
	Versioning   string                    `json:"versioning,omitempty"` // "", Enabled, Suspended
	ACL          string                    `json:"acl,omitempty"`        // "" is private
	Objects      map[string][]*objectState `json:"objects"`              // versions, oldest first

	index keyIndex // the keys of Objects in order, for listings
}

type objectState struct {
	Key          string    `json:"key"`
	VersionID    string    `json:"version_id,omitempty"`
	DeleteMarker bool      `json:"delete_marker,omitempty"`
	Content      content   `json:"content,omitempty"`
	Size         int64     `json:"size"`
	ETag         string    `json:"etag"`
	CRC          uint64    `json:"crc64"`
	LastModified time.Time `json:"last_modified"`
	Type         string    `json:"type"` // Normal or Multipart
	StorageClass string    `json:"storage_class"`
	Meta         *metadata `json:"meta"` // never changed in place, so objects share it
	Tags         []tag     `json:"tags,omitempty"`
	// Extra is what few objects carry, nil for most: a million seeded
	// objects pay one pointer for it. Never changed in place (copies
	// share it): setExtra replaces it.
	Extra *objectExtra `json:"extra,omitempty"`
}

// objectExtra holds an object's rarely set properties.
type objectExtra struct {
	ContentMD5 string `json:"content_md5,omitempty"` // base64; OSS keeps it for objects PutObject wrote
	ACL        string `json:"acl,omitempty"`         // "" is default: the bucket's
	SSE        *sse   `json:"sse,omitempty"`
}

// extra returns o's rarely set properties (zero when it has none).
func (o *objectState) extra() objectExtra {
	if o.Extra == nil {
		return objectExtra{}
	}
	return *o.Extra
}

// setExtra gives o the properties x, or none when x is zero.
func (o *objectState) setExtra(x objectExtra) {
	if x == (objectExtra{}) {
		o.Extra = nil
		return
	}
	o.Extra = &x
}

// octetStream is the metadata of synthetic objects, which a million share.
var octetStream = &metadata{ContentType: "application/octet-stream"}

type uploadState struct {
	ID           string             `json:"id"`
	Bucket       string             `json:"bucket"`
	Key          string             `json:"key"`
	Initiated    time.Time          `json:"initiated"`
	StorageClass string             `json:"storage_class"`
	Meta         metadata           `json:"meta"`
	Tags         []tag              `json:"tags,omitempty"`
	ACL          string             `json:"acl,omitempty"`
	SSE          *sse               `json:"sse,omitempty"`
	Sequential   bool               `json:"sequential,omitempty"` // see sequential.go
	Parts        map[int]*partState `json:"parts"`
}

type partState struct {
	Number       int       `json:"number"`
	Content      content   `json:"content"`
	Size         int64     `json:"size"`
	ETag         string    `json:"etag"`
	CRC          uint64    `json:"crc64"`
	LastModified time.Time `json:"last_modified"`
	MD5State     []byte    `json:"md5_state,omitempty"` // of a sequential upload's parts up to this one's end
}

// metadata is what OSS keeps with an object and returns on GET and HEAD.
type metadata struct {
	ContentType        string            `json:"content_type,omitempty"`
	CacheControl       string            `json:"cache_control,omitempty"`
	ContentDisposition string            `json:"content_disposition,omitempty"`
	ContentEncoding    string            `json:"content_encoding,omitempty"`
	Expires            string            `json:"expires,omitempty"`
	User               map[string]string `json:"user,omitempty"` // x-oss-meta-* names in lower case, without the prefix
}

type tag struct {
	Key   string `json:"k"`
	Value string `json:"v"`
}

// current returns the object a request without versionId sees, or nil.
func (b *bucketState) current(key string) *objectState {
	versions := b.Objects[key]
	if len(versions) == 0 {
		return nil
	}
	if o := versions[len(versions)-1]; !o.DeleteMarker {
		return o
	}
	return nil
}

// nullVersion is the version ID of what a bucket holds outside versioning:
// objects written before versioning was enabled (stored with no ID) and
// those written while it was suspended.
const nullVersion = "null"

// versionID is o's version ID as OSS reports it once its bucket has had
// versioning enabled.
func (o *objectState) versionID() string {
	if o.VersionID == "" {
		return nullVersion
	}
	return o.VersionID
}

// sameVersion tells whether o has the version ID id; "" and "null" both
// name the null version.
func (o *objectState) sameVersion(id string) bool {
	if id == "" {
		id = nullVersion
	}
	return o.versionID() == id
}

// version returns the version of key with the given ID.
func (b *bucketState) version(key, id string) *objectState {
	for _, o := range b.Objects[key] {
		if o.sameVersion(id) {
			return o
		}
	}
	return nil
}

// lookup resolves key and optional version ID to an object or an OSS error.
func (b *bucketState) lookup(key, versionID string) (*objectState, *ossError) {
	if versionID == "" {
		if o := b.current(key); o != nil {
			return o, nil
		}
		return nil, b.noCurrent(key)
	}
	o := b.version(key, versionID)
	if o == nil {
		return nil, newErr(http.StatusNotFound, "NoSuchVersion", "The specified version does not exist.")
	}
	if o.DeleteMarker {
		return nil, newErr(http.StatusBadRequest, "InvalidArgument", "The specified version is a delete marker.")
	}
	return o, nil
}

// noCurrent is the answer to a request for key's current version when it
// has none: NoSuchKey, which says, as OSS does, when the current version
// is a delete marker and which one.
func (b *bucketState) noCurrent(key string) *ossError {
	e := errNoSuchKey()
	if versions := b.Objects[key]; len(versions) > 0 {
		marker := versions[len(versions)-1]
		e.withHeader("x-oss-delete-marker", "true").withHeader("x-oss-version-id", marker.versionID())
	}
	return e
}

// listing returns a cursor over the keys that have a current object.
func (b *bucketState) listing() *keyCursor {
	return b.index.view(b.Objects, func(k string) bool { return b.current(k) != nil })
}

// versionIDFor returns the ID a new write gets in this bucket.
func (b *bucketState) versionIDFor() string {
	switch b.Versioning {
	case "Enabled":
		return newVersionID()
	case "Suspended":
		return nullVersion
	}
	return ""
}

// lastVersionTime is the time newVersionID last used.
var lastVersionTime atomic.Int64

// newVersionID returns a version ID that sorts after every ID it returned
// before (and, clocks permitting, before a restart): as on OSS, a listing
// can resume after a version that was deleted meanwhile, which is what
// clients that delete each page of ListObjectVersions rely on.
func newVersionID() string {
	for {
		prev := lastVersionTime.Load()
		next := max(prev+1, time.Now().UnixNano())
		if lastVersionTime.CompareAndSwap(prev, next) {
			return fmt.Sprintf("%016X%s", next, strings.ToUpper(newBlobID()[1:17]))
		}
	}
}

// putVersion stores o as the key's current version.
func (b *bucketState) putVersion(o *objectState) {
	versions := b.Objects[o.Key]
	if len(versions) == 0 {
		b.index.add(o.Key)
	}
	if b.Versioning != "Enabled" {
		// Unversioned buckets keep one object; suspended ones replace the
		// "null" version, which may be one written before versioning.
		kept := versions[:0]
		for _, v := range versions {
			if b.Versioning == "Suspended" && !v.sameVersion(nullVersion) {
				kept = append(kept, v)
			}
		}
		versions = kept
	}
	b.Objects[o.Key] = append(versions, o)
}

func (b *bucketState) removeVersion(key, id string) {
	versions := b.Objects[key]
	kept := versions[:0]
	for _, v := range versions {
		if !v.sameVersion(id) {
			kept = append(kept, v)
		}
	}
	if len(kept) == 0 {
		b.deleteKey(key)
	} else {
		b.Objects[key] = kept
	}
}

// deleteKey forgets every version of key.
func (b *bucketState) deleteKey(key string) {
	if _, ok := b.Objects[key]; ok {
		delete(b.Objects, key)
		b.index.removed++
	}
}
