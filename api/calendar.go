package api

import (
	"context"
	"encoding/json"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/calendar"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/store"
	"github.com/duty-project/duty/warrant"
	"github.com/duty-project/duty/workflows/casekit"
)

// Policy action and resource a system step's warrant names: no person
// decided it, the installation did (an operator loading a year).
const (
	learnCalendarAction   = "calendar:learn"
	learnCalendarResource = "calendar"
)

// CalendarTold is what one case answered when told about a newer calendar.
type CalendarTold struct {
	Case store.UnconfirmedCase
	// Seq is the step it took (0 when it took none).
	Seq int64
	// Err is why it took none: a *duty.Error conflict when it already
	// counts with the years (a re-run), anything else a failure.
	Err error
}

// TellCalendar sends cal (the installation's calendar with the years just
// loaded) to every open case with a running deadline counted without the
// holidays of any of years, as the update casekit.UpdateLearnCalendar;
// each case counts its pending deadlines again and records the step
// calendar_learned. The update is warranted by the system, as the API
// warrants a person's step, so the worker's interceptor checks it alike.
//
// It is idempotent: the update ID is derived from the case and the
// calendar's digest, so a retry reaches the same update, and a case that
// already learned the years no longer has them unconfirmed (the read
// model shows it) or refuses the update as nothing new. told, if not nil,
// hears each case's outcome as it comes.
func (s *Server) TellCalendar(ctx context.Context, cal *calendar.Calendar, years []int, told func(CalendarTold)) (updated, failed int, err error) {
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.UpdateTimeout == 0 {
		s.UpdateTimeout = 30 * time.Second
	}
	list, err := s.Store.CasesUnconfirmedIn(ctx, years)
	if err != nil {
		return 0, 0, err
	}
	for _, c := range list {
		in := casekit.LearnCalendarInput{Calendar: s.caseCalendar(cal, c.RuleSet)}
		t := CalendarTold{Case: c}
		t.Seq, t.Err = s.tellCase(ctx, c, in)
		switch {
		case t.Err == nil:
			updated++
		case duty.ErrorCode(t.Err) != duty.EConflict:
			failed++
		}
		if told != nil {
			told(t)
		}
	}
	return updated, failed, nil
}

// caseCalendar is cal as the rule set a case was opened under counts
// periods (rest-day extension), for a case whose dates the API counted
// and that carries no calendar of its own; one that does keeps its own
// setting whatever it is sent.
func (s *Server) caseCalendar(cal *calendar.Calendar, ruleSet string) *calendar.Calendar {
	if s.Rules == nil {
		return cal
	}
	rs, err := s.ruleSet(ruleSet)
	if err != nil {
		return cal
	}
	return cal.WithRestDayExtension(rs.RestDayExtends())
}

// tellCase sends one case the update and waits until its step is written.
// The update's ID is the case's and the calendar's: a retry, or a second
// server telling the same case at once, reaches the same update.
func (s *Server) tellCase(ctx context.Context, c store.UnconfirmedCase, in casekit.LearnCalendarInput) (int64, error) {
	raw, err := json.Marshal(in)
	if err != nil {
		return 0, err
	}
	id := "calendar/" + c.CaseNo + "/" + warrant.DigestBytes(raw)
	ctx, cancel := context.WithTimeout(ctx, s.UpdateTimeout)
	defer cancel()
	g := grant{actor: cases.SystemActor, action: learnCalendarAction, resource: learnCalendarResource}
	ctx, err = s.warrant(ctx, g, warrant.Claims{Workflow: c.WorkflowID, Name: casekit.UpdateLearnCalendar, UpdateID: id}, in)
	if err != nil {
		return 0, err
	}
	handle, err := s.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		UpdateID: id, WorkflowID: c.WorkflowID, UpdateName: casekit.UpdateLearnCalendar,
		Args: []any{in}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	var res casekit.UpdateResult
	if err == nil {
		err = handle.Get(ctx, &res)
	}
	if err != nil {
		return 0, translate(notYetRecorded(err))
	}
	return res.Seq, nil
}
