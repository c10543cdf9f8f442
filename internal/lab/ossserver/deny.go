package ossserver

import (
	"fmt"
	"net/http"
	"strings"
)

// DenyRule answers matching requests 403 AccessDenied, as a bucket policy
// or a RAM policy that withholds a permission would: `--deny`.
type DenyRule struct {
	// Op is an API name (UploadPartCopy), a class (copy, read, ...) or "*".
	Op string
	// Bucket is the bucket the rule covers.
	Bucket string
	// Key is an object key, or a prefix when Prefix is set; empty covers
	// the whole bucket (its own requests and every object in it).
	Key    string
	Prefix bool
}

func (r DenyRule) String() string {
	s := r.Bucket
	if r.Key != "" || r.Prefix {
		s += "/" + r.Key
	}
	if r.Prefix {
		s += "*"
	}
	if r.Op != "*" {
		s = r.Op + "=" + s
	}
	return s
}

// ParseDenyRule reads "[OP=]BUCKET[/KEY]", where KEY may end in "*" to
// cover a prefix and OP is as for ParseOpSettings (default "*").
func ParseDenyRule(s string) (DenyRule, error) {
	bad := func(why string) (DenyRule, error) {
		return DenyRule{}, fmt.Errorf("--deny %q: %s; write [OP=]BUCKET[/KEY], KEY ending in * for a prefix, like src/big.bin or UploadPartCopy=src", s, why)
	}
	r := DenyRule{Op: "*"}
	target := s
	// An '=' before the first '/' separates the operation: bucket names
	// have none, keys may.
	if op, rest, ok := strings.Cut(s, "="); ok && !strings.Contains(op, "/") {
		if _, known := ops[op]; !known && !isClass(op) && op != "*" {
			return bad(fmt.Sprintf("%q is neither an API name this server implements, nor a class (%s), nor *", op, classList()))
		}
		r.Op, target = op, rest
	}
	bucket, key, hasKey := strings.Cut(target, "/")
	if e := validBucketName(bucket); e != nil {
		return bad(e.Message)
	}
	r.Bucket = bucket
	if !hasKey {
		return r, nil
	}
	r.Key, r.Prefix = strings.CutSuffix(key, "*")
	if !r.Prefix || r.Key != "" {
		if e := validKey(r.Key); e != nil {
			return bad(e.Message)
		}
	}
	return r, nil
}

// matches reports whether the rule covers op on bucket and key.
func (r DenyRule) matches(op, bucket, key string) bool {
	if r.Op != "*" && r.Op != op && r.Op != ops[op].class || bucket != r.Bucket {
		return false
	}
	switch {
	case r.Prefix:
		return strings.HasPrefix(key, r.Key)
	case r.Key != "":
		return key == r.Key
	}
	return true
}

// deny answers 403 AccessDenied when a rule covers the request's bucket
// and key, or the object it copies from.
func (s *Server) deny(rq *request) *ossError {
	if len(s.cfg.Deny) == 0 {
		return nil
	}
	var src *copySource
	if v := rq.r.Header.Get("x-oss-copy-source"); v != "" && ops[rq.op].class == "copy" {
		if cs, e := parseCopySource(v); e == nil {
			src = &cs
		}
	}
	for _, r := range s.cfg.Deny {
		if r.matches(rq.op, rq.bucket, rq.key) || src != nil && r.matches(rq.op, src.bucket, src.key) {
			rq.fault = "deny"
			return newErr(http.StatusForbidden, "AccessDenied",
				"You have no right to access this object: a policy denies %s here (--deny %s).", rq.op, r).withEC("0003-00000001")
		}
	}
	return nil
}
