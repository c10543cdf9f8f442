package osstest

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// The multipart ETag test vector of the official SDK v1's own tests
// (oss/download_test.go, oss/multicopy_test.go): its sample file uploaded
// in parts of SamplePartSize bytes completes with SampleMultipartETag on
// the real service.
const (
	sdkV1Module         = "github.com/aliyun/aliyun-oss-go-sdk@v3.0.2+incompatible"
	sampleFile          = "sample/BingWallpaper-2015-11-07.jpg"
	SamplePartSize      = 100 * 1024
	SampleMultipartETag = `"2351E662233817A7AE974D8C5B0876DD-5"`
)

// Sample returns the SDK v1's sample file, from the module cache (the Go
// module proxy fills it on first use). It is not copied into this
// repository: the vector is the SDK's, and so is the file it is about.
func Sample(t testing.TB) []byte {
	t.Helper()
	out, err := exec.Command("go", "mod", "download", "-json", sdkV1Module).Output()
	if err != nil {
		t.Fatalf("downloading %s for its test vector: %v", sdkV1Module, err)
	}
	var mod struct{ Dir, Error string }
	if err := json.Unmarshal(out, &mod); err != nil || mod.Dir == "" {
		t.Fatalf("go mod download -json %s: %q %v", sdkV1Module, mod.Error, err)
	}
	data, err := os.ReadFile(filepath.Join(mod.Dir, sampleFile))
	if err != nil {
		t.Fatalf("the SDK v1's sample file: %v", err)
	}
	return data
}

// SampleParts splits the sample file as the SDK v1's tests upload it.
func SampleParts(t testing.TB) [][]byte {
	data := Sample(t)
	var parts [][]byte
	for len(data) > 0 {
		n := min(SamplePartSize, len(data))
		parts, data = append(parts, data[:n]), data[n:]
	}
	return parts
}
