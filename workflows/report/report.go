// Package report is a report from the public (群众举报; 安全生产法
// Art.73–76 [check], 安全生产领域举报奖励办法 2018 [check]) as a case:
// anyone files it on the public page, anonymously or with a name and
// phone kept apart from the case; the department responsible must verify
// it within the rule set's period, on a durable timer — a miss is the
// department's missed deadline, on its head's record like any other.
// Verification is an inspection (JC) the department links; its outcome is
// confirmed — the inspection's failed items opened the hazard cases,
// which the report lists — or unfounded, with the reason. A confirmed
// report may earn the reporter a reward, decided by the department within
// the rule set's range and recorded with who decided in which post.
//
// The workflow never holds who the reporter is: its history is read by
// operators, and the reporter's identity is for the handling department
// only (store.Reporter, each read recorded).
package report

import (
	"errors"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/workflows/casekit"
)

// Workflow runs one report from its filing until it is found unfounded
// or, confirmed, its reward is decided.
func Workflow(ctx workflow.Context, in Input) (Result, error) {
	return casekit.Run[View, Result](ctx, func(now time.Time) (*report, error) {
		if err := in.Validate(now); err != nil {
			return nil, err
		}
		return &report{in: in, state: Received, enterprise: in.Enterprise, due: in.Rules.VerifyDue(now),
			verify: cases.DeadlinePending}, nil
	})
}

// report is the workflow's state; every method is deterministic.
type report struct {
	casekit.Case
	in    Input
	state State
	// enterprise is the enterprise reported: the one on record at the
	// filing, or the one the linked inspection found.
	enterprise cases.Org
	due        time.Time
	verify     cases.DeadlineState
	inspection *Link
	outcome    *Outcome
	reward     *Reward
}

// Register sets the query and updates.
func (k *report) Register(ctx workflow.Context) error {
	return errors.Join(
		workflow.SetQueryHandler(ctx, Query, func() (View, error) { return k.view(), nil }),
		casekit.SetUpdate(ctx, UpdateLinkInspection, k, (*report).checkLink, (*report).applyLink),
		casekit.SetUpdate(ctx, UpdateRecordOutcome, k, (*report).checkOutcome, (*report).applyOutcome),
		casekit.SetUpdate(ctx, UpdateDecideReward, k, (*report).checkReward, (*report).applyReward),
	)
}

// Opening is the report as filed; whether the reporter left a name is
// recorded, never the name.
func (k *report) Opening() (string, cases.Actor, any) {
	return ActionFile, Reporter, struct {
		EnterpriseText string    `json:"enterprise_text"`
		Place          string    `json:"place"`
		What           string    `json:"what"`
		Photos         int       `json:"photos"`
		Named          bool      `json:"named"`
		VerifyDue      time.Time `json:"verify_due"`
	}{k.in.EnterpriseText, k.in.Place, k.in.What, len(k.in.Photos), k.in.Named, k.due}
}

// Live waits for the outcome until the verification period ends — a
// durable timer, so a restart loses none of it — and marks the deadline
// missed if none came; then it waits for the report to close.
func (k *report) Live(ctx workflow.Context) error {
	if wait := k.due.Sub(workflow.Now(ctx)); wait > 0 {
		if _, err := workflow.AwaitWithTimeout(ctx, wait, func() bool { return k.outcome != nil }); err != nil {
			return err
		}
	}
	if k.outcome == nil {
		before := string(k.state)
		k.verify = cases.DeadlineMissed
		if err := k.Recording(func() error {
			return casekit.RecordStep(ctx, k, ActionVerifyMissed, cases.SystemActor, before, struct {
				Due time.Time `json:"due"`
			}{k.due})
		}); err != nil {
			return err
		}
	}
	// The step that finishes the report (unfounded, or the reward) closes
	// it: the reporter following it sees it closed at once.
	return workflow.Await(ctx, func() bool { return k.finished() })
}

// finished says nothing is left to do: found unfounded, or confirmed and
// the reward decided.
func (k *report) finished() bool {
	return k.outcome != nil && (!k.outcome.Confirmed || k.reward != nil)
}

// Result is what the closed report returns.
func (k *report) Result(workflow.Context) Result {
	return Result{CaseNo: k.in.CaseNo, Confirmed: k.outcome != nil && k.outcome.Confirmed,
		Missed: k.verify == cases.DeadlineMissed, ClosedAt: *k.ClosedAt}
}

// --- checks: pure functions of state and input, for validator and handler.

// handler refuses anyone but the handling department's people.
func (k *report) handler(a cases.Actor) error {
	if a.Side == cases.SideRegulator && a.OrgID == k.in.ActingOrg.ID {
		return nil
	}
	return duty.Fail(duty.EForbidden, "report.not_handler", duty.Args{"Department": k.in.ActingOrg.Name})
}

func (k *report) wrongState(action string) error {
	return casekit.WrongState("report", string(k.state), action, k.nextActions(), "")
}

