package ossclient_test

import (
	"testing"

	"github.com/osscopy/osscopy/internal/lab/ossserver"
	"github.com/osscopy/osscopy/internal/lab/storelab"
	"github.com/osscopy/osscopy/worker/storetest"
)

// TestStoreConformance runs the store suite against the SDK-backed client
// talking real HTTP to the local OSS server.
func TestStoreConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, storelab.Fixtures(ossserver.Config{}, nil))
}
