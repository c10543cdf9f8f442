package e2e

import (
	"fmt"
	"strconv"
)

// SeedObject is a --seed-object value: a synthetic object of size (SIZE or
// SIZE@SEED, the seed of its bytes).
func SeedObject(bucket, key, size string) string {
	return fmt.Sprintf("oss://%s/%s=%s", bucket, key, size)
}

// SeedObjects is a --seed-objects value: count objects named prefix and
// their index (see SeededKeys), of size (a size or a MIN-MAX range).
func SeedObjects(bucket, prefix string, count int, size string) string {
	return fmt.Sprintf("oss://%s/%s=%dx%s", bucket, prefix, count, size)
}

// SeededKeys are the keys --seed-objects gives count objects under prefix:
// the index zero-padded to the width of count-1, so that they list in
// index order.
func SeededKeys(prefix string, count int) []string {
	w := len(strconv.Itoa(count - 1))
	keys := make([]string, count)
	for i := range keys {
		keys[i] = fmt.Sprintf("%s%0*d", prefix, w, i)
	}
	return keys
}
