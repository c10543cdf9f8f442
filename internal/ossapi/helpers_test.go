package ossapi

import (
	"net/url"
	"strings"
)

// escapePath encodes a key as the SDK does in x-oss-copy-source: each byte
// that is not unreserved is escaped, slashes kept.
func escapePath(key string) string {
	return strings.ReplaceAll(url.PathEscape(key), "%2F", "/")
}

func versionQuery(id string) string {
	if id == "" {
		return ""
	}
	return "?versionId=" + url.QueryEscape(id)
}
