package hostile_test

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/osscopy/osscopy/internal/lab/e2e"
)

// oddKeys are valid OSS keys that are easy to get wrong: unicode in every
// form, URL and shell metacharacters, dots that are not path segments,
// URL-escaped dots that must not be decoded, the longest key, and two keys
// that differ only in Unicode normalisation (each must copy to its own).
var oddKeys = []string{
	"数据/ファイル 🚀.bin",
	"مرحبا/עולם.bin",
	"with space +plus %25percent &amp=eq.bin",
	"q?versionId=1&uploadId=2#frag",
	"a..b/..c/c../...",
	"..hidden/.dotfile",
	"%2e%2e/%2E%2E/x",
	`back\slash\..\x`,
	"=@:;,$!'()*[]~`|<>{}^\"",
	"zero\u200dwidth\ufeffbom",
	"caf\u00e9",  // NFC
	"cafe\u0301", // NFD: another key
	strings.Repeat("k", 1023),
	strings.Repeat("k", 1021) + "é", // 1023 bytes, ending in a two-byte rune
	"trailing-space ",
	"dir/",
}

// TestOddKeysCopy: every odd key copies to the same key in another bucket,
// with a multipart copy (3 parts) and with a single CopyObject, and the
// copy is byte-identical to its source (and not to its look-alike); the
// checkpoint files are named by a hash, never by the key, so none lands
// outside the checkpoint directory.
func TestOddKeysCopy(t *testing.T) {
	t.Parallel()
	args := []string{"--bucket", "dst", "--bucket", "dst-small"}
	for i, key := range oddKeys {
		if strings.HasSuffix(key, "/") {
			continue // a key ending in "/" names no object for cp: seeded below as dir/x
		}
		args = append(args, "--seed-object", fmt.Sprintf("oss://src/%s=3GiB@%d", key, i+1), "--seed-object", fmt.Sprintf("oss://small/%s=300KiB@%d", key, i+1))
	}
	args = append(args, "--seed-object", "oss://src/dir/x=3GiB", "--seed-object", "oss://small/dir/x=300KiB")
	s := e2e.StartServer(t, args...)
	root := t.TempDir()
	ckpt := filepath.Join(root, "ckpt")
	t.Run("keys", func(t *testing.T) {
		for i, key := range oddKeys {
			for _, bucket := range []string{"src", "small"} {
				t.Run(fmt.Sprintf("%s/%d", bucket, i), func(t *testing.T) {
					t.Parallel()
					dstBucket := map[string]string{"src": "dst", "small": "dst-small"}[bucket]
					srcKey, dstKey := key, key
					if strings.HasSuffix(key, "/") { // a destination "dir/" takes the source's base name
						srcKey, dstKey = key+"x", key+"x"
					}
					p := e2e.Run(t, s.Env(), "cp", "oss://"+bucket+"/"+srcKey, "oss://"+dstBucket+"/"+key, "--checkpoint-dir", ckpt,
						"--part-size", "1GiB", "--no-progress", "--output-format", "json")
					p.RequireCode(0)
					res := p.Result()
					if res.Destination != "oss://"+dstBucket+"/"+dstKey || res.Single != (bucket == "small") {
						t.Errorf("result %+v: want oss://%s/%q, single copy %v", res, dstBucket, dstKey, bucket == "small")
					}
					partSize := int64(0)
					if bucket == "src" {
						partSize = 1 << 30
					}
					if crc := s.RequireSameObject(t, bucket, srcKey, dstBucket, dstKey, partSize); res.CRC64 != crc {
						t.Errorf("result CRC64 %s, the source's %s", res.CRC64, crc)
					}
				})
			}
		}
	})
	// The look-alikes kept apart: NFC and NFD é are different objects.
	nfc, err1 := s.Head(t, "dst", "caf\u00e9")
	nfd, err2 := s.Head(t, "dst", "cafe\u0301")
	if err1 != nil || err2 != nil || *nfc.HashCRC64 == *nfd.HashCRC64 {
		t.Errorf("the NFC and NFD copies: %v, %v; want two objects with different CRC64s", err1, err2)
	}
	checkpointNames(t, root, ckpt)
	t.Logf("%d odd keys, each copied by a multipart copy and by CopyObject, all verified", len(oddKeys))
}

var checkpointFile = regexp.MustCompile(`^copy-[0-9a-f]{32}\.(lock|json|parts)$`)

// checkpointNames requires every file under root outside ckpt to be one
// the test made, every file in ckpt a checkpoint file named by a hash, and
// none left once every copy finished (lock files included).
func checkpointNames(t *testing.T, root, ckpt string) {
	t.Helper()
	n := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		switch {
		case path == root || path == ckpt:
		case filepath.Dir(path) == ckpt && !d.IsDir() && checkpointFile.MatchString(d.Name()):
			n++
		default:
			t.Errorf("unexpected file %q under the test's directory", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(ckpt); err != nil || !fi.IsDir() {
		t.Errorf("the checkpoint directory was not made (%v): was it used?", err)
	}
	if n != 0 {
		t.Errorf("%d checkpoint files are left after every copy finished", n)
	}
	if _, err := os.Stat(filepath.Join(ckpt, "..", "..", "x")); err == nil {
		t.Error("a file x appeared two levels above the checkpoint directory")
	}
}
