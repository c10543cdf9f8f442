// Package retry is osscopy's only retry layer: exponential backoff with
// jitter for transient errors, Retry-After for throttled ones, and an end
// at once for permanent ones, decided by the class of the *osserr.Error a
// request failed with. The SDK's own retryer is off (internal/ossclient),
// so attempts never multiply.
//
// Like rclone's lib/pacer it stands apart from what it retries: it knows
// no store, no copy and no flag.
package retry
