package web

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/duty-project/duty/api"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/i18n"
	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/workflows/accident"
)

// Accidents in the pages: the board of open accidents (/accidents), the
// registration of a report, and the forms of every step of the
// investigation and of 四不放过 on the accident's case page.

// Field types of the accident forms (see forms.go for the others).
const (
	fRows   = "rows"   // one record per line, its parts split by commas: [{col: …}]
	fChecks = "checks" // one tick per option: the values ticked, as a list
)

// column is one comma-separated part of a line of a rows field.
type column struct {
	Name string
	Type string // "" a string, "int", "bool" (是, 到, √, y…), or "map:" + a group of labels read back
}

var (
	levelOptions    = []option{{"city", "市级"}, {"province", "省级"}, {"state", "国务院（国家级）"}}
	measureOptions  = optionsOf("measure", accident.AccountabilityMeasures...)
	gateOptions     = optionsOf("gate", accident.Gates...)
	educationKinds  = []option{{accident.EducationTraining, "安全培训"}, {accident.EducationWarning, "警示教育"}}
	articleOptions  = []option{{"114", "第一百一十四条：对事故单位罚款"}, {"95", "第九十五条：对主要负责人罚款（上一年年收入的百分比）"}}
	categoryOptions = []option{{accident.CategoryRoadTraffic, "道路交通事故"}, {accident.CategoryFire, "火灾事故"}}
)

func init() { forms = append(forms, accidentForms...) }

// optionsOf are the choices of values, each with its label in a group.
func optionsOf[V ~string](group string, values ...V) []option {
	out := make([]option, 0, len(values))
	for _, v := range values {
		out = append(out, option{string(v), label(group + "." + string(v))})
	}
	return out
}

// accidentOpenForm registers an accident as the unit reported it.
var accidentOpenForm = actionForm{Kind: cases.KindAccident, Action: "open", Label: "登记事故", Side: "regulator", Path: "/api/v1/accidents",
	Fields: []field{
		{Name: "enterprise_id", Label: "事故单位", Type: fOrg, Required: true},
		{Name: "occurred_at", Label: "事故发生时间", Type: fDateTime, Required: true},
		{Name: "place", Label: "事故地点", Type: fText, Required: true},
		{Name: "category", Label: "事故类别", Type: fSelect, Options: categoryOptions, Hint: "道路交通、火灾事故补报期限为7日，其他30日"},
		{Name: "deaths", Label: "死亡（人）", Type: fInt, Required: true},
		{Name: "serious_injured", Label: "重伤（人，含急性工业中毒）", Type: fInt, Required: true},
		{Name: "direct_loss_yuan", Label: "直接经济损失（元）", Type: fInt, Required: true},
		{Name: "description", Label: "事故简要经过", Type: fTextarea, Required: true},
		{Name: "learned_at", Label: "单位负责人接到报告时间", Type: fDateTime, Hint: "单位1小时报告时限自此起算；不填则自事故发生时起算"},
		{Name: "unit_reported_at", Label: "单位报告到达时间", Type: fDateTime, Hint: "不填即为现在"},
		{Name: "unit_reporter", Label: "单位报告人", Type: fText, Required: true},
	}}

