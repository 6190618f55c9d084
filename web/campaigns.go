package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/duty-project/duty/api"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/org/industry"
	"github.com/duty-project/duty/workflows/campaign"
)

// campaignForm starts a campaign (专项整治) from the campaigns page; the
// regions offered are those of the visitor's area, filled in per visit.
var campaignForm = actionForm{Kind: cases.KindCampaign, Action: "open", Label: "开展专项整治", Side: "level", Path: "/api/v1/campaigns",
	Fields: []field{
		{Name: "title", Label: "专项整治名称", Type: fText, Required: true},
		{Name: "content", Label: "工作要求", Type: fTextarea},
		{Name: "sectors", Label: "行业范围", Type: fChecks, Required: true, Options: sectorOptions(),
			Hint: "部门只能在本部门监管的行业开展；地区范围为本级辖区"},
		{Name: "starts", Label: "开始日期", Type: fDate, Required: true},
		{Name: "ends", Label: "结束日期", Type: fDate, Required: true},
		{Name: "plan_due", Label: "下级报送工作方案期限", Type: fDate, Required: true},
		{Name: "report_dues", Label: "下级报送进展情况期限（每行一个日期，如 2026-12-31）", Type: fLines, Required: true},
	}}

// sectorOptions are the sectors a campaign may cover, by their names.
func sectorOptions() []option {
	var out []option
	for _, sec := range []string{industry.SectorConstruction, industry.SectorMining, industry.SectorHazardousChemicals,
		industry.SectorFireworks, industry.SectorIndustryTrade, industry.SectorRoadTraffic} {
		name, _, _ := strings.Cut(industry.SectorNames[sec], " ")
		out = append(out, option{sec, name})
	}
	return out
}

var missedOptions = []option{{"plan", "工作方案"}, {"progress-1", "第1次进展情况"}, {"progress-2", "第2次进展情况"},
	{"progress-3", "第3次进展情况"}, {"progress-4", "第4次进展情况"}}

// campaignForms are the steps of a campaign's part: the level's own
// (submit, pass down) and the asker's (督办 from a miss).
var campaignForms = []actionForm{
	{Kind: cases.KindCampaign, Action: campaign.UpdateSubmit, Label: "报送工作方案或进展情况", Side: "level", Path: "/api/v1/campaigns/{no}/submissions", Fields: []field{
		{Name: "text", Label: "报送内容", Type: fTextarea, Required: true},
		{Name: "figures.inspections", Label: "检查企业（家次）", Type: fInt, Hint: "报送进展情况时填写"},
		{Name: "figures.hazards_found", Label: "查出隐患（处）", Type: fInt},
		{Name: "figures.hazards_rectified", Label: "整改隐患（处）", Type: fInt},
		{Name: "attachments", Label: "附件", Type: fEvidence}}},
	{Kind: cases.KindCampaign, Action: campaign.UpdatePassDown, Label: "向下级布置", Side: "level", Path: "/api/v1/campaigns/{no}/pass-down", Fields: []field{
		{Name: "plan_due", Label: "下级报送工作方案期限", Type: fDate, Required: true},
		{Name: "report_dues", Label: "下级报送进展情况期限（每行一个日期）", Type: fLines, Required: true}}},
	{Kind: cases.KindCampaign, Action: campaign.UpdateEscalate, Label: "逾期督办", Side: "asker", Path: "/api/v1/campaigns/{no}/escalations", Fields: []field{
		{Name: "key", Label: "逾期事项", Type: fSelect, Options: missedOptions, Required: true},
		{Name: "summary", Label: "督办事由", Type: fTextarea, Required: true}}},
}

// fitCampaignForms keeps a campaign's steps the visitor's organisation
// takes: its own part's, or the督办 of a level it asked.
func fitCampaignForms(fs []actionForm, v *campaign.View, m *me) []actionForm {
	if v == nil {
		return fs
	}
	return slices.DeleteFunc(fs, func(f actionForm) bool {
		switch {
		case f.Kind != cases.KindCampaign:
			return false
		case f.Side == "level":
			return !m.inOrg(v.Org.ID)
		case f.Side == "asker":
			return v.AskedBy == nil || !m.inOrg(v.AskedBy.ID)
		}
		return true
	})
}

