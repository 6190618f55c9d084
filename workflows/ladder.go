package workflows

import (
	"slices"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/rules"
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

// RungSignal reports a rung's progress to the case it climbs from.
type RungSignal struct {
	Rung    string `json:"rung"`
	CaseNo  string `json:"case_no"`
	Outcome string `json:"outcome"`
}

// RungRecord is one rung's progress as the climbing case records it.
type RungRecord struct {
	RungSignal
	At time.Time `json:"at"`
}

// nextRung is the rung due on a ladder given what has happened so far:
// none while a rung is under way or after one was complied with; the rung
// after a failed one; the same rung again after a cancelled one; the
// first rung when nothing has started.
func nextRung(ladder []string, history []RungRecord) string {
	if len(ladder) == 0 {
		return ""
	}
	if len(history) == 0 {
		return ladder[0]
	}
	last := history[len(history)-1]
	at := slices.Index(ladder, last.Rung)
	switch last.Outcome {
	case RungFailed:
		if at >= 0 && at+1 < len(ladder) {
			return ladder[at+1]
		}
	case RungCancelled:
		return last.Rung
	}
	return ""
}

// notifyParent signals the case a rung climbs from. A parent that has
// closed meanwhile (the hazard was rectified) no longer cares, so a failed
// signal is logged, not fatal.
func notifyParent(ctx workflow.Context, parentWorkflowID string, sig RungSignal) {
	if parentWorkflowID == "" {
		return
	}
	err := workflow.SignalExternalWorkflow(ctx, parentWorkflowID, "", SignalRung, sig).Get(ctx, nil)
	if err != nil {
		workflow.GetLogger(ctx).Warn("could not tell the parent case about a rung", "parent", parentWorkflowID, "rung", sig.Rung, "outcome", sig.Outcome, "error", err)
	}
}

// listenForRungs records every rung signal the hazard receives, as a step
// of its own, in the order they arrive.
func (h *hazard) listenForRungs(ctx workflow.Context) {
	ch := workflow.GetSignalChannel(ctx, SignalRung)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var sig RungSignal
			if !ch.Receive(ctx, &sig) {
				return
			}
			h.rungs = append(h.rungs, RungRecord{RungSignal: sig, At: workflow.Now(ctx)})
			h.recording++
			details := struct {
				RungSignal
				Next string `json:"next_rung,omitempty"`
			}{sig, h.nextRung()}
			err := h.record(ctx, "ladder", cases.SystemActor, h.state, details)
			h.recording--
			if err != nil {
				return
			}
		}
	})
}

// nextRung is the hazard's next rung while its ladder is due.
func (h *hazard) nextRung() string {
	if !h.ladder {
		return ""
	}
	return nextRung(h.in.Ladder, h.rungs)
}

// tellOpenRungs signals every rung that started under the hazard and has
// not ended that the rectification was verified. Only penalties act on it
// (a daily fine stops); a rung that has ended meanwhile is skipped.
func (h *hazard) tellOpenRungs(ctx workflow.Context) {
	if len(h.reinspections) == 0 {
		return
	}
	last := h.reinspections[len(h.reinspections)-1]
	sig := RectificationVerified{HazardCaseNo: h.in.CaseNo, By: last.By, Findings: last.Findings}
	for i, r := range h.rungs {
		if r.Outcome != RungStarted || r.Rung != rules.RungPenalty || endedLater(h.rungs[i+1:], r.CaseNo) {
			continue
		}
		no, err := cases.ParseNumber(r.CaseNo)
		if err != nil {
			continue
		}
		if err := workflow.SignalExternalWorkflow(ctx, no.WorkflowID(), "", SignalRectificationVerified, sig).Get(ctx, nil); err != nil {
			workflow.GetLogger(ctx).Warn("could not tell a rung the rectification was verified", "rung", r.CaseNo, "error", err)
		}
	}
}

// endedLater reports whether a later record says the rung ended.
func endedLater(later []RungRecord, caseNo string) bool {
	for _, r := range later {
		if r.CaseNo == caseNo && r.Outcome != RungStarted {
			return true
		}
	}
	return false
}