// accidentForms are the steps of an accident case; the workflow's
// next_actions say which are allowed now, the API who may take them.
var accidentForms = []actionForm{
	{Kind: cases.KindAccident, Action: accident.UpdateReportUp, Label: "逐级上报", Side: "regulator", Path: "/api/v1/accidents/{no}/report-up", Fields: []field{
		{Name: "to_level", Label: "上报至", Type: fSelect, Options: levelOptions, Required: true, Hint: "每级2小时内上报，可越级上报"},
		{Name: "to_org", Label: "接报单位", Type: fText, Required: true}}},
	{Kind: cases.KindAccident, Action: accident.UpdateAmendCasualties, Label: "补报伤亡", Side: "regulator", Path: "/api/v1/accidents/{no}/amendment", Fields: []field{
		{Name: "deaths", Label: "死亡（人）", Type: fInt, Required: true},
		{Name: "serious_injured", Label: "重伤（人）", Type: fInt, Required: true},
		{Name: "direct_loss_yuan", Label: "直接经济损失（元）", Type: fInt, Required: true},
		{Name: "reason", Label: "补报原因", Type: fTextarea, Required: true}}},
	{Kind: cases.KindAccident, Action: accident.UpdateFormTeam, Label: "成立事故调查组", Side: "regulator", Path: "/api/v1/accidents/{no}/team", Fields: []field{
		{Name: "leader", Label: "组长", Type: fText, Required: true},
		{Name: "members", Label: "成员（每行：姓名,单位,职责）", Type: fRows, Required: true, Hint: "组长也列为成员，例如：郑国华,晋城市住房和城乡建设局,组长",
			Columns: []column{{Name: "name"}, {Name: "org"}, {Name: "role"}}}}},
	{Kind: cases.KindAccident, Action: accident.UpdateStartAppraisal, Label: "技术鉴定开始（调查期限暂停）", Side: "regulator", Path: "/api/v1/accidents/{no}/appraisal-start", Fields: []field{
		{Name: "subject", Label: "鉴定事项", Type: fText, Required: true},
		{Name: "institution", Label: "鉴定机构", Type: fText, Required: true}}},
	{Kind: cases.KindAccident, Action: accident.UpdateEndAppraisal, Label: "技术鉴定结束", Side: "regulator", Path: "/api/v1/accidents/{no}/appraisal-end", Fields: []field{
		{Name: "findings", Label: "鉴定结论", Type: fTextarea, Required: true}}},
	{Kind: cases.KindAccident, Action: accident.UpdateExtendInvestigation, Label: "批准延长调查期限", Side: "regulator", Path: "/api/v1/accidents/{no}/extension", Fields: []field{
		{Name: "days", Label: "延长天数", Type: fInt, Required: true, Hint: "累计不超过60日"},
		{Name: "reason", Label: "延期理由", Type: fTextarea, Required: true}}},
	{Kind: cases.KindAccident, Action: accident.UpdateSubmitInvestigation, Label: "提交事故调查报告", Side: "regulator", Path: "/api/v1/accidents/{no}/investigation-report", Fields: []field{
		{Name: "cause", Label: "事故原因（直接、间接）", Type: fTextarea, Required: true},
		{Name: "nature", Label: "事故性质", Type: fText, Required: true},
		{Name: "responsible_persons", Label: "责任认定（每行：姓名,职务,单位,类别,责任,处理建议）", Type: fRows,
			Hint:    "类别填 企业、监管 或 党政；例如：孙建军,项目经理,宏达建筑,企业,未组织隐患排查,给予处分",
			Columns: []column{{Name: "name"}, {Name: "post"}, {Name: "org"}, {Name: "category", Type: "map:person_category"}, {Name: "responsibility"}, {Name: "suggestion"}}},
		{Name: "recommendations", Label: "整改措施建议", Type: fTextarea, Required: true},
		{Name: "signatures", Label: "调查组成员签名", Type: fChecks, Required: true, Hint: "每名成员均须签名"}}},
	{Kind: cases.KindAccident, Action: accident.UpdateExtendApproval, Label: "延长批复期限", Side: "regulator", Path: "/api/v1/accidents/{no}/approval-extension", Fields: []field{
		{Name: "reason", Label: "延期理由", Type: fTextarea, Required: true}}},
	{Kind: cases.KindAccident, Action: accident.UpdateApproveInvestigation, Label: "批复调查报告", Side: "regulator", Path: "/api/v1/accidents/{no}/approval", Fields: []field{
		{Name: "decision", Label: "批复意见", Type: fTextarea, Required: true},
		{Name: "document_no", Label: "批复文号", Type: fText}}},
	{Kind: cases.KindAccident, Action: accident.UpdateDecideAccountability, Label: "问责决定", Side: "regulator", Path: "/api/v1/accidents/{no}/accountability", Fields: []field{
		{Name: "person", Label: "责任人", Type: fSelect, Required: true},
		{Name: "measure", Label: "处理方式", Type: fSelect, Options: measureOptions, Required: true},
		{Name: "reference", Label: "文号或处罚案件编号", Type: fText, Hint: "行政处罚须填处罚案件编号（CF-…）"},
		{Name: "note", Label: "说明", Type: fTextarea}}},
	{Kind: cases.KindAccident, Action: accident.UpdateCarryOutAccountability, Label: "问责落实", Side: "regulator", Path: "/api/v1/accidents/{no}/accountability-carried-out", Fields: []field{
		{Name: "person", Label: "责任人", Type: fSelect, Required: true},
		{Name: "note", Label: "落实情况", Type: fTextarea, Required: true}}},
	{Kind: cases.KindAccident, Action: accident.UpdateAddMeasures, Label: "提出整改措施（每项立为隐患整改案件）", Side: "regulator", Path: "/api/v1/accidents/{no}/measures", Fields: []field{
		{Name: "measures", Label: "整改措施（每行：措施,地点,等级）", Type: fRows, Required: true, Hint: "等级填 一般 或 重大；例如：补设全部连墙件,3号楼,一般",
			Columns: []column{{Name: "measure"}, {Name: "location"}, {Name: "grade", Type: "map:grade"}}}}},
	{Kind: cases.KindAccident, Action: accident.UpdateAssessMeasures, Label: "整改评估（第八十六条）", Side: "regulator", Path: "/api/v1/accidents/{no}/assessment", Fields: []field{
		{Name: "findings", Label: "评估结论", Type: fTextarea, Required: true},
		{Name: "published", Label: "已向社会公开", Type: fCheck}}},
	{Kind: cases.KindAccident, Action: accident.UpdateRecordEducation, Label: "记录培训或警示教育", Side: "regulator", Path: "/api/v1/accidents/{no}/education", Fields: []field{
		{Name: "kind", Label: "形式", Type: fSelect, Options: educationKinds, Required: true},
		{Name: "topic", Label: "主题", Type: fText, Required: true},
		{Name: "held_at", Label: "时间", Type: fDateTime, Hint: "不填即为现在"},
		{Name: "attendance", Label: "签到（每行：姓名,单位,是否到场）", Type: fRows, Required: true, Hint: "到场填 是，缺席填 否；例如：钱宏达,宏达建筑,是",
			Columns: []column{{Name: "name"}, {Name: "unit"}, {Name: "attended", Type: "bool"}}}}},
	{Kind: cases.KindAccident, Action: accident.UpdateOpenFine, Label: "罚款立案（行政处罚）", Side: "regulator", Path: "/api/v1/cases/{no}/penalties", Fields: []field{
		{Name: "article", Label: "依据", Type: fSelect, Options: articleOptions, Required: true},
		{Name: "party.kind", Label: "当事人类型", Type: fSelect, Required: true, Options: []option{{"unit", "单位"}, {"person", "个人"}}},
		{Name: "party.name", Label: "当事人", Type: fText, Required: true},
		{Name: "proposed.kind", Label: "拟处罚种类", Type: fSelect, Options: []option{{"fine", "罚款"}}, Required: true},
		{Name: "proposed.amount_yuan", Label: "拟罚款（元）", Type: fInt, Required: true},
		{Name: "principal_income_yuan", Label: "主要负责人上一年年收入（元，第九十五条）", Type: fInt},
		{Name: "facts", Label: "违法事实", Type: fTextarea, Required: true},
		{Name: "grounds", Label: "处罚依据", Type: fText, Required: true},
		{Name: "co_officer_login", Label: "第二名执法人员（登录名）", Type: fText, Required: true}}},
	{Kind: cases.KindAccident, Action: accident.UpdateSignOffGate, Label: "四不放过签认", Side: "regulator", Path: "/api/v1/accidents/{no}/gate-sign-off", Fields: []field{
		{Name: "gate", Label: "签认事项", Type: fSelect, Options: gateOptions, Required: true},
		{Name: "comment", Label: "意见", Type: fTextarea}}},
	{Kind: cases.KindAccident, Action: accident.UpdateClose, Label: "结案", Side: "regulator", Path: "/api/v1/accidents/{no}/close", Fields: []field{
		{Name: "comment", Label: "结案意见", Type: fTextarea}}},
}

