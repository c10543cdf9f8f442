package ossserver

import (
	"errors"
	"fmt"
	"hash/fnv"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/osscopy/osscopy/internal/units"
)

// ParseSeed reads "oss://bucket/key=SIZE[@SEED]". The key may contain '=';
// the last one separates the size. Without @SEED the seed is a hash of
// bucket and key, so different objects get different content.
func ParseSeed(s string) (Seed, error) {
	bad := func(why string) (Seed, error) {
		return Seed{}, fmt.Errorf("seed object %q: %s; write oss://bucket/key=SIZE[@SEED], like oss://src/big.bin=5TiB", s, why)
	}
	bucket, key, spec, _, why := cutSeedSpec(s, "SIZE")
	if why != "" {
		return bad(why)
	}
	if e := validKey(key); e != nil {
		return bad(e.Message)
	}
	sizeText, seedText, hasSeed := strings.Cut(spec, "@")
	size, err := units.ParseSize(sizeText)
	if err != nil {
		return bad(err.Error())
	}
	seed := Seed{Bucket: bucket, Key: key, Size: size}
	if seed.Seed, why = seedNumber(seedText, hasSeed, bucket+"/"+key); why != "" {
		return bad(why)
	}
	return seed, nil
}

// cutSeedSpec splits "oss://bucket/PATH=SPEC" at its last '=' (keys may
// hold '='), checking the bucket; why says what is wrong, or is "".
func cutSeedSpec(s, specName string) (bucket, path, spec string, hasSlash bool, why string) {
	rest, ok := strings.CutPrefix(s, "oss://")
	if !ok {
		return "", "", "", false, "it does not start with oss://"
	}
	i := strings.LastIndex(rest, "=")
	if i < 0 {
		return "", "", "", false, "it has no =" + specName
	}
	bucket, path, hasSlash = strings.Cut(rest[:i], "/")
	if e := validBucketName(bucket); e != nil {
		return "", "", "", false, e.Message
	}
	return bucket, path, rest[i+1:], hasSlash, ""
}

// seedNumber is the seed written after '@', or a hash of name without one.
func seedNumber(text string, given bool, name string) (uint64, string) {
	if !given {
		h := fnv.New64a()
		h.Write([]byte(name))
		return h.Sum64(), ""
	}
	n, err := strconv.ParseUint(text, 10, 64)
	if err != nil {
		return 0, fmt.Sprintf("seed %q is not a whole number", text)
	}
	return n, ""
}

// ParseSeedObjects reads "oss://bucket/PREFIX=COUNTxSIZE[@SEED]", where
// SIZE is a size or a range MIN-MAX and PREFIX may be empty or contain '='
// (the last one separates COUNT). Without @SEED the seed is a hash of s.
func ParseSeedObjects(s string) (SeedObjects, error) {
	bad := func(why string) (SeedObjects, error) {
		return SeedObjects{}, fmt.Errorf("seed objects %q: %s; write oss://bucket/PREFIX=COUNTxSIZE[@SEED], SIZE like 4KiB or a range like 1KiB-64KiB, as in oss://src/small/=100000x1KiB-64KiB", s, why)
	}
	bucket, prefix, spec, hasSlash, why := cutSeedSpec(s, "COUNTxSIZE")
	if why != "" {
		return bad(why)
	}
	if !hasSlash {
		return bad("it has no / after the bucket (for keys without a prefix write oss://bucket/=COUNTxSIZE)")
	}
	countText, sizeText, ok := strings.Cut(spec, "x")
	if !ok {
		return bad("it has no x between COUNT and SIZE")
	}
	count, err := strconv.ParseUint(countText, 10, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return bad(fmt.Sprintf("count %q is not a whole number", countText))
	}
	if count < 1 || count > MaxSeedObjects {
		return bad(fmt.Sprintf("count %s is not from 1 to %d", countText, MaxSeedObjects))
	}
	sizeText, seedText, hasSeed := strings.Cut(sizeText, "@")
	minText, maxText, isRange := strings.Cut(sizeText, "-")
	sp := SeedObjects{Bucket: bucket, Prefix: prefix, Count: int(count)}
	if sp.MinSize, err = units.ParseSize(minText); err != nil {
		return bad(err.Error())
	}
	sp.MaxSize = sp.MinSize
	if isRange {
		if sp.MaxSize, err = units.ParseSize(maxText); err != nil {
			return bad(err.Error())
		}
		if sp.MaxSize < sp.MinSize {
			return bad(fmt.Sprintf("the range %s runs backwards: write MIN-MAX", sizeText))
		}
	}
	if sp.MaxSize > MaxObjectSize {
		return bad(fmt.Sprintf("size %s is more than 48.8 TB, the OSS maximum", units.FormatSize(sp.MaxSize)))
	}
	if e := validKey(sp.key(0)); e != nil {
		return bad(e.Message)
	}
	if sp.Seed, why = seedNumber(seedText, hasSeed, s); why != "" {
		return bad(why)
	}
	return sp, nil
}

