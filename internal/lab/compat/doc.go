// Package compat makes clients nobody here wrote the judges of the local
// OSS server: it runs official SDKs' own integration suites against
// `osscopy server` (internal/lab/ossserver, in-process on a loopback port) and
// holds what they report against a checked-in exclusion list per client.
//
// The plumbing serves any outside client. StartServer starts a fresh
// server with the key pairs the suites need; RunJobs runs each Job (one
// outside process, against its own server, so that one test's leftovers,
// panics or hangs cannot touch another's) a few at a time with a timeout,
// and adds to every failure the errors the server answered during it;
// ParseGoTest and ParseGocheck read `go test -v` and gocheck -check.v
// output; LoadExclusions reads an exclusion list; Judge asserts that every
// test of the subset that is not excluded ran and passed, and reports the
// counts. CopyModule and BuildTestBinary bring a Go module's tests from the
// module cache into a writable directory and compile them.
//
// The runners (sdkv2_test.go for github.com/aliyun/alibabacloud-oss-go-sdk-v2
// at the version go.mod uses, sdkv1_test.go for
// github.com/aliyun/aliyun-oss-go-sdk v3.0.2+incompatible) are behind the
// build tag compat, because they compile the SDKs' tests and take minutes:
//
//	go test -tags compat -count=1 ./internal/lab/compat/
//
// docs/COMPAT.md says what runs, what does not and why.
package compat