// accidentFormFor says whether an accident step is the visitor's to take:
// the 批复 is the people's government's, through its head; every other
// step a department's; and beyond passing the report up and amending the
// figures, only at the investigating level or above (level; "" when not
// known). The API decides again.
func accidentFormFor(f actionForm, m *me, level string) bool {
	kinds := []string{org.KindDepartment}
	if f.Action == accident.UpdateApproveInvestigation {
		kinds = []string{org.KindGovernment}
	}
	return slices.ContainsFunc(m.Posts, func(p mePost) bool {
		switch {
		case !slices.Contains(kinds, p.Org.Kind):
			return false
		case f.Action == accident.UpdateApproveInvestigation && p.Role != org.RoleGovernmentHead:
			return false
		case f.Action == accident.UpdateReportUp || f.Action == accident.UpdateAmendCasualties || level == "":
			return true
		}
		return rules.LevelRank(p.Org.RegionLevel) >= rules.LevelRank(level)
	})
}

// fitAccidentForms fits the step forms of an accident case to it and to the
// visitor: only the steps the visitor takes, and the choices that depend
// on the case — the persons named, the gates ready to sign, the members
// who sign the report.
func fitAccidentForms(list []actionForm, v *accident.View, m *me) []actionForm {
	if v == nil {
		return list
	}
	var out []actionForm
	for _, f := range list {
		if f.Kind != cases.KindAccident {
			out = append(out, f)
			continue
		}
		if !accidentStepFor(f, m, v) {
			continue
		}
		f.Fields = slices.Clone(f.Fields)
		keep := true
		for i := range f.Fields {
			fd := &f.Fields[i]
			switch {
			case f.Action == accident.UpdateDecideAccountability && fd.Name == "person":
				fd.Options = nil
				for _, p := range v.Persons {
					if p.Decision == nil {
						fd.Options = append(fd.Options, option{p.Name, p.Name + "（" + p.Post + "）"})
					}
				}
				keep = len(fd.Options) > 0
			case f.Action == accident.UpdateCarryOutAccountability && fd.Name == "person":
				fd.Options = nil
				for _, p := range v.Persons {
					if p.Decision != nil && p.CarriedOut == nil {
						fd.Options = append(fd.Options, option{p.Name, p.Name + "：" + label("measure."+string(p.Decision.Measure))})
					}
				}
				keep = len(fd.Options) > 0
			case f.Action == accident.UpdateSignOffGate && fd.Name == "gate":
				fd.Options = nil
				for _, g := range v.Gates {
					if g.SignedOff == nil && g.Ready {
						fd.Options = append(fd.Options, option{g.Gate, label("gate." + g.Gate)})
					}
				}
				keep = len(fd.Options) > 0
			case f.Action == accident.UpdateSubmitInvestigation && fd.Name == "signatures":
				fd.Options = nil
				if v.Team != nil {
					for _, mb := range v.Team.Members {
						fd.Options = append(fd.Options, option{mb.Name, mb.Name + "（" + mb.Role + "，" + mb.Org + "）"})
					}
				}
			case f.Action == accident.UpdateClose:
				keep = !slices.ContainsFunc(v.Gates, func(g accident.GateStatus) bool { return g.SignedOff == nil })
			}
		}
		if keep {
			out = append(out, f)
		}
	}
	return out
}

