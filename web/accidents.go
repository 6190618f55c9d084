package web

import (
	"cmp"
	"encoding/json"
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
	levelOptions    = []option{{"city", "option.level_options.city"}, {"province", "option.level_options.province"}, {"state", "option.level_options.state"}}
	measureOptions  = optionsOf("measure", accident.AccountabilityMeasures...)
	gateOptions     = optionsOf("gate", accident.Gates...)
	educationKinds  = []option{{accident.EducationTraining, "option.education_kinds.training"}, {accident.EducationWarning, "option.education_kinds.warning_education"}}
	articleOptions  = []option{{"114", "option.article_options.114"}, {"95", "option.article_options.95"}}
	categoryOptions = []option{{accident.CategoryRoadTraffic, "option.category_options.road_traffic"}, {accident.CategoryFire, "option.category_options.fire"}}
)

func init() { forms = append(forms, accidentForms...) }

// optionsOf are the choices of values, each with its label in a group.
func optionsOf[V ~string](group string, values ...V) []option {
	out := make([]option, 0, len(values))
	for _, v := range values {
		out = append(out, option{string(v), group + "." + string(v)})
	}
	return out
}

// accidentOpenForm registers an accident as the unit reported it.
var accidentOpenForm = actionForm{Kind: cases.KindAccident, Action: "open", Label: "form.accident.open", Side: "regulator", Path: "/api/v1/accidents",
	Fields: []field{
		{Name: "enterprise_id", Label: "form.accident.open.enterprise_id", Type: fOrg, Required: true},
		{Name: "occurred_at", Label: "form.accident.open.occurred_at", Type: fDateTime, Required: true},
		{Name: "place", Label: "form.accident.open.place", Type: fText, Required: true},
		{Name: "category", Label: "form.accident.open.category", Type: fSelect, Options: categoryOptions, Hint: "form.accident.open.category.hint"},
		{Name: "deaths", Label: "form.accident.open.deaths", Type: fInt, Required: true},
		{Name: "serious_injured", Label: "form.accident.open.serious_injured", Type: fInt, Required: true},
		{Name: "direct_loss_yuan", Label: "form.accident.open.direct_loss_yuan", Type: fInt, Required: true},
		{Name: "description", Label: "form.accident.open.description", Type: fTextarea, Required: true},
		{Name: "learned_at", Label: "form.accident.open.learned_at", Type: fDateTime, Hint: "form.accident.open.learned_at.hint"},
		{Name: "unit_reported_at", Label: "form.accident.open.unit_reported_at", Type: fDateTime, Hint: "form.accident.open.unit_reported_at.hint"},
		{Name: "unit_reporter", Label: "form.accident.open.unit_reporter", Type: fText, Required: true},
	}}

