package documents

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/calendar"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/workflows/casekit"
	"github.com/duty-project/duty/workflows/escalation"
	"github.com/duty-project/duty/workflows/hazard"
	"github.com/duty-project/duty/workflows/inspection"
	"github.com/duty-project/duty/workflows/penalty"
	"github.com/duty-project/duty/workflows/talk"
)

var (
	bureau     = cases.Org{ID: 5, Name: "城区住房和城乡建设局 (区住建局)"}
	hongda     = cases.Org{ID: 7, Name: "晋城市宏达建筑工程有限公司"}
	regions    = RegionNames{"山西省", "晋城市", "城区"}
	issuer     = NewIssuer(bureau.ID, bureau.Name, regions, "")
	inspector  = cases.Actor{PersonID: 5, Name: "赵明", Role: "inspector", Title: "区住建局执法检查员", OrgID: 5, OrgName: bureau.Name, Side: cases.SideRegulator}
	inspector2 = cases.Actor{PersonID: 6, Name: "孙丽", Role: "inspector", Title: "区住建局执法检查员", OrgID: 5, OrgName: bureau.Name, Side: cases.SideRegulator}
	head       = cases.Actor{PersonID: 4, Name: "王海涛", Role: "dept_head", Title: "区住建局局长", OrgID: 5, OrgName: bureau.Name, Side: cases.SideRegulator}
)

func at(month time.Month, day, hour int) time.Time {
	return time.Date(2026, month, day, hour, 0, 0, 0, rules.China)
}

func summary(kind cases.Kind, no, state string) cases.Summary {
	n, _ := cases.ParseNumber(no)
	return cases.Summary{WorkflowID: n.WorkflowID(), CaseNo: no, Kind: kind, State: state, Grade: "major",
		RegionCode: "140502", RegionPath: "/14/1405/140502/", Industry: "construction", Enterprise: hongda,
		ActingOrg: cases.Org{ID: 5, Name: bureau.Name}, RuleSet: "default-2026", OpenedAt: at(11, 20, 9)}
}

// hazardView is a 重大隐患 ordered on 11-20, re-inspected and failed on
// 12-01 (which ordered round 2), re-inspected and passed on 12-10.
func hazardView() hazard.View {
	return hazard.View{
		Summary: summary(cases.KindHazard, "YH-140502-2026-000012", "closed"),
		Report: hazard.Input{Grade: hazard.GradeMajor, Location: "凤台街工地3号楼", Description: "脚手架连墙件缺失\n外架未设剪刀撑",
			Enterprise: hongda, ActingOrg: bureau, Inspector: inspector},
		Round: 2,
		Orders: []hazard.Order{
			{Round: 1, Measures: "补设连墙件\n3号楼停止作业", Deadline: time.Date(2026, 11, 30, 23, 59, 59, 0, rules.China), IssuedBy: inspector, IssuedAt: at(11, 20, 10)},
			{Round: 2, Measures: "补齐剩余连墙件", Deadline: time.Date(2026, 12, 9, 23, 59, 59, 0, rules.China), IssuedBy: inspector, IssuedAt: at(12, 1, 15)},
		},
		Completions: []hazard.Completion{
			{Round: 1, Summary: "已补设", ReportedAt: at(11, 29, 16)},
			{Round: 2, Summary: "已补齐", ReportedAt: at(12, 9, 11)},
		},
		Reinspections: []hazard.Reinspection{
			{Round: 1, Passed: false, Findings: "2处仍缺失", By: inspector, At: at(12, 1, 15)},
			{Round: 2, Passed: true, Findings: "符合要求，予以销号", By: inspector2, At: at(12, 10, 10)},
		},
	}
}

