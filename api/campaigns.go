package api

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/org/industry"
	"github.com/duty-project/duty/policy"
	"github.com/duty-project/duty/workflows/campaign"
	"github.com/duty-project/duty/workflows/casekit"
)

// StartCampaignRequest starts a campaign (专项整治, 大排查): its scope
// (sectors, and regions within the starter's own area), dates, and the
// dates by which each lower level must submit its plan and report its
// progress. org_id says which of the caller's organisations starts it,
// when they hold posts in several; the levels asked come from the
// organisation, never from the body.
type StartCampaignRequest struct {
	OrgID      int64    `json:"org_id,omitempty"`
	Title      string   `json:"title"`
	Content    string   `json:"content,omitempty"`
	Sectors    []string `json:"sectors"`
	Regions    []string `json:"regions"`
	Starts     When     `json:"starts"`
	Ends       When     `json:"ends"`
	PlanDue    When     `json:"plan_due"`
	ReportDues []When   `json:"report_dues"`
}

// Bodies of the campaign steps; the actor is always the caller.
type (
	// CampaignSubmissionRequest is a level's plan (工作方案) or its next
	// progress report (进展情况), with figures for a report.
	CampaignSubmissionRequest struct {
		Text        string             `json:"text"`
		Figures     *campaign.Figures  `json:"figures,omitempty"`
		Attachments []casekit.Evidence `json:"attachments,omitempty"`
	}
	// CampaignPassDownRequest passes the campaign down to the level's own
	// lower levels (found in the organisation) with the dates asked of them.
	CampaignPassDownRequest struct {
		PlanDue    When   `json:"plan_due"`
		ReportDues []When `json:"report_dues"`
	}
	// CampaignEscalationRequest opens a 督办 from a level's missed
	// submission (key: "plan" or "progress-N").
	CampaignEscalationRequest struct {
		Key     string `json:"key"`
		Summary string `json:"summary"`
	}
)

func whens(ws []When) []time.Time {
	out := make([]time.Time, len(ws))
	for i, w := range ws {
		out[i] = w.Time
	}
	return out
}

