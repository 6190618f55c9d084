package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/i18n"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/store"
	"github.com/duty-project/duty/workflows/accident"
)

// accidentValuesHaveLabels: every value an accident's page shows — its
// grades, levels, gates, accountability measures, the categories of the
// persons named, education, accident categories, the outcomes of its fine
// cases and the articles they are under — has Chinese words.
func accidentValuesHaveLabels(t *testing.T) {
	t.Helper()
	for _, g := range []string{rules.AccidentGradeExtraordinary, rules.AccidentGradeMajor, rules.AccidentGradeLarge, rules.AccidentGradeGeneral} {
		needLabel(t, "accident_grade."+g)
	}
	for _, l := range rules.Levels {
		needLabel(t, "level."+l)
	}
	for _, g := range accident.Gates {
		needLabel(t, "gate."+g)
	}
	for _, m := range accident.AccountabilityMeasures {
		needLabel(t, "measure."+string(m))
	}
	for _, c := range []string{accident.PersonEnterprise, accident.PersonOfficial, accident.PersonLeader} {
		needLabel(t, "person_category."+c)
	}
	for _, k := range []string{accident.EducationTraining, accident.EducationWarning} {
		needLabel(t, "education."+k)
	}
	for _, c := range []string{accident.CategoryRoadTraffic, accident.CategoryFire} {
		needLabel(t, "accident_category."+c)
	}
	for _, o := range []string{accident.FineCompleted, accident.FineEnforcement, accident.FineCancelled} {
		needLabel(t, "fine_outcome."+o)
	}
	for _, a := range []string{"114", "95"} {
		needLabel(t, "article."+a)
	}
	for _, c := range []string{store.CategoryNotice, store.CategoryReminder, store.CategoryOverdue, store.CategoryEscalation, store.CategoryDecision, store.CategoryPolicy} {
		needLabel(t, "notice_category."+c)
	}
	for _, f := range accidentForms {
		needLabel(t, "action.accident."+f.Action)
		for _, fd := range f.Fields {
			if fd.Type == fSelect && len(fd.Options) == 0 && fd.Name != "person" { // the persons named are the case's
				t.Errorf("form %s: the choice %s offers nothing", f.Key(), fd.Name)
			}
		}
	}
}

// What blocks a gate is said in Chinese.
func TestBlockersInChinese(t *testing.T) {
	for in, want := range map[string]string{
		"the investigation report is not approved (调查报告未批复)":                                                     "调查报告未批复",
		"孙建军: no accountability decision (未作出处理决定)":                                                              "孙建军：未作出处理决定",
		"孙建军: 处分 disciplinary sanction not carried out (未落实)":                                                    "孙建军：处分未落实",
		"no corrective measure added (未提出整改措施)":                                                                  "未提出整改措施",
		"measure 2: its hazard case is starting (立案中)":                                                           "整改措施2：隐患整改案件立案中",
		"YH-140502-2026-000007: not verified (整改未销号)":                                                            "YH-140502-2026-000007：整改未复查销号",
		"the assessment of the measures (整改评估, Art.86) is not made":                                              "整改措施落实情况评估（第八十六条）未作出",
		"no training or warning-education session recorded (未开展教育)":                                              "未开展培训或警示教育",
		"the fine under Art.114 on 晋城市宏达建筑工程有限公司: penalty case CF-140502-2026-000003 is not concluded (罚款案件未办结)": "第114条罚款（晋城市宏达建筑工程有限公司）：处罚案件CF-140502-2026-000003未办结",
		"something new (新的阻碍)":                                                                                   "新的阻碍",
	} {
		if got := blockerText(in); got != want {
			t.Errorf("blockerText(%q) = %q, want %q", in, got, want)
		}
	}
}

// What blocks a gate is said in the reader's language: from the messages
// a case keeps, or, for a case recorded before it kept them, from its
// texts; on the case page (a GateStatus) and on the board (a map).
func TestBlockersInTheReadersLanguage(t *testing.T) {
	g := accident.GateStatus{Gate: accident.GatePersons,
		Blockers: []string{"孙建军: no accountability decision (未作出处理决定)"},
		Blocks:   []duty.Refusal{duty.Message("accident.blocker.undecided", duty.Args{"Person": "孙建军"})}}
	var asMap map[string]any
	b, _ := json.Marshal(g)
	_ = json.Unmarshal(b, &asMap)
	for _, v := range []any{g, asMap} {
		if got := gateBlockers(i18n.English, v); len(got) != 1 || got[0] != "孙建军: no accountability decision" {
			t.Errorf("in English: %q", got)
		}
		if got := gateBlockers(i18n.Chinese, v); len(got) != 1 || got[0] != "孙建军：未作出处理决定" {
			t.Errorf("in Chinese: %q", got)
		}
	}
	old := accident.GateStatus{Gate: accident.GateEducation, Blockers: []string{"no training or warning-education session recorded (未开展教育)"}}
	if got := gateBlockers(i18n.English, old); len(got) != 1 || got[0] != "no training or warning-education session recorded" {
		t.Errorf("a case recorded before, in English: %q", got)
	}
	if got := gateBlockers(i18n.Chinese, old); len(got) != 1 || got[0] != "未开展培训或警示教育" {
		t.Errorf("a case recorded before, in Chinese: %q", got)
	}
}

