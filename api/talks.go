package api

import (
	"net/http"
	"time"

	"github.com/duty-project/duty/calendar"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/policy"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/workflows/casekit"
	"github.com/duty-project/duty/workflows/talk"
)

// OpenTalkRequest convenes a warning talk (约谈) about a case.
type OpenTalkRequest struct {
	Persons     []talk.Person `json:"persons"`
	ScheduledAt When          `json:"scheduled_at"`
	Place       string        `json:"place"`
	Subject     string        `json:"subject"`
}

// RecordTalkRequest records the talk as held. The written report's due
// date is counted by the server (the rule set's working days).
type RecordTalkRequest struct {
	Attendance  []talk.Attendance `json:"attendance"`
	Minutes     string            `json:"minutes"`
	Commitments string            `json:"commitments"`
}

// TalkReportRequest is the enterprise's written report after the talk.
type TalkReportRequest struct {
	Summary  string             `json:"summary"`
	Evidence []casekit.Evidence `json:"evidence,omitempty"`
}

// CancelTalkRequest cancels a talk not yet held.
type CancelTalkRequest struct {
	Reason string `json:"reason"`
}

// openTalk convenes a warning talk about a case (usually an overdue hazard).
func (s *Server) openTalk(w http.ResponseWriter, r *http.Request) {
	var req OpenTalkRequest
	ac, err := s.actOnCase(r, w, &req, "", policy.Action(string(cases.KindTalk), policy.ActionOpen), false, nil)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	row, actor := ac.row, ac.actor
	now := s.Now()
	sum := row.Summary
	in := talk.Input{
		CaseRef: casekit.ChildOf(sum), ActingOrg: cases.Org{ID: actor.OrgID, Name: actor.OrgName},
		Persons: req.Persons, ScheduledAt: req.ScheduledAt.Time, Place: req.Place, Subject: req.Subject,
		ConvenedBy: actor, RuleSet: s.Rules.InForce(now).ID,
	}
	s.startChildCase(w, r, ac.grant(), req, cases.KindTalk, sum.RegionCode, talk.WorkflowName, &in)
}

// talkReportDue is when the written report after a talk held now is
// missed: the rule set's number of days, counted by the calendar (5 days
// are working days). The workflow takes the instant as given, so this is
// where the period is counted.
func (s *Server) talkReportDue(now time.Time, rs rules.RuleSet) (calendar.Deadline, error) {
	return s.calendarOf(rs).Due(now, calendar.StatutoryPeriod(rs.TalkReportDays))
}

var (
	recordTalk = caseAction(cases.KindTalk, talk.UpdateRecord, false, func(s *Server, _ *http.Request, b RecordTalkRequest, st caseStep[talk.View]) (any, error) {
		// The report period is the one of the rule set the talk was
		// convened under.
		rs, err := s.ruleSet(st.view.Summary.RuleSet)
		if err != nil {
			return nil, err
		}
		due, err := s.talkReportDue(st.now, rs)
		if err != nil {
			return nil, err
		}
		return talk.RecordInput{Actor: st.actor, Attendance: b.Attendance, Minutes: b.Minutes,
			Commitments: b.Commitments, ReportDue: due.End, ReportDeadline: &due}, nil
	})
	submitTalkReport = caseAction(cases.KindTalk, talk.UpdateReport, false, func(_ *Server, _ *http.Request, b TalkReportRequest, st caseStep[talk.View]) (any, error) {
		in := talk.ReportInput{Actor: st.actor, Summary: b.Summary, Evidence: b.Evidence}
		return in, in.Validate()
	})
	cancelTalk = caseAction(cases.KindTalk, talk.UpdateCancel, false, func(_ *Server, _ *http.Request, b CancelTalkRequest, st caseStep[talk.View]) (any, error) {
		in := talk.CancelInput{Actor: st.actor, Reason: b.Reason}
		return in, in.Validate()
	})
)
