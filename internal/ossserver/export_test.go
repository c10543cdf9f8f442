package ossserver

// SDKEncodedQuery lets the external tests sign a raw query as the SDK would
// have encoded it (see sdkEncodedQuery).
var SDKEncodedQuery = sdkEncodedQuery
