package workflows

import (
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/workflows/casekit"
	"github.com/duty-project/duty/workflows/ladder"
)

// WarningTalk runs one warning talk (约谈 / 约定谈话): the notice is served
// to the named persons, the talk is held and attendance recorded person by
// person (a no-show stays on their record), and a written rectification
// report is due after it. A report that does not come in time fails the
// talk, which is the signal for the next rung of the enforcement ladder.
func WarningTalk(ctx workflow.Context, in TalkInput) (TalkResult, error) {
	return casekit.Run[TalkView, TalkResult](ctx, func(now time.Time) (*talk, error) {
		if err := in.Validate(now); err != nil {
			return nil, err
		}
		return &talk{in: in, state: TalkScheduled}, nil
	})
}

type talk struct {
	casekit.Case
	in          TalkInput
	state       TalkState
	attendance  []Attendance
	noShows     []string
	minutes     string
	commitments string
	heldAt      *time.Time
	reportDue   time.Time
	report      *TalkReportInput
}

// Register sets the talk's query and updates.
func (k *talk) Register(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryTalk, func() (TalkView, error) { return k.view(), nil }); err != nil {
		return err
	}
	for _, err := range []error{
		casekit.SetUpdate(ctx, UpdateRecordTalk, k, (*talk).checkRecord, (*talk).applyRecord),
		casekit.SetUpdate(ctx, UpdateTalkReport, k, (*talk).checkReport, (*talk).applyReport),
		casekit.SetUpdate(ctx, UpdateCancelTalk, k, (*talk).checkCancel, (*talk).applyCancel),
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
	if err := workflow.Await(ctx, func() bool { return k.state != TalkScheduled }); err != nil {
		return err
	}
	if k.state == TalkHeld {
		if wait := k.reportDue.Sub(workflow.Now(ctx)); wait > 0 {
			if _, err := workflow.AwaitWithTimeout(ctx, wait, func() bool { return k.state != TalkHeld }); err != nil {
				return err
			}
		}
		if k.state == TalkHeld {
			k.state = TalkFailed
			k.finish(workflow.Now(ctx))
			if err := casekit.RecordStep(ctx, k, "report_overdue", cases.SystemActor, string(TalkHeld), struct {
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
func (k *talk) Result(ctx workflow.Context) TalkResult {
	outcome := map[TalkState]string{TalkComplied: ladder.RungComplied, TalkFailed: ladder.RungFailed, TalkCancelled: ladder.RungCancelled}[k.state]
	ladder.NotifyParent(ctx, k.in.ParentWorkflowID, ladder.RungSignal{Rung: rules.RungWarningTalk, CaseNo: k.in.CaseNo, Outcome: outcome})
	return TalkResult{CaseNo: k.in.CaseNo, State: string(k.state), NoShows: casekit.CloneList(k.noShows)}
}

func (k *talk) regulator(a cases.Actor) error {
	if a.Side != cases.SideRegulator {
		return duty.Errorf(duty.EForbidden, "only the regulator (监管部门) may take this step")
	}
	return nil
}

func (k *talk) wrongState(action string) error {
	msg := "the warning talk is " + k.state.Label() + "; " + action + " is not allowed now"
	if next := k.nextActions(); len(next) > 0 {
		msg += " (allowed: " + strings.Join(next, ", ") + ")"
	}
	return casekit.Conflict("%s", msg)
}

func (k *talk) checkRecord(in RecordTalkInput, now time.Time) error {
	if err := k.regulator(in.Actor); err != nil {
		return err
	}
	if k.state != TalkScheduled {
		return k.wrongState(UpdateRecordTalk)
	}
	if now.Before(k.in.ScheduledAt) {
		return casekit.Conflict("the talk is scheduled for %s; record it once it has been held", k.in.ScheduledAt.Format(time.RFC3339))
	}
	if len(in.Attendance) != len(k.in.Persons) {
		return casekit.Invalid("record the attendance of each of the %d persons called", len(k.in.Persons))
	}
	for i, p := range k.in.Persons {
		if in.Attendance[i].Name != p.Name {
			return casekit.Invalid("attendance %d is for %q; the notice called %q there (keep the notice's order)", i+1, in.Attendance[i].Name, p.Name)
		}
	}
	if err := casekit.Text("minutes (约谈记录)", in.Minutes, true); err != nil {
		return err
	}
	if err := casekit.Text("commitments (整改承诺)", in.Commitments, false); err != nil {
		return err
	}
	if !in.ReportDue.After(now) {
		return casekit.Invalid("report_due must be in the future")
	}
	return nil
}

func (k *talk) applyRecord(in RecordTalkInput, now time.Time) (cases.Actor, any) {
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
		k.state = TalkFailed
		k.finish(now)
	} else {
		k.reportDue = in.ReportDue
		k.state = TalkHeld
	}
	return in.Actor, struct {
		RecordTalkInput
		NoShows []string `json:"no_shows"`
	}{in, casekit.CloneList(k.noShows)}
}

func (k *talk) checkReport(in TalkReportInput, _ time.Time) error {
	if in.Actor.Side != cases.SideEnterprise || in.Actor.OrgID != k.in.Enterprise.ID {
		return duty.Errorf(duty.EForbidden, "only %s, the enterprise concerned, may submit the report", k.in.Enterprise.Name)
	}
	if k.state != TalkHeld {
		return k.wrongState(UpdateTalkReport)
	}
	return in.Validate()
}

func (k *talk) applyReport(in TalkReportInput, now time.Time) (cases.Actor, any) {
	k.report = &in
	k.state = TalkComplied
	k.finish(now)
	return in.Actor, in
}

func (k *talk) checkCancel(in CancelTalkInput, _ time.Time) error {
	if err := k.regulator(in.Actor); err != nil {
		return err
	}
	if k.state != TalkScheduled {
		return k.wrongState(UpdateCancelTalk)
	}
	return in.Validate()
}

func (k *talk) applyCancel(in CancelTalkInput, now time.Time) (cases.Actor, any) {
	k.state = TalkCancelled
	k.finish(now)
	return in.Actor, in
}

func (k *talk) finish(now time.Time) { k.Close(now) }

func (k *talk) nextActions() []string {
	switch k.state {
	case TalkScheduled:
		return []string{UpdateRecordTalk, UpdateCancelTalk}
	case TalkHeld:
		return []string{UpdateTalkReport}
	}
	return nil
}

// StateName is the talk's state, as the audit log records it.
func (k *talk) StateName() string { return string(k.state) }

// Snapshot is the talk as it stands, for the step being taken.
func (k *talk) Snapshot() (cases.Summary, TalkView) {
	v := k.view()
	return v.Summary, v
}

func (k *talk) summary() cases.Summary {
	deadlines := []cases.Deadline{}
	if !k.reportDue.IsZero() {
		st := cases.DeadlinePending
		switch k.state {
		case TalkComplied:
			st = cases.DeadlineMet
		case TalkFailed:
			st = cases.DeadlineMissed
		}
		deadlines = append(deadlines, cases.Deadline{Key: "talk-report", What: "约谈后书面整改报告 written report after the talk",
			Party: cases.PartyEnterprise, DueAt: k.reportDue, State: st})
	}
	return cases.Summary{
		WorkflowID: k.in.WorkflowID, CaseNo: k.in.CaseNo, Kind: cases.KindTalk, State: string(k.state),
		RegionCode: k.in.RegionCode, RegionPath: k.in.RegionPath, Industry: k.in.Industry,
		Enterprise: k.in.Enterprise, ActingOrg: k.in.ActingOrg, ParentWorkflowID: k.in.ParentWorkflowID, RuleSet: k.in.RuleSet,
		Title:   "约谈 · " + k.in.Subject,
		Overdue: k.state == TalkFailed, LadderDue: k.state == TalkFailed,
		OpenedAt: k.OpenedAt, ClosedAt: k.ClosedAt, Deadlines: deadlines,
	}
}

func (k *talk) view() TalkView {
	return TalkView{
		Summary: k.summary(), Notice: k.in, Attendance: casekit.CloneList(k.attendance), NoShows: casekit.CloneList(k.noShows),
		Minutes: k.minutes, Commitments: k.commitments, HeldAt: k.heldAt, ReportDue: k.reportDue, Report: k.report,
		NextActions: casekit.CloneList(k.nextActions()), Seq: k.Seq(),
	}
}
