package api

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/draw"
	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/policy"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/store"
	"github.com/duty-project/duty/workflows/casekit"
	"github.com/duty-project/duty/workflows/plan"
)

// OpenPlanRequest makes the caller's department's yearly inspection plan
// (年度监督检查计划) for a year, this one or the next. Which enterprises it
// lists and how often each is inspected come from the organisation and
// the rule set, never from the body.
type OpenPlanRequest struct {
	Year int `json:"year"`
}

// DrawRequest draws count enterprises of the plan, with two officers for
// each (双随机). The seed is the server's.
type DrawRequest struct {
	Count int `json:"count"`
}

// DrawnPair is one drawn enterprise and its two officers, by name.
type DrawnPair struct {
	Enterprise cases.Org       `json:"enterprise"`
	Officers   [2]DrawnOfficer `json:"officers"`
}

// DrawnOfficer is a drawn officer: the login lets the first open the
// inspection naming the second.
type DrawnOfficer struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Login string `json:"login"`
}

// MonthCoverage is one month of a plan: the inspections planned in it,
// those done, those missed (its end passed first) and those not yet done.
type MonthCoverage struct {
	Month   int `json:"month"`
	Planned int `json:"planned"`
	Done    int `json:"done"`
	Missed  int `json:"missed"`
	NotYet  int `json:"not_yet"`
}

// OverdueEnterprise is an enterprise behind its plan: a planned month
// passed with fewer inspections done than planned by then.
type OverdueEnterprise struct {
	Enterprise cases.Org `json:"enterprise"`
	RiskClass  string    `json:"risk_class"`
	Missed     []int     `json:"missed_months"`
	Due        int       `json:"due"`
	Done       int       `json:"done"`
}

// PlanResponse is a plan's coverage month by month, the enterprises
// overdue and the draws made on it.
type PlanResponse struct {
	CaseNo  string              `json:"case_no"`
	Year    int                 `json:"year"`
	Months  []MonthCoverage     `json:"months"`
	Overdue []OverdueEnterprise `json:"overdue"`
	Draws   []DrawResponse      `json:"draws"`
	// MayDraw says whether the caller may draw on the plan now.
	MayDraw bool `json:"may_draw"`
}

// DrawResponse is a draw's record — the input anyone can repeat it from
// and what it drew — and whether repeating it now gives the same.
type DrawResponse struct {
	ID      int64       `json:"id"`
	PlanNo  string      `json:"plan_case_no"`
	DrawnAt string      `json:"drawn_at"`
	Input   draw.Input  `json:"input"`
	Pairs   []draw.Pair `json:"pairs"`
	Named   []DrawnPair `json:"named"`
	// Matches says that the draw, repeated from its recorded input, gives
	// the recorded pairs.
	Matches bool `json:"matches"`
}