// rowsValue reads a rows field: one record per line, parts split by
// commas (Chinese or not) in the order of the columns.
func rowsValue(raw string, cols []column) ([]map[string]any, error) {
	var out []map[string]any
	for n, l := range lines(raw) {
		parts := strings.Split(strings.NewReplacer("，", ",", "、", ",").Replace(l), ",")
		rec := map[string]any{}
		for i, c := range cols {
			v := ""
			if i < len(parts) {
				v = strings.TrimSpace(parts[i])
			}
			switch {
			case c.Type == "int":
				x, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					return nil, fmt.Errorf("第%d行第%d项须为整数", n+1, i+1)
				}
				rec[c.Name] = x
			case c.Type == "bool":
				rec[c.Name] = slices.Contains([]string{"是", "到", "到场", "√", "✓", "y", "yes", "true", "1"}, strings.ToLower(v))
			case strings.HasPrefix(c.Type, "map:"):
				rec[c.Name] = valueOf(strings.TrimPrefix(c.Type, "map:"), v)
			default:
				rec[c.Name] = v
			}
		}
		out = append(out, rec)
	}
	return out, nil
}

// valueOf reads back the value whose label in a group is typed ("企业" →
// "enterprise"): a label, its first characters, or the value itself.
func valueOf(group, typed string) string {
	if typed == "" {
		return ""
	}
	var found string
	for _, k := range i18n.IDs(i18n.Chinese) {
		v, ok := strings.CutPrefix(k, group+".")
		if !ok {
			continue
		}
		l, _ := i18n.Source(i18n.Chinese, k)
		if typed == v || typed == l || typed == labelIn(i18n.English, k) {
			return v
		}
		if strings.HasPrefix(l, typed) && (found == "" || v < found) {
			found = v
		}
	}
	return cmp.Or(found, typed)
}

