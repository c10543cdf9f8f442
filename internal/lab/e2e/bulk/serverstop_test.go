package bulk_test

import (
	"net"
	"net/url"
	"testing"
	"time"

	"github.com/osscopy/osscopy/internal/lab/e2e"
)

// TestServerStopsWithSpareConnection: `osscopy server` stops cleanly (exit
// 0) on SIGTERM while a client holds a connection that has carried no
// request yet. HTTP clients open such connections all the time: Go's
// Transport dials one per concurrent request and parks those it ends up
// not needing (the HEADs of requireCopies leave a few), and load balancers
// open them for health checks.
//
// This test found that the server exited with status 1 ("context deadline
// exceeded") 5 s after such a connection was opened: net/http's Shutdown
// counts a connection in StateNew as active for its first 5 seconds, which
// is exactly serveUntilSignal's shutdown timeout (cmd/osscopy/server.go),
// so the timeout expired while waiting for a request that never comes.
func TestServerStopsWithSpareConnection(t *testing.T) {
	t.Parallel()
	s := e2e.StartServer(t, "--bucket", "dst")
	u, err := url.Parse(s.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	time.Sleep(50 * time.Millisecond) // the server has accepted it
	start := time.Now()
	s.Stop(t) // fails the test unless the server exits 0
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the server took %v to stop with only a connection that sent no request open", d.Round(time.Millisecond))
	}
}
