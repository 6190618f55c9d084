package api

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/store"
)

// readRoutes record what a person has seen: a case opened, a notice read.
// The work queues mark a case with a step since as unread, and the
// notice list a notice of a step not yet seen.
func readRoutes() []route {
	return []route{
		{method: "POST", path: "/api/v1/cases/{caseNo}/seen", summary: "record that I have seen a case as it now stands (已阅): the work queues mark it unread again at its next step",
			request: EmptyRequest{}, response: SeenResponse{}, handle: (*Server).markCaseSeen},
		{method: "POST", path: "/api/v1/notifications/{id}/read", summary: "mark one of my notifications read (站内信已读): its case is seen up to its step",
			request: EmptyRequest{}, response: SeenResponse{}, handle: (*Server).markNotificationRead},
	}
}

// SeenResponse says up to which step of the case the caller has now seen.
type SeenResponse struct {
	CaseNo  string `json:"case_no,omitempty"`
	SeenSeq int64  `json:"seen_seq"`
}

// CaseItem is a case in a list: its common part, the step it has reached,
// the step up to which the caller has seen it (0: never opened), and the
// steps its workflow allows now, whoever takes them.
type CaseItem struct {
	cases.Summary
	Seq         int64    `json:"seq"`
	SeenSeq     int64    `json:"seen_seq"`
	NextActions []string `json:"next_actions" openapi:"enum=action"`
}

// Unread reports whether the case has a step the caller has not seen.
func (c CaseItem) Unread() bool { return c.Seq > c.SeenSeq }

// caseItems makes the list rows for the caller, with what they have seen.
func (s *Server) caseItems(r *http.Request, c caller, rows []store.CaseRow) ([]CaseItem, error) {
	ids := make([]string, len(rows))
	for i, row := range rows {
		ids[i] = row.Summary.WorkflowID
	}
	seen, err := s.Store.SeenSeqs(r.Context(), c.person.ID, ids)
	if err != nil {
		return nil, err
	}
	out := make([]CaseItem, 0, len(rows))
	for _, row := range rows {
		var v struct {
			NextActions []string `json:"next_actions"`
		}
		_ = json.Unmarshal(row.View, &v) // a view without them allows nothing
		if v.NextActions == nil {
			v.NextActions = []string{}
		}
		out = append(out, CaseItem{Summary: row.Summary, Seq: row.Seq, SeenSeq: seen[row.Summary.WorkflowID], NextActions: v.NextActions})
	}
	return out, nil
}

func (s *Server) markCaseSeen(w http.ResponseWriter, r *http.Request) {
	c, err := s.authenticate(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	row, _, err := s.visibleCase(r, c)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.Store.MarkSeen(r.Context(), c.person.ID, row.Summary.WorkflowID, row.Seq, s.Now()); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, SeenResponse{CaseNo: row.Summary.CaseNo, SeenSeq: row.Seq})
}

func (s *Server) markNotificationRead(w http.ResponseWriter, r *http.Request) {
	c, err := s.authenticate(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		s.writeError(w, r, duty.Fail(duty.EInvalid, "request.param.positive", duty.Args{"Param": "id"}))
		return
	}
	wf, seq, err := s.Store.NotificationOf(r.Context(), c.person.ID, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.Store.MarkSeen(r.Context(), c.person.ID, wf, seq, s.Now()); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, SeenResponse{SeenSeq: seq})
}
