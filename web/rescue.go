package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/duty-project/duty/api"
	"github.com/duty-project/duty/i18n"
	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/workflows/rescue"
)

// rescueData is a rescue team's page: the form that registers an
// inspection of an enterprise it serves, and its year's coverage.
type rescueData struct {
	Coverage    api.RescueCoverageResponse
	Enterprises []org.Org
}

// rescuePage is the team's page (预防性检查).
func (s *Server) rescuePage(w http.ResponseWriter, r *http.Request) {
	m, err := s.whoami(r)
	if err != nil {
		s.fail(w, r, nil, err)
		return
	}
	s.renderRescue(w, r, m, http.StatusOK, "", nil)
}

// openRescue registers an inspection from the team's page.
func (s *Server) openRescue(w http.ResponseWriter, r *http.Request) {
	s.openCase(w, r, rescueOpenForm, s.renderRescue)
}

func (s *Server) renderRescue(w http.ResponseWriter, r *http.Request, m *me, status int, msg string, posted url.Values) {
	team := int64(0)
	for _, p := range m.Posts {
		if p.Org.Kind == org.KindRescueTeam {
			team = p.Org.ID
			break
		}
	}
	if team == 0 {
		s.forbidden(w, r, m, "forbid.rescue")
		return
	}
	var d rescueData
	path := "/api/v1/orgs/" + strconv.FormatInt(team, 10) + "/rescue-coverage"
	if y := r.URL.Query().Get("year"); y != "" {
		path += "?year=" + url.QueryEscape(y)
	}
	if err := s.call(r, http.MethodGet, path, nil, &d.Coverage); err != nil {
		s.fail(w, r, m, err)
		return
	}
	for _, e := range d.Coverage.Enterprises {
		d.Enterprises = append(d.Enterprises, org.Org{ID: e.EnterpriseID, Name: e.EnterpriseName})
	}
	s.render(w, status, "rescue", page{TitleID: "title.rescue", Me: m, Data: d, Error: msg, Posted: posted, Now: time.Now(), Section: "rescue",
		Period: i18n.T(i18n.FromRequest(r), "rescue.period", i18n.Args{"Team": d.Coverage.Team.Name, "Year": d.Coverage.Year})})
}

// rescueStep tells a rescue team's step in words in lang; the substance
// is in the case's own section, so shown is true for every step the kind
// records.
func rescueStep(lang, action string, d map[string]any) (text string, shown bool) {
	str := func(k string) string { s, _ := d[k].(string); return strings.TrimSpace(s) }
	num := func(k string) int { f, _ := d[k].(float64); return int(f) }
	t := func(id string, args i18n.Args) string { return i18n.T(lang, id, args) }
	with := func(head, tail string) string {
		if tail == "" {
			return head
		}
		return t("timeline.with", i18n.Args{"Head": head, "Tail": tail})
	}
	switch action {
	case rescue.ActionAlarm:
		return with(t("timeline.rescue.alarm", nil), str("advice")), true
	case rescue.ActionRegister:
		return with(t("timeline.rescue.register", nil), str("findings")), true
	case rescue.ActionAlarmResent:
		return t("timeline.rescue.resent", i18n.Args{"N": num("sent")}), true
	case rescue.ActionAlarmEscalated:
		return t("timeline.rescue.escalated", i18n.Args{"N": num("sent")}), true
	case rescue.ActionAlarmUnanswered:
		var silent []string
		waiting, _ := d["waiting"].([]any)
		for _, side := range waiting {
			s, _ := side.(string)
			silent = append(silent, s)
		}
		return t("timeline.rescue.unanswered", i18n.Args{"Sides": listLabelIn(lang, "side", silent...)}), true
	case rescue.UpdateAcknowledge:
		return with(t("timeline.rescue.acknowledged", i18n.Args{"Side": labelIn(lang, "side."+str("side"))}), str("note")), true
	case rescue.UpdateDecide:
		if b, _ := d["open"].(bool); b {
			return with(t("timeline.rescue.decide_open", i18n.Args{"Deadline": dayIn(lang, str("deadline"))}), str("reasons")), true
		}
		return with(t("timeline.rescue.decide_not", nil), str("reasons")), true
	case rescue.UpdateFollowUp:
		text := with(t("timeline.rescue.follow_up", nil), str("note"))
		if b, _ := d["rectified"].(bool); b {
			text += t("timeline.rescue.rectified", nil)
		}
		return text, true
	case "hazard_opened":
		if no := str("case_no"); no != "" {
			return t("timeline.rescue.hazard_opened", i18n.Args{"CaseNo": no}), true
		}
		return with(t("timeline.rescue.hazard_failed", nil), blockerIn(lang, str("failed"))), true
	case "close":
		return t("timeline.rescue.close", nil), true
	}
	return labelIn(lang, "action.rescue."+action), false
}
