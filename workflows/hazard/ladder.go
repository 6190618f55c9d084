package hazard

import (
	"slices"
	"strconv"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/duty-project/duty/activities"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/workflows/casekit"
	"github.com/duty-project/duty/workflows/escalation"
	"github.com/duty-project/duty/workflows/ladder"
	"github.com/duty-project/duty/workflows/talk"
)

// RungRecord is one rung's progress as the climbing case records it.
type RungRecord struct {
	ladder.RungSignal
	At time.Time `json:"at"`
}

// sanctions are the rungs that punish rather than ask: carrying one out
// does not mean the hazard is rectified.
var sanctions = []string{rules.RungWrittenWarning, rules.RungPenalty}

// nextRungSince is the rung due on a ladder (its rungs in order) for a
// case that fell overdue at overdueSince: like nextRung, except that a
// sanction carried out, or a rung complied with before the latest
// overdue, is climbed past as if it had failed.
func nextRungSince(rungs []string, history []RungRecord, overdueSince time.Time) string {
	if n := len(history); n > 0 {
		last := history[n-1]
		if last.Outcome == ladder.RungComplied && (slices.Contains(sanctions, last.Rung) || last.At.Before(overdueSince)) {
			last.Outcome = ladder.RungFailed
			return nextRung(rungs, append(history[:n-1:n-1], last))
		}
	}
	return nextRung(rungs, history)
}

// nextRung is the rung due on a ladder (its rungs in order) given what has happened so far:
// none while a rung is under way or after one was complied with; the rung
// after a failed one; the same rung again after a cancelled one; the
// first rung when nothing has started.
func nextRung(rungs []string, history []RungRecord) string {
	if len(rungs) == 0 {
		return ""
	}
	if len(history) == 0 {
		return rungs[0]
	}
	last := history[len(history)-1]
	at := slices.Index(rungs, last.Rung)
	switch last.Outcome {
	case ladder.RungFailed:
		if at >= 0 && at+1 < len(rungs) {
			return rungs[at+1]
		}
	case ladder.RungCancelled:
		return last.Rung
	}
	return ""
}

// listenForRungs records every rung signal the hazard receives, as a step
// of its own, in the order they arrive.
func (h *hazard) listenForRungs(ctx workflow.Context) {
	ch := workflow.GetSignalChannel(ctx, ladder.SignalRung)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var sig ladder.RungSignal
			if !ch.Receive(ctx, &sig) {
				return
			}
			h.rungs = append(h.rungs, RungRecord{RungSignal: sig, At: workflow.Now(ctx)})
			h.updateRungDue(workflow.Now(ctx))
			details := struct {
				ladder.RungSignal
				Next string `json:"next_rung,omitempty"`
			}{sig, h.nextRung()}
			err := h.Recording(func() error { return h.record(ctx, "ladder", cases.SystemActor, h.state, details) })
			if err != nil {
				return
			}
		}
	})
}

// nextRung is the hazard's next rung while its ladder is due.
func (h *hazard) nextRung() string {
	switch {
	case !h.ladder, !h.overdue:
		return ""
	}
	return nextRungSince(h.in.Ladder, h.rungs, h.overdueAt)
}

// ladderDue is what the read model shows as ladder_due: on the ladder
// and overdue.
func (h *hazard) ladderDue() bool {
	return h.ladder && h.overdue
}

// ladderMoved re-reads the rung due after a step that may change it (a
// new deadline, completion reported).
func (h *hazard) ladderMoved(now time.Time) {
	h.updateRungDue(now)
}

// tellOpenRungs signals every rung that started under the hazard and has
// not ended that the rectification was verified. Only penalties act on it
// (a daily fine stops); a rung that has ended meanwhile is skipped.
func (h *hazard) tellOpenRungs(ctx workflow.Context) {
	if len(h.reinspections) == 0 {
		return
	}
	last := h.reinspections[len(h.reinspections)-1]
	sig := ladder.RectificationVerified{HazardCaseNo: h.in.CaseNo, By: last.By, Findings: last.Findings}
	for i, r := range h.rungs {
		if r.Outcome != ladder.RungStarted || r.Rung != rules.RungPenalty || endedLater(h.rungs[i+1:], r.CaseNo) {
			continue
		}
		no, err := cases.ParseNumber(r.CaseNo)
		if err != nil {
			continue
		}
		if err := workflow.SignalExternalWorkflow(ctx, no.WorkflowID(), "", ladder.SignalRectificationVerified, sig).Get(ctx, nil); err != nil {
			workflow.GetLogger(ctx).Warn("could not tell a rung the rectification was verified", "rung", r.CaseNo, "error", err)
		}
	}
}

// engineFor is the actor of a step the engine takes for the department:
// the system, on behalf of the case's acting department.
func (h *hazard) engineFor() cases.Actor {
	a := cases.SystemActor
	a.OrgID, a.OrgName = h.in.ActingOrg.ID, h.in.ActingOrg.Name
	return a
}

