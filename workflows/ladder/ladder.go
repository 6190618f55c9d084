// Package ladder is the vocabulary of the enforcement ladder (约谈 → 书面警告
// → 处罚 → 提请上级) shared by the case that climbs it, a hazard, and its
// rungs — a warning talk, a penalty, an escalation — each a case of its
// own that reports to the hazard by signal. It stands apart so that a rung
// need not import the hazard, which starts rungs and would make a cycle;
// which rung is due next is the hazard's business.
package ladder

import (
	"go.temporal.io/sdk/workflow"

	"github.com/duty-project/duty/cases"
)

// SignalRung is how a rung of the enforcement ladder (a warning talk, a
// penalty, an escalation) tells the case it climbs from that it started
// and how it ended.
const SignalRung = "rung"

// Rung outcomes.
const (
	RungStarted   = "started"
	RungComplied  = "complied"  // the enterprise did what the rung asked
	RungFailed    = "failed"    // it did not: the next rung is due
	RungCancelled = "cancelled" // withdrawn; the same rung may start again
)

// RungSignal reports a rung's progress to the case it climbs from.
type RungSignal struct {
	Rung    string `json:"rung"`
	CaseNo  string `json:"case_no"`
	Outcome string `json:"outcome"`
}

// NotifyParent signals the case a rung climbs from. A parent that has
// closed meanwhile (the hazard was rectified) no longer cares, so a failed
// signal is logged, not fatal.
func NotifyParent(ctx workflow.Context, parentWorkflowID string, sig RungSignal) {
	if parentWorkflowID == "" {
		return
	}
	err := workflow.SignalExternalWorkflow(ctx, parentWorkflowID, "", SignalRung, sig).Get(ctx, nil)
	if err != nil {
		workflow.GetLogger(ctx).Warn("could not tell the parent case about a rung", "parent", parentWorkflowID, "rung", sig.Rung, "outcome", sig.Outcome, "error", err)
	}
}

// SignalRectificationVerified tells the rungs still open under a hazard
// that its rectification was verified (复查合格): a daily fine
// (按日连续处罚) stops accruing that day.
const SignalRectificationVerified = "rectification_verified"

// RectificationVerified is the re-inspection that closed a hazard.
type RectificationVerified struct {
	HazardCaseNo string      `json:"hazard_case_no"`
	By           cases.Actor `json:"by"`
	Findings     string      `json:"findings"`
}
