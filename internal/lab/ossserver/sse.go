package ossserver

import (
	"crypto/rand"
	"fmt"
	"net/http"
)

// sse is the server-side encryption OSS keeps with an object or upload:
// the algorithm (AES256, KMS or SM4) and, with KMS, the key and the data
// algorithm (SM4). The server keeps bytes as they came: as on OSS, the
// encryption changes neither the content read back, nor its CRC64, nor its
// ETag.
type sse struct {
	Algorithm     string `json:"alg"`
	KeyID         string `json:"key_id,omitempty"`
	DataAlgorithm string `json:"data_alg,omitempty"`
}

const (
	hdrSSE      = "X-Oss-Server-Side-Encryption"
	hdrSSEKeyID = "X-Oss-Server-Side-Encryption-Key-Id"
	hdrSSEData  = "X-Oss-Server-Side-Data-Encryption"
)

// parseSSE reads the encryption a write asks for; nil when it asks none.
// As on OSS, KMS without a key ID gets a key OSS manages, whose ID is
// kept and returned like a given one.
func parseSSE(h http.Header) (*sse, *ossError) {
	alg, hasAlg := headerValue(h, hdrSSE)
	keyID, hasKey := headerValue(h, hdrSSEKeyID)
	data, hasData := headerValue(h, hdrSSEData)
	switch {
	case !hasAlg && (hasKey || hasData):
		return nil, errInvalidArgument("%s and %s require %s: KMS.", hdrSSEKeyID, hdrSSEData, hdrSSE)
	case !hasAlg:
		return nil, nil
	case alg != "AES256" && alg != "KMS" && alg != "SM4":
		return nil, newErr(http.StatusBadRequest, "InvalidEncryptionAlgorithmError",
			"The Encryption request you specified is not valid. Supported value: AES256/KMS/SM4.")
	case alg != "KMS" && (hasKey || hasData):
		return nil, errInvalidArgument("%s and %s are valid only with %s: KMS, not %s.", hdrSSEKeyID, hdrSSEData, hdrSSE, alg)
	case hasData && data != "SM4":
		return nil, errInvalidArgument("%s must be SM4, not %q.", hdrSSEData, data)
	case hasKey && keyID == "":
		return nil, errInvalidArgument("%s is empty: name a KMS key or leave the header out.", hdrSSEKeyID).withEC("0005-00000205")
	}
	e := &sse{Algorithm: alg, KeyID: keyID, DataAlgorithm: data}
	if alg == "KMS" && keyID == "" {
		e.KeyID = newKMSKeyID()
	}
	return e, nil
}

// headerValue returns a header's first value and whether it was sent at
// all, which Get cannot tell for an empty one.
func headerValue(h http.Header, name string) (string, bool) {
	vs, ok := h[name]
	if !ok || len(vs) == 0 {
		return "", false
	}
	return vs[0], true
}

// refuseSSE answers parts that name an encryption of their own: OSS
// encrypts parts as their upload says and refuses the header on them.
func refuseSSE(h http.Header) *ossError {
	if _, ok := headerValue(h, hdrSSE); ok {
		return errInvalidArgument("A part is encrypted as its multipart upload says: leave %s out of this request.", hdrSSE)
	}
	return nil
}

// setHeaders writes e, if any, as the response headers OSS sends.
func (e *sse) setHeaders(h http.Header) {
	if e == nil {
		return
	}
	h.Set(hdrSSE, e.Algorithm)
	if e.KeyID != "" {
		h.Set(hdrSSEKeyID, e.KeyID)
	}
	if e.DataAlgorithm != "" {
		h.Set(hdrSSEData, e.DataAlgorithm)
	}
}

// newKMSKeyID returns an ID in the form of KMS key IDs (a random UUID).
func newKMSKeyID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
