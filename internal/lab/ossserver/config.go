package ossserver

import (
	"io"
	"time"
)

// Config is everything `osscopy server` can be told.
type Config struct {
	// Region is the region requests must be signed for (V4 scope).
	Region string
	// Credentials are the key pairs the server accepts.
	Credentials []Credential
	// DataDir keeps state and bytes across restarts; empty keeps them in memory.
	DataDir string
	// Buckets are created at start; Seeds create synthetic objects, and
	// SeedObjects many at a time.
	Buckets     []string
	Seeds       []Seed
	SeedObjects []SeedObjects

	// MD5Limit: copies and synthetic objects up to this size get the MD5 of
	// their bytes as ETag; larger ones a digest of CRC64 and size.
	MD5Limit int64
	// CopyObjectLimit is the largest source CopyObject copies to another
	// bucket, storage class or encryption (OSS: 1 GB); within a bucket it
	// copies any size, as OSS does.
	CopyObjectLimit int64
	// LenientCopyRange copies the whole source when x-oss-copy-source-range
	// is malformed, as some OSS documentation suggests, instead of failing.
	LenientCopyRange bool
	// IgnorePartCopyTagging ignores x-oss-tagging-directive, x-oss-tagging
	// and x-oss-metadata-directive on UploadPartCopy, as its API reference
	// (which lists none of them) suggests. By default the server does what
	// ossutil's upload-part-copy page promises: a Replace tagging directive
	// sets the tags the completed object gets.
	IgnorePartCopyTagging bool

	// Latency and Bandwidth shape how long operations take, keyed by API
	// name (UploadPartCopy), class (copy, read, write, list, multipart,
	// bucket) or "*". Bandwidth is bytes per second per request.
	Latency   map[string]time.Duration
	Bandwidth map[string]int64

	// MaxInflight bounds requests in flight; above it the server throttles
	// with ThrottleStatus (503 or 429) and ThrottleCode, with Retry-After.
	MaxInflight    int
	ThrottleStatus int
	ThrottleCode   string
	RetryAfter     time.Duration

	// ErrorRate answers a share of requests with 500/503 before doing them;
	// ResetRate does the operation, then cuts the connection mid-response.
	// Keys as for Latency; decisions are reproducible from FaultSeed.
	ErrorRate map[string]float64
	ResetRate map[string]float64
	FaultSeed uint64
	// Elsewhere are buckets of other regions, by name, with their region:
	// requests for them get OSS's answer to a request sent to the wrong
	// endpoint, 403 AccessDenied naming the endpoint that serves them.
	Elsewhere map[string]string
	// Deny answers requests a rule covers (their bucket and key, or the
	// object they copy from) 403 AccessDenied, after authentication.
	Deny []DenyRule

	// AccessLog receives one JSON object per request.
	AccessLog io.Writer
	// Domain lets virtual-hosted requests (bucket.Domain) find their bucket.
	Domain string
	// Now is the clock (tests may move it); nil means time.Now.
	Now func() time.Time
}

// Credential is a key pair, optionally a temporary (STS) one.
type Credential struct {
	AccessKeyID     string
	AccessKeySecret string
	SecurityToken   string    // required on requests when set
	Expiration      time.Time // zero: never expires
}

// Seed asks for a synthetic object of Size bytes drawn from Seed.
type Seed struct {
	Bucket string
	Key    string
	Size   int64
	Seed   uint64
}

// SeedObjects asks for Count synthetic objects named Prefix followed by
// their index, zero-padded to the width of Count-1. Each one's size is
// drawn from MinSize..MaxSize and its content seed from Seed, both mixed
// with its index, so that objects differ.
type SeedObjects struct {
	Bucket           string
	Prefix           string
	Count            int
	MinSize, MaxSize int64
	Seed             uint64
}

// MaxSeedObjects is the most objects one SeedObjects may ask for.
const MaxSeedObjects = 10_000_000

// Defaults that follow OSS's documented limits.
const (
	DefaultRegion       = "cn-hangzhou"
	DefaultMD5Limit     = 1 << 20
	CopyObjectMaxSize   = 1 << 30
	MaxPartSize         = 5 << 30
	MinPartSize         = 100 << 10
	MaxPartNumber       = 10000
	MaxObjectSize       = 48_800_000_000_000
	MaxKeyLength        = 1023
	MaxPutSize          = 5 << 30
	MaxUserMetadata     = 8 << 10
	maxXMLBody          = 4 << 20
	maxHeaderBytesTotal = 64 << 10
	maxClockSkew        = 15 * time.Minute
)

func (c *Config) withDefaults() Config {
	out := *c
	if out.Region == "" {
		out.Region = DefaultRegion
	}
	if out.MD5Limit == 0 {
		out.MD5Limit = DefaultMD5Limit
	}
	if out.CopyObjectLimit == 0 {
		out.CopyObjectLimit = CopyObjectMaxSize
	}
	if out.ThrottleStatus == 0 {
		out.ThrottleStatus = 503
	}
	if out.ThrottleCode == "" {
		out.ThrottleCode = "ActiveRequestLimitExceeded"
	}
	if out.RetryAfter == 0 {
		out.RetryAfter = time.Second
	}
	if out.Domain == "" {
		out.Domain = "localhost"
	}
	if out.Now == nil {
		out.Now = time.Now
	}
	return out
}
