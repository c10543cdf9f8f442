package ossserver

// SDKEncodedQuery lets the external tests sign a raw query as the SDK would
// have encoded it (see sdkEncodedQuery).
var SDKEncodedQuery = sdkEncodedQuery

// IsV1SubResource tells the external tests which query parameters a V1
// signature covers, so that they can sign as the SDK v1 does.
func IsV1SubResource(name string) bool { return v1SubResources[name] }
