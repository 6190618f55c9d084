package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/duty-project/duty/api"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/i18n"
	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/org/industry"
	"github.com/duty-project/duty/workflows/campaign"
)

// campaignForm starts a campaign (专项整治) from the campaigns page; the
// regions offered are those of the visitor's area, filled in per visit.
var campaignForm = actionForm{Kind: cases.KindCampaign, Action: "open", Label: "form.campaign.open", Side: "level", Path: "/api/v1/campaigns",
	Fields: []field{
		{Name: "title", Label: "form.campaign.open.title", Type: fText, Required: true},
		{Name: "content", Label: "form.campaign.open.content", Type: fTextarea},
		{Name: "sectors", Label: "form.campaign.open.sectors", Type: fChecks, Required: true, Options: sectorOptions(),
			Hint: "form.campaign.open.sectors.hint"},
		{Name: "starts", Label: "form.campaign.open.starts", Type: fDate, Required: true},
		{Name: "ends", Label: "form.campaign.open.ends", Type: fDate, Required: true},
		{Name: "plan_due", Label: "form.campaign.open.plan_due", Type: fDate, Required: true},
		{Name: "report_dues", Label: "form.campaign.open.report_dues", Type: fLines, Required: true},
	}}

// sectorOptions are the sectors a campaign may cover, by their names.
func sectorOptions() []option {
	return optionsOf("sector", industry.SectorConstruction, industry.SectorMining, industry.SectorHazardousChemicals,
		industry.SectorFireworks, industry.SectorIndustryTrade, industry.SectorRoadTraffic)
}

var missedOptions = []option{{"plan", "option.missed_options.plan"}, {"progress-1", "option.missed_options.progress_1"}, {"progress-2", "option.missed_options.progress_2"},
	{"progress-3", "option.missed_options.progress_3"}, {"progress-4", "option.missed_options.progress_4"}}

// campaignForms are the steps of a campaign's part: the level's own
// (submit, pass down) and the asker's (督办 from a miss).
var campaignForms = []actionForm{
	{Kind: cases.KindCampaign, Action: campaign.UpdateSubmit, Label: "form.campaign.submit", Side: "level", Path: "/api/v1/campaigns/{no}/submissions", Fields: []field{
		{Name: "text", Label: "form.campaign.submit.text", Type: fTextarea, Required: true},
		{Name: "figures.inspections", Label: "form.campaign.submit.figures_inspections", Type: fInt, Hint: "form.campaign.submit.figures_inspections.hint"},
		{Name: "figures.hazards_found", Label: "form.campaign.submit.figures_hazards_found", Type: fInt},
		{Name: "figures.hazards_rectified", Label: "form.campaign.submit.figures_hazards_rectified", Type: fInt},
		{Name: "attachments", Label: "form.campaign.submit.attachments", Type: fEvidence}}},
	{Kind: cases.KindCampaign, Action: campaign.UpdatePassDown, Label: "form.campaign.pass_down", Side: "level", Path: "/api/v1/campaigns/{no}/pass-down", Fields: []field{
		{Name: "plan_due", Label: "form.campaign.pass_down.plan_due", Type: fDate, Required: true},
		{Name: "report_dues", Label: "form.campaign.pass_down.report_dues", Type: fLines, Required: true}}},
	{Kind: cases.KindCampaign, Action: campaign.UpdateEscalate, Label: "form.campaign.escalate_miss", Side: "asker", Path: "/api/v1/campaigns/{no}/escalations", Fields: []field{
		{Name: "key", Label: "form.campaign.escalate_miss.key", Type: fSelect, Options: missedOptions, Required: true},
		{Name: "summary", Label: "form.campaign.escalate_miss.summary", Type: fTextarea, Required: true}}},
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
	m, ok := s.visitorFor(w, r, (*me).Supervisor, "forbid.campaigns")
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
	s.render(w, status, "campaigns", page{TitleID: "title.campaigns", Me: m, Data: d, Error: msg, Posted: posted, Now: time.Now(), Section: "campaigns"})
}

// startCampaign starts a campaign from the campaigns page.
func (s *Server) startCampaign(w http.ResponseWriter, r *http.Request) {
	s.openCase(w, r, campaignForm, s.renderCampaigns)
}

// campaignBoard shows a campaign's board: each level's submissions, the
// figures it reported and those its cases count.
func (s *Server) campaignBoard(w http.ResponseWriter, r *http.Request) {
	m, ok := s.visitorFor(w, r, (*me).Supervisor, "forbid.campaigns")
	if !ok {
		return
	}
	var b api.CampaignBoard
	if err := s.call(r, http.MethodGet, "/api/v1/campaigns/"+url.PathEscape(r.PathValue("caseNo"))+"/board", nil, &b); err != nil {
		s.fail(w, r, m, err)
		return
	}
	s.render(w, http.StatusOK, "campaignboard", page{TitleID: "title.campaignboard", Title: b.Title, Me: m, Data: b, Now: time.Now(), Section: "campaigns"})
}

// campaignStep tells a campaign's step in words in lang.
func campaignStep(lang, action string, d map[string]any) (text string, shown bool) {
	str := func(k string) string { s, _ := d[k].(string); return strings.TrimSpace(s) }
	t := func(id string, args i18n.Args) string { return i18n.T(lang, id, args) }
	with := func(head, tail string) string {
		if tail == "" {
			return head
		}
		return t("timeline.with", i18n.Args{"Head": head, "Tail": tail})
	}
	switch action {
	case campaign.ActionStart:
		return with(t("timeline.campaign.start", nil), str("title")), true
	case campaign.UpdateSubmit:
		text := with(t("timeline.campaign.submit", i18n.Args{"What": labelIn(lang, "campaign_key."+keyKind(str("key")))}), str("text"))
		if late, _ := d["late"].(bool); late {
			text += t("timeline.campaign.late", nil)
		}
		return text, true
	case campaign.UpdatePassDown:
		asked, _ := d["asked"].(map[string]any)
		due, _ := asked["plan_due"].(string)
		return t("timeline.campaign.pass_down", i18n.Args{"Due": dayIn(lang, due)}), due != ""
	case campaign.ActionMissed:
		return t("timeline.campaign.missed", nil), true
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
		sep := "、"
		if lang == i18n.English {
			sep = ", "
		}
		return with(t("timeline.campaign.levels_open", nil), strings.Join(names, sep)), true
	case campaign.UpdateEscalate:
		return with(t("timeline.campaign.escalate", nil), str("summary")), true
	case "escalation_opened":
		return t("timeline.campaign.escalation_opened", i18n.Args{"CaseNo": str("case_no")}), true
	case "end":
		return t("timeline.campaign.end", nil), true
	}
	return labelIn(lang, "action.campaign."+action), false
}

// keyKind is the kind of a submission's key ("report-2" → "report").
func keyKind(key string) string {
	k, _, _ := strings.Cut(key, "-")
	return k
}
