package workflows

import (
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/rules"
)

// WarningTalk runs one warning talk (约谈 / 约定谈话): the notice is served
// to the named persons, the talk is held and attendance recorded person by
// person (a no-show stays on their record), and a written rectification
// report is due after it. A report that does not come in time fails the
// talk, which is the signal for the next rung of the enforcement ladder.
func WarningTalk(ctx workflow.Context, in TalkInput) (TalkResult, error) {
	now := workflow.Now(ctx)
	if err := in.Validate(now); err != nil {
		return TalkResult{}, refusal(err)
	}
	k := &talk{in: in, state: TalkScheduled, openedAt: now}
	if err := registerOpen(ctx, k); err != nil {
		return TalkResult{}, err
	}
	if err := workflow.SetQueryHandler(ctx, QueryTalk, func() (TalkView, error) { return k.view(), nil }); err != nil {
		return TalkResult{}, err
	}
	for _, err := range []error{
		setCaseUpdate(ctx, UpdateRecordTalk, k, (*talk).checkRecord, (*talk).applyRecord),
		setCaseUpdate(ctx, UpdateTalkReport, k, (*talk).checkReport, (*talk).applyReport),
		setCaseUpdate(ctx, UpdateCancelTalk, k, (*talk).checkCancel, (*talk).applyCancel),
	} {
		if err != nil {
			return TalkResult{}, err
		}
	}
	if err := recordOpening(ctx, k, "notify", in.ConvenedBy, in); err != nil {
		return TalkResult{}, err
	}
	notifyParent(ctx, in.ParentWorkflowID, RungSignal{Rung: rules.RungWarningTalk, CaseNo: in.CaseNo, Outcome: RungStarted})
	// Wait for the talk to be held (or cancelled), then for the report.
	if err := workflow.Await(ctx, func() bool { return k.state != TalkScheduled }); err != nil {
		return TalkResult{}, err
	}
	if k.state == TalkHeld {
		if wait := k.reportDue.Sub(workflow.Now(ctx)); wait > 0 {
			if _, err := workflow.AwaitWithTimeout(ctx, wait, func() bool { return k.state != TalkHeld }); err != nil {
				return TalkResult{}, err
			}
		}
		if k.state == TalkHeld {
			k.state = TalkFailed
			k.finish(workflow.Now(ctx))
			if err := recordStep(ctx, k, "report_overdue", cases.SystemActor, string(TalkHeld), struct {
				ReportDue time.Time `json:"report_due"`
				Ladder    string    `json:"ladder"`
			}{k.reportDue, "next rung due 执法升级: 书面警告"}); err != nil {
				return TalkResult{}, err
			}
		}
	}
	if err := finishSteps(ctx, k); err != nil {
		return TalkResult{}, err
	}
	outcome := map[TalkState]string{TalkComplied: RungComplied, TalkFailed: RungFailed, TalkCancelled: RungCancelled}[k.state]
	notifyParent(ctx, in.ParentWorkflowID, RungSignal{Rung: rules.RungWarningTalk, CaseNo: in.CaseNo, Outcome: outcome})
	return TalkResult{CaseNo: in.CaseNo, State: string(k.state), NoShows: cloneList(k.noShows)}, nil
}

type talk struct {
	in TalkInput
	// steps writes the case\'s steps in order.
	steps       stepWriter
	state       TalkState
	openedAt    time.Time
	closedAt    *time.Time
	seq         int64
	attendance  []Attendance
	noShows     []string
	minutes     string
	commitments string
	heldAt      *time.Time
	reportDue   time.Time
	report      *TalkReportInput
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
	return conflict("%s", msg)
}

func (k *talk) checkRecord(in RecordTalkInput, now time.Time) error {
	if err := k.regulator(in.Actor); err != nil {
		return err
	}
	if k.state != TalkScheduled {
		return k.wrongState(UpdateRecordTalk)
	}
	if now.Before(k.in.ScheduledAt) {
		return conflict("the talk is scheduled for %s; record it once it has been held", k.in.ScheduledAt.Format(time.RFC3339))
	}
	if len(in.Attendance) != len(k.in.Persons) {
		return invalid("record the attendance of each of the %d persons called", len(k.in.Persons))
	}
	for i, p := range k.in.Persons {
		if in.Attendance[i].Name != p.Name {
			return invalid("attendance %d is for %q; the notice called %q there (keep the notice's order)", i+1, in.Attendance[i].Name, p.Name)
		}
	}
	if err := text("minutes (约谈记录)", in.Minutes, true); err != nil {
		return err
	}
	if err := text("commitments (整改承诺)", in.Commitments, false); err != nil {
		return err
	}
	if !in.ReportDue.After(now) {
		return invalid("report_due must be in the future")
	}
	return nil
}

func (k *talk) applyRecord(in RecordTalkInput, now time.Time) (cases.Actor, any) {
	k.attendance = cloneList(in.Attendance)
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
	}{in, cloneList(k.noShows)}
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

func (k *talk) finish(now time.Time) { k.closedAt = &now }

func (k *talk) nextActions() []string {
	switch k.state {
	case TalkScheduled:
		return []string{UpdateRecordTalk, UpdateCancelTalk}
	case TalkHeld:
		return []string{UpdateTalkReport}
	}
	return nil
}

// stateName, snapshot and nextSeq plug the talk into casekit.go.
func (k *talk) stateName() string { return string(k.state) }

func (k *talk) snapshot() (cases.Summary, TalkView) {
	v := k.view()
	return v.Summary, v
}

func (k *talk) writer() *stepWriter { return &k.steps }

func (k *talk) nextSeq() int64 {
	k.seq++
	return k.seq
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
		OpenedAt: k.openedAt, ClosedAt: k.closedAt, Deadlines: deadlines,
	}
}

func (k *talk) view() TalkView {
	return TalkView{
		Summary: k.summary(), Notice: k.in, Attendance: cloneList(k.attendance), NoShows: cloneList(k.noShows),
		Minutes: k.minutes, Commitments: k.commitments, HeldAt: k.heldAt, ReportDue: k.reportDue, Report: k.report,
		NextActions: cloneList(k.nextActions()), Seq: k.seq,
	}
}
