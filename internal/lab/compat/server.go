package compat

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"

	"github.com/osscopy/osscopy/internal/lab/ossserver"
	"github.com/osscopy/osscopy/internal/lab/osstest"
)

// Key pairs every server accepts: Keys[0] is the account the suites run
// as; Keys[1] a second one, for suites that want another account (a
// requester, a payer).
var Keys = []ossserver.Credential{
	{AccessKeyID: "LTAIcompatfirstkey", AccessKeySecret: "compat-first-secret"},
	{AccessKeyID: "LTAIcompatsecondkey", AccessKeySecret: "compat-second-secret"},
}

// Server is a local OSS server on a loopback port.
type Server struct {
	Endpoint string // http://127.0.0.1:PORT
	Region   string
	srv      *ossserver.Server
	http     *http.Server
	log      osstest.AccessLog
}

// StartServer starts a server with Keys and no buckets.
func StartServer() (*Server, error) {
	s := &Server{}
	srv, err := ossserver.New(ossserver.Config{Credentials: Keys, AccessLog: &s.log})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, errors.Join(err, srv.Close())
	}
	s.srv, s.Region, s.Endpoint = srv, srv.Region(), "http://"+ln.Addr().String()
	s.http = &http.Server{Handler: srv}
	go func() { _ = s.http.Serve(ln) }() // Serve returns when Close is called
	return s, nil
}

// Close stops serving and releases the server.
func (s *Server) Close() error {
	return errors.Join(s.http.Close(), s.srv.Close())
}

// ErrorSummary counts the error answers the server gave, by operation,
// status and code, most frequent first: what an outside client's failure
// most often comes down to.
func (s *Server) ErrorSummary() string {
	counts := map[string]int{}
	for _, line := range bytes.Split(s.log.Bytes(), []byte("\n")) {
		var e ossserver.LogEntry
		if json.Unmarshal(line, &e) != nil || e.Status < 300 || e.Status == http.StatusNotModified {
			continue
		}
		counts[fmt.Sprintf("%d %s %s %s", e.Status, e.Code, e.Method, orUnnamed(e.Op))]++
	}
	lines := make([]string, 0, len(counts))
	for k, n := range counts {
		lines = append(lines, fmt.Sprintf("%5d x %s", n, k))
	}
	slices.Sort(lines)
	slices.Reverse(lines)
	return strings.Join(lines, "\n")
}

func orUnnamed(op string) string {
	if op == "" {
		return "(unidentified operation)"
	}
	return op
}