func (k *report) checkLink(in LinkInput, _ time.Time) error {
	if err := k.handler(in.Actor); err != nil {
		return err
	}
	if k.state != Received {
		return k.wrongState(UpdateLinkInspection)
	}
	if in.InspectionNo == "" || in.ActingOrg.ID != k.in.ActingOrg.ID {
		return casekit.Refuse("report.inspection.not_ours", duty.Args{"CaseNo": in.InspectionNo, "Department": k.in.ActingOrg.Name})
	}
	if k.enterprise.ID != 0 && in.Enterprise.ID != k.enterprise.ID {
		return casekit.Refuse("report.inspection.other_enterprise", duty.Args{"CaseNo": in.InspectionNo, "Enterprise": k.enterprise.Name})
	}
	return nil
}

func (k *report) applyLink(in LinkInput, now time.Time) (cases.Actor, any) {
	k.inspection = &Link{CaseNo: in.InspectionNo, By: in.Actor, At: now}
	if k.enterprise.ID == 0 {
		k.enterprise = in.Enterprise
	}
	k.state = Verifying
	return in.Actor, struct {
		InspectionNo string    `json:"inspection_no"`
		Enterprise   cases.Org `json:"enterprise"`
	}{in.InspectionNo, in.Enterprise}
}

func (k *report) checkOutcome(in OutcomeInput, _ time.Time) error {
	if err := k.handler(in.Actor); err != nil {
		return err
	}
	if k.state != Verifying {
		return k.wrongState(UpdateRecordOutcome)
	}
	return in.Validate()
}

func (k *report) applyOutcome(in OutcomeInput, now time.Time) (cases.Actor, any) {
	late := k.verify == cases.DeadlineMissed
	k.outcome = &Outcome{Confirmed: in.Confirmed, Reason: in.Reason, Hazards: casekit.CloneList(in.Hazards), By: in.Actor, At: now, Late: late}
	if !late {
		k.verify = cases.DeadlineMet
	}
	if in.Confirmed {
		k.state = Confirmed
	} else {
		k.state = Closed
		k.Close(now)
	}
	return in.Actor, in
}

func (k *report) checkReward(in RewardInput, _ time.Time) error {
	if err := k.handler(in.Actor); err != nil {
		return err
	}
	if k.state != Confirmed || k.reward != nil {
		return k.wrongState(UpdateDecideReward)
	}
	return in.Validate(k.in.Rules)
}

func (k *report) applyReward(in RewardInput, now time.Time) (cases.Actor, any) {
	k.reward = &Reward{Granted: in.Granted, AmountYuan: in.AmountYuan, Grounds: in.Grounds, By: in.Actor, At: now}
	k.state = Closed
	k.Close(now)
	return in.Actor, in
}

// --- the view

func (k *report) nextActions() []string {
	switch k.state {
	case Received:
		return []string{UpdateLinkInspection}
	case Verifying:
		return []string{UpdateRecordOutcome}
	case Confirmed:
		if k.reward == nil {
			return []string{UpdateDecideReward}
		}
	}
	return nil
}

// StateName is the report's state, as the audit log records it.
func (k *report) StateName() string { return string(k.state) }

// Snapshot is the report as it stands, for the step being taken.
func (k *report) Snapshot() (cases.Summary, View) {
	v := k.view()
	return v.Summary, v
}

// summary carries the verification as a deadline of the department's: the
// board, the desk and the head's record read it from the one deadlines
// table, as they read a missed planned inspection.
func (k *report) summary() cases.Summary {
	name := k.enterprise.Name
	if name == "" {
		name = k.in.EnterpriseText
	}
	return cases.Summary{
		WorkflowID: k.in.WorkflowID, CaseNo: k.in.CaseNo, Kind: cases.KindReport, State: string(k.state),
		RegionCode: k.in.RegionCode, RegionPath: k.in.RegionPath, Industry: k.in.Industry,
		Enterprise: k.enterprise, ActingOrg: k.in.ActingOrg, RuleSet: k.in.RuleSet,
		Title:    "群众举报 · " + name + " · " + k.in.Place,
		Overdue:  k.verify == cases.DeadlineMissed && k.outcome == nil,
		OpenedAt: k.OpenedAt, ClosedAt: k.ClosedAt,
		Deadlines: []cases.Deadline{{Key: DeadlineVerify, What: "核查举报", Party: cases.PartyRegulator, DueAt: k.due, State: k.verify}},
	}
}

func (k *report) view() View {
	var out *Outcome
	if k.outcome != nil {
		o := *k.outcome
		o.Hazards = casekit.CloneList(o.Hazards)
		out = &o
	}
	return View{
		Summary: k.summary(), EnterpriseText: k.in.EnterpriseText, Place: k.in.Place, What: k.in.What,
		Photos: casekit.CloneList(k.in.Photos), Named: k.in.Named, VerifyDue: k.due, Verify: k.verify,
		RewardMinYuan: k.in.Rules.RewardMinYuan, RewardMaxYuan: k.in.Rules.RewardMaxYuan,
		Inspection: casekit.ClonePtr(k.inspection), Outcome: out, Reward: casekit.ClonePtr(k.reward),
		NextActions: casekit.CloneList(k.nextActions()), Seq: k.Seq(),
	}
}
