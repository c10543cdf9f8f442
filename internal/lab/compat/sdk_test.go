//go:build compat

package compat

import (
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// perTestTimeout bounds one outside process. The SDKs' tests against a
// loopback server take seconds; their own sleeps add a few more.
const perTestTimeout = 3 * time.Minute

// testMethods lists the test functions declared in files (all of dir's
// _test.go files when files is empty) whose receiver is one of receivers
// ("" for plain functions): "TestX" for a function, "Suite.TestX" for a
// method of Suite. It reads the sources, so that the subset is what the
// SDK's files declare, not what a run happened to report.
func testMethods(t *testing.T, dir string, files []string, receivers ...string) []string {
	t.Helper()
	if len(files) == 0 {
		matches, err := filepath.Glob(filepath.Join(dir, "*_test.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range matches {
			files = append(files, filepath.Base(m))
		}
	}
	var names []string
	fset := token.NewFileSet()
	for _, name := range files {
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatalf("reading the SDK's tests: %v", err)
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || !strings.HasPrefix(fn.Name.Name, "Test") {
				continue
			}
			recv := receiverName(fn)
			if slices.Contains(receivers, recv) {
				names = append(names, strings.TrimPrefix(recv+"."+fn.Name.Name, "."))
			}
		}
	}
	return names
}

// receiverName is "Suite" for func (s *Suite) M() and "" for a function.
func receiverName(fn *ast.FuncDecl) string {
	if fn.Recv == nil || len(fn.Recv.List) == 0 {
		return ""
	}
	typ := fn.Recv.List[0].Type
	if star, ok := typ.(*ast.StarExpr); ok {
		typ = star.X
	}
	if id, ok := typ.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

// outOfScope names, by the words in their names, the SDKs' tests of OSS
// APIs outside what the server implements or is to implement (its scope
// is what a copy tool and the clients on a copy's destination use). They
// are not part of any subset; docs/COMPAT.md lists them. Tests of
// in-scope APIs the server lacks go on the exclusion lists instead.
var outOfScope = []struct {
	words *regexp.Regexp
	api   string
}{
	{regexp.MustCompile(`Lifecycle`), "bucket lifecycle (PutBucketLifecycle, ...)"},
	{regexp.MustCompile(`Referer`), "bucket referer (PutBucketReferer, ...)"},
	{regexp.MustCompile(`Logging`), "bucket logging (PutBucketLogging, ...)"},
	{regexp.MustCompile(`Website`), "static website hosting (PutBucketWebsite, ...)"},
	{regexp.MustCompile(`CORS|OptionsMethod`), "CORS (PutBucketCors, OPTIONS preflight)"},
	{regexp.MustCompile(`Bucket(Encryption|Encyption)|ServerEncryption`), "bucket default encryption (PutBucketEncryption, ...)"},
	{regexp.MustCompile(`BucketTagging|ListBucketsTagging`), "bucket tagging (PutBucketTags, ...)"},
	{regexp.MustCompile(`BucketStat`), "GetBucketStat"},
	{regexp.MustCompile(`BucketPolicy`), "bucket policy (PutBucketPolicy, ...)"},
	{regexp.MustCompile(`RequestPayment`), "requester pays (PutBucketRequestPayment, ...)"},
	{regexp.MustCompile(`Qos`), "bucket QoS (PutBucketQoSInfo, ...)"},
	{regexp.MustCompile(`Inventory`), "bucket inventory (PutBucketInventory, ...)"},
	{regexp.MustCompile(`AsyncTask|AsyncProcess|ProcessObject`), "data processing (x-oss-process, x-oss-async-process)"},
	{regexp.MustCompile(`Worm`), "retention (InitiateBucketWorm, ...)"},
	{regexp.MustCompile(`TransferAcc`), "transfer acceleration (PutBucketTransferAcceleration, ...)"},
	{regexp.MustCompile(`Replication`), "cross-region replication (PutBucketReplication, ...)"},
	{regexp.MustCompile(`CName|Cname`), "custom domain names (PutCname, ...)"},
	{regexp.MustCompile(`MetaQuery`), "metadata indexing (OpenMetaQuery, ...)"},
	{regexp.MustCompile(`AccessMonitor`), "access tracking (PutBucketAccessMonitor, ...)"},
	{regexp.MustCompile(`ResourceGroup`), "resource groups (PutBucketResourceGroup, ...)"},
	{regexp.MustCompile(`BucketStyle`), "image styles (PutStyle, ...)"},
	{regexp.MustCompile(`ResponseHeader`), "response header rules (PutBucketResponseHeader, ...)"},
	{regexp.MustCompile(`DescribeRegions|TestRegions`), "DescribeRegions"},
	{regexp.MustCompile(`CloudBox`), "OSS on CloudBox"},
	{regexp.MustCompile(`Redundancy`), "zone-redundant storage and its transitions (CreateBucketDataRedundancyTransition, ...)"},
	{regexp.MustCompile(`Symlink`), "symbolic links (PutSymlink, GetSymlink)"},
	{regexp.MustCompile(`Restore`), "Archive storage and RestoreObject"},
	{regexp.MustCompile(`Append`), "AppendObject"},
	{regexp.MustCompile(`LimitSpeed|TrafficLimit`), "single-connection bandwidth limits (x-oss-traffic-limit)"},
	{regexp.MustCompile(`Callback`), "upload callbacks (x-oss-callback)"},
}

// inScope splits tests into those of the subset and the rest, each with
// the API that puts it out of scope.
func inScope(tests []string) (subset []string, out map[string]string) {
	out = map[string]string{}
	for _, name := range tests {
		_, method, _ := strings.Cut(name, ".")
		if method == "" {
			method = name
		}
		api := ""
		for _, o := range outOfScope {
			if o.words.MatchString(method) {
				api = o.api
				break
			}
		}
		if api == "" {
			subset = append(subset, name)
		} else {
			out[name] = api
		}
	}
	return subset, out
}

// logOutOfScope lists, under -v, the tests left out as out of scope.
func logOutOfScope(t *testing.T, out map[string]string) {
	t.Helper()
	names := slices.Sorted(maps.Keys(out))
	for _, name := range names {
		t.Logf("out of scope: %s (%s)", name, out[name])
	}
}

// included drops the excluded tests from subset.
func included(subset []string, excluded Exclusions) []string {
	return slices.DeleteFunc(slices.Clone(subset), func(n string) bool { return excluded[n] != "" })
}
