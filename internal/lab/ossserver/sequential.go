package ossserver

import (
	"crypto/md5"
	"encoding"
	"encoding/base64"
	"hash"
	"io"
	"net/http"
)

// A sequential multipart upload (InitiateMultipartUpload with the query
// parameter "sequential", which the SDKs send for an upload whose parts go
// one after another) takes its parts in order, so that OSS can compute the
// MD5 of the whole content as the parts arrive: the object Complete makes
// of them has a Content-MD5, as one PutObject wrote would, where other
// multipart objects have none. A part out of order is refused with 400
// PartNotSequential (the official Python SDK's error for it, which its tests
// expect when several threads upload such an upload's parts).
//
// Each part of a sequential upload keeps the MD5 state of the content up
// to its end (partState.MD5State), so that a part continues the MD5 where
// the part before it left it, and Complete finds the whole content's MD5
// in the last part's state. A part may come again (a retry) while it is
// the last one: it continues from the same part before it.

// sequence is where a part of a sequential upload takes the MD5 up.
type sequence struct {
	number int
	prev   *partState // part number-1, nil for part 1
	md5    hash.Hash  // the MD5 of parts 1..number-1, to continue over this part
}

// sequenceFor checks that part n may come now into u, a sequential upload,
// and returns where its MD5 starts. The caller holds the store's lock.
func sequenceFor(u *uploadState, n int) (*sequence, *ossError) {
	last := len(u.Parts) // a sequential upload's parts are 1..last
	if n != last && n != last+1 {
		return nil, errPartNotSequential(n, last)
	}
	seq := &sequence{number: n, md5: md5.New()}
	if n > 1 {
		seq.prev = u.Parts[n-1]
		if err := seq.md5.(encoding.BinaryUnmarshaler).UnmarshalBinary(seq.prev.MD5State); err != nil {
			return nil, newErr(http.StatusInternalServerError, "InternalError", "the MD5 state of part %d is unreadable: %v", n-1, err)
		}
	}
	return seq, nil
}

// stillFollows checks, when the part is committed, that what seq continues
// is still the upload's part before it and that the part is still in order
// (another part may have come meanwhile). The caller holds the lock.
func (seq *sequence) stillFollows(u *uploadState) *ossError {
	last := len(u.Parts)
	if seq.number != last && seq.number != last+1 || seq.number > 1 && u.Parts[seq.number-1] != seq.prev {
		return errPartNotSequential(seq.number, last)
	}
	return nil
}

// tee makes body feed the MD5 as it is read.
func (seq *sequence) tee(body io.ReadCloser) io.ReadCloser {
	return struct {
		io.Reader
		io.Closer
	}{io.TeeReader(body, seq.md5), body}
}

// state is the MD5 state once the part's bytes went through tee.
func (seq *sequence) state() []byte {
	b, err := seq.md5.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		panic("osscopy server: an MD5 state does not marshal: " + err.Error())
	}
	return b
}

func errPartNotSequential(n, last int) *ossError {
	if last == 0 {
		return newErr(http.StatusBadRequest, "PartNotSequential", "The upload is sequential: its first part is 1, not %d.", n)
	}
	return newErr(http.StatusBadRequest, "PartNotSequential",
		"The upload is sequential: part %d may come after part %d, or part %d again; part %d may not.", last+1, last, last, n)
}

// sequentialMD5 is the Content-MD5 (base64) of the object that the listed
// parts of the sequential upload u make, or "" when they are not its
// parts 1..k for some k, whose content's MD5 the upload does not know.
func sequentialMD5(u *uploadState, listed []partXML) string {
	for i, lp := range listed {
		if lp.PartNumber != i+1 {
			return ""
		}
	}
	h := md5.New()
	if k := len(listed); k > 0 {
		if h.(encoding.BinaryUnmarshaler).UnmarshalBinary(u.Parts[k].MD5State) != nil {
			return ""
		}
	}
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}
