package ossserver_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"maps"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/osscopy/osscopy/internal/lab/ossserver"
	"github.com/osscopy/osscopy/internal/lab/osstest"
)

// logIndex is the server's access log kept by request ID.
type logIndex struct {
	mu   sync.Mutex
	byID map[string]ossserver.LogEntry
}

func (l *logIndex) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.byID == nil {
		l.byID = map[string]ossserver.LogEntry{}
	}
	sc := bufio.NewScanner(bytes.NewReader(p))
	for sc.Scan() {
		var e ossserver.LogEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return 0, err
		}
		l.byID[e.RequestID] = e
	}
	return len(p), nil
}

// entry returns the line of request id; the server writes it just after
// answering, so it may come a moment after the answer.
func (l *logIndex) entry(t *testing.T, id string) ossserver.LogEntry {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		l.mu.Lock()
		e, ok := l.byID[id]
		l.mu.Unlock()
		if ok {
			return e
		}
		if time.Now().After(deadline) {
			t.Fatalf("request %q is not in the access log", id)
		}
	}
}

// invoke sends in through the SDK and returns the request ID and status of
// the answer, whatever it was.
func invoke(t *testing.T, c *oss.Client, in *oss.OperationInput) (id string, status int) {
	t.Helper()
	out, err := c.InvokeOperation(context.Background(), in)
	var se *oss.ServiceError
	switch {
	case errors.As(err, &se):
		id, status = se.RequestID, se.StatusCode
	case err != nil:
		t.Fatalf("%s %s: %v", in.Method, describeInput(in), err)
	default:
		id, status = out.Headers.Get("x-oss-request-id"), out.StatusCode
		if out.Body != nil {
			out.Body.Close()
		}
	}
	if id == "" {
		t.Fatalf("%s %s: the answer (%d) has no request ID", in.Method, describeInput(in), status)
	}
	return id, status
}

func describeInput(in *oss.OperationInput) string {
	s := "/" + oss.ToString(in.Bucket)
	if in.Key != nil {
		s += "/" + *in.Key
	}
	keys := make([]string, 0, len(in.Parameters))
	for k, v := range in.Parameters {
		if v != "" {
			k += "=" + v
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) > 0 {
		s += "?" + strings.Join(keys, "&")
	}
	return s
}

// sdkRuntimeParams are the parameters SDK v2 operations set at run time,
// which its source does not spell out.
var sdkRuntimeParams = map[string]map[string]string{
	"SelectObject":           {"x-oss-process": "csv/select"},
	"CreateSelectObjectMeta": {"x-oss-process": "json/meta"},
}

// TestAPINamesFollowSDK sends every operation of the SDK v2 as the SDK
// sends it, to a bucket that does not exist, and wants the access log to
// name each as the SDK does, implemented by the server or not.
func TestAPINamesFollowSDK(t *testing.T) {
	t.Parallel()
	log := &logIndex{}
	env := osstest.Start(t, ossserver.Config{AccessLog: log})
	for _, op := range loadSDKV2Ops(t) {
		in := &oss.OperationInput{OpName: op.name, Method: op.method, Parameters: maps.Clone(op.query), Headers: map[string]string{}}
		maps.Copy(in.Parameters, sdkRuntimeParams[op.name])
		for _, h := range op.headers {
			in.Headers[h] = "x"
		}
		if op.bucket {
			in.Bucket = oss.Ptr("no-such-bucket")
		}
		if op.key {
			in.Key = oss.Ptr("k")
		}
		id, status := invoke(t, env.Client, in)
		if got := log.entry(t, id).Op; got != op.name {
			t.Errorf("%s %s (headers %v) answered %d and was logged as %s, want %s", op.method, describeInput(in), op.headers, status, got, op.name)
		}
	}
}
