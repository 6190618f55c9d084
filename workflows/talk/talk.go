// Package talk is the warning talk (约谈): a rung of the enforcement
// ladder, started by hand or by a hazard whose regulator missed the time
// to start it, that reports its start and its end to the hazard.
package talk

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/calendar"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/i18n"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/workflows/casekit"
	"github.com/duty-project/duty/workflows/ladder"
)

// Workflow runs one warning talk (约谈 / 约定谈话): the notice is served
// to the named persons, the talk is held and attendance recorded person by
// person (a no-show stays on their record), and a written rectification
// report is due after it. A report that does not come in time fails the
// talk, which is the signal for the next rung of the enforcement ladder.
func Workflow(ctx workflow.Context, in Input) (Result, error) {
	return casekit.Run[View, Result](ctx, func(now time.Time) (*talk, error) {
		if err := in.Validate(now); err != nil {
			return nil, err
		}
		return &talk{in: in, state: Scheduled}, nil
	})
}

// talk is the workflow's state; every method is deterministic.
type talk struct {
	casekit.Case
	in          Input
	state       State
	attendance  []Attendance
	noShows     []string
	minutes     string
	commitments string
	heldAt      *time.Time
	reportDue   time.Time
	// reportCount is how reportDue was counted (nil for a talk recorded
	// before the API said), and cal the calendar the talk learned after
	// it (nil until it learns one): the API counted the date, so the talk
	// carries no calendar of its own from the start.
	reportCount *calendar.Deadline
	cal         *calendar.Calendar
	report      *ReportInput
}

