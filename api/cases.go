package api

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/calendar"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/i18n"
	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/org/uscc"
	"github.com/duty-project/duty/policy"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/store"
	"github.com/duty-project/duty/workflows/casekit"
	"github.com/duty-project/duty/workflows/hazard"
)

// OpenHazardRequest reports a hazard found on inspection.
type OpenHazardRequest struct {
	Grade        hazard.Grade       `json:"grade" openapi:"required"`
	EnterpriseID int64              `json:"enterprise_id" openapi:"required"`
	Location     string             `json:"location" openapi:"required"`
	Description  string             `json:"description" openapi:"required"`
	Evidence     []casekit.Evidence `json:"evidence,omitempty"`
}

// CaseResponse is a case with its timeline: the common summary, the
// kind-specific view, and every recorded step.
type CaseResponse struct {
	Case     json.RawMessage    `json:"case" openapi:"case"`
	Timeline []store.AuditEntry `json:"timeline"`
}

// CaseList is one page of cases.
type CaseList struct {
	Cases []CaseItem `json:"cases"`
	// Next, when set, is the `after` value for the next page.
	Next string `json:"next,omitempty"`
}

// Bodies of the hazard actions. Dates accept "2026-12-15" (end of that day,
// Beijing time) or an RFC 3339 time.
type (
	// OrderRequest issues a rectification order (责令限期整改).
	OrderRequest struct {
		Measures string `json:"measures" openapi:"required"`
		Deadline When   `json:"deadline" openapi:"required"`
	}
	// PlanRequest submits a 治理方案 covering the 五落实.
	PlanRequest struct {
		ResponsiblePerson string `json:"responsible_person" openapi:"required"`
		Measures          string `json:"measures" openapi:"required"`
		FundsYuan         int64  `json:"funds_yuan" openapi:"required"`
		Deadline          When   `json:"deadline" openapi:"required"`
		EmergencyPlan     string `json:"emergency_plan" openapi:"required"`
	}
	// PlanReviewRequest approves or returns a plan.
	PlanReviewRequest struct {
		Approve bool   `json:"approve"`
		Comment string `json:"comment"`
	}
	// CompletionRequest reports the rectification done.
	CompletionRequest struct {
		Summary  string             `json:"summary" openapi:"required"`
		Evidence []casekit.Evidence `json:"evidence" openapi:"required"`
	}
	// ReinspectionRequest records a re-inspection (复查).
	ReinspectionRequest struct {
		Passed      bool               `json:"passed"`
		Findings    string             `json:"findings" openapi:"required"`
		NewMeasures string             `json:"new_measures,omitempty"`
		NewDeadline When               `json:"new_deadline,omitzero"`
		Evidence    []casekit.Evidence `json:"evidence,omitempty"`
	}
	// ExtensionRequest asks for a later deadline (延期).
	ExtensionRequest struct {
		Reason      string `json:"reason" openapi:"required"`
		NewDeadline When   `json:"new_deadline" openapi:"required"`
	}
	// ExtensionDecisionRequest grants or refuses an extension.
	ExtensionDecisionRequest struct {
		Grant       bool   `json:"grant"`
		Comment     string `json:"comment"`
		NewDeadline When   `json:"new_deadline,omitzero"`
	}
)