// blockerPatterns turn what the workflow says blocks a gate into Chinese.
var blockerPatterns = []struct {
	re  *regexp.Regexp
	out string
}{
	{regexp.MustCompile(`^the investigation report is not approved`), "调查报告未批复"},
	{regexp.MustCompile(`^(.+): no accountability decision`), "${1}：未作出处理决定"},
	{regexp.MustCompile(`^(.+?): (\p{Han}+)\s.*not carried out`), "${1}：${2}未落实"},
	{regexp.MustCompile(`^no corrective measure added`), "未提出整改措施"},
	{regexp.MustCompile(`^measure (\d+): its hazard case is starting`), "整改措施${1}：隐患整改案件立案中"},
	{regexp.MustCompile(`^(\S+): not verified`), "${1}：整改未复查销号"},
	{regexp.MustCompile(`^the assessment of the measures`), "整改措施落实情况评估（第八十六条）未作出"},
	{regexp.MustCompile(`^no training or warning-education session`), "未开展培训或警示教育"},
	{regexp.MustCompile(`^the fine under Art\.(\d+): its penalty case is starting`), "第${1}条罚款：处罚案件立案中"},
	{regexp.MustCompile(`^the fine under Art\.(\d+) on (.+): penalty case (\S+) is not concluded`), "第${1}条罚款（${2}）：处罚案件${3}未办结"},
	{regexp.MustCompile(`^the (?:hazard|penalty) case could not be started \(未能立案\): (.*)`), "未能立案：${1}"},
}

// gateBlockers says in lang what blocks a gate: the messages the case
// keeps (GateStatus.Blocks), or, for a case recorded before it kept them,
// its texts as blockerIn reads them. g is a GateStatus, or a gate as the
// API's JSON decodes into a map (the supervisors' board).
func gateBlockers(lang string, g any) []string {
	st, ok := g.(accident.GateStatus)
	if !ok {
		b, _ := json.Marshal(g)
		_ = json.Unmarshal(b, &st)
	}
	out := make([]string, 0, max(len(st.Blocks), len(st.Blockers)))
	if len(st.Blocks) > 0 {
		for _, b := range st.Blocks {
			out = append(out, b.Text(lang))
		}
		return out
	}
	for _, s := range st.Blockers {
		out = append(out, blockerIn(lang, s))
	}
	return out
}

// hanAside is a bracketed aside in Chinese within the engine's English.
var hanAside = regexp.MustCompile(`\s*\([^()]*\p{Han}[^()]*\)`)

// blockerIn says in lang what a text the engine kept about a gate or a
// case that could not start says: in Chinese as blockerText reads it, in
// English without its Chinese asides.
func blockerIn(lang, s string) string {
	if lang == i18n.Chinese {
		return blockerText(s)
	}
	return strings.TrimSpace(hanAside.ReplaceAllString(s, ""))
}

// blockerText says in Chinese what blocks a gate.
func blockerText(s string) string {
	for _, p := range blockerPatterns {
		if m := p.re.FindStringSubmatchIndex(s); m != nil {
			return string(p.re.ExpandString(nil, p.out, s, m))
		}
	}
	// Otherwise the Chinese in its brackets, else the Chinese of it.
	if i, j := strings.LastIndex(s, "("), strings.LastIndex(s, ")"); i >= 0 && j > i && strings.ContainsFunc(s[i:j], isHan) {
		return s[i+1 : j]
	}
	return zh(s)
}

// accidentsData is the board of open accidents.
type accidentsData struct {
	Accidents []api.OpenAccident
	// Awaiting says, by case number, what an accident awaits from the
	// visitor (待您批复, …); those come first.
	Awaiting    map[string]string
	Register    bool
	Enterprises []org.Org
	// Open unfolds the registration form (the desk's 登记事故 leads here).
	Open bool
}