func raw(t *testing.T, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// render lists the case's documents, numbers them in order from 1 and
// renders the one with the given ID.
func render(t *testing.T, view json.RawMessage, id string) (Document, string) {
	t.Helper()
	docs, err := List(view)
	if err != nil {
		t.Fatal(err)
	}
	related := map[string]string{}
	var doc *Document
	for i, d := range docs {
		related[d.ID] = Number(issuer.Code, d.Code, d.Year(), i+1)
		if d.FixedNumber != "" {
			related[d.ID] = d.FixedNumber
		}
		if d.ID == id {
			doc = &docs[i]
		}
	}
	if doc == nil {
		t.Fatalf("no document %s in %+v", id, docs)
	}
	var buf bytes.Buffer
	if err := Render(&buf, Input{Doc: *doc, Number: related[id], View: view, Issuer: issuer, Related: related}); err != nil {
		t.Fatalf("render %s: %v", id, err)
	}
	return *doc, buf.String()
}

func contains(t *testing.T, what, page string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(page, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

func TestIssuerPrintsItsNameCodeAndTheBodiesOfRedress(t *testing.T) {
	if issuer.Name != "城区住房和城乡建设局" || issuer.Code != "城住建" || issuer.Government != "晋城市城区人民政府" || issuer.Court != "晋城市城区人民法院" {
		t.Fatalf("issuer %+v", issuer)
	}
	for _, tc := range []struct {
		name    string
		regions RegionNames
		want    string
	}{
		{"晋城市住房和城乡建设局", RegionNames{"山西省", "晋城市"}, "晋住建"},
		{"城区应急管理局 (区应急管理局)", regions, "城应急"},
		{"山西省住房和城乡建设厅", RegionNames{"山西省"}, "晋住建"},
		{"泽州县住房和城乡建设局", RegionNames{"山西省", "晋城市", "泽州县"}, "泽住建"},
		{"晋城市城区人民政府 (区政府)", regions, "城政"},
	} {
		if got := IssuerCode(tc.name, tc.regions); got != tc.want {
			t.Errorf("IssuerCode(%s) = %s, want %s", tc.name, got, tc.want)
		}
	}
	if got := NewIssuer(1, "城区住房和城乡建设局", regions, "城建"); got.Code != "城建" {
		t.Errorf("a code on record is kept: %s", got.Code)
	}
	if got := Number("城住建", "责改", 2026, 12); got != "城住建责改〔2026〕12号" {
		t.Errorf("Number = %s", got)
	}
}

func TestDatesAndAmountsPrintTheWayDocumentsDo(t *testing.T) {
	d := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC) // 10:00 in Beijing
	for got, want := range map[string]string{
		SignDate(d): "二〇二六年十二月一日", SignDate(at(10, 31, 9)): "二〇二六年十月三十一日", SignDate(at(1, 20, 9)): "二〇二六年一月二十日",
		Date(d): "2026年12月1日", DateTime(d): "2026年12月1日10时00分",
		Date(time.Date(2026, 11, 30, 17, 0, 0, 0, time.UTC)):         "2026年12月1日", // 01:00 the next day in Beijing
		Deadline(time.Date(2026, 12, 2, 0, 0, 0, 0, rules.China)):    "2026年12月1日", // a period's End
		Deadline(time.Date(2026, 12, 1, 23, 59, 59, 0, rules.China)): "2026年12月1日",
		Period(calendar.WorkingDays(5)):                              "五个工作日", Period(calendar.StatutoryPeriod(15)): "十五日", Period(calendar.Months(6)): "六个月",
		CapitalYuan(50000): "伍万元整", CapitalYuan(100500): "壹拾万零伍佰元整", CapitalYuan(3000): "叁仟元整", CapitalYuan(200): "贰佰元整",
		CapitalYuan(1005): "壹仟零伍元整", CapitalYuan(20001000): "贰仟万壹仟元整", CapitalYuan(100001000): "壹亿零壹仟元整",
		CapitalYuan(1010): "壹仟零壹拾元整", Yuan(50000): "人民币50000元（伍万元整）",
	} {
		if got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	}
}

func TestHazardOrderAndReinspectionDocuments(t *testing.T) {
	view := raw(t, hazardView())
	docs, err := List(view)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, d := range docs {
		ids = append(ids, d.ID)
	}
	// A failed re-inspection comes before the order it issued.
	if got := strings.Join(ids, ","); got != "order-1,reinspection-1,order-2,reinspection-2" {
		t.Fatalf("documents %s", got)
	}

	doc, page := render(t, view, "order-1")
	if doc.Title != "责令限期整改指令书" || doc.Issuer.ID != 5 || doc.Year() != 2026 {
		t.Fatalf("order document %+v", doc)
	}
	contains(t, "the order", page,
		"城住建责改〔2026〕1号", "责令限期整改指令书", // number, title
		"城区住房和城乡建设局", "晋城市宏达建筑工程有限公司：", "赵明", "区住建局执法检查员", // parties
		"《中华人民共和国安全生产法》第六十五条第一款第三项", "第一百零二条", // legal basis
		"2026年11月30日", "二〇二六年十一月二十日", // deadline, date under the seal
		"凤台街工地3号楼", "脚手架连墙件缺失", "<li>补设连墙件</li><li>3号楼停止作业</li>", "重大事故隐患", "五落实",
		"六十日内向晋城市城区人民政府申请行政复议", "六个月内依法向晋城市城区人民法院提起行政诉讼",
		"YH-140502-2026-000012", "@page { size: A4")
	if strings.Contains(page, "(区住建局)") {
		t.Error("the issuer's short form is printed")
	}

	_, page = render(t, view, "reinspection-1")
	contains(t, "the failed re-inspection", page,
		"城住建复查〔2026〕2号", "整改复查意见书", "（城住建责改〔2026〕1号）", "2026年11月29日报告整改完成",
		"2处仍缺失", "未按要求完成整改", "2026年12月9日", "补齐剩余连墙件", "城住建责改〔2026〕3号",
		"第一百零二条", "二〇二六年十二月一日", "晋城市宏达建筑工程有限公司")
	_, page = render(t, view, "reinspection-2")
	contains(t, "the passed re-inspection", page, "城住建复查〔2026〕4号", "予以核销（销号）", "孙丽", "二〇二六年十二月十日", "第六十五条")
}

func TestTalkNotice(t *testing.T) {
	v := talk.View{Summary: summary(cases.KindTalk, "YT-140502-2026-000003", "scheduled"),
		Notice: talk.Input{CaseRef: casekit.CaseRef{CaseNo: "YT-140502-2026-000003", ParentCaseNo: "YH-140502-2026-000012", Enterprise: hongda},
			ActingOrg: cases.Org{ID: 5, Name: bureau.Name}, ScheduledAt: time.Date(2026, 12, 4, 9, 30, 0, 0, rules.China), Place: "区住建局三楼会议室",
			Subject: "隐患逾期未整改", ConvenedBy: inspector,
			Persons: []talk.Person{{Name: "钱宏达", Role: "主要负责人"}, {Name: "孙建军", Role: "项目经理"}}}}
	doc, page := render(t, raw(t, v), "talk-notice")
	if doc.Title != "约谈通知书" {
		t.Fatalf("%+v", doc)
	}
	contains(t, "the talk notice", page, "城住建约谈〔2026〕1号", "约谈通知书", "晋城市宏达建筑工程有限公司：",
		"2026年12月4日9时30分", "区住建局三楼会议室", "钱宏达（主要负责人）、孙建军（项目经理）", "隐患逾期未整改",
		"YH-140502-2026-000012", "《安全生产约谈实施办法（试行）》", "第六十五条", "二〇二六年十一月二十日", "赵明")
}

func penaltyView(t *testing.T, simple bool) penalty.View {
	t.Helper()
	cal := calendar.Default()
	rs := penalty.DefaultRules()
	notified := at(11, 25, 10)
	plea, err := cal.Due(notified, rs.Plea)
	if err != nil {
		t.Fatal(err)
	}
	hearing, _ := cal.Due(notified, rs.HearingRequest)
	decisionDue, _ := cal.Due(at(11, 20, 9), rs.Decision)
	serviceDue, _ := cal.Due(at(12, 3, 16), rs.Service)
	v := penalty.View{Summary: summary(cases.KindPenalty, "CF-140502-2026-000004", "decided"),
		Case: penalty.Input{CaseRef: casekit.CaseRef{ParentCaseNo: "YH-140502-2026-000012", Enterprise: hongda},
			ActingOrg: cases.Org{ID: 5, Name: bureau.Name}, Party: penalty.Party{Kind: penalty.PartyUnit, Name: hongda.Name},
			Proposed: penalty.Penalty{Kind: penalty.KindFine, AmountYuan: 50000},
			Facts:    "你单位凤台街工地3号楼脚手架连墙件缺失，经责令限期整改逾期未整改。", Grounds: "《中华人民共和国安全生产法》第一百零二条",
			Officers: []cases.Actor{inspector, inspector2}, Rules: rs},
		Notice: &penalty.Notice{Penalty: penalty.Penalty{Kind: penalty.KindFine, AmountYuan: 50000}, By: inspector, At: notified,
			HearingQualifies: true, PleaDue: plea, HearingDue: hearing},
		DecisionDue: decisionDue,
		Pleas:       []penalty.Plea{{PleadInput: penalty.PleadInput{Statement: "已积极整改，请求从轻"}, At: at(11, 27, 10)}},
		Decision:    &penalty.Decision{DecideInput: penalty.DecideInput{Actor: head, Penalty: penalty.Penalty{Kind: penalty.KindFine, AmountYuan: 30000}, Reasons: "当事人积极整改，酌情从轻"}, At: at(12, 3, 16), ServiceDue: serviceDue},
	}
	if simple {
		v.Case.Procedure = penalty.ProcedureSimple
		v.Notice, v.Pleas = nil, nil
		v.Decision.Penalty = penalty.Penalty{Kind: penalty.KindWarning}
		v.Decision.DocumentNo = "城住建简罚〔2026〕7号"
	}
	return v
}

func TestPenaltyNoticeAndDecision(t *testing.T) {
	view := raw(t, penaltyView(t, false))
	_, page := render(t, view, "penalty-notice")
	contains(t, "the notice", page, "城住建罚告〔2026〕1号", "行政处罚告知书", "晋城市宏达建筑工程有限公司：",
		"罚款人民币50000元（伍万元整）", "《中华人民共和国安全生产法》第一百零二条", "第四十四条", "第四十五条", "第六十三条、第六十四条",
		"有权进行陈述和申辩", "有权要求举行听证", "2026年12月2日", "五个工作日", "二〇二六年十一月二十五日", "赵明", "孙丽")

	doc, page := render(t, view, "penalty-decision")
	if !doc.ServedByStep || doc.FixedNumber != "" {
		t.Fatalf("decision %+v", doc)
	}
	contains(t, "the decision", page, "城住建罚决〔2026〕2号", "行政处罚决定书", "晋城市宏达建筑工程有限公司",
		"罚款人民币30000元（叁万元整）", "酌情从轻", "已积极整改，请求从轻", "城住建罚告〔2026〕1号",
		"十五日内", "百分之三", "六十日内依法向晋城市城区人民政府申请行政复议", "六个月内依法向晋城市城区人民法院",
		"第六十一条", "第七十三条", "《中华人民共和国行政复议法》第二十条", "《中华人民共和国行政诉讼法》第四十六条",
		"二〇二六年十二月三日", "赵明", "孙丽")

	simple := raw(t, penaltyView(t, true))
	docs, _ := List(simple)
	if len(docs) != 1 || docs[0].FixedNumber != "城住建简罚〔2026〕7号" || docs[0].Step != penalty.UpdateDecideOnTheSpot {
		t.Fatalf("simple procedure documents %+v", docs)
	}
	_, page = render(t, simple, "penalty-decision")
	contains(t, "the on-the-spot decision", page, "城住建简罚〔2026〕7号", "警告", "第五十一条、第五十二条", "简易程序当场作出")
	if strings.Contains(page, "百分之三") {
		t.Error("a warning carries payment terms")
	}
}

func TestEscalationLetters(t *testing.T) {
	city := cases.Org{ID: 2, Name: "晋城市住房和城乡建设局"}
	v := escalation.View{Summary: summary(cases.KindEscalation, "TQ-140502-2026-000002", "submitted"),
		Request: escalation.Input{CaseRef: casekit.CaseRef{ParentCaseNo: "CF-140502-2026-000004", Enterprise: hongda},
			From: cases.Org{ID: 5, Name: bureau.Name}, To: city, Reason: escalation.ReasonAuthorityLimit, Summary: "拟处罚款超出县级权限。",
			AmountYuan: 800000, RequestedBy: head, AckDue: time.Date(2026, 12, 4, 0, 0, 0, 0, rules.China)}}
	doc, page := render(t, raw(t, v), "escalation-letter")
	if doc.Title != "提请函" || doc.Code != "提请" {
		t.Fatalf("%+v", doc)
	}
	contains(t, "the escalation letter", page, "城住建提请〔2026〕1号", "晋城市住房和城乡建设局：", "晋城市宏达建筑工程有限公司",
		"CF-140502-2026-000004", "人民币800000元（捌拾万元整）", "超出本机关的处罚权限", "第一百零二条", "王海涛", "二〇二六年十一月二十日")

	v.Request.Reason, v.Request.To = escalation.ReasonTransfer, cases.Org{ID: 6, Name: "城区应急管理局 (区应急管理局)"}
	doc, page = render(t, raw(t, v), "escalation-letter")
	if doc.Title != "案件移送书" || doc.Code != "移送" {
		t.Fatalf("%+v", doc)
	}
	contains(t, "the transfer", page, "城住建移送〔2026〕1号", "城区应急管理局：", "第六十九条", "移送你单位依法处理")
}

// A talk the engine convened by itself (auto_rungs) is issued by the
// department and names no officer.
func TestTalkTheEngineConvened(t *testing.T) {
	v := talk.View{Summary: summary(cases.KindTalk, "YT-140502-2026-000005", "scheduled"),
		Notice: talk.Input{ActingOrg: cases.Org{ID: 5, Name: bureau.Name}, ScheduledAt: at(12, 7, 9), Place: "区住建局",
			Subject: "隐患逾期未整改", ConvenedBy: cases.SystemActor, Persons: []talk.Person{{Name: "钱宏达", Role: "主要负责人"}}}}
	doc, page := render(t, raw(t, v), "talk-notice")
	if doc.Issuer.ID != 5 {
		t.Fatalf("issuer %+v", doc.Issuer)
	}
	if strings.Contains(page, cases.SystemActor.Name) || !strings.Contains(page, "__________") {
		t.Error("the engine is printed as an officer")
	}
}

func TestFreeTextIsEscaped(t *testing.T) {
	v := hazardView()
	v.Report.Description = `<script>alert(1)</script>`
	_, page := render(t, raw(t, v), "order-1")
	if strings.Contains(page, "<script>") || !strings.Contains(page, "&lt;script&gt;") {
		t.Fatal("free text is not escaped")
	}
}

func TestUnknownDocument(t *testing.T) {
	if _, err := Find(raw(t, hazardView()), "order-9"); err == nil {
		t.Fatal("found a document the case does not have")
	}
}

func TestPrintToPDF(t *testing.T) {
	if FindChromium() == "" {
		t.Skip("no Chromium (scripts/ensure-chromium installs it)")
	}
	_, page := render(t, raw(t, penaltyView(t, false)), "penalty-decision")
	pdf, err := NewPrinter().PDF(t.Context(), []byte(page))
	if err != nil {
		t.Fatal(err)
	}
	pages := regexp.MustCompile(`/Type\s*/Page\b[^s]`).FindAll(pdf, -1)
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) || len(pages) == 0 {
		t.Fatalf("not a PDF with pages: %d bytes, %d pages", len(pdf), len(pages))
	}
	// A4 is 595 × 842 points.
	if !regexp.MustCompile(`/MediaBox\s*\[\s*0\s+0\s+59[45](\.\d+)?\s+84[12]`).Match(pdf) {
		t.Errorf("the pages are not A4: %s", regexp.MustCompile(`/MediaBox[^\]]*\]`).Find(pdf))
	}
	if dir := os.Getenv("DUTY_DOCUMENTS_OUT"); dir != "" {
		_ = os.WriteFile(filepath.Join(dir, "penalty-decision.pdf"), pdf, 0o644)
		_ = os.WriteFile(filepath.Join(dir, "penalty-decision.html"), []byte(page), 0o644)
	}
}

func TestNoChromiumIsAClearUnavailableError(t *testing.T) {
	p := NewPrinter()
	p.Chromium = filepath.Join(t.TempDir(), "no-chromium")
	_, err := p.PDF(t.Context(), []byte("<p>x</p>"))
	if duty.ErrorCode(err) != duty.EUnavailable || !strings.Contains(duty.ErrorMessage(err), "fonts-noto-cjk") {
		t.Fatalf("got %v", err)
	}
}

// The 现场检查记录 prints the inspection as it stands: both officers with
// their 执法证号 (as signature lines, from the record), every item with
// what was found and how it was dealt with — the hazard case a failed
// one opened — and the unit's signature or, here, its refusal noted.
func TestInspectionRecord(t *testing.T) {
	closed := at(11, 20, 11)
	v := inspection.View{Summary: summary(cases.KindInspection, "JC-140502-2026-000002", "closed"), Place: "凤台街工地3号楼",
		Officers: []inspection.Officer{{PersonID: 5, Name: "赵明", CertNo: "14050220180031"}, {PersonID: 6, Name: "孙丽", CertNo: "14050220200026"}},
		OpenedBy: inspector, Checklist: "JCB-JZ-2026", ListTitle: "建筑施工安全检查表",
		Items: []inspection.Item{
			{ChecklistItem: rules.ChecklistItem{No: "1", Text: "特种作业人员持证上岗", Basis: "判定标准"}, Result: inspection.Passed},
			{ChecklistItem: rules.ChecklistItem{No: "8", Text: "临边、洞口防护设施设置到位", Basis: "JGJ 80"}, Result: inspection.Failed,
				Note: "5层东侧临边无防护", Photos: []casekit.Evidence{{Name: "临边.jpg"}},
				Decision: &inspection.ItemDecision{Decision: inspection.Ordered, Measures: "设置临边防护栏杆",
					Deadline: time.Date(2026, 11, 30, 23, 59, 59, 0, rules.China), By: inspector, At: at(11, 20, 10), HazardNo: "YH-140502-2026-000013"}},
			{ChecklistItem: rules.ChecklistItem{No: "3", Text: "专项施工方案", Basis: "判定标准"}, Result: inspection.NotApplicable},
		},
		Signatures: []inspection.Signature{
			{Signer: inspection.SignerOfficer, Name: "赵明", CertNo: "14050220180031", Recorded: inspector, At: closed},
			{Signer: inspection.SignerOfficer, Name: "孙丽", CertNo: "14050220200026", Recorded: inspector2, At: closed},
			{Signer: inspection.SignerEnterprise, Name: "钱宏达", Refused: true, Reason: "对检查结果有异议", Recorded: inspector, At: closed},
		},
		Failed: 1, Hazards: 1,
	}
	v.ClosedAt = &closed
	view := raw(t, v)
	in := Input{View: view, Issuer: issuer}
	docs, err := List(view)
	if err != nil || len(docs) != 1 || docs[0].Kind != InspectionRecord || docs[0].Title != "现场检查记录" {
		t.Fatalf("documents %+v, %v", docs, err)
	}
	in.Doc = docs[0]
	officers, err := Officers(in)
	if err != nil || len(officers) != 2 || officers[1].PersonID != 6 {
		t.Fatalf("officers %+v, %v", officers, err)
	}
	in.Certificates = map[int64]string{5: "14050220180031", 6: "14050220200026"}
	in.Number = Number(issuer.Code, docs[0].Code, docs[0].Year(), 1)
	var buf bytes.Buffer
	if err := Render(&buf, in); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	contains(t, "the inspection record", page, "现场检查记录", "城住建检记〔2026〕1号", "晋城市宏达建筑工程有限公司", "凤台街工地3号楼",
		"赵明（执法证号 14050220180031）、孙丽（执法证号 14050220200026）", "建筑施工安全检查表（JCB-JZ-2026）",
		"临边、洞口防护设施设置到位", "不符合", "5层东侧临边无防护", "照片1张", "责令限期整改", "设置临边防护栏杆", "YH-140502-2026-000013",
		"不适用", "钱宏达 拒绝签字", "对检查结果有异议", "已记录在案并报告本部门负责人", "第六十八条", "第六十七条", "第四十二条")
	if strings.Contains(page, "当事人（签收）") {
		t.Error("the record asks the party for a receipt instead of the unit's signature")
	}
	for _, raw := range []string{"failed", "not_applicable", ">order<", "passed"} {
		if strings.Contains(page, raw) {
			t.Errorf("the record prints %q", raw)
		}
	}
}
