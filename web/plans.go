package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/duty-project/duty/api"
	"github.com/duty-project/duty/cases"
)

// planForm makes the department's yearly inspection plan from the desk:
// the year only; which enterprises and how often are the server's.
var planForm = actionForm{Kind: cases.KindPlan, Action: "open", Label: "form.plan.open", Side: "regulator", Path: "/api/v1/plans",
	Fields: []field{
		{Name: "year", Label: "form.plan.open.year", Type: fInt, Required: true,
			Hint: "form.plan.open.year.hint"},
	}}

// openPlan makes a plan from the desk's form.
func (s *Server) openPlan(w http.ResponseWriter, r *http.Request) {
	s.openCase(w, r, planForm, s.renderDesk)
}

// planPage is the plan's part of its case page: coverage, overdue
// enterprises and draws, as the API gives them to the visitor.
type planPage struct {
	api.PlanResponse
	CaseNo string
	Me     *me
}

// MayOpen says whether the visitor is the first officer of a drawn pair,
// who opens its inspection naming the second.
func (p planPage) MayOpen(pair api.DrawnPair) bool {
	return p.Me != nil && pair.Officers[0].ID == p.Me.ID
}

// planData reads the plan's page data; a plan the API will not describe
// leaves the case page with its common part.
func (s *Server) planData(r *http.Request, m *me, no string) *planPage {
	var p api.PlanResponse
	if err := s.call(r, http.MethodGet, "/api/v1/plans/"+url.PathEscape(no), nil, &p); err != nil {
		s.Logger.Warn("plan page: coverage could not be read", "case", no, "error", err)
		return nil
	}
	return &planPage{PlanResponse: p, CaseNo: no, Me: m}
}

// drawOnPlan draws on a plan from its page (双随机): the count only; the
// seed and the candidates are the server's.
func (s *Server) drawOnPlan(w http.ResponseWriter, r *http.Request) {
	m, err := s.whoami(r)
	if err != nil {
		s.fail(w, r, nil, err)
		return
	}
	no := r.PathValue("caseNo")
	if err := parseForm(r); err != nil {
		s.renderCase(w, r, m, http.StatusBadRequest, "表单无法读取："+err.Error(), "", nil)
		return
	}
	n, err := strconv.Atoi(strings.TrimSpace(r.PostForm.Get("count")))
	if err != nil {
		s.renderCase(w, r, m, http.StatusBadRequest, "请填写抽取企业数量", "", r.PostForm)
		return
	}
	if err := s.call(r, http.MethodPost, "/api/v1/plans/"+url.PathEscape(no)+"/draws", api.DrawRequest{Count: n}, nil); err != nil {
		if e, ok := err.(*apiError); ok && e.Status != http.StatusUnauthorized {
			s.renderCase(w, r, m, e.Status, e.Message, "", r.PostForm)
			return
		}
		s.fail(w, r, m, err)
		return
	}
	http.Redirect(w, r, "/cases/"+url.PathEscape(no)+"?notice=drawn#draws", http.StatusSeeOther)
}