// ParseOpSettings reads repeated "OP=VALUE" flags, where OP is an API name
// (UploadPartCopy), a class (copy, read, write, list, multipart, bucket) or
// "*", and parse reads VALUE.
func ParseOpSettings[T any](flag string, items []string, parse func(string) (T, error)) (map[string]T, error) {
	out := map[string]T{}
	for _, item := range items {
		op, value, ok := strings.Cut(item, "=")
		if !ok {
			return nil, fmt.Errorf("--%s %q: write OP=VALUE, where OP is an API name, a class (%s) or *", flag, item, classList())
		}
		if _, known := ops[op]; !known && !isClass(op) && op != "*" {
			return nil, fmt.Errorf("--%s %q: %q is neither an API name this server implements, nor a class (%s), nor *", flag, item, op, classList())
		}
		v, err := parse(value)
		if err != nil {
			return nil, fmt.Errorf("--%s %q: %w", flag, item, err)
		}
		out[op] = v
	}
	return out, nil
}

// ParseFraction reads a share of requests: 0.05 or 5%.
func ParseFraction(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
	if strings.HasSuffix(s, "%") {
		v /= 100
	}
	if err != nil || v < 0 || v > 1 {
		return 0, fmt.Errorf("%q is not a share from 0 to 1 (or 0%% to 100%%)", s)
	}
	return v, nil
}

// ParseDuration reads a duration such as 20ms or 1.5s (or 1d, as every
// duration flag of osscopy takes), not negative.
func ParseDuration(s string) (time.Duration, error) {
	d, err := units.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q is not a duration like 20ms or 1.5s", s)
	}
	return d, nil
}

func isClass(name string) bool {
	for _, spec := range ops {
		if spec.class == name {
			return true
		}
	}
	return false
}

func classList() string { return "copy, read, write, list, multipart, bucket" }

// CheckBucketName says why name is not a valid OSS bucket name, or nil.
func CheckBucketName(name string) error {
	if e := validBucketName(name); e != nil {
		return errors.New(e.Message)
	}
	return nil
}

// regionName is what a region is named, like cn-hangzhou.
var regionName = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)

// ParseElsewhere reads "BUCKET=REGION": a bucket of another region (see
// Config.Elsewhere).
func ParseElsewhere(s string) (bucket, region string, err error) {
	bucket, region, _ = strings.Cut(s, "=")
	if e := validBucketName(bucket); e != nil {
		return "", "", fmt.Errorf("--bucket-elsewhere %q: %s; write BUCKET=REGION, like src=cn-beijing", s, e.Message)
	}
	if !regionName.MatchString(region) {
		return "", "", fmt.Errorf("--bucket-elsewhere %q: %q is not a region like cn-beijing; write BUCKET=REGION", s, region)
	}
	return bucket, region, nil
}
