package observe

import (
	"errors"
	"slices"
	"testing"
)

// log records the events it is told, by kind.
type log struct {
	name   string
	events *[]string
}

func (l log) add(kind string) { *l.events = append(*l.events, l.name+" "+kind) }

func (l log) ObjectStarted(Start)    { l.add("started") }
func (l log) PartDone(Progress)      { l.add("part") }
func (l log) ObjectFinished(Outcome) { l.add("finished") }
func (l log) Note(Note)              { l.add("note") }
func (l log) Phase(Phase)            { l.add("phase") }
func (l log) Retry(Retry)            { l.add("retry") }
func (l log) GateChanged(Gate)       { l.add("gate") }

func TestTeeTellsEachInOrder(t *testing.T) {
	t.Parallel()
	var events []string
	tee := Tee{log{"a", &events}, Nop{}, log{"b", &events}}
	tee.ObjectStarted(Start{})
	tee.PartDone(Progress{})
	tee.ObjectFinished(Outcome{})
	tee.Note(Note{})
	tee.Phase(Phase{})
	tee.Retry(Retry{Err: errors.New("reset")})
	tee.GateChanged(Gate{})
	want := []string{"a started", "b started", "a part", "b part", "a finished", "b finished",
		"a note", "b note", "a phase", "b phase", "a retry", "b retry", "a gate", "b gate"}
	if !slices.Equal(events, want) {
		t.Errorf("events %q, want %q", events, want)
	}
}

func TestOr(t *testing.T) {
	t.Parallel()
	if _, ok := Or(nil).(Nop); !ok {
		t.Errorf("Or(nil) = %T, want Nop", Or(nil))
	}
	var events []string
	l := log{"a", &events}
	Or(l).Note(Note{})
	if !slices.Equal(events, []string{"a note"}) {
		t.Errorf("Or(l) did not pass the note on: %q", events)
	}
}
