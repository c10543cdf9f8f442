package ossclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/osscopy/osscopy/internal/lab/ossserver"
	"github.com/osscopy/osscopy/internal/lab/osstest"
	"github.com/osscopy/osscopy/internal/osserr"
	"github.com/osscopy/osscopy/internal/retry"
	"github.com/osscopy/osscopy/worker"
)

// A server-side copy reads nothing while OSS works, so a copy slower than
// the SDK's default 10 s read deadline must still succeed, on the first try.
func TestSlowCopySucceeds(t *testing.T) {
	t.Parallel()
	env := osstest.Start(t, ossserver.Config{Buckets: []string{"slow"},
		Seeds:   []ossserver.Seed{{Bucket: "slow", Key: "src", Size: 1 << 20, Seed: 1}},
		Latency: map[string]time.Duration{"CopyObject": 11 * time.Second}})
	c := New(Settings{Endpoint: env.Endpoint, Region: env.Region, AccessKeyID: osstest.AccessKeyID,
		AccessKeySecret: osstest.AccessKeySecret, AddressingStyle: "path"})
	res, err := worker.Copy(context.Background(), c, worker.Job{Source: worker.Object{Bucket: "slow", Key: "src"},
		Dest: worker.Object{Bucket: "slow", Key: "dst"}, CheckpointDir: t.TempDir(), Retry: retry.Default()})
	if err != nil {
		t.Fatalf("an 11 s CopyObject failed: %v", err)
	}
	if res.Retries != 0 || env.Log.Count(t, "CopyObject", 0) != 1 {
		t.Errorf("retries %d, CopyObject requests %d; want 0 and 1", res.Retries, env.Log.Count(t, "CopyObject", 0))
	}
}

// A certificate or TLS failure is a wrong endpoint or trust setup: retrying
// cannot fix it, so it fails at once.
func TestTLSFailuresArePermanent(t *testing.T) {
	t.Parallel()
	for name, err := range map[string]error{
		"unknown authority": &url.Error{Op: "Get", URL: "https://x", Err: x509.UnknownAuthorityError{}},
		"host name":         &url.Error{Op: "Get", URL: "https://x", Err: x509.HostnameError{Host: "x"}},
		"invalid":           &url.Error{Op: "Get", URL: "https://x", Err: x509.CertificateInvalidError{}},
		"record header":     &url.Error{Op: "Get", URL: "https://x", Err: tls.RecordHeaderError{}},
	} {
		if class, _ := osserr.ClassOf(request{op: osserr.OpHeadObject}.fail(err)); class != osserr.Permanent {
			t.Errorf("%s: class %v, want permanent", name, class)
		}
	}
	// A real one, through the SDK: a TLS server whose certificate nobody trusts.
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	defer srv.Close()
	c := New(Settings{Endpoint: srv.URL, Region: "cn-hangzhou", AccessKeyID: "id", AccessKeySecret: "secret", AddressingStyle: "path"})
	_, err := c.Head(context.Background(), worker.Object{Bucket: "abc", Key: "k"})
	if e, ok := osserr.As(err); !ok || e.Class != osserr.Permanent {
		t.Errorf("untrusted certificate: %v, want a permanent *osserr.Error", err)
	}
}

// The INI parser quotes the offending line; that line may hold the secret.
func TestMalformedConfigHidesItsLines(t *testing.T) {
	t.Parallel()
	for _, line := range []string{"accessKeySecret=`MARKER-SECRET", "=MARKER-SECRET", "[unclosed MARKER-SECRET"} {
		path := filepath.Join(t.TempDir(), "config")
		if err := os.WriteFile(path, []byte("[default]\naccessKeyID=id\n"+line+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Resolve(Settings{}, path, "", func(string) string { return "" })
		if err == nil {
			t.Errorf("config line %q was accepted", line)
			continue
		}
		if strings.Contains(err.Error(), "MARKER-SECRET") || !strings.Contains(err.Error(), "not valid INI") {
			t.Errorf("config line %q: error %q", line, err)
		}
	}
}
