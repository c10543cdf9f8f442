package ossserver

import (
	"fmt"
	"sync"
)

// record is one change of state. Handlers validate a request against the
// state, build the record, make it durable (with a data directory) and then
// apply it; loading a data directory applies the same records again.
type record struct {
	Seq        uint64         `json:"seq,omitempty"` // 1 + the state's Seq when made
	Op         string         `json:"op"`
	Bucket     string         `json:"bucket,omitempty"`
	NewBucket  *bucketState   `json:"new_bucket,omitempty"`
	Versioning string         `json:"versioning,omitempty"`
	Key        string         `json:"key,omitempty"`
	VersionID  string         `json:"version_id,omitempty"`
	Object     *objectState   `json:"object,omitempty"`
	Objects    []*objectState `json:"objects,omitempty"` // of put-objects: seeding 1M must not sync 1M lines
	Upload     *uploadState   `json:"upload,omitempty"`
	UploadID   string         `json:"upload_id,omitempty"`
	Part       *partState     `json:"part,omitempty"`
	Tags       []tag          `json:"tags,omitempty"`
	// ReplaceTags makes a put-part set its upload's tags to Tags.
	ReplaceTags bool   `json:"replace_tags,omitempty"`
	ACL         string `json:"acl,omitempty"`
	// Batch holds the records of a batch, applied in order: a
	// DeleteMultipleObjects of 1,000 keys is one durable line.
	Batch []record `json:"batch,omitempty"`
}

const (
	opPutBucket      = "put-bucket"
	opDeleteBucket   = "delete-bucket"
	opVersioning     = "versioning"
	opPutObject      = "put-object"
	opPutObjects     = "put-objects"
	opDeleteObject   = "delete-object" // Object, when set, is the delete marker to add
	opTags           = "tags"
	opInitUpload     = "init-upload"
	opPutPart        = "put-part"
	opAbortUpload    = "abort-upload"
	opCompleteUpload = "complete-upload"
	opObjectACL      = "object-acl"
	opBucketACL      = "bucket-acl"
	opBatch          = "batch" // of records of one bucket
)

// state is everything the server knows.
type state struct {
	Seq     uint64                  `json:"seq,omitempty"` // of the last record applied
	Buckets map[string]*bucketState `json:"buckets"`
	Uploads map[string]*uploadState `json:"uploads"`
}

func newState() *state {
	return &state{Buckets: map[string]*bucketState{}, Uploads: map[string]*uploadState{}}
}

// apply changes the state as r says. Records are validated before they are
// made, so apply only fails on a data directory that was edited by hand.
func (s *state) apply(r record) error {
	b := s.Buckets[r.Bucket]
	if b == nil && r.Op != opPutBucket {
		return fmt.Errorf("record %s names unknown bucket %q", r.Op, r.Bucket)
	}
	s.Seq = max(s.Seq, r.Seq)
	switch r.Op {
	case opPutBucket:
		nb := *r.NewBucket
		nb.Objects = map[string][]*objectState{}
		nb.index = keyIndex{complete: true} // of no keys yet
		s.Buckets[nb.Name] = &nb
	case opDeleteBucket:
		delete(s.Buckets, r.Bucket)
	case opVersioning:
		b.Versioning = r.Versioning
	case opPutObject:
		b.putVersion(r.Object)
	case opPutObjects:
		for _, o := range r.Objects {
			b.putVersion(o)
		}
	case opDeleteObject:
		switch {
		case r.VersionID != "":
			b.removeVersion(r.Key, r.VersionID)
		case r.Object != nil:
			b.putVersion(r.Object)
		default:
			b.deleteKey(r.Key)
		}
	case opTags, opObjectACL:
		o := b.version(r.Key, r.VersionID)
		if o == nil {
			return fmt.Errorf("record %s names unknown object %q version %q", r.Op, r.Key, r.VersionID)
		}
		if r.Op == opTags {
			o.Tags = r.Tags
		} else {
			x := o.extra()
			x.ACL = r.ACL
			o.setExtra(x)
		}
	case opBucketACL:
		b.ACL = r.ACL
	case opBatch:
		for _, sub := range r.Batch {
			if err := s.apply(sub); err != nil {
				return err
			}
		}
	case opInitUpload:
		u := *r.Upload
		u.Parts = map[int]*partState{}
		s.Uploads[u.ID] = &u
	case opPutPart:
		u := s.Uploads[r.UploadID]
		if u == nil {
			return fmt.Errorf("record put-part names unknown upload %q", r.UploadID)
		}
		u.Parts[r.Part.Number] = r.Part
		if r.ReplaceTags {
			u.Tags = r.Tags
		}
	case opAbortUpload:
		delete(s.Uploads, r.UploadID)
	case opCompleteUpload:
		delete(s.Uploads, r.UploadID)
		b.putVersion(r.Object)
	default:
		return fmt.Errorf("unknown record %q", r.Op)
	}
	return nil
}

// eachContent calls fn for every content the state holds.
func (s *state) eachContent(fn func(content) error) error {
	for _, b := range s.Buckets {
		for _, versions := range b.Objects {
			for _, o := range versions {
				if err := fn(o.Content); err != nil {
					return err
				}
			}
		}
	}
	for _, u := range s.Uploads {
		for _, p := range u.Parts {
			if err := fn(p.Content); err != nil {
				return err
			}
		}
	}
	return nil
}

// store guards the state and makes records durable before applying them.
type store struct {
	mu      sync.Mutex
	st      *state
	journal *journal // nil when state lives in memory only
	blobs   blobStore
}

// commit makes r durable and applies it; the caller holds mu.
func (s *store) commit(r record) *ossError {
	r.Seq = s.st.Seq + 1
	if s.journal != nil {
		if err := s.journal.append(r); err != nil {
			return newErr(500, "InternalError", "could not record the change durably: %v", err)
		}
	}
	if err := s.st.apply(r); err != nil {
		return newErr(500, "InternalError", "%v", err)
	}
	return nil
}
