package etag

import (
	"crypto/md5"
	"encoding/hex"
	"strconv"
	"strings"
)

// Multipart returns the ETag, unquoted, that OSS gives an object completed
// from parts with these ETags (quoted or not, in any case), in order.
func Multipart(partETags ...string) string {
	h := md5.New()
	for _, p := range partETags {
		h.Write([]byte(Normalize(p)))
	}
	return strings.ToUpper(hex.EncodeToString(h.Sum(nil))) + "-" + strconv.Itoa(len(partETags))
}

// Normalize returns an ETag as OSS stores it: without quotes or
// surrounding space, in upper case.
func Normalize(etag string) string {
	return strings.ToUpper(strings.Trim(strings.TrimSpace(etag), `"`))
}

// Equal reports whether two ETags name the same content, whatever their
// quoting and case.
func Equal(a, b string) bool { return Normalize(a) == Normalize(b) }
