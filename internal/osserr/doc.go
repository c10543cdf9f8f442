// Package osserr is the one error type of osscopy's requests to OSS.
//
// internal/ossclient, the only user of the SDK, turns every error a
// request ends with (an answer of OSS, a reset connection, a timeout) into
// an *Error that carries what the rest of osscopy decides by: the HTTP
// status and OSS code, the retry class and Retry-After, and whether no
// other request of a run can succeed either. Retries, the run's adaptive
// gate, bulk runs and the command line read it with errors.As (or
// errors.Is against the conditions below); nothing else looks inside an
// SDK error, and no message text is ever parsed.
package osserr