// openPlan makes a department's plan. Each department post the caller
// holds is asked in turn whether it may open a plan of its department;
// the first allowed is the plan's department.
func (s *Server) openPlan(w http.ResponseWriter, r *http.Request) {
	c, err := s.authenticate(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req OpenPlanRequest
	if err := decode(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	ctx := r.Context()
	action := policy.Action(string(cases.KindPlan), policy.ActionOpen)
	var g grant
	var dept org.Org
	for _, p := range c.posts {
		if p.Org.Kind != org.KindDepartment || len(p.Org.Industries) == 0 {
			continue
		}
		resource := policy.CaseResource(string(cases.KindPlan), p.Org.RegionPath, p.Org.Industries[0], 0, "new")
		sub, err := s.Warden.AllowedBy(ctx, policy.SubjectFor(c.person.ID, []org.Post{p}), action, resource, nil)
		if err == nil {
			g, dept = grant{actor: caller{person: c.person, posts: []org.Post{p}}.actor(sub), action: action, resource: resource}, p.Org
			break
		}
	}
	if dept.ID == 0 {
		s.writeError(w, r, duty.Fail(duty.EForbidden, "plan.department_only", nil))
		return
	}
	if no, err := s.Store.PlanOf(ctx, dept.ID, req.Year); err != nil {
		s.writeError(w, r, err)
		return
	} else if no != "" {
		s.writeError(w, r, duty.Fail(duty.EConflict, "plan.exists", duty.Args{"Department": dept.Name, "Year": req.Year, "CaseNo": no}))
		return
	}
	now := s.Now().In(rules.China)
	first := 1
	if req.Year == now.Year() {
		first = int(now.Month())
	}
	ents, err := s.Store.SupervisedEnterprises(ctx, dept)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rs := s.Rules.InForce(now)
	in := plan.Input{
		CaseRef:   casekit.CaseRef{RegionCode: dept.RegionCode, RegionPath: dept.RegionPath, Industry: dept.Industries[0]},
		ActingOrg: cases.Org{ID: dept.ID, Name: dept.Name}, OpenedBy: g.actor, Year: req.Year, FirstMonth: first, RuleSet: rs.ID,
	}
	for _, e := range ents {
		if months := rules.PlannedMonths(rs.InspectionsFor(e.RegionCode, e.RiskClass), first); len(months) > 0 {
			in.Entries = append(in.Entries, plan.Entry{Enterprise: cases.Org{ID: e.ID, Name: e.Name}, RiskClass: e.RiskClass, Months: months})
		}
	}
	if err := in.Validate(now); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.startCase(w, r, g, req, cases.KindPlan, dept.RegionCode, plan.WorkflowName, func(num cases.Number) any {
		in.Numbered(num)
		return in
	})
}

// planFor is a plan the caller may see, with its view.
func (s *Server) planFor(r *http.Request, c caller) (store.CaseRow, plan.View, error) {
	row, _, err := s.visibleCase(r, c)
	if err == nil && row.Summary.Kind != cases.KindPlan {
		err = duty.Fail(duty.ENotFound, "plan.not_plan", duty.Args{"CaseNo": row.Summary.CaseNo})
	}
	var v plan.View
	if err == nil {
		err = json.Unmarshal(row.View, &v)
	}
	return row, v, err
}

// drawOnPlan draws on a plan: policy decides whether the caller may draw
// on it, and only an officer of the plan's own department through a post
// there. The candidates are the plan's enterprises and the department's
// officers with a 执法证 today, both sorted; the seed is made here from
// crypto/rand; the input is recorded with what it draws, in one
// transaction, so every draw stays on the record.
func (s *Server) drawOnPlan(w http.ResponseWriter, r *http.Request) {
	c, err := s.authenticate(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req DrawRequest
	if err := decode(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	row, v, err := s.planFor(r, c)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ctx := r.Context()
	sub, err := s.Warden.AllowedBy(ctx, c.subject(), policy.Action(string(cases.KindPlan), "draw"), caseResource(row.Summary), nil)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	actor := c.actor(sub)
	if actor.OrgID != row.Summary.ActingOrg.ID {
		s.writeError(w, r, duty.Fail(duty.EForbidden, "plan.draw.who", duty.Args{"Department": row.Summary.ActingOrg.Name}))
		return
	}
	if row.Summary.ClosedAt != nil {
		s.writeError(w, r, duty.Fail(duty.EConflict, "plan.draw.closed", nil))
		return
	}
	now := s.Now()
	roster, err := s.Store.Roster(ctx, actor.OrgID, now.In(rules.China))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	seed, err := draw.NewSeed()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	in := draw.Input{Algorithm: draw.Algorithm, Seed: seed, Count: req.Count}
	for _, e := range v.Entries {
		in.Enterprises = append(in.Enterprises, e.Enterprise.ID)
	}
	slices.Sort(in.Enterprises)
	for _, p := range roster {
		in.Officers = append(in.Officers, p.ID)
	}
	if err := in.Validate(); err != nil {
		s.writeError(w, r, duty.FailWith(duty.EInvalid, err))
		return
	}
	d, err := s.Store.RecordDraw(ctx, store.Draw{PlanWorkflowID: row.Summary.WorkflowID, DepartmentID: actor.OrgID,
		DrawnBy: actor.PersonID, DrawnAt: now, Input: in})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := s.drawResponse(r, row.Summary.CaseNo, d, v)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, res)
}

// getDraw answers with a draw's record and whether it repeats: anyone who
// may see the plan may check it.
func (s *Server) getDraw(w http.ResponseWriter, r *http.Request) {
	c, err := s.authenticate(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	row, v, err := s.planFor(r, c)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.writeError(w, r, duty.Fail(duty.EInvalid, "plan.draw.id", nil))
		return
	}
	d, err := s.Store.GetDraw(r.Context(), id)
	if err == nil && d.PlanWorkflowID != row.Summary.WorkflowID {
		err = duty.Fail(duty.ENotFound, "plan.draw.other_plan", duty.Args{"CaseNo": row.Summary.CaseNo, "ID": id})
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := s.drawResponse(r, row.Summary.CaseNo, d, v)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// drawResponse names a draw's pairs and repeats it from its record.
func (s *Server) drawResponse(r *http.Request, planNo string, d store.Draw, v plan.View) (DrawResponse, error) {
	ok, _ := draw.Verify(d.Input, d.Pairs)
	res := DrawResponse{ID: d.ID, PlanNo: planNo, DrawnAt: d.DrawnAt.In(rules.China).Format("2006-01-02 15:04:05"),
		Input: d.Input, Pairs: d.Pairs, Named: []DrawnPair{}, Matches: ok}
	names := map[int64]string{}
	for _, e := range v.Entries {
		names[e.Enterprise.ID] = e.Enterprise.Name
	}
	for _, p := range d.Pairs {
		np := DrawnPair{Enterprise: cases.Org{ID: p.EnterpriseID, Name: names[p.EnterpriseID]}}
		for i, id := range p.Officers {
			person, err := s.Store.GetPerson(r.Context(), id)
			if err != nil {
				return res, err
			}
			np.Officers[i] = DrawnOfficer{ID: id, Name: person.Name, Login: person.Login}
		}
		res.Named = append(res.Named, np)
	}
	return res, nil
}

// getPlan answers with a plan's coverage: month by month, what was
// planned, done (inspections the department closed for the enterprise
// this year, counted live), missed (as the month's end recorded it) and
// not yet done; the enterprises behind their plan; and its draws.
func (s *Server) getPlan(w http.ResponseWriter, r *http.Request) {
	c, err := s.authenticate(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	row, v, err := s.planFor(r, c)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ctx := r.Context()
	ids := make([]int64, 0, len(v.Entries))
	for _, e := range v.Entries {
		ids = append(ids, e.Enterprise.ID)
	}
	done, err := s.Store.InspectionsDone(ctx, row.Summary.ActingOrg.ID, ids, plan.MonthEnd(v.Year-1, 12), plan.MonthEnd(v.Year, 12))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	res := PlanResponse{CaseNo: row.Summary.CaseNo, Year: v.Year, Months: []MonthCoverage{}, Overdue: []OverdueEnterprise{}, Draws: []DrawResponse{}}
	res.Months, res.Overdue = coverage(v, done)
	draws, err := s.Store.PlanDraws(ctx, row.Summary.WorkflowID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	for _, d := range draws {
		dr, err := s.drawResponse(r, row.Summary.CaseNo, d, v)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		res.Draws = append(res.Draws, dr)
	}
	if sub, err := s.Warden.AllowedBy(ctx, c.subject(), policy.Action(string(cases.KindPlan), "draw"), caseResource(row.Summary), nil); err == nil {
		res.MayDraw = c.actor(sub).OrgID == row.Summary.ActingOrg.ID && row.Summary.ClosedAt == nil
	}
	writeJSON(w, http.StatusOK, res)
}

// coverage counts a plan month by month. A month whose end was checked
// keeps what the check recorded (met or missed: a late inspection does
// not undo a miss); a month still open counts the i-th planned
// inspection of an enterprise done once i+1 are done this year.
func coverage(v plan.View, done []store.EnterpriseCount) ([]MonthCoverage, []OverdueEnterprise) {
	count := map[int64]int{}
	for _, d := range done {
		count[d.EnterpriseID] = d.Count
	}
	months := make([]MonthCoverage, 0, 13-v.FirstMonth)
	for m := v.FirstMonth; m <= 12; m++ {
		months = append(months, MonthCoverage{Month: m})
	}
	overdue := []OverdueEnterprise{}
	for _, e := range v.Entries {
		var missed []int
		due := 0
		for j, p := range e.Planned {
			mc := &months[p.Month-v.FirstMonth]
			mc.Planned++
			checked := p.Month <= v.Checked
			switch {
			case checked && p.State == cases.DeadlineMet, !checked && count[e.Enterprise.ID] > j:
				mc.Done++
			case checked:
				mc.Missed++
				missed = append(missed, p.Month)
			default:
				mc.NotYet++
			}
			if checked {
				due = j + 1
			}
		}
		if len(missed) > 0 && count[e.Enterprise.ID] < due {
			overdue = append(overdue, OverdueEnterprise{Enterprise: e.Enterprise, RiskClass: e.RiskClass, Missed: missed, Due: due, Done: count[e.Enterprise.ID]})
		}
	}
	return months, overdue
}

// planRoutes are the yearly plan's endpoints.
func planRoutes() []route {
	return []route{
		{method: "POST", path: "/api/v1/plans", summary: "make your department's yearly inspection plan (年度监督检查计划, 安全生产法 Art.62) for a year: its enterprises by region and sector, how often each by risk class (the rule set's); each planned inspection is a deadline of the department's at its month's end",
			request: OpenPlanRequest{}, response: CaseResponse{}, handle: (*Server).openPlan},
		{method: "GET", path: "/api/v1/plans/{caseNo}", summary: "a plan's coverage month by month (planned, done, missed, not yet), the enterprises overdue for their planned inspection, and its draws",
			response: PlanResponse{}, handle: (*Server).getPlan},
		{method: "POST", path: "/api/v1/plans/{caseNo}/draws", summary: "draw enterprises of the plan and two officers with a 执法证 for each (双随机); the seed is the server's and the draw is recorded with its input, so anyone can repeat it",
			request: DrawRequest{}, response: DrawResponse{}, handle: (*Server).drawOnPlan},
		{method: "GET", path: "/api/v1/plans/{caseNo}/draws/{id}", summary: "a draw's record (seed, sorted candidate lists, pairs) and whether repeating it from the record gives the same pairs",
			response: DrawResponse{}, handle: (*Server).getDraw},
	}
}
