// Package ossclient is the one place osscopy uses the OSS SDK: it
// implements worker.Store with github.com/aliyun/alibabacloud-oss-go-sdk-v2,
// classifies the SDK's errors for retries, and resolves connection settings
// from flags, environment and ossutil's configuration file.
package ossclient
