package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/duty-project/duty/api"
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
		s.forbidden(w, r, m, "预防性安全检查由救援队伍的人员登记；您的页面是 "+homeOf(m))
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
	s.render(w, status, "rescue", page{Title: "预防性安全检查", Me: m, Data: d, Error: msg, Posted: posted, Now: time.Now(), Section: "rescue",
		Period: d.Coverage.Team.Name + " · " + strconv.Itoa(d.Coverage.Year) + "年"})
}

// rescueStep tells a rescue team's step in words; the substance is in the
// case's own section, so shown is true for every step the kind records.
func rescueStep(action string, d map[string]any) (text string, shown bool) {
	str := func(k string) string { s, _ := d[k].(string); return strings.TrimSpace(s) }
	num := func(k string) int { f, _ := d[k].(float64); return int(f) }
	switch action {
	case rescue.ActionAlarm:
		return "发现重大事故隐患，建议立即停止作业、撤出人员，发出警报：" + str("advice"), true
	case rescue.ActionRegister:
		return "登记预防性检查情况并报告监管部门：" + str("findings"), true
	case rescue.ActionAlarmResent:
		return "警报未获确认，第" + strconv.Itoa(num("sent")) + "次发送", true
	case rescue.ActionAlarmEscalated:
		return "警报无人确认，第" + strconv.Itoa(num("sent")) + "次发送并报告当地党委、政府主要负责人", true
	case rescue.ActionAlarmUnanswered:
		var silent []string
		waiting, _ := d["waiting"].([]any)
		for _, side := range waiting {
			s, _ := side.(string)
			silent = append(silent, label("side."+s))
		}
		return "警报发出后长期未获确认，停止发送；未确认：" + strings.Join(silent, "、"), true
	case rescue.UpdateAcknowledge:
		t := label("side."+str("side")) + "确认收到警报"
		if n := str("note"); n != "" {
			t += "：" + n
		}
		return t, true
	case rescue.UpdateDecide:
		if b, _ := d["open"].(bool); b {
			return "决定立案，整改期限至" + day(str("deadline")) + "：" + str("reasons"), true
		}
		return "决定不予立案：" + str("reasons"), true
	case rescue.UpdateFollowUp:
		t := "跟踪回访：" + str("note")
		if b, _ := d["rectified"].(bool); b {
			t += "（已整改到位）"
		}
		return t, true
	case "hazard_opened":
		if no := str("case_no"); no != "" {
			return "隐患整改案件已立案：" + no, true
		}
		return "隐患整改案件未能立案：" + str("failed"), true
	case "close":
		return "办结", true
	}
	return actionLabel("rescue", action), false
}
