// Package gate bounds and adapts the requests in flight of a whole run
// (additive increase, multiplicative decrease, as TCP's window): see Gate.
//
// It reads how a request ended from its *osserr.Error (throttled or not,
// Retry-After), reports changes of its limit to an observe.Observer, and
// knows nothing of copies or stores.
package gate
