package casekit

import (
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/calendar"
	"github.com/duty-project/duty/cases"
)

// UpdateLearnCalendar is the update that gives a running case a newer
// holiday calendar (a year the State Council published after the case
// opened). A case keeps the calendar it opened with, in its input, so that
// it replays alike; a newer year reaches it only through this update, so
// the change is in its history (see the calendar package's Determinism
// section). Every kind that counts deadlines with a calendar it carries
// has it.
const UpdateLearnCalendar = "learn_calendar"

// ActionCalendarLearned is the step the update records: the years learned
// and the deadlines they moved.
const ActionCalendarLearned = "calendar_learned"

// LearnCalendarInput is the update's input: the installation's calendar as
// it now stands. The server sends it, as the system, after a year is
// loaded (`duty calendar load`).
type LearnCalendarInput struct {
	Calendar *calendar.Calendar `json:"calendar"`
}

// Validate checks the input against the calendar the case counts with: it
// must keep every year the case has (a year is never taken away from a
// case, only reissued by a later notice) and bring at least one year new
// to it. A case that carries no calendar (its dates were counted by the
// API) takes any; once it has learned one, it holds it like the others.
func (in LearnCalendarInput) Validate(current *calendar.Calendar) error {
	if in.Calendar == nil {
		return Refuse("calendar.required", nil)
	}
	if current == nil {
		return nil
	}
	ch := current.ChangesTo(in.Calendar)
	switch {
	case len(ch.Dropped) > 0:
		return Refuse("calendar.years_dropped", duty.Args{"Years": fmt.Sprint(ch.Dropped)})
	case len(ch.Conflicting) > 0:
		return Refuse("calendar.years_conflict", duty.Args{"Years": fmt.Sprint(ch.Conflicting)})
	case len(ch.Learned()) == 0:
		return NotNow("calendar.up_to_date", nil)
	}
	return nil
}

// Calendared is a kind whose deadlines are counted with a calendar the
// case carries. Run registers UpdateLearnCalendar for every such kind; the
// kind supplies only the recount.
type Calendared interface {
	// Calendar is the calendar the case counts with now; nil for a kind
	// whose dates the API counted and that has learned none since.
	Calendar() *calendar.Calendar
	// LearnCalendar makes cal the case's calendar and counts every
	// pending deadline again from its own event and period (Recount);
	// deadlines met or missed stay as they were. It returns what the
	// recount changed, and must not block: the step is taken right after.
	LearnCalendar(cal *calendar.Calendar, now time.Time) []Recounted
}

// Recounted is one pending deadline counted again with a newer calendar:
// its last day, end and unconfirmed years before and after.
type Recounted struct {
	Key            string        `json:"key"`
	WasLast        calendar.Date `json:"was_last"`
	Last           calendar.Date `json:"last"`
	WasEnd         time.Time     `json:"was_end"`
	End            time.Time     `json:"end"`
	WasUnconfirmed []int         `json:"was_unconfirmed,omitempty"`
	Unconfirmed    []int         `json:"unconfirmed,omitempty"`
}

// Moved reports whether the recount changed the deadline's date.
func (r Recounted) Moved() bool { return !r.End.Equal(r.WasEnd) }

// Recount counts d again with cal and adds what changed to into, under
// key: the helper each kind's LearnCalendar calls for a pending deadline.
func Recount(cal *calendar.Calendar, key string, d *calendar.Deadline, into *[]Recounted) {
	n := cal.Recount(*d)
	Compare(key, *d, n, into)
	*d = n
}

// Compare adds to into what changed from was to now under key, if
// anything did: for a kind whose deadline is counted afresh from its
// state rather than kept.
func Compare(key string, was, now calendar.Deadline, into *[]Recounted) {
	if now.End.Equal(was.End) && slices.Equal(now.Unconfirmed, was.Unconfirmed) {
		return
	}
	*into = append(*into, Recounted{Key: key, WasLast: was.Last, Last: now.Last, WasEnd: was.End, End: now.End,
		WasUnconfirmed: was.Unconfirmed, Unconfirmed: now.Unconfirmed})
}

// CalendarLearned is the details of the step ActionCalendarLearned: the
// years the case learned and the pending deadlines counted again. The
// calendar itself is in the update's input, once.
type CalendarLearned struct {
	Years     []int       `json:"years"`
	Recounted []Recounted `json:"recounted"`
}

// learnedYears are the years a case learns from next: those it adds to or
// reissues in the case's calendar, or, for a case that had none, those of
// next its deadlines were unconfirmed for.
func learnedYears(cur, next *calendar.Calendar, recounted []Recounted) []int {
	if cur != nil {
		return cur.ChangesTo(next).Learned()
	}
	var ys []int
	for _, r := range recounted {
		for _, y := range r.WasUnconfirmed {
			if next.HasYear(y) && !slices.Contains(ys, y) {
				ys = append(ys, y)
			}
		}
	}
	slices.Sort(ys)
	return ys
}

// registerLearnCalendar registers UpdateLearnCalendar for a kind that
// carries a calendar. Registering a handler adds nothing to history, so
// cases opened before it replay alike; and the step it records changes
// the step counter, which every kind's timer loop waits on, so a moved
// deadline's timer is armed again at its new time.
func registerLearnCalendar[S State[V], V any](ctx workflow.Context, s S, k Calendared) error {
	check := func(in LearnCalendarInput) error {
		if s.kit().ClosedAt != nil {
			return NotNow("case.closed", nil)
		}
		return in.Validate(k.Calendar())
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdateLearnCalendar,
		func(ctx workflow.Context, in LearnCalendarInput) (UpdateResult, error) {
			if err := check(in); err != nil {
				return UpdateResult{}, Refusal(err)
			}
			now := workflow.Now(ctx)
			cur, cal := k.Calendar(), in.Calendar
			if cur != nil {
				// The case keeps its rule set's choice on rest-day
				// extension, whatever the sender's calendar says.
				cal = cal.WithRestDayExtension(cur.RestDayExtension())
			}
			before := s.StateName()
			recounted := k.LearnCalendar(cal, now)
			years := learnedYears(cur, cal, recounted)
			details := CalendarLearned{Years: years, Recounted: CloneList(recounted)}
			step := takeStep(ctx, s, ActionCalendarLearned, cases.SystemActor, before, details)
			if err := writeStep(ctx, &s.kit().steps, step); err != nil {
				return UpdateResult{}, err
			}
			return UpdateResult{Seq: step.Seq}, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(_ workflow.Context, in LearnCalendarInput) error {
			return Refusal(check(in))
		}},
	)
}