// accidentForms are the steps of an accident case; the workflow's
// next_actions say which are allowed now, the API who may take them.
var accidentForms = []actionForm{
	{Kind: cases.KindAccident, Action: accident.UpdateReportUp, Label: "form.accident.report_up", Side: "regulator", Path: "/api/v1/accidents/{no}/report-up", Fields: []field{
		{Name: "to_level", Label: "form.accident.report_up.to_level", Type: fSelect, Options: levelOptions, Required: true, Hint: "form.accident.report_up.to_level.hint"},
		{Name: "to_org", Label: "form.accident.report_up.to_org", Type: fText, Required: true}}},
	{Kind: cases.KindAccident, Action: accident.UpdateAmendCasualties, Label: "form.accident.amend_casualties", Side: "regulator", Path: "/api/v1/accidents/{no}/amendment", Fields: []field{
		{Name: "deaths", Label: "form.accident.amend_casualties.deaths", Type: fInt, Required: true},
		{Name: "serious_injured", Label: "form.accident.amend_casualties.serious_injured", Type: fInt, Required: true},
		{Name: "direct_loss_yuan", Label: "form.accident.amend_casualties.direct_loss_yuan", Type: fInt, Required: true},
		{Name: "reason", Label: "form.accident.amend_casualties.reason", Type: fTextarea, Required: true}}},
	{Kind: cases.KindAccident, Action: accident.UpdateFormTeam, Label: "form.accident.form_team", Side: "regulator", Path: "/api/v1/accidents/{no}/team", Fields: []field{
		{Name: "leader", Label: "form.accident.form_team.leader", Type: fText, Required: true},
		{Name: "members", Label: "form.accident.form_team.members", Type: fRows, Required: true, Hint: "form.accident.form_team.members.hint",
			Columns: []column{{Name: "name"}, {Name: "org"}, {Name: "role"}}}}},
	{Kind: cases.KindAccident, Action: accident.UpdateStartAppraisal, Label: "form.accident.start_appraisal", Side: "regulator", Path: "/api/v1/accidents/{no}/appraisal-start", Fields: []field{
		{Name: "subject", Label: "form.accident.start_appraisal.subject", Type: fText, Required: true},
		{Name: "institution", Label: "form.accident.start_appraisal.institution", Type: fText, Required: true}}},
	{Kind: cases.KindAccident, Action: accident.UpdateEndAppraisal, Label: "form.accident.end_appraisal", Side: "regulator", Path: "/api/v1/accidents/{no}/appraisal-end", Fields: []field{
		{Name: "findings", Label: "form.accident.end_appraisal.findings", Type: fTextarea, Required: true}}},
	{Kind: cases.KindAccident, Action: accident.UpdateExtendInvestigation, Label: "form.accident.extend_investigation", Side: "regulator", Path: "/api/v1/accidents/{no}/extension", Fields: []field{
		{Name: "days", Label: "form.accident.extend_investigation.days", Type: fInt, Required: true, Hint: "form.accident.extend_investigation.days.hint"},
		{Name: "reason", Label: "form.accident.extend_investigation.reason", Type: fTextarea, Required: true}}},
	{Kind: cases.KindAccident, Action: accident.UpdateSubmitInvestigation, Label: "form.accident.submit_investigation_report", Side: "regulator", Path: "/api/v1/accidents/{no}/investigation-report", Fields: []field{
		{Name: "cause", Label: "form.accident.submit_investigation_report.cause", Type: fTextarea, Required: true},
		{Name: "nature", Label: "form.accident.submit_investigation_report.nature", Type: fText, Required: true},
		{Name: "responsible_persons", Label: "form.accident.submit_investigation_report.responsible_persons", Type: fRows,
			Hint:    "form.accident.submit_investigation_report.responsible_persons.hint",
			Columns: []column{{Name: "name"}, {Name: "post"}, {Name: "org"}, {Name: "category", Type: "map:person_category"}, {Name: "responsibility"}, {Name: "suggestion"}}},
		{Name: "recommendations", Label: "form.accident.submit_investigation_report.recommendations", Type: fTextarea, Required: true},
		{Name: "signatures", Label: "form.accident.submit_investigation_report.signatures", Type: fChecks, Required: true, Hint: "form.accident.submit_investigation_report.signatures.hint"}}},
	{Kind: cases.KindAccident, Action: accident.UpdateExtendApproval, Label: "form.accident.extend_approval", Side: "regulator", Path: "/api/v1/accidents/{no}/approval-extension", Fields: []field{
		{Name: "reason", Label: "form.accident.extend_approval.reason", Type: fTextarea, Required: true}}},
	{Kind: cases.KindAccident, Action: accident.UpdateApproveInvestigation, Label: "form.accident.approve_report", Side: "regulator", Path: "/api/v1/accidents/{no}/approval", Fields: []field{
		{Name: "decision", Label: "form.accident.approve_report.decision", Type: fTextarea, Required: true},
		{Name: "document_no", Label: "form.accident.approve_report.document_no", Type: fText}}},
	{Kind: cases.KindAccident, Action: accident.UpdateDecideAccountability, Label: "form.accident.decide_accountability", Side: "regulator", Path: "/api/v1/accidents/{no}/accountability", Fields: []field{
		{Name: "person", Label: "form.accident.decide_accountability.person", Type: fSelect, Required: true},
		{Name: "measure", Label: "form.accident.decide_accountability.measure", Type: fSelect, Options: measureOptions, Required: true},
		{Name: "reference", Label: "form.accident.decide_accountability.reference", Type: fText, Hint: "form.accident.decide_accountability.reference.hint"},
		{Name: "note", Label: "form.accident.decide_accountability.note", Type: fTextarea}}},
	{Kind: cases.KindAccident, Action: accident.UpdateCarryOutAccountability, Label: "form.accident.carry_out_accountability", Side: "regulator", Path: "/api/v1/accidents/{no}/accountability-carried-out", Fields: []field{
		{Name: "person", Label: "form.accident.carry_out_accountability.person", Type: fSelect, Required: true},
		{Name: "note", Label: "form.accident.carry_out_accountability.note", Type: fTextarea, Required: true}}},
	{Kind: cases.KindAccident, Action: accident.UpdateAddMeasures, Label: "form.accident.add_measures", Side: "regulator", Path: "/api/v1/accidents/{no}/measures", Fields: []field{
		{Name: "measures", Label: "form.accident.add_measures.measures", Type: fRows, Required: true, Hint: "form.accident.add_measures.measures.hint",
			Columns: []column{{Name: "measure"}, {Name: "location"}, {Name: "grade", Type: "map:grade"}}}}},
	{Kind: cases.KindAccident, Action: accident.UpdateAssessMeasures, Label: "form.accident.assess_measures", Side: "regulator", Path: "/api/v1/accidents/{no}/assessment", Fields: []field{
		{Name: "findings", Label: "form.accident.assess_measures.findings", Type: fTextarea, Required: true},
		{Name: "published", Label: "form.accident.assess_measures.published", Type: fCheck}}},
	{Kind: cases.KindAccident, Action: accident.UpdateRecordEducation, Label: "form.accident.record_education", Side: "regulator", Path: "/api/v1/accidents/{no}/education", Fields: []field{
		{Name: "kind", Label: "form.accident.record_education.kind", Type: fSelect, Options: educationKinds, Required: true},
		{Name: "topic", Label: "form.accident.record_education.topic", Type: fText, Required: true},
		{Name: "held_at", Label: "form.accident.record_education.held_at", Type: fDateTime, Hint: "form.accident.record_education.held_at.hint"},
		{Name: "attendance", Label: "form.accident.record_education.attendance", Type: fRows, Required: true, Hint: "form.accident.record_education.attendance.hint",
			Columns: []column{{Name: "name"}, {Name: "unit"}, {Name: "attended", Type: "bool"}}}}},
	{Kind: cases.KindAccident, Action: accident.UpdateOpenFine, Label: "form.accident.open_fine", Side: "regulator", Path: "/api/v1/cases/{no}/penalties", Fields: []field{
		{Name: "article", Label: "form.accident.open_fine.article", Type: fSelect, Options: articleOptions, Required: true},
		{Name: "party.kind", Label: "form.accident.open_fine.party_kind", Type: fSelect, Required: true, Options: []option{{"unit", "form.accident.open_fine.party_kind.unit"}, {"person", "form.accident.open_fine.party_kind.person"}}},
		{Name: "party.name", Label: "form.accident.open_fine.party_name", Type: fText, Required: true},
		{Name: "proposed.kind", Label: "form.accident.open_fine.proposed_kind", Type: fSelect, Options: []option{{"fine", "form.accident.open_fine.proposed_kind.fine"}}, Required: true},
		{Name: "proposed.amount_yuan", Label: "form.accident.open_fine.proposed_amount_yuan", Type: fInt, Required: true},
		{Name: "principal_income_yuan", Label: "form.accident.open_fine.principal_income_yuan", Type: fInt},
		{Name: "facts", Label: "form.accident.open_fine.facts", Type: fTextarea, Required: true},
		{Name: "grounds", Label: "form.accident.open_fine.grounds", Type: fText, Required: true},
		{Name: "co_officer_login", Label: "form.accident.open_fine.co_officer_login", Type: fText, Required: true}}},
	{Kind: cases.KindAccident, Action: accident.UpdateSignOffGate, Label: "form.accident.sign_off_gate", Side: "regulator", Path: "/api/v1/accidents/{no}/gate-sign-off", Fields: []field{
		{Name: "gate", Label: "form.accident.sign_off_gate.gate", Type: fSelect, Options: gateOptions, Required: true},
		{Name: "comment", Label: "form.accident.sign_off_gate.comment", Type: fTextarea}}},
	{Kind: cases.KindAccident, Action: accident.UpdateClose, Label: "form.accident.close_accident", Side: "regulator", Path: "/api/v1/accidents/{no}/close", Fields: []field{
		{Name: "comment", Label: "form.accident.close_accident.comment", Type: fTextarea}}},
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
						fd.Options = append(fd.Options, option{g.Gate, "gate." + g.Gate})
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
					return nil, formError{ID: "form.error.rows_integer", Args: i18n.Args{"Line": n + 1, "Item": i + 1}}
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
	m, ok := s.visitorFor(w, r, (*me).Supervisor, "forbid.accidents")
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
		if w := awaiting(reqLang(r), a, m); w != "" {
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
func awaiting(lang string, a api.OpenAccident, m *me) string {
	step := map[string]string{string(accident.Reported): accident.UpdateFormTeam, string(accident.Investigating): accident.UpdateSubmitInvestigation,
		string(accident.InAppraisal): accident.UpdateEndAppraisal, string(accident.Submitted): accident.UpdateApproveInvestigation,
		string(accident.Approved): accident.UpdateSignOffGate}[a.State]
	f, ok := formByKey("accident:" + step)
	if !ok || !accidentFormFor(f, m, a.InvestigatingLevel) {
		return ""
	}
	if step == accident.UpdateApproveInvestigation {
		return i18n.T(lang, "accidents.awaiting.approval", nil)
	}
	return i18n.T(lang, "accidents.awaiting.step", i18n.Args{"Step": i18n.Ref(f.Label)})
}

// openAccident registers an accident from the board's form (事故报告).
func (s *Server) openAccident(w http.ResponseWriter, r *http.Request) {
	s.openCase(w, r, accidentOpenForm, s.renderAccidents)
}

// accidentStep tells an accident's step in words in lang; shown says
// whether its substance is on the page elsewhere (no details needed).
func accidentStep(lang, action string, d map[string]any) (text string, shown bool) {
	str := func(k string) string { s, _ := d[k].(string); return strings.TrimSpace(s) }
	t := func(id string, args i18n.Args) string { return i18n.T(lang, id, args) }
	with := func(head, tail string) string {
		if tail == "" {
			return head
		}
		return t("timeline.with", i18n.Args{"Head": head, "Tail": tail})
	}
	switch action {
	case "report":
		return with(t("timeline.accident.report", nil), str("place")), true
	case accident.UpdateReportUp:
		// The step records the level's receipt (LevelReport).
		text := t("timeline.accident.report_up", i18n.Args{"Level": labelIn(lang, "level."+cmp.Or(str("level"), str("to_level"))),
			"Org": cmp.Or(str("org"), str("to_org"))})
		if late, _ := d["late"].(bool); late {
			text += t("timeline.accident.late", nil)
		}
		return text, true
	case accident.UpdateAmendCasualties:
		return with(t("timeline.accident.amend", nil), str("reason")), true
	case accident.UpdateFormTeam:
		return with(t("timeline.accident.form_team", nil), str("leader")), true
	case accident.UpdateStartAppraisal:
		return with(t("timeline.accident.start_appraisal", nil), str("subject")), true
	case accident.UpdateEndAppraisal:
		return with(t("timeline.accident.end_appraisal", nil), str("findings")), true
	case accident.UpdateExtendInvestigation:
		n, _ := d["days"].(float64)
		return with(t("timeline.accident.extend_investigation", i18n.Args{"Days": int(n)}), str("reason")), true
	case accident.UpdateSubmitInvestigation:
		return with(t("timeline.accident.submit_investigation", nil), str("nature")), true
	case accident.UpdateExtendApproval:
		return with(t("timeline.accident.extend_approval", nil), str("reason")), true
	case accident.UpdateApproveInvestigation:
		return with(t("timeline.accident.approve", nil), str("decision")), true
	case accident.UpdateDecideAccountability:
		return with(str("person"), labelIn(lang, "measure."+str("measure"))), true
	case accident.UpdateCarryOutAccountability:
		return with(t("timeline.accident.carried_out", i18n.Args{"Person": str("person")}), str("note")), true
	case accident.UpdateAddMeasures:
		return t("timeline.accident.add_measures", nil), true
	case accident.UpdateAssessMeasures:
		return with(t("timeline.accident.assess", nil), str("findings")), true
	case accident.UpdateRecordEducation:
		return with(labelIn(lang, "education."+str("kind")), str("topic")), true
	case accident.UpdateOpenFine:
		party, _ := d["party"].(map[string]any)
		name, _ := party["name"].(string)
		amount := ""
		if p, ok := d["proposed"].(map[string]any); ok {
			if n, ok := p["amount_yuan"].(float64); ok {
				amount = yuan(int64(n))
			}
		}
		return strings.TrimSpace(t("timeline.accident.open_fine", i18n.Args{"Article": labelIn(lang, "article."+str("article")), "Party": name, "Amount": amount})), true
	case accident.UpdateSignOffGate:
		return with(t("timeline.accident.sign_off", i18n.Args{"Gate": labelIn(lang, "gate."+str("gate"))}), str("comment")), true
	case accident.UpdateClose:
		return with(t("timeline.accident.close", nil), str("comment")), true
	case "measure_verified":
		return with(t("timeline.accident.measure_verified", i18n.Args{"CaseNo": str("case_no")}), str("findings")), true
	case "measures_started", "fine_cases_opened":
		return with(t("timeline.accident."+action, nil), startedCases(lang, d["cases"])), true
	case "fine_case_ended":
		return t("timeline.accident.fine_case_ended", i18n.Args{"CaseNo": str("case_no"), "Article": labelIn(lang, "article."+str("article")),
			"Outcome": labelIn(lang, "fine_outcome."+str("outcome"))}), true
	case "report_up_overdue":
		return t("timeline.accident.report_up_overdue", i18n.Args{"Holder": str("holder"), "Due": whenIn(lang, str("due_at"))}), true
	case "investigation_overdue", "approval_overdue", "assessment_overdue":
		due, _ := d["due"].(map[string]any)
		text := labelIn(lang, "action.accident."+action)
		if last, ok := due["last"].(string); ok {
			text += t("timeline.accident.due_on", i18n.Args{"Day": dayIn(lang, last)})
		}
		return text, true
	}
	return labelIn(lang, "action.accident."+action), false
}

// startedCases lists the cases a step started: their numbers, or why one
// could not start.
func startedCases(lang string, v any) string {
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
			out = append(out, blockerIn(lang, failed))
		}
	}
	if lang == i18n.English {
		return strings.Join(out, ", ")
	}
	return strings.Join(out, "、")
}

// minutesLate says how late a level received the report, if it was, in
// lang.
func minutesLate(lang string, l accident.LevelReport) string {
	if !l.Late {
		return ""
	}
	late := l.ReceivedAt.Sub(l.DueAt)
	if late < time.Hour {
		return i18n.T(lang, "accident.late.minutes", i18n.Args{"Minutes": int(late.Minutes())})
	}
	h := int(late.Hours())
	return i18n.T(lang, "accident.late.hours", i18n.Args{"Days": h / 24, "Hours": h % 24})
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