// startRungItself starts a rung the regulator did not start in time, as
// the case's rule set allows (rules.AutoStartable): a warning talk with
// the enterprise's responsible persons, or an escalation to the acting
// department's superior. The rung is a child case that outlives the
// hazard and reports back like one started by hand; where it cannot be
// started (nobody on record to call), the step says why and the
// regulator must start it.
func (h *hazard) startRungItself(ctx workflow.Context, rung string) error {
	now := workflow.Now(ctx)
	var prep activities.PrepareRungResult
	in := activities.PrepareRungInput{Rung: rung, RegionCode: h.in.RegionCode, EnterpriseID: h.in.Enterprise.ID,
		ActingOrgID: h.in.ActingOrg.ID, At: now, TalkNoticeDays: h.in.RuleSet.TalkNoticeDays(), AckDays: h.in.RuleSet.EscalationAckDays}
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, casekit.RecordOptions), act.PrepareRung, in).Get(ctx, &prep); err != nil {
		return err
	}
	details := struct {
		Rung        string `json:"rung"`
		CaseNo      string `json:"case_no,omitempty"`
		NotPossible string `json:"not_possible,omitempty"`
	}{Rung: rung, NotPossible: prep.NotPossible}
	if prep.NotPossible == "" {
		ref := casekit.CaseRef{ParentCaseNo: h.in.CaseNo, ParentWorkflowID: h.in.WorkflowID, RegionCode: h.in.RegionCode,
			RegionPath: h.in.RegionPath, Industry: h.in.Industry, Enterprise: h.in.Enterprise}
		ref.Numbered(prep.Number)
		name, input := h.autoRungInput(rung, ref, prep)
		if err := casekit.StartChildCase(ctx, ref.WorkflowID, name, input); err != nil {
			details.NotPossible = "the case could not be started: " + err.Error()
		} else {
			details.CaseNo = ref.CaseNo
		}
	}
	action := "rung_auto_started"
	if details.NotPossible != "" {
		action = "rung_not_auto_started"
	}
	return h.record(ctx, action, h.engineFor(), h.state, details)
}

// autoRungInput is the workflow and input of a rung the engine starts.
func (h *hazard) autoRungInput(rung string, ref casekit.CaseRef, prep activities.PrepareRungResult) (string, any) {
	if rung == rules.RungEscalation {
		return escalation.WorkflowName, escalation.Input{CaseRef: ref, From: h.in.ActingOrg, To: prep.To, Reason: escalation.ReasonAuthorityLimit,
			Summary:     "隐患 " + h.in.CaseNo + " 经执法措施仍未整改，超出本级权限，提请上级部门依法处理 (the hazard is still not rectified after the ladder's sanctions; beyond this department's authority)",
			RequestedBy: h.engineFor(), AckDue: prep.AckDue, AckDeadline: prep.AckDeadline, RuleSet: h.in.RuleSet.ID}
	}
	persons := make([]talk.Person, 0, len(prep.Persons))
	for _, p := range prep.Persons {
		persons = append(persons, talk.Person{Name: p.Name, Role: p.Role})
	}
	return talk.WorkflowName, talk.Input{CaseRef: ref, ActingOrg: h.in.ActingOrg, Persons: persons, ScheduledAt: prep.ScheduledAt,
		Place: prep.Place, Subject: "隐患 " + h.in.CaseNo + " 逾期未整改 (overdue rectification)", ConvenedBy: h.engineFor(), RuleSet: h.in.RuleSet.ID}
}

// endedLater reports whether a later record says the rung ended.
func endedLater(later []RungRecord, caseNo string) bool {
	for _, r := range later {
		if r.CaseNo == caseNo && r.Outcome != ladder.RungStarted {
			return true
		}
	}
	return false
}

// updateRungDue keeps the regulator's deadline to start the next rung in
// step with the ladder: a new deadline when a rung falls due, met when one
// starts (or the ladder is no longer due). Without LadderStartWithin in the
// case's rule set there is no such deadline.
func (h *hazard) updateRungDue(now time.Time) {
	within := time.Duration(h.in.RuleSet.LadderStartWithin)
	if within <= 0 {
		return
	}
	next := h.nextRung()
	if d := h.rungDeadline(); d != nil && d.Open() {
		if next == h.rungDueFor {
			return
		}
		d.State = cases.DeadlineMet
	}
	h.rungDueFor = next
	if next == "" {
		return
	}
	h.rungDueKey = "rung-" + strconv.Itoa(len(h.rungs)+1) + "-" + next
	h.deadlines = append(h.deadlines, cases.Deadline{Key: h.rungDueKey, What: "启动下一执法措施 start the next rung: " + next,
		Party: cases.PartyRegulator, DueAt: now.Add(within), State: cases.DeadlinePending})
}

// rungDeadline is the current start-the-next-rung deadline, if any.
func (h *hazard) rungDeadline() *cases.Deadline {
	for i := range h.deadlines {
		if h.rungDueKey != "" && h.deadlines[i].Key == h.rungDueKey {
			return &h.deadlines[i]
		}
	}
	return nil
}

// watchRungDue records, as a step against the regulator, a rung that was
// due and not started in time.
func (h *hazard) watchRungDue(ctx workflow.Context) {
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var d *cases.Deadline
			if err := workflow.Await(ctx, func() bool { d = h.rungDeadline(); return d != nil && d.Open() }); err != nil {
				return
			}
			key := d.Key
			open := func() bool { cur := h.rungDeadline(); return cur != nil && cur.Key == key && cur.Open() }
			if wait := d.DueAt.Sub(workflow.Now(ctx)); wait > 0 {
				if _, err := workflow.AwaitWithTimeout(ctx, wait, func() bool { return !open() }); err != nil {
					return
				}
			}
			if !open() {
				continue
			}
			d = h.rungDeadline()
			d.State = cases.DeadlineMissed
			rung := h.rungDueFor
			err := h.Recording(func() error {
				err := h.record(ctx, "rung_overdue", cases.SystemActor, h.state, struct {
					Rung  string    `json:"rung"`
					DueAt time.Time `json:"due_at"`
				}{rung, d.DueAt})
				if err == nil && slices.Contains(h.in.AutoRungs, rung) {
					err = h.startRungItself(ctx, rung)
				}
				return err
			})
			if err != nil {
				return
			}
		}
	})
}