func (s *Server) accidentsPage(w http.ResponseWriter, r *http.Request) {
	m, ok := s.visitorFor(w, r, (*me).Supervisor, "事故督办供监管部门、上级部门和党政领导使用")
	if !ok {
		return
	}
	s.renderAccidents(w, r, m, http.StatusOK, "", nil)
}

// renderAccidents shows the board, with the registration form for a
// department's officers and an error from registering if any.
func (s *Server) renderAccidents(w http.ResponseWriter, r *http.Request, m *me, status int, msg string, posted url.Values) {
	d := accidentsData{Open: r.URL.Query().Get("register") == "1"}
	var list api.OpenAccidentList
	if err := s.call(r, http.MethodGet, "/api/v1/accidents", nil, &list); err != nil {
		s.fail(w, r, m, err)
		return
	}
	d.Accidents = list.Accidents
	d.Awaiting = map[string]string{}
	for _, a := range d.Accidents {
		if w := awaiting(a, m); w != "" {
			d.Awaiting[a.CaseNo] = w
		}
	}
	slices.SortStableFunc(d.Accidents, func(a, b api.OpenAccident) int {
		if wa, wb := d.Awaiting[a.CaseNo] != "", d.Awaiting[b.CaseNo] != ""; wa != wb {
			if wa {
				return -1
			}
			return 1
		}
		if a.Overdue != b.Overdue {
			if a.Overdue {
				return -1
			}
			return 1
		}
		ta, tb := time.Time{}, time.Time{}
		if a.NextDeadline != nil {
			ta = *a.NextDeadline
		}
		if b.NextDeadline != nil {
			tb = *b.NextDeadline
		}
		if ta.IsZero() != tb.IsZero() {
			if ta.IsZero() {
				return 1
			}
			return -1
		}
		return cmp.Or(ta.Compare(tb), cmp.Compare(a.CaseNo, b.CaseNo))
	})
	if d.Register = m.Regulator(); d.Register {
		var orgs struct {
			Orgs []org.Org `json:"orgs"`
		}
		if err := s.call(r, http.MethodGet, "/api/v1/orgs?kind=enterprise", nil, &orgs); err != nil {
			s.fail(w, r, m, err)
			return
		}
		d.Enterprises = orgs.Orgs
	}
	s.render(w, status, "accidents", page{TitleID: "title.accidents", Me: m, Data: d, Error: msg, Posted: posted, Now: time.Now(), Section: "accidents"})
}

// awaiting is what an open accident awaits from the visitor, by its
// state: the step the case cannot go on without, if it is theirs.
func awaiting(a api.OpenAccident, m *me) string {
	step := map[string]string{string(accident.Reported): accident.UpdateFormTeam, string(accident.Investigating): accident.UpdateSubmitInvestigation,
		string(accident.InAppraisal): accident.UpdateEndAppraisal, string(accident.Submitted): accident.UpdateApproveInvestigation,
		string(accident.Approved): accident.UpdateSignOffGate}[a.State]
	f, ok := formByKey("accident:" + step)
	if !ok || !accidentFormFor(f, m, a.InvestigatingLevel) {
		return ""
	}
	if step == accident.UpdateApproveInvestigation {
		return "待您批复"
	}
	return "待办：" + f.Label
}

// openAccident registers an accident from the board's form (事故报告).
func (s *Server) openAccident(w http.ResponseWriter, r *http.Request) {
	s.openCase(w, r, accidentOpenForm, s.renderAccidents)
}

