package observe

import "time"

// Observer is told what a copy or a run does. Its methods are called from
// many goroutines at once and must not block for long: requests wait for
// them.
type Observer interface {
	// ObjectStarted: an object's copy is planned (again when the plan
	// changes, as when OSS refuses one CopyObject and parts copy it).
	ObjectStarted(Start)
	// PartDone: a part is copied and recorded, or (Resumed) the parts an
	// earlier run copied were found; for one object, in order.
	PartDone(Progress)
	// ObjectFinished: an object of a bulk run is copied, skipped, failed,
	// or would be copied (a dry run).
	ObjectFinished(Outcome)
	// Note: something about an object that a person should know.
	Note(Note)
	// Phase: an object's copy moved to another step, one that may take
	// long with nothing else to tell (a HEAD that hangs, a completion of
	// 10,000 parts).
	Phase(Phase)
	// Retry: a request failed and is sent again after Wait.
	Retry(Retry)
	// GateChanged: a run's budget of requests in flight changed, or the
	// server throttled a request.
	GateChanged(Gate)
}

// Start is an object's copy as planned.
type Start struct {
	Source, Destination string
	Size                int64
	Parts               int // 0: one CopyObject
	PartSize            int64
}

// Progress is an object's copied parts so far.
type Progress struct {
	Source, Destination   string
	PartsDone, PartsTotal int
	BytesDone, BytesTotal int64
	// Resumed: these parts were copied by earlier runs, found before this
	// run copied any; Message says so for a person (which upload, what
	// the server no longer holds).
	Resumed bool
	Message string
}

// Actions and reasons of an Outcome.
const (
	ActionCopied    = "copied"
	ActionSkipped   = "skipped"
	ActionFailed    = "failed"
	ActionWouldCopy = "would-copy"

	ReasonDoneBefore = "done-before" // the journal holds it: an earlier run copied it
	ReasonExists     = "exists"      // --ignore-existing: the destination exists
	ReasonUpToDate   = "up-to-date"  // --update: same size and CRC64
	ReasonDuplicate  = "duplicate"   // a manifest named it again while its copy was under way
)

// Outcome is what became of one object of a bulk run.
type Outcome struct {
	Action      string `json:"action"`
	Reason      string `json:"reason,omitempty"`
	Source      string `json:"source"`
	Destination string `json:"destination"`
	Size        int64  `json:"size"`
	How         string `json:"how,omitempty"`
	Requests    int64  `json:"requests,omitempty"`
	CRC64       string `json:"crc64,omitempty"`
	Code        string `json:"error_code,omitempty"`
	Error       string `json:"error,omitempty"`
}

// Note is a message about an object (Source "" for the run itself).
type Note struct {
	Source  string
	Message string
}

// Steps of a Phase, in the order a copy takes them; a copy by parts goes
// back to StepCopy when it starts a new upload.
const (
	StepRead     = "read"     // reading the source (HEAD)
	StepStart    = "start"    // starting or resuming the upload
	StepCopy     = "copy"     // one CopyObject, or the parts, in flight
	StepComplete = "complete" // completing the upload
	StepVerify   = "verify"   // reading the destination to prove it
)

// Phase is the step an object's copy has come to.
type Phase struct {
	Source string
	Step   string
}

// Retry is a failed request about to be sent again.
type Retry struct {
	Op      string // the OSS operation
	Err     error
	Attempt int // the attempt that failed, from 1
	Wait    time.Duration
}

// Gate is a run's budget of requests in flight after a change.
type Gate struct {
	Limit, Max int
	// Throttled: the change is the answer to a throttled request (the
	// limit may be unchanged: a fixed one, or one at its floor).
	Throttled bool
}
