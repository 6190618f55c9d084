package api

import (
	"encoding/json"
	"net/http"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/calendar"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/policy"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/workflows"
)

// OpenTalkRequest convenes a warning talk (约谈) about a case.
type OpenTalkRequest struct {
	Persons     []workflows.TalkPerson `json:"persons"`
	ScheduledAt When                   `json:"scheduled_at"`
	Place       string                 `json:"place"`
	Subject     string                 `json:"subject"`
}

// RecordTalkRequest records the talk as held. The written report's due
// date is counted by the server (the rule set's working days).
type RecordTalkRequest struct {
	Attendance  []workflows.Attendance `json:"attendance"`
	Minutes     string                 `json:"minutes"`
	Commitments string                 `json:"commitments"`
}

// TalkReportRequest is the enterprise's written report after the talk.
type TalkReportRequest struct {
	Summary  string               `json:"summary"`
	Evidence []workflows.Evidence `json:"evidence,omitempty"`
}

// CancelTalkRequest cancels a talk not yet held.
type CancelTalkRequest struct {
	Reason string `json:"reason"`
}

// openTalk convenes a warning talk about a case (usually an overdue hazard).
func (s *Server) openTalk(w http.ResponseWriter, r *http.Request) {
	c, err := s.authenticate(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req OpenTalkRequest
	if err := decode(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	row, resource, err := s.visibleCase(r, c)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ctx := r.Context()
	post, err := s.Warden.AllowedBy(ctx, c.subject(), policy.Action(string(cases.KindTalk), policy.ActionOpen), resource, nil)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	actor := c.actor(post)
	now := s.Now()
	sum := row.Summary
	in := workflows.TalkInput{
		ParentCaseNo: sum.CaseNo, ParentWorkflowID: sum.WorkflowID, RegionCode: sum.RegionCode, RegionPath: sum.RegionPath,
		Industry: sum.Industry, Enterprise: sum.Enterprise, ActingOrg: cases.Org{ID: actor.OrgID, Name: actor.OrgName},
		Persons: req.Persons, ScheduledAt: req.ScheduledAt.Time, Place: req.Place, Subject: req.Subject,
		ConvenedBy: actor, RuleSet: s.Rules.InForce(now).ID,
	}
	if err := in.Validate(now); err != nil {
		s.writeError(w, r, err)
		return
	}
	num, err := s.Store.NextCaseNumber(ctx, cases.KindTalk, sum.RegionCode, now.In(rules.China).Year())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	in.CaseNo, in.WorkflowID = num.String(), num.WorkflowID()
	if _, err := s.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: in.WorkflowID, TaskQueue: workflows.TaskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
	}, workflows.TalkWorkflowName, in); err != nil {
		s.writeError(w, r, err)
		return
	}
	created, err := s.awaitRecorded(ctx, in.CaseNo)
	if err != nil {
		writeJSON(w, http.StatusAccepted, map[string]string{"case_no": in.CaseNo,
			"message": "the notice is issued and its first step is still being recorded (正在登记)"})
		return
	}
	s.writeCase(w, r, http.StatusCreated, created)
}

// talkStep is what each talk action builds its input from.
type talkStep struct {
	actor cases.Actor
	now   time.Time
	rs    rules.RuleSet
}

// talkAction makes the handler of one warning-talk update.
func talkAction[B any](update string, build func(s *Server, body B, st talkStep) (any, error)) func(*Server, http.ResponseWriter, *http.Request) {
	return func(s *Server, w http.ResponseWriter, r *http.Request) {
		c, err := s.authenticate(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		var body B
		if err := decode(w, r, &body); err != nil {
			s.writeError(w, r, err)
			return
		}
		row, resource, err := s.visibleCase(r, c)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if row.Summary.Kind != cases.KindTalk {
			s.writeError(w, r, duty.Errorf(duty.ENotFound, "%s is not a warning talk", row.Summary.CaseNo))
			return
		}
		post, err := s.Warden.AllowedBy(r.Context(), c.subject(), policy.Action(string(cases.KindTalk), update), resource, nil)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		var view workflows.TalkView
		if err := json.Unmarshal(row.View, &view); err != nil {
			s.writeError(w, r, err)
			return
		}
		now := s.Now()
		input, err := build(s, body, talkStep{actor: c.actor(post), now: now, rs: s.Rules.InForce(now)})
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		s.update(w, r, row.Summary, update, input)
	}
}

var (
	recordTalk = talkAction(workflows.UpdateRecordTalk, func(s *Server, b RecordTalkRequest, st talkStep) (any, error) {
		due, err := s.calendar().Due(st.now, calendar.StatutoryPeriod(st.rs.TalkReportDays))
		if err != nil {
			return nil, err
		}
		return workflows.RecordTalkInput{Actor: st.actor, Attendance: b.Attendance, Minutes: b.Minutes,
			Commitments: b.Commitments, ReportDue: due.End}, nil
	})
	submitTalkReport = talkAction(workflows.UpdateTalkReport, func(_ *Server, b TalkReportRequest, st talkStep) (any, error) {
		in := workflows.TalkReportInput{Actor: st.actor, Summary: b.Summary, Evidence: b.Evidence}
		return in, in.Validate()
	})
	cancelTalk = talkAction(workflows.UpdateCancelTalk, func(_ *Server, b CancelTalkRequest, st talkStep) (any, error) {
		in := workflows.CancelTalkInput{Actor: st.actor, Reason: b.Reason}
		return in, in.Validate()
	})
)
