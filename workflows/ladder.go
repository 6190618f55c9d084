package workflows

import (
	"slices"
	"time"

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
