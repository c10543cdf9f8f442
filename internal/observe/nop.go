package observe

// Nop observes nothing. Embed it to implement only some of Observer's
// methods.
type Nop struct{}

func (Nop) ObjectStarted(Start)    {}
func (Nop) PartDone(Progress)      {}
func (Nop) ObjectFinished(Outcome) {}
func (Nop) Note(Note)              {}
func (Nop) Phase(Phase)            {}
func (Nop) Retry(Retry)            {}
func (Nop) GateChanged(Gate)       {}

var _ Observer = Nop{}

// Or is o, or Nop when o is nil: callers need not check.
func Or(o Observer) Observer {
	if o == nil {
		return Nop{}
	}
	return o
}

// Tee passes every event to each of its observers, in order.
type Tee []Observer

func (t Tee) ObjectStarted(s Start) {
	for _, o := range t {
		o.ObjectStarted(s)
	}
}

func (t Tee) PartDone(p Progress) {
	for _, o := range t {
		o.PartDone(p)
	}
}

func (t Tee) ObjectFinished(out Outcome) {
	for _, o := range t {
		o.ObjectFinished(out)
	}
}

func (t Tee) Note(n Note) {
	for _, o := range t {
		o.Note(n)
	}
}

func (t Tee) Phase(p Phase) {
	for _, o := range t {
		o.Phase(p)
	}
}

func (t Tee) Retry(r Retry) {
	for _, o := range t {
		o.Retry(r)
	}
}

func (t Tee) GateChanged(g Gate) {
	for _, o := range t {
		o.GateChanged(g)
	}
}
