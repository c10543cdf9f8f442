package ossclient

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/osscopy/osscopy/internal/ossurl"
)

// refuseBadHeaders is the transport's first step: a request with a header
// net/http would refuse to send fails with an *invalidHeaderError, which
// classifyFailure makes permanent. net/http's own refusal is an error of
// no type inside the *url.Error that every transport failure comes in, so
// it was retried like a network failure, for minutes per object. The
// commands refuse such values before any request; this is the defence
// behind them.
type refuseBadHeaders struct{ next http.RoundTripper }

func (t refuseBadHeaders) RoundTrip(req *http.Request) (*http.Response, error) {
	for name, values := range req.Header {
		if !validHeaderName(name) || slices.ContainsFunc(values, invalidHeaderValue) {
			if req.Body != nil {
				req.Body.Close() // a RoundTripper closes the body, also when it fails
			}
			return nil, &invalidHeaderError{name}
		}
	}
	return t.next.RoundTrip(req)
}

// invalidHeaderError names the header, never its value: it may be a secret.
type invalidHeaderError struct{ name string }

func (e *invalidHeaderError) Error() string {
	return fmt.Sprintf("header %q holds what no request can carry (a control character, or a space or ':' in its name)", e.name)
}

// validHeaderName is net/http's rule: a name is a token (RFC 9110).
func validHeaderName(name string) bool {
	return name != "" && !strings.ContainsFunc(name, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("!#$%&'*+-.^_`|~", r))
	})
}

// invalidHeaderValue is net/http's rule: no control character but a tab.
func invalidHeaderValue(v string) bool {
	return strings.ContainsFunc(v, func(r rune) bool { return r != '\t' && ossurl.IsControl(r) })
}