// The accident forms' lines become the records the API expects.
func TestAccidentRowsBecomeRecords(t *testing.T) {
	f, ok := formByKey("accident:" + accident.UpdateRecordEducation)
	if !ok {
		t.Fatal("no education form")
	}
	v := url.Values{"kind": {"warning_education"}, "topic": {"警示教育"},
		"attendance": {"钱宏达,宏达建筑,是\n孙建军，宏达建筑，否\n"}}
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(v.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if err := r.ParseForm(); err != nil {
		t.Fatal(err)
	}
	body, err := formBody(r, f.Fields, nil)
	if err != nil {
		t.Fatal(err)
	}
	att := body["attendance"].([]map[string]any)
	if len(att) != 2 || att[0]["name"] != "钱宏达" || att[0]["attended"] != true || att[1]["unit"] != "宏达建筑" || att[1]["attended"] != false {
		t.Fatalf("attendance %v", att)
	}
	m, _ := formByKey("accident:" + accident.UpdateAddMeasures)
	rows, err := rowsValue("补设连墙件,3号楼,一般\n停工整顿,全工地,重大", m.Fields[0].Columns)
	if err != nil || rows[0]["grade"] != "general" || rows[1]["grade"] != "major" {
		t.Fatalf("measures %v %v", rows, err)
	}
	sub, _ := formByKey("accident:" + accident.UpdateSubmitInvestigation)
	persons, _ := rowsValue("孙建军,项目经理,宏达建筑,企业,未组织隐患排查,处分\n赵明,执法检查员,城区住建局,监管,检查不到位", sub.Fields[2].Columns)
	if persons[0]["category"] != "enterprise" || persons[1]["category"] != "official" || persons[1]["suggestion"] != "" {
		t.Fatalf("persons %v", persons)
	}
}

// An accident's steps are told in words, with no engine value left raw.
func TestAccidentStepsInWords(t *testing.T) {
	for _, c := range []struct {
		action string
		d      map[string]any
		want   string
	}{
		{"report_up", map[string]any{"level": "city", "org": "晋城市住房和城乡建设局", "late": true}, "上报至市级 晋城市住房和城乡建设局（迟报）"},
		{"fine_case_ended", map[string]any{"case_no": "CF-140502-2026-000001", "article": "114", "outcome": "completed"}, "罚款案件CF-140502-2026-000001（安全生产法第一百一十四条（事故单位））已履行"},
		{"measures_started", map[string]any{"cases": []any{map[string]any{"case_no": "YH-140502-2026-000001"}}}, "整改措施已立为隐患整改案件：YH-140502-2026-000001"},
		{"record_education", map[string]any{"kind": "warning_education", "topic": "警示教育"}, "警示教育：警示教育"},
		{"decide_accountability", map[string]any{"person": "孙建军", "measure": "discipline"}, "孙建军：处分"},
		{"approval_overdue", map[string]any{"due": map[string]any{"last": "2026-12-22"}}, "批复逾期（期限2026年12月22日）"},
		{"open_fine", map[string]any{"article": "95", "party": map[string]any{"kind": "person", "name": "钱宏达"}, "proposed": map[string]any{"kind": "fine", "amount_yuan": 180000.0}},
			"罚款立案：安全生产法第九十五条（主要负责人） 钱宏达 ¥180,000"},
	} {
		if got, shown := accidentStep(i18n.Chinese, c.action, c.d); got != c.want || !shown {
			t.Errorf("%s: %q (shown %v), want %q", c.action, got, shown, c.want)
		}
	}
	// In English, the same steps in English; only the data (names) stay
	// Chinese.
	for _, c := range []struct {
		action string
		d      map[string]any
		want   string
	}{
		{"report_up", map[string]any{"level": "city", "org": "晋城市住房和城乡建设局", "late": true}, "reported up to the city level, 晋城市住房和城乡建设局 (late)"},
		{"measures_started", map[string]any{"cases": []any{map[string]any{"case_no": "YH-140502-2026-000001"}}}, "corrective measures opened as hazard cases: YH-140502-2026-000001"},
		{"approval_overdue", map[string]any{"due": map[string]any{"last": "2026-12-22"}}, "approval overdue (due 22 Dec 2026)"},
		{"close_accident", map[string]any{"comment": "四不放过已落实"}, "case closed: 四不放过已落实"},
		{"extend_investigation", map[string]any{"days": 30.0}, "investigation extended by 30 days"},
	} {
		if got, shown := accidentStep(i18n.English, c.action, c.d); got != c.want || !shown {
			t.Errorf("in English, %s: %q (shown %v), want %q", c.action, got, shown, c.want)
		}
	}
	// Every step the accident records reads in English without Chinese of
	// duty's own.
	for _, action := range []string{"report", "report_up", "amend_casualties", "form_team", "start_appraisal", "end_appraisal",
		"extend_investigation", "submit_investigation_report", "extend_approval", "approve_report", "decide_accountability",
		"carry_out_accountability", "add_measures", "assess_measures", "record_education", "open_fine", "sign_off_gate",
		"close_accident", "measure_verified", "measures_started", "fine_cases_opened", "fine_case_ended", "report_up_overdue",
		"investigation_overdue", "approval_overdue", "assessment_overdue"} {
		d := map[string]any{"level": "city", "measure": "discipline", "kind": "warning_education", "article": "95", "gate": "cause",
			"outcome": "completed", "due_at": "2026-12-22T10:00:00+08:00", "due": map[string]any{"last": "2026-12-22"}}
		if got, _ := accidentStep(i18n.English, action, d); strings.ContainsFunc(got, isHan) || got == "" {
			t.Errorf("in English, %s reads %q", action, got)
		}
	}
}

// The forms of an accident's steps are the visitor's own: the 批复 only
// for the government head, the report passed up only by the level that
// holds it, a choice of the persons still to be dealt with, and 结案 only
// once every gate is signed off.
func TestAccidentFormsFitTheCaseAndTheVisitor(t *testing.T) {
	post := func(kind, level, role string) mePost {
		var p mePost
		p.Role, p.Org.Kind, p.Org.RegionLevel = role, kind, level
		return p
	}
	county := &me{Posts: []mePost{post("department", "county", "inspector")}}
	city := &me{Posts: []mePost{post("department", "city", "dept_head")}}
	mayor := &me{Posts: []mePost{post("government", "city", "government_head")}}
	v := &accident.View{InvestigatingLevel: "city", ReportingChain: []accident.LevelReport{{Level: "county"}, {Level: "city"}},
		Persons: []accident.PersonAccountability{{ResponsiblePerson: accident.ResponsiblePerson{Name: "孙建军", Post: "项目经理"}},
			{ResponsiblePerson: accident.ResponsiblePerson{Name: "赵明"}, Decision: &accident.Decision{Measure: accident.MeasureAdmonish}}},
		Gates: []accident.GateStatus{{Gate: "cause", Ready: true}, {Gate: "persons"}}}
	keys := func(m *me) string {
		var out []string
		for _, f := range fitAccidentForms(accidentForms, v, m) {
			out = append(out, f.Action)
			if f.Action == accident.UpdateDecideAccountability && (len(f.Fields[0].Options) != 1 || f.Fields[0].Options[0].Value != "孙建军") {
				t.Errorf("persons to decide on: %v", f.Fields[0].Options)
			}
			if f.Action == accident.UpdateSignOffGate && (len(f.Fields[0].Options) != 1 || f.Fields[0].Options[0].Value != "cause") {
				t.Errorf("gates to sign: %v", f.Fields[0].Options)
			}
		}
		return strings.Join(out, " ")
	}
	if got := keys(county); got != "amend_casualties" {
		t.Errorf("the county is offered %s", got)
	}
	if got := keys(mayor); got != "approve_report" {
		t.Errorf("the mayor is offered %s", got)
	}
	got := keys(city)
	for _, want := range []string{"report_up", "form_team", "decide_accountability", "carry_out_accountability", "sign_off_gate"} {
		if !strings.Contains(got, want) {
			t.Errorf("the city is not offered %s: %s", want, got)
		}
	}
	if strings.Contains(got, "approve_report") || strings.Contains(got, "close_accident") {
		t.Errorf("the city is offered %s", got)
	}
}