// openHazard opens a hazard case: the enterprise decides region and
// industry, policy decides whether the caller's department may open it
// there, and Temporal refuses a second start of the same case number.
func (s *Server) openHazard(w http.ResponseWriter, r *http.Request) {
	c, err := s.authenticate(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req OpenHazardRequest
	if err := decode(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.EnterpriseID <= 0 {
		s.writeError(w, r, duty.Fail(duty.EInvalid, "case.enterprise.required", nil))
		return
	}
	ref, g, err := s.openingAbout(r.Context(), c, cases.KindHazard, req.EnterpriseID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	actor := g.actor
	now := s.Now()
	in := hazard.Input{
		RegionCode: ref.RegionCode, RegionPath: ref.RegionPath, Industry: ref.Industry,
		Enterprise: ref.Enterprise, ActingOrg: cases.Org{ID: actor.OrgID, Name: actor.OrgName},
		Grade: req.Grade, Location: req.Location, Description: req.Description, Evidence: req.Evidence,
		Inspector: actor, RuleSet: s.Rules.InForce(now),
	}
	in.Ladder = in.RuleSet.LadderFor(ref.RegionCode)
	in.AutoRungs = in.RuleSet.AutoRungsFor(ref.RegionCode)
	if err := in.Validate(); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.startCase(w, r, g, req, cases.KindHazard, ref.RegionCode, hazard.WorkflowName, func(num cases.Number) any {
		in.CaseNo, in.WorkflowID = num.String(), num.WorkflowID()
		return in
	})
}

// visibleCase loads a case the caller may view. A case they may not view
// is "not found", so its existence does not leak across enterprises.
func (s *Server) visibleCase(r *http.Request, c caller) (store.CaseRow, string, error) {
	caseNo := r.PathValue("caseNo")
	if _, err := cases.ParseNumber(caseNo); err != nil {
		return store.CaseRow{}, "", err
	}
	row, err := s.Store.GetCase(r.Context(), caseNo)
	if err != nil {
		return store.CaseRow{}, "", err
	}
	resource := caseResource(row.Summary)
	if !s.mayView(r.Context(), c.subject(), row.Summary) {
		return store.CaseRow{}, "", duty.Fail(duty.ENotFound, "case.not_found", duty.Args{"CaseNo": caseNo})
	}
	return row, resource, nil
}

// mayView decides whether subject may see a case: by its region, sector
// and enterprise, or — for an escalation — because their organisation
// holds it, or — for a campaign — because their organisation is in its
// chain.
func (s *Server) mayView(ctx context.Context, sub policy.Subject, c cases.Summary) bool {
	if s.Warden.Authorize(ctx, sub, policy.ActionView, caseResource(c), nil) == nil {
		return true
	}
	switch c.Kind {
	case cases.KindEscalation:
		return s.Warden.Authorize(ctx, sub, policy.ActionView, policy.HeldResource(c.ActingOrg.ID, c.CaseNo), nil) == nil
	case cases.KindReport:
		// The handling department sees a report whatever its sector: a
		// report about an enterprise not on record has none of its own.
		return s.Warden.Authorize(ctx, sub, policy.ActionView, policy.ReportResource(c.ActingOrg.ID, c.CaseNo), nil) == nil
	case cases.KindCampaign:
		// A level sees the campaign it started or was asked to take
		// part in, and the parts it passed down.
		return s.Warden.Authorize(ctx, sub, policy.ActionView, policy.CampaignResource(c.Chain, c.CaseNo), nil) == nil
	}
	return false
}

func caseResource(c cases.Summary) string {
	return policy.CaseResource(string(c.Kind), c.RegionPath, c.Industry, c.Enterprise.ID, c.CaseNo)
}

func (s *Server) getCase(w http.ResponseWriter, r *http.Request) {
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
	s.writeCase(w, r, http.StatusOK, row)
}

// writeCase answers with a case as the read model holds it and its timeline.
func (s *Server) writeCase(w http.ResponseWriter, r *http.Request, status int, row store.CaseRow) {
	timeline, err := s.Store.Timeline(r.Context(), row.Summary.WorkflowID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, status, CaseResponse{Case: row.View, Timeline: timeline})
}

// listCases lists the cases the caller may see. SQL narrows by the widest
// region (or the enterprise) of the caller's posts; Ladon then decides on
// every row, so the list shows exactly what policy allows.
func (s *Server) listCases(w http.ResponseWriter, r *http.Request) {
	c, err := s.authenticate(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	f, err := s.caseFilter(r, c)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rows, next, err := s.visibleCases(r, c, f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items, err := s.caseItems(r, c, rows)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, CaseList{Cases: items, Next: next})
}

// caseFilter reads the filters of a case list from the query: state,
// kind, industry, grade, enterprise_id, region, overdue, open, from and to (the
// days of opening, Beijing time), officer (a person's id, or me), the
// searches q (number, enterprise, title, place, description — or an
// enterprise's 统一社会信用代码), enterprise (its name or credit code) and
// place, after and limit. Every filter narrows what the caller may see;
// none widens it (visibleCases).
func (s *Server) caseFilter(r *http.Request, c caller) (store.CaseFilter, error) {
	q := r.URL.Query()
	f := store.CaseFilter{State: q.Get("state"), Kind: q.Get("kind"), AfterCaseNo: q.Get("after"), Limit: 100,
		Place: q.Get("place"), Industry: q.Get("industry"), Now: s.Now()}
	if f.Kind != "" && cases.Kind(f.Kind).Prefix() == "" {
		return f, duty.Fail(duty.EInvalid, "request.param.unknown", duty.Args{"Param": "kind"})
	}
	if g := q.Get("grade"); g != "" {
		if !slices.Contains(caseGrades, g) {
			return f, duty.Fail(duty.EInvalid, "request.param.unknown", duty.Args{"Param": "grade"})
		}
		f.Grade = g
	}
	for _, b := range []struct {
		name string
		into *bool
	}{{"overdue", &f.OverdueOnly}, {"open", &f.OpenOnly}} {
		if v := q.Get(b.name); v != "" {
			v, err := strconv.ParseBool(v)
			if err != nil {
				return f, duty.Fail(duty.EInvalid, "request.param.kind", duty.Args{"Param": b.name, "Kind": i18n.Ref("json.kind.bool")})
			}
			*b.into = v
		}
	}
	if v := q.Get("enterprise_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return f, duty.Fail(duty.EInvalid, "request.param.positive", duty.Args{"Param": "enterprise_id"})
		}
		f.EnterpriseID = id
	}
	if code := q.Get("region"); code != "" {
		path, err := s.Store.RegionPath(r.Context(), code)
		if err != nil {
			return f, err
		}
		f.RegionPath = path
	}
	for _, d := range []struct {
		name string
		days int
		into *time.Time
	}{{"from", 0, &f.OpenedFrom}, {"to", 1, &f.OpenedBefore}} {
		if v := q.Get(d.name); v != "" {
			day, err := calendar.ParseDate(v)
			if err != nil {
				return f, duty.Fail(duty.EInvalid, "request.param.date", duty.Args{"Param": d.name})
			}
			*d.into = day.AddDays(d.days).Start()
		}
	}
	switch v := q.Get("officer"); v {
	case "":
	case "me":
		f.OfficerID = c.person.ID
	default:
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return f, duty.Fail(duty.EInvalid, "case.filter.officer", nil)
		}
		f.OfficerID = id
	}
	// A credit code names one enterprise: it is found by its key, not as text.
	for _, t := range []struct {
		name string
		into *string
	}{{"q", &f.Text}, {"enterprise", &f.EnterpriseName}} {
		v := strings.TrimSpace(q.Get(t.name))
		if utf8.RuneCountInString(v) > 100 {
			return f, duty.Fail(duty.EInvalid, "request.param.too_long", duty.Args{"Param": t.name, "Max": 100})
		}
		code, err := uscc.Parse(v)
		if err != nil {
			*t.into = v
			continue
		}
		ent, err := s.Store.OrgByCreditCode(r.Context(), s.Store.Pool, string(code))
		switch {
		case duty.ErrorCode(err) == duty.ENotFound:
			ent.ID = -1 // no enterprise: nothing matches
		case err != nil:
			return f, err
		}
		if f.EnterpriseID != 0 && f.EnterpriseID != ent.ID {
			ent.ID = -1 // two enterprises asked for: none is both
		}
		f.EnterpriseID = ent.ID
	}
	if utf8.RuneCountInString(f.Place) > 100 {
		return f, duty.Fail(duty.EInvalid, "request.param.too_long", duty.Args{"Param": "place", "Max": 100})
	}
	var err error
	f.Limit, err = intParam(q, "limit", f.Limit, 1, 500)
	return f, err
}

// caseGrades are the grades a case list may be filtered by: a hazard's
// (一般, 重大) and an accident's (一般, 较大, 重大, 特别重大).
var caseGrades = []string{rules.AccidentGradeGeneral, rules.AccidentGradeLarge, rules.AccidentGradeMajor, rules.AccidentGradeExtraordinary}

// maxExamined bounds the rows one list request reads to fill a page of
// cases the caller may see: a caller who may see few of the rows SQL
// finds gets a shorter page and the cursor to go on from, not a scan of
// the whole table.
const maxExamined = 5000

// visibleCases lists up to f.Limit cases matching f that the caller may
// see, in case-number order, and the cursor to continue after ("" when no
// more can follow). SQL narrows by the widest region (or the enterprise)
// of the caller's posts, except for escalations, which cross regions;
// Ladon then decides on every row, so the list shows exactly what policy
// allows — and rows it filters out never cost the caller a case: SQL is
// read page after page until the page of visible cases is full.
func (s *Server) visibleCases(r *http.Request, c caller, f store.CaseFilter) ([]store.CaseRow, string, error) {
	scope, ok := c.scope()
	if !ok {
		return nil, "", nil
	}
	if scope.EnterpriseID != 0 {
		if f.EnterpriseID != 0 && f.EnterpriseID != scope.EnterpriseID {
			return nil, "", nil
		}
		f.EnterpriseID = scope.EnterpriseID
	}
	// A region asked for narrows the caller's widest one; a wider one is
	// the caller's; one outside it has nothing the caller may see.
	switch {
	case f.Kind == string(cases.KindEscalation):
	case f.RegionPath == "" || strings.HasPrefix(scope.RegionPath, f.RegionPath):
		f.RegionPath = scope.RegionPath
	case !strings.HasPrefix(f.RegionPath, scope.RegionPath):
		return nil, "", nil
	}
	if f.Limit <= 0 {
		f.Limit = 100
	}
	sub := c.subject()
	var visible []store.CaseRow
	for examined := 0; ; {
		rows, err := s.Store.ListCases(r.Context(), f)
		if err != nil {
			return nil, "", err
		}
		for i, row := range rows {
			if !s.mayView(r.Context(), sub, row.Summary) {
				continue
			}
			visible = append(visible, row)
			if len(visible) == f.Limit {
				// More may follow: the rest of this page, or a next one.
				if i < len(rows)-1 || len(rows) == f.Limit {
					return visible, row.Summary.CaseNo, nil
				}
				return visible, "", nil
			}
		}
		if len(rows) < f.Limit {
			return visible, "", nil // SQL has no more
		}
		f.AfterCaseNo = rows[len(rows)-1].Summary.CaseNo
		if examined += len(rows); examined >= maxExamined {
			return visible, f.AfterCaseNo, nil
		}
	}
}

// scope is the widest SQL pre-filter the caller's posts allow; Ladon still
// decides every row.
func (c caller) scope() (store.CaseFilter, bool) {
	var f store.CaseFilter
	onlyEnterprise := true
	for _, p := range c.posts {
		if p.Org.Kind != org.KindEnterprise {
			onlyEnterprise = false
			if f.RegionPath == "" || len(p.Org.RegionPath) < len(f.RegionPath) {
				f.RegionPath = p.Org.RegionPath
			}
		}
	}
	if len(c.posts) == 0 {
		return f, false
	}
	if onlyEnterprise {
		f.RegionPath = ""
		f.EnterpriseID = c.posts[0].Org.ID
		for _, p := range c.posts[1:] {
			if p.Org.ID != f.EnterpriseID { // posts in two enterprises: let Ladon sort them out
				f.EnterpriseID = 0
			}
		}
	}
	return f, true
}
