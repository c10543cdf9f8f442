package ossclient

import (
	"context"
	"encoding/xml"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"syscall"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/retry"

	"github.com/osscopy/osscopy/internal/osserr"
)

// ProbeTimeout bounds the probe: room for a TLS handshake and a one-key
// listing across continents, yet a wrong endpoint fails in seconds, not
// after the minutes of backoff that a copy that was working deserves.
const ProbeTimeout = 8 * time.Second

// ProbeOp is the operation of the probe: GetBucketInfo, a small answer
// about the bucket, and a request the copy never sends otherwise, so that
// access logs tell the probe from the run.
const ProbeOp = "GetBucketInfo"

// Probe sends the one request that decides, before a run, whether OSS
// serves bucket at this endpoint in this region (ProbeOp). It fails,
// naming the endpoint and with a hint that says what to try, when nothing
// answers (refused, unresolvable, silent, not TLS), when something other
// than OSS answers, when OSS says the bucket is served elsewhere or the
// region is wrong, and on every other final answer but AccessDenied: OSS
// checks the endpoint and the signature before the permission, so a key
// without oss:GetBucketInfo has learnt all that, and the copy may be
// allowed. Throttling and 5xx answers pass, and so does a connection
// cut short: something answers there, and the run retries as usual.
func (a *API) Probe(ctx context.Context, bucket string) error {
	ctx, cancel := context.WithTimeout(ctx, ProbeTimeout)
	defer cancel()
	r := request{op: ProbeOp, bucket: bucket}
	out, err := a.c.InvokeOperation(ctx, &oss.OperationInput{OpName: r.op, Method: "GET", Bucket: &bucket,
		Parameters: map[string]string{"bucketInfo": ""}}, withoutRetries, a.answersXML(r, "BucketInfo"))
	if err != nil {
		return a.probeFailure(r, err)
	}
	return out.Body.Close()
}

// Probe is the API's Probe, for the copy's client.
func (c *Client) Probe(ctx context.Context, bucket string) error { return c.api.Probe(ctx, bucket) }

// withoutRetries makes one request one attempt: the probe decides at once.
func withoutRetries(o *oss.Options) { o.Retryer = retry.NopRetryer{} }

// probeFailure turns the probe's error into the run's: nil when OSS
// answered in a way the run may still get past.
func (a *API) probeFailure(r request, err error) error {
	if e, ok := osserr.As(err); ok {
		return e // checkXML's: not OSS's answer
	}
	e, _ := osserr.As(r.fail(err))
	e.Endpoint = a.endpoint
	var se *oss.ServiceError
	if !errors.As(err, &se) {
		if cutShort(err) {
			return nil // something answers there: the run's retries take a flaky connection from here
		}
		e.Hint, e.Err = noAnswer(err)
		e.Class = osserr.Permanent
		return e
	}
	body := errorBody(se.Snapshot)
	switch {
	case se.Code == "BadErrorResponse" || se.Headers.Get("x-oss-request-id") == "":
		return a.notOSS(r, se.StatusCode, answerKind(se.Headers)+", not OSS's ("+excerpt(se.Snapshot)+")")
	case body.Endpoint != "":
		e.Hint = "oss://" + r.bucket + " is served by " + body.Endpoint + ": use --endpoint " + body.Endpoint
		if region := hostRegion(body.Endpoint); region != "" {
			e.Hint += " --region " + region
		}
	case wrongRegionEC[se.EC]:
		e.Hint = a.regionHint(body.HostID)
	case e.Class != osserr.Permanent || e.Code == "AccessDenied":
		return nil
	}
	return e
}

// wrongRegionEC are the ECs of a V4 signature for a region the endpoint
// does not serve (OSS answers 400 InvalidArgument, "Invalid signing region
// in Authorization header."): the region does not match the Host's
// (0002-00000226) or the bucket's (0002-00000228).
var wrongRegionEC = map[string]bool{"0002-00000226": true, "0002-00000228": true}

// ossErrorBody is what the probe reads of OSS's error beyond the SDK:
// Endpoint, which a request to the wrong endpoint gets (403 AccessDenied,
// or S3's 301 PermanentRedirect), and HostId, the host that answered.
type ossErrorBody struct {
	Endpoint string `xml:"Endpoint"`
	HostID   string `xml:"HostId"`
}

func errorBody(snapshot []byte) ossErrorBody {
	var b ossErrorBody
	_ = xml.Unmarshal(snapshot, &b) // an unreadable body names nothing
	return b
}

// regionHint says which region to sign for: the one of the host that
// answered (OSS names it, like bucket.oss-cn-hangzhou.aliyuncs.com), else
// of the endpoint.
func (a *API) regionHint(hostID string) string {
	right := hostRegion(hostID)
	if right == "" {
		if u, err := url.Parse(a.endpoint); err == nil {
			right = hostRegion(u.Hostname())
		}
	}
	if right == "" {
		return "requests were signed for region " + a.region + ", which this endpoint does not serve: give --region the endpoint's region (oss-REGION.aliyuncs.com serves REGION)"
	}
	return "this endpoint serves region " + right + ", not " + a.region + ": use --region " + right +
		" (or, if the bucket is in " + a.region + ", --endpoint oss-" + a.region + ".aliyuncs.com)"
}

// ossHost matches OSS's host names and captures their region.
var ossHost = regexp.MustCompile(`(?:^|\.)oss-([a-z0-9-]+?)(?:-internal)?\.aliyuncs\.com\.?$`)

// hostRegion is the region of an OSS host name; "" for other hosts.
func hostRegion(host string) string {
	if m := ossHost.FindStringSubmatch(host); m != nil {
		return m[1]
	}
	return ""
}

// noAnswer says, by the error's type, what to try and why no answer came.
func noAnswer(err error) (hint string, why error) {
	var dns *net.DNSError
	switch {
	case errors.As(err, &dns) && dns.IsNotFound:
		return "check the host name in --endpoint (like oss-cn-hangzhou.aliyuncs.com; -internal endpoints resolve only inside Alibaba Cloud)", said("host "+dns.Name+" does not resolve", err)
	case errors.As(err, &dns):
		return "check DNS and the network, then run the same command again", said("could not resolve host "+dns.Name+": DNS failed", err)
	case errors.Is(err, syscall.ECONNREFUSED):
		return "check the host and port of --endpoint (http://HOST:PORT for a local server)", said("connection refused: nothing listens there", err)
	case errors.Is(err, http.ErrSchemeMismatch):
		return "give the endpoint as http://HOST, or point --endpoint at an HTTPS one", said("it answered plain HTTP to HTTPS", err)
	case badTLS(err):
		return "check --endpoint: its certificate is not valid for it, or something that is not OSS answers (a proxy that intercepts TLS?)", said("TLS failed: "+rootCause(err).Error(), err)
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return "something takes connections there and never answers, or drops them (a firewall, a proxy, an -internal endpoint outside Alibaba Cloud): check --endpoint and the network", said("no answer within "+ProbeTimeout.String(), err)
	}
	return "check --endpoint and the network, then run the same command again", said("the connection failed: "+rootCause(err).Error(), err)
}

// cutShort reports a connection that was made and then cut (a reset, an
// EOF): what a working but flaky OSS, or a proxy in front of it, does now
// and then.
func cutShort(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// rootCause is the innermost error: the transport's own words.
func rootCause(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

// saidError is a cause put in a person's words, the cause kept for errors.Is.
type saidError struct {
	words string
	cause error
}

func said(words string, cause error) error { return saidError{words, cause} }

func (e saidError) Error() string { return e.words }
func (e saidError) Unwrap() error { return e.cause }