// startCampaign starts a campaign. The starter is the caller's
// government or department (a government's head or organisation
// administrator, a department's head: policy decides); its regions must
// be its own region or below, its sectors a department's own; the lower
// levels are found in the organisation.
func (s *Server) startCampaign(w http.ResponseWriter, r *http.Request) {
	c, err := s.authenticate(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req StartCampaignRequest
	if err := decode(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	ctx := r.Context()
	var starter org.Org
	for _, p := range c.posts {
		if (p.Org.Kind == org.KindGovernment || p.Org.Kind == org.KindDepartment) && (req.OrgID == 0 || req.OrgID == p.Org.ID) {
			starter = p.Org
			break
		}
	}
	if starter.ID == 0 {
		id := "campaign.starter.no_post"
		if req.OrgID != 0 {
			id = "campaign.starter.no_post_there"
		}
		s.writeError(w, r, duty.Fail(duty.EForbidden, id, nil))
		return
	}
	action := policy.Action(string(cases.KindCampaign), policy.ActionOpen)
	resource := policy.CampaignResource([]int64{starter.ID}, "new")
	post, err := s.Warden.AllowedBy(ctx, c.subject(), action, resource, nil)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	actor := c.actor(post)
	now := s.Now()
	regions, err := s.campaignRegions(r, starter, req.Regions)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	sectors, err := s.campaignSectors(starter, req.Sectors)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var paths []string
	for _, g := range regions {
		paths = append(paths, g.Path)
	}
	lower, err := s.Store.LowerLevels(ctx, starter, paths, sectors)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if len(lower) == 0 {
		s.writeError(w, r, duty.Fail(duty.EInvalid, "campaign.scope.no_lower", nil))
		return
	}
	asked := campaign.Schedule{PlanDue: req.PlanDue.Time, ReportDues: whens(req.ReportDues)}
	in := campaign.Input{
		CaseRef: casekit.CaseRef{RegionCode: starter.RegionCode, RegionPath: starter.RegionPath},
		Title:   req.Title, Content: req.Content, Sectors: sectors, Regions: regions, Starts: req.Starts.Time, Ends: req.Ends.Time,
		Org: cases.Org{ID: starter.ID, Name: starter.Name}, Chain: []int64{starter.ID}, OpenedBy: actor,
		Levels: levelsOf(lower, sectors), LevelsAsked: &asked, RuleSet: s.Rules.InForce(now).ID,
	}
	if err := in.Validate(now); err != nil {
		s.writeError(w, r, err)
		return
	}
	g := grant{actor: actor, action: action, resource: resource}
	s.startCase(w, r, g, req, cases.KindCampaign, starter.RegionCode, campaign.WorkflowName, func(num cases.Number) any {
		in.Numbered(num)
		return in
	})
}

// sectorName is a sector's Chinese name, "" for no sector on record.
func sectorName(sector string) string {
	name, _, _ := strings.Cut(industry.SectorNames[sector], " ")
	return name
}

// campaignRegions are the regions of a campaign's scope, each the
// starter's own region or one below it: a campaign reaches no further
// than its starter's area (属地).
func (s *Server) campaignRegions(r *http.Request, starter org.Org, codes []string) ([]campaign.Region, error) {
	if len(codes) == 0 {
		codes = []string{starter.RegionCode}
	}
	var out []campaign.Region
	for _, code := range codes {
		g, err := s.Store.GetRegion(r.Context(), code)
		if duty.ErrorCode(err) == duty.ENotFound {
			return nil, duty.Fail(duty.EInvalid, "campaign.region.unknown", duty.Args{"Code": code})
		} else if err != nil {
			return nil, err
		}
		if !strings.HasPrefix(g.Path, starter.RegionPath) {
			return nil, duty.Fail(duty.EForbidden, "campaign.region.outside", duty.Args{"Region": g.Name, "Starter": starter.Name})
		}
		if !slices.ContainsFunc(out, func(x campaign.Region) bool { return x.Code == g.Code }) {
			out = append(out, campaign.Region{Code: g.Code, Path: g.Path, Name: g.Name})
		}
	}
	return out, nil
}

// campaignSectors are a campaign's sectors: known ones, and for a
// department only those it supervises.
func (s *Server) campaignSectors(starter org.Org, sectors []string) ([]string, error) {
	if len(sectors) == 0 {
		return nil, duty.Fail(duty.EInvalid, "campaign.sectors.required", nil)
	}
	var out []string
	for _, sec := range sectors {
		if label := sectorName(sec); label == "" {
			return nil, duty.Fail(duty.EInvalid, "campaign.sector.unknown", duty.Args{"Sector": sec})
		}
		if starter.Kind == org.KindDepartment && !slices.Contains(starter.Industries, sec) {
			return nil, duty.Fail(duty.EForbidden, "campaign.sector.not_supervised", duty.Args{"Starter": starter.Name, "Sector": sectorName(sec)})
		}
		if !slices.Contains(out, sec) {
			out = append(out, sec)
		}
	}
	return out, nil
}

// levelsOf are the lower levels found, each with the campaign's sectors
// it answers for: a department its own among them, a government all.
func levelsOf(orgs []org.Org, sectors []string) []campaign.Level {
	var out []campaign.Level
	for _, o := range orgs {
		ind := sectors
		if o.Kind == org.KindDepartment {
			ind = nil
			for _, sec := range sectors {
				if slices.Contains(o.Industries, sec) {
					ind = append(ind, sec)
				}
			}
		}
		out = append(out, campaign.Level{Org: cases.Org{ID: o.ID, Name: o.Name}, RegionCode: o.RegionCode, RegionPath: o.RegionPath,
			Industries: slices.Clone(ind)})
	}
	return out
}

var (
	submitCampaign = caseAction(cases.KindCampaign, campaign.UpdateSubmit, false, func(_ *Server, _ *http.Request, b CampaignSubmissionRequest, st caseStep[campaign.View]) (any, error) {
		in := campaign.SubmitInput{Actor: st.actor, Text: b.Text, Figures: b.Figures, Attachments: b.Attachments}
		return in, in.Validate()
	})
	passDownCampaign = caseAction(cases.KindCampaign, campaign.UpdatePassDown, false, func(s *Server, r *http.Request, b CampaignPassDownRequest, st caseStep[campaign.View]) (any, error) {
		level, err := s.Store.GetOrg(r.Context(), st.view.Org.ID)
		if err != nil {
			return nil, err
		}
		var paths []string
		for _, g := range st.view.Regions {
			paths = append(paths, g.Path)
		}
		lower, err := s.Store.LowerLevels(r.Context(), level, paths, st.view.Sectors)
		if err != nil {
			return nil, err
		}
		if len(lower) == 0 {
			return nil, duty.Fail(duty.EConflict, "campaign.level.no_lower", duty.Args{"Org": level.Name})
		}
		in := campaign.PassDownInput{Actor: st.actor, Levels: levelsOf(lower, st.view.Sectors),
			Asked: campaign.Schedule{PlanDue: b.PlanDue.Time, ReportDues: whens(b.ReportDues)}}
		return in, in.Asked.Validate(st.now, st.view.Ends)
	})
	escalateCampaign = caseAction(cases.KindCampaign, campaign.UpdateEscalate, false, func(s *Server, _ *http.Request, b CampaignEscalationRequest, st caseStep[campaign.View]) (any, error) {
		rs, err := s.ruleSet(st.view.RuleSet)
		if err != nil {
			rs = s.Rules.InForce(st.now)
		}
		ack, err := s.ackDue(st.now, rs)
		if err != nil {
			return nil, err
		}
		in := campaign.EscalateInput{Actor: st.actor, Key: b.Key, Summary: b.Summary, AckDue: ack.End, AckDeadline: &ack}
		return in, in.Validate(st.now)
	})
)

// CampaignBoard is a campaign's board: each level asked (the campaign
// itself first, then the parts passed down at any depth) with its
// submissions' status, the figures it reported last, and the figures its
// cases count for the campaign's sectors, its region and the period.
type CampaignBoard struct {
	CaseNo string               `json:"case_no"`
	Title  string               `json:"title"`
	Starts time.Time            `json:"starts"`
	Ends   time.Time            `json:"ends"`
	Levels []CampaignBoardLevel `json:"levels"`
}

// CampaignBoardLevel is one row of a campaign's board.
type CampaignBoardLevel struct {
	CaseNo      string                `json:"case_no"`
	Org         cases.Org             `json:"org"`
	AskedBy     *cases.Org            `json:"asked_by,omitempty"`
	Depth       int                   `json:"depth"`
	Submissions []campaign.Submission `json:"submissions"`
	Missed      int                   `json:"missed"`
	Reported    *campaign.Figures     `json:"reported,omitempty"`
	Counted     CampaignCounted       `json:"counted"`
}

// CampaignCounted are the figures the cases count, with the rate of
// rectification (整改率) in percent, -1 where nothing was found.
type CampaignCounted struct {
	Inspections      int64   `json:"inspections"`
	HazardsFound     int64   `json:"hazards_found"`
	HazardsRectified int64   `json:"hazards_rectified"`
	RectifiedPercent float64 `json:"rectified_percent"`
}

// maxBoardLevels bounds a campaign board's rows.
const maxBoardLevels = 500

// campaignBoard answers GET /api/v1/campaigns/{caseNo}/board: whoever may
// see the campaign (or a part of it) sees its board, from that case down.
func (s *Server) campaignBoard(w http.ResponseWriter, r *http.Request) {
	b, err := s.campaignBoardOf(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, b)
}

func (s *Server) campaignBoardOf(r *http.Request) (CampaignBoard, error) {
	c, err := s.authenticate(r)
	if err != nil {
		return CampaignBoard{}, err
	}
	row, _, err := s.visibleCase(r, c)
	if err != nil {
		return CampaignBoard{}, err
	}
	if row.Summary.Kind != cases.KindCampaign {
		return CampaignBoard{}, duty.Fail(duty.ENotFound, "campaign.not_campaign", duty.Args{"CaseNo": row.Summary.CaseNo})
	}
	var top campaign.View
	if err := json.Unmarshal(row.View, &top); err != nil {
		return CampaignBoard{}, err
	}
	parts, err := s.Store.CampaignParts(r.Context(), row.Summary.WorkflowID, maxBoardLevels)
	if err != nil {
		return CampaignBoard{}, err
	}
	out := CampaignBoard{CaseNo: top.CaseNo, Title: top.Title, Starts: top.Starts, Ends: top.Ends, Levels: []CampaignBoardLevel{}}
	until := s.Now()
	if top.Ends.Before(until) {
		until = top.Ends
	}
	for _, p := range parts {
		var v campaign.View
		if err := json.Unmarshal(p.View, &v); err != nil {
			return out, err
		}
		lv := CampaignBoardLevel{CaseNo: v.CaseNo, Org: v.Org, AskedBy: v.AskedBy, Depth: len(v.Chain) - len(top.Chain),
			Submissions: v.Submissions}
		if lv.Submissions == nil {
			lv.Submissions = []campaign.Submission{}
		}
		for _, sub := range v.Submissions {
			if sub.Missed {
				lv.Missed++
			}
			if sub.Figures != nil {
				lv.Reported = sub.Figures
			}
		}
		f, err := s.Store.CampaignCounts(r.Context(), v.RegionPath, v.Sectors, v.Starts, until)
		if err != nil {
			return out, err
		}
		lv.Counted = CampaignCounted{Inspections: f.Inspections, HazardsFound: f.HazardsFound, HazardsRectified: f.HazardsRectified, RectifiedPercent: -1}
		if f.HazardsFound > 0 {
			lv.Counted.RectifiedPercent = float64(f.HazardsRectified*1000/f.HazardsFound) / 10
		}
		out.Levels = append(out.Levels, lv)
	}
	return out, nil
}

// campaignRoutes are the campaign endpoints.
func campaignRoutes() []route {
	cp := "/api/v1/campaigns/{caseNo}/"
	step := func(path, summary string, req any, h func(*Server, http.ResponseWriter, *http.Request)) route {
		return route{method: "POST", path: cp + path, summary: summary, request: req, response: CaseResponse{}, handle: h}
	}
	return []route{
		{method: "POST", path: "/api/v1/campaigns", summary: "start a campaign (专项整治, 大排查) as a government or department: sectors, regions of your own area, dates, and the dates by which each lower level (found in the organisation) submits its plan and progress reports",
			request: StartCampaignRequest{}, response: CaseResponse{}, handle: (*Server).startCampaign},
		step("submissions", "submit your level's plan (工作方案) or its next progress report (进展情况: text, figures, attachments); a late one is taken, the miss stays", CampaignSubmissionRequest{}, submitCampaign),
		step("pass-down", "pass the campaign down to your level's own lower governments or departments (found in the organisation), with the dates asked of them", CampaignPassDownRequest{}, passDownCampaign),
		step("escalations", "open a 督办 escalation (挂牌督办) from a missed submission of a level you asked; it must acknowledge it in working days", CampaignEscalationRequest{}, escalateCampaign),
		{method: "GET", path: cp + "board", summary: "the campaign's board: each level's submissions, reported figures, and inspections, hazards found and rectified counted for its sectors, region and period",
			response: CampaignBoard{}, handle: (*Server).campaignBoard},
	}
}