// accidentStep tells an accident's step in words; shown says whether its
// substance is on the page elsewhere (no details needed).
func accidentStep(action string, d map[string]any) (text string, shown bool) {
	str := func(k string) string { s, _ := d[k].(string); return strings.TrimSpace(s) }
	with := func(head, tail string) string {
		if tail == "" {
			return head
		}
		return head + "：" + tail
	}
	switch action {
	case "report":
		return with("登记事故报告", str("place")), true
	case accident.UpdateReportUp:
		// The step records the level's receipt (LevelReport).
		t := "上报至" + label("level."+cmp.Or(str("level"), str("to_level"))) + " " + cmp.Or(str("org"), str("to_org"))
		if late, _ := d["late"].(bool); late {
			t += "（迟报）"
		}
		return t, true
	case accident.UpdateAmendCasualties:
		return with("补报伤亡", str("reason")), true
	case accident.UpdateFormTeam:
		return with("成立事故调查组，组长", str("leader")), true
	case accident.UpdateStartAppraisal:
		return with("技术鉴定开始，调查期限暂停", str("subject")), true
	case accident.UpdateEndAppraisal:
		return with("技术鉴定结束，调查期限恢复计算", str("findings")), true
	case accident.UpdateExtendInvestigation:
		n, _ := d["days"].(float64)
		return with(fmt.Sprintf("批准调查期限延长%d日", int(n)), str("reason")), true
	case accident.UpdateSubmitInvestigation:
		return with("提交事故调查报告（调查组成员签名）", str("nature")), true
	case accident.UpdateExtendApproval:
		return with("延长批复期限", str("reason")), true
	case accident.UpdateApproveInvestigation:
		return with("批复调查报告", str("decision")), true
	case accident.UpdateDecideAccountability:
		return str("person") + "：" + label("measure."+str("measure")), true
	case accident.UpdateCarryOutAccountability:
		return with(str("person")+"的处理已落实", str("note")), true
	case accident.UpdateAddMeasures:
		return "提出整改措施", true
	case accident.UpdateAssessMeasures:
		return with("整改措施落实情况评估", str("findings")), true
	case accident.UpdateRecordEducation:
		return label("education."+str("kind")) + "：" + str("topic"), true
	case accident.UpdateOpenFine:
		party, _ := d["party"].(map[string]any)
		name, _ := party["name"].(string)
		t := "罚款立案：" + label("article."+str("article")) + " " + name
		if p, ok := d["proposed"].(map[string]any); ok {
			if n, ok := p["amount_yuan"].(float64); ok {
				t += " " + yuan(int64(n))
			}
		}
		return t, true
	case accident.UpdateSignOffGate:
		return with("签认："+label("gate."+str("gate")), str("comment")), true
	case accident.UpdateClose:
		return with("结案", str("comment")), true
	case "measure_verified":
		return with("整改措施复查销号 "+str("case_no"), str("findings")), true
	case "measures_started", "fine_cases_opened":
		head := map[string]string{"measures_started": "整改措施已立为隐患整改案件", "fine_cases_opened": "罚款已立为行政处罚案件"}[action]
		return with(head, startedCases(d["cases"])), true
	case "fine_case_ended":
		return "罚款案件" + str("case_no") + "（" + label("article."+str("article")) + "）" + label("fine_outcome."+str("outcome")), true
	case "report_up_overdue":
		return "逾期未上报：" + str("holder") + "应于" + when(str("due_at")) + "前上报", true
	case "investigation_overdue", "approval_overdue", "assessment_overdue":
		due, _ := d["due"].(map[string]any)
		t := actionLabel(cases.KindAccident, action)
		if last, ok := due["last"].(string); ok {
			t += "（期限" + day(last) + "）"
		}
		return t, true
	}
	return actionLabel(cases.KindAccident, action), false
}

// startedCases lists the cases a step started: their numbers, or why one
// could not start.
func startedCases(v any) string {
	list, _ := v.([]any)
	var out []string
	for _, e := range list {
		c, _ := e.(map[string]any)
		no, _ := c["case_no"].(string)
		failed, _ := c["failed"].(string)
		switch {
		case no != "":
			out = append(out, no)
		case failed != "":
			out = append(out, blockerText(failed))
		}
	}
	return strings.Join(out, "、")
}

// minutesLate says how late a level received the report, if it was.
func minutesLate(l accident.LevelReport) string {
	if !l.Late {
		return ""
	}
	late := l.ReceivedAt.Sub(l.DueAt)
	if late < time.Hour {
		return fmt.Sprintf("迟报%d分钟", int(late.Minutes()))
	}
	return "迟报" + heldFor(late.Hours())
}

func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }

// accidentPrefill is what an accident's forms start with: the casualty
// figures as they stand (a 补报 changes some of them), and a fine as the
// kind of penalty opened on an accident.
func accidentPrefill(v *accident.View) map[string]string {
	return map[string]string{
		"deaths":           strconv.Itoa(v.Casualties.Deaths),
		"serious_injured":  strconv.Itoa(v.Casualties.SeriousInjured),
		"direct_loss_yuan": strconv.FormatInt(v.Casualties.DirectLossYuan, 10),
		"proposed.kind":    "fine",
	}
}