// Register sets the talk's query and updates.
func (k *talk) Register(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, Query, func() (View, error) { return k.view(), nil }); err != nil {
		return err
	}
	for _, err := range []error{
		casekit.SetUpdate(ctx, UpdateRecord, k, (*talk).checkRecord, (*talk).applyRecord),
		casekit.SetUpdate(ctx, UpdateReport, k, (*talk).checkReport, (*talk).applyReport),
		casekit.SetUpdate(ctx, UpdateCancel, k, (*talk).checkCancel, (*talk).applyCancel),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

// Opening is the notice served on the persons called.
func (k *talk) Opening() (string, cases.Actor, any) { return "notify", k.in.ConvenedBy, k.in }

// Live tells the hazard the rung started, waits for the talk to be held
// (or cancelled), then for the report; a report that does not come in
// time fails the talk.
func (k *talk) Live(ctx workflow.Context) error {
	ladder.NotifyParent(ctx, k.in.ParentWorkflowID, ladder.RungSignal{Rung: rules.RungWarningTalk, CaseNo: k.in.CaseNo, Outcome: ladder.RungStarted})
	if err := workflow.Await(ctx, func() bool { return k.state != Scheduled }); err != nil {
		return err
	}
	// The step counter is the revision: a newer calendar that moves the
	// report's date takes a step, and the wait starts again from the new
	// date. (Before calendars were learned, only the report or nothing
	// ended the wait, and both change the state too: histories replay.)
	for k.state == Held {
		seq := k.Seq()
		if wait := k.reportDue.Sub(workflow.Now(ctx)); wait > 0 {
			changed, err := workflow.AwaitWithTimeout(ctx, wait, func() bool { return k.state != Held || k.Seq() != seq })
			if err != nil {
				return err
			}
			if changed {
				continue
			}
		}
		if k.state == Held {
			k.state = Failed
			k.finish(workflow.Now(ctx))
			if err := casekit.RecordStep(ctx, k, "report_overdue", cases.SystemActor, string(Held), struct {
				ReportDue time.Time `json:"report_due"`
				Ladder    string    `json:"ladder"`
			}{k.reportDue, "next rung due 执法升级: 书面警告"}); err != nil {
				return err
			}
		}
	}
	return nil
}

// Result tells the hazard how the rung ended, and returns it to whoever
// started the talk.
func (k *talk) Result(ctx workflow.Context) Result {
	outcome := map[State]string{Complied: ladder.RungComplied, Failed: ladder.RungFailed, Cancelled: ladder.RungCancelled}[k.state]
	ladder.NotifyParent(ctx, k.in.ParentWorkflowID, ladder.RungSignal{Rung: rules.RungWarningTalk, CaseNo: k.in.CaseNo, Outcome: outcome})
	return Result{CaseNo: k.in.CaseNo, State: string(k.state), NoShows: casekit.CloneList(k.noShows)}
}

func (k *talk) regulator(a cases.Actor) error {
	if a.Side != cases.SideRegulator {
		return duty.Fail(duty.EForbidden, "case.regulator_only", nil)
	}
	return nil
}

func (k *talk) wrongState(action string) error {
	return casekit.WrongState("talk", string(k.state), action, k.nextActions(), "")
}

func (k *talk) checkRecord(in RecordInput, now time.Time) error {
	if err := k.regulator(in.Actor); err != nil {
		return err
	}
	if k.state != Scheduled {
		return k.wrongState(UpdateRecord)
	}
	if now.Before(k.in.ScheduledAt) {
		return casekit.NotNow("talk.not_yet_held", duty.Args{"At": k.in.ScheduledAt})
	}
	if len(in.Attendance) != len(k.in.Persons) {
		return casekit.Refuse("talk.attendance.count", duty.Args{"N": len(k.in.Persons)})
	}
	for i, p := range k.in.Persons {
		if in.Attendance[i].Name != p.Name {
			return casekit.Refuse("talk.attendance.order", duty.Args{"N": i + 1, "Got": in.Attendance[i].Name, "Want": p.Name})
		}
	}
	if err := casekit.Text("field.talk.minutes", in.Minutes, true); err != nil {
		return err
	}
	if err := casekit.Text("field.talk.commitments", in.Commitments, false); err != nil {
		return err
	}
	if !in.ReportDue.After(now) {
		return casekit.Refuse("deadline.past", duty.Args{"Field": i18n.Ref("field.talk.report_due"), "At": in.ReportDue})
	}
	if in.ReportDeadline != nil && !in.ReportDeadline.End.Equal(in.ReportDue) {
		return casekit.Refuse("deadline.counted_mismatch", nil)
	}
	return nil
}

func (k *talk) applyRecord(in RecordInput, now time.Time) (cases.Actor, any) {
	k.attendance = casekit.CloneList(in.Attendance)
	for _, a := range in.Attendance {
		if !a.Attended {
			k.noShows = append(k.noShows, a.Name)
		}
	}
	k.minutes, k.commitments, k.heldAt = in.Minutes, in.Commitments, &now
	if len(k.noShows) == len(in.Attendance) {
		// Nobody came (拒不到场): the talk could not be held, no report is
		// owed, and the ladder climbs at once.
		k.state = Failed
		k.finish(now)
	} else {
		k.reportDue, k.reportCount = in.ReportDue, casekit.ClonePtr(in.ReportDeadline)
		k.state = Held
	}
	return in.Actor, struct {
		RecordInput
		NoShows []string `json:"no_shows"`
	}{in, casekit.CloneList(k.noShows)}
}

func (k *talk) checkReport(in ReportInput, _ time.Time) error {
	if in.Actor.Side != cases.SideEnterprise || in.Actor.OrgID != k.in.Enterprise.ID {
		return duty.Fail(duty.EForbidden, "case.enterprise_only", duty.Args{"Enterprise": k.in.Enterprise.Name})
	}
	if k.state != Held {
		return k.wrongState(UpdateReport)
	}
	return in.Validate()
}

func (k *talk) applyReport(in ReportInput, now time.Time) (cases.Actor, any) {
	k.report = &in
	k.state = Complied
	k.finish(now)
	return in.Actor, in
}

func (k *talk) checkCancel(in CancelInput, _ time.Time) error {
	if err := k.regulator(in.Actor); err != nil {
		return err
	}
	if k.state != Scheduled {
		return k.wrongState(UpdateCancel)
	}
	return in.Validate()
}

func (k *talk) applyCancel(in CancelInput, now time.Time) (cases.Actor, any) {
	k.state = Cancelled
	k.finish(now)
	return in.Actor, in
}

func (k *talk) finish(now time.Time) { k.Close(now) }

// Calendar is the calendar the talk learned, nil before it learned one
// (casekit.Calendared).
func (k *talk) Calendar() *calendar.Calendar { return k.cal }

// LearnCalendar counts the written report's date again while it is
// still awaited; the wait in Live follows the new date.
func (k *talk) LearnCalendar(cal *calendar.Calendar, _ time.Time) []casekit.Recounted {
	k.cal = cal
	var out []casekit.Recounted
	if k.state == Held && k.reportCount != nil {
		casekit.Recount(cal, "talk-report", k.reportCount, &out)
		k.reportDue = k.reportCount.End
	}
	return out
}

func (k *talk) nextActions() []string {
	switch k.state {
	case Scheduled:
		return []string{UpdateRecord, UpdateCancel}
	case Held:
		return []string{UpdateReport}
	}
	return nil
}

// StateName is the talk's state, as the audit log records it.
func (k *talk) StateName() string { return string(k.state) }

// Snapshot is the talk as it stands, for the step being taken.
func (k *talk) Snapshot() (cases.Summary, View) {
	v := k.view()
	return v.Summary, v
}

func (k *talk) summary() cases.Summary {
	deadlines := []cases.Deadline{}
	if !k.reportDue.IsZero() {
		st := cases.DeadlinePending
		switch k.state {
		case Complied:
			st = cases.DeadlineMet
		case Failed:
			st = cases.DeadlineMissed
		}
		var unconfirmed []int
		if k.reportCount != nil {
			unconfirmed = k.reportCount.Unconfirmed
		}
		deadlines = append(deadlines, cases.Deadline{Key: "talk-report", What: "约谈后书面整改报告 written report after the talk",
			Party: cases.PartyEnterprise, DueAt: k.reportDue, State: st, Unconfirmed: unconfirmed})
	}
	return cases.Summary{
		WorkflowID: k.in.WorkflowID, CaseNo: k.in.CaseNo, Kind: cases.KindTalk, State: string(k.state),
		RegionCode: k.in.RegionCode, RegionPath: k.in.RegionPath, Industry: k.in.Industry,
		Enterprise: k.in.Enterprise, ActingOrg: k.in.ActingOrg, ParentWorkflowID: k.in.ParentWorkflowID, RuleSet: k.in.RuleSet,
		Title:   "约谈 · " + k.in.Subject,
		Overdue: k.state == Failed, LadderDue: k.state == Failed,
		OpenedAt: k.OpenedAt, ClosedAt: k.ClosedAt, Deadlines: deadlines,
	}
}

func (k *talk) view() View {
	return View{
		Summary: k.summary(), Notice: k.in, Attendance: casekit.CloneList(k.attendance), NoShows: casekit.CloneList(k.noShows),
		Minutes: k.minutes, Commitments: k.commitments, HeldAt: k.heldAt, ReportDue: k.reportDue,
		ReportDeadline: casekit.ClonePtr(k.reportCount), Report: k.report,
		NextActions: casekit.CloneList(k.nextActions()), Seq: k.Seq(),
	}
}