// campaignsData is the campaigns page: the campaigns the visitor sees,
// and the form to start one with the regions of their area.
type campaignsData struct {
	Campaigns []api.CaseItem
	Form      actionForm
	CanStart  bool
}

func (s *Server) campaigns(w http.ResponseWriter, r *http.Request) {
	m, ok := s.visitorFor(w, r, (*me).Supervisor, "专项整治供政府和部门使用")
	if !ok {
		return
	}
	s.renderCampaigns(w, r, m, http.StatusOK, "", nil)
}

// renderCampaigns shows the campaigns page, with a refused start's
// message and what was typed.
func (s *Server) renderCampaigns(w http.ResponseWriter, r *http.Request, m *me, status int, msg string, posted url.Values) {
	var list api.CaseList
	if err := s.call(r, http.MethodGet, "/api/v1/cases?kind=campaign&limit=100", nil, &list); err != nil {
		s.fail(w, r, m, err)
		return
	}
	d := campaignsData{Form: campaignForm, Campaigns: []api.CaseItem{}}
	for _, c := range list.Cases {
		if c.ParentWorkflowID == "" || slices.ContainsFunc(m.Posts, func(p mePost) bool { return p.Org.ID == c.ActingOrg.ID }) {
			d.Campaigns = append(d.Campaigns, c)
		}
	}
	// A campaign starts from the visitor's government or department, over
	// its whole area (the API takes narrower regions too).
	d.CanStart = slices.ContainsFunc(m.Posts, func(p mePost) bool {
		return p.Org.Kind == org.KindGovernment || p.Org.Kind == org.KindDepartment
	})
	s.render(w, status, "campaigns", page{Title: "专项整治", Me: m, Data: d, Error: msg, Posted: posted, Now: time.Now(), Section: "campaigns"})
}

// startCampaign starts a campaign from the campaigns page.
func (s *Server) startCampaign(w http.ResponseWriter, r *http.Request) {
	s.openCase(w, r, campaignForm, s.renderCampaigns)
}

// campaignBoard shows a campaign's board: each level's submissions, the
// figures it reported and those its cases count.
func (s *Server) campaignBoard(w http.ResponseWriter, r *http.Request) {
	m, ok := s.visitorFor(w, r, (*me).Supervisor, "专项整治供政府和部门使用")
	if !ok {
		return
	}
	var b api.CampaignBoard
	if err := s.call(r, http.MethodGet, "/api/v1/campaigns/"+url.PathEscape(r.PathValue("caseNo"))+"/board", nil, &b); err != nil {
		s.fail(w, r, m, err)
		return
	}
	s.render(w, http.StatusOK, "campaignboard", page{Title: "专项整治看板 · " + b.Title, Me: m, Data: b, Now: time.Now(), Section: "campaigns"})
}

// campaignStep tells a campaign's step in words.
func campaignStep(action string, d map[string]any) (text string, shown bool) {
	str := func(k string) string { s, _ := d[k].(string); return strings.TrimSpace(s) }
	switch action {
	case campaign.ActionStart:
		return "开展专项整治：" + str("title"), true
	case campaign.UpdateSubmit:
		t := "报送" + label("campaign_key."+keyKind(str("key"))) + "：" + str("text")
		if late, _ := d["late"].(bool); late {
			t += "（逾期报送）"
		}
		return t, true
	case campaign.UpdatePassDown:
		asked, _ := d["asked"].(map[string]any)
		due, _ := asked["plan_due"].(string)
		return "向下级布置，下级报送工作方案期限 " + day(due), due != ""
	case campaign.ActionMissed:
		return "逾期未报送", true
	case campaign.ActionLevelsOpen:
		var names []string
		ls, _ := d["levels"].([]any)
		for _, l := range ls {
			m, _ := l.(map[string]any)
			o, _ := m["org"].(map[string]any)
			if n, _ := o["name"].(string); n != "" {
				names = append(names, n)
			}
		}
		return "已向下级布置：" + strings.Join(names, "、"), true
	case campaign.UpdateEscalate:
		return "逾期督办：" + str("summary"), true
	case "escalation_opened":
		return "督办案件已立案：" + str("case_no"), true
	case "end":
		return "专项整治结束", true
	}
	return actionLabel("campaign", action), false
}

// keyKind is the kind of a submission's key ("report-2" → "report").
func keyKind(key string) string {
	k, _, _ := strings.Cut(key, "-")
	return k
}
