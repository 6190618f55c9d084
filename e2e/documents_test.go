package e2e

import (
	"bytes"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/duty-project/duty/internal/pgtest"
)

// fetch GETs a path as the user and returns the raw answer.
func (u *user) fetch(path string) (int, http.Header, []byte) {
	u.t.Helper()
	req, err := http.NewRequest("GET", u.base+path, nil)
	if err != nil {
		u.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+u.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		u.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		u.t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, body
}

var pdfPage = regexp.MustCompile(`/Type\s*/Page\b[^s]`)

// TestHazardOrderDocumentOverHTTP: a hazard is ordered; its 责令限期整改指令书
// is listed with its number, printed as HTML and as PDF, served, and kept
// from another enterprise.
func TestHazardOrderDocumentOverHTTP(t *testing.T) {
	duty := start(t, dataDir(t), pgtest.NewDatabase(t))
	inspector := duty.login("zhao.jiancha")
	company := duty.login("qian.zong")
	other := duty.login("zhou.zong") // 鑫源化工: another enterprise

	opened := inspector.must(201, "POST", "/api/v1/hazards", map[string]any{
		"grade": "major", "enterprise_id": company.orgID, "location": "凤台街工地3号楼", "description": "脚手架连墙件缺失"})
	no := caseOf(opened)["case_no"].(string)
	docs := "/api/v1/cases/" + no + "/documents"
	if list := inspector.must(200, "GET", docs, nil)["documents"].([]any); len(list) != 0 {
		t.Fatalf("documents before the order: %v", list)
	}
	inspector.must(200, "POST", "/api/v1/hazards/"+no+"/order", map[string]any{"measures": "补设连墙件，3号楼停止作业", "deadline": day(20)})

	list := inspector.must(200, "GET", docs, nil)["documents"].([]any)
	if len(list) != 1 {
		t.Fatalf("documents after the order: %v", list)
	}
	doc := list[0].(map[string]any)
	number := doc["number"].(string)
	if doc["id"] != "order-1" || doc["title"] != "责令限期整改指令书" || !regexp.MustCompile(`^城住建责改〔20\d\d〕1号$`).MatchString(number) {
		t.Fatalf("the order's document: %v", doc)
	}
	// The number stays: listed again, by the enterprise too, it is the same.
	again := company.must(200, "GET", docs, nil)["documents"].([]any)[0].(map[string]any)
	if again["number"] != number {
		t.Fatalf("number changed from %s to %v", number, again["number"])
	}

	status, h, html := inspector.fetch(docs + "/order-1?format=html")
	if status != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
		t.Fatalf("HTML: %d %v %s", status, h, html)
	}
	deadline := strings.Split(day(20), "-")
	deadlineText := deadline[0] + "年" + strings.TrimLeft(deadline[1], "0") + "月" + strings.TrimLeft(deadline[2], "0") + "日"
	for _, want := range []string{number, "责令限期整改指令书", "城区住房和城乡建设局", "晋城市宏达建筑工程有限公司", "赵明",
		"《中华人民共和国安全生产法》第六十五条第一款第三项", "第一百零二条", "凤台街工地3号楼", "补设连墙件，3号楼停止作业",
		deadlineText, "年", "晋城市城区人民政府", no, "size: A4"} {
		if !bytes.Contains(html, []byte(want)) {
			t.Errorf("the order's HTML lacks %q", want)
		}
	}
	if status, _, _ := company.fetch(docs + "/order-1"); status != 200 {
		t.Fatalf("the enterprise reads its order: %d", status)
	}

	status, h, pdf := inspector.fetch(docs + "/order-1?format=pdf")
	if status != 200 || h.Get("Content-Type") != "application/pdf" {
		t.Fatalf("PDF: %d %v %.300s", status, h, pdf)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) || len(pdfPage.FindAll(pdf, -1)) < 1 {
		t.Fatalf("not a PDF with pages: %d bytes, %.20q", len(pdf), pdf)
	}

	// Service: by the issuing side, with a known method and a receiver.
	service := docs + "/order-1/service"
	body := map[string]any{"method": "直接", "served_at": day(0), "received_by": "钱宏达"}
	company.must(403, "POST", service, body)
	inspector.must(400, "POST", service, map[string]any{"method": "飞鸽", "served_at": day(0), "received_by": "钱宏达"})
	inspector.must(400, "POST", service, map[string]any{"method": "直接", "served_at": day(3), "received_by": "钱宏达"})
	inspector.must(400, "POST", service, map[string]any{"method": "直接", "served_at": day(0), "received_by": " "})
	served := inspector.must(201, "POST", service, body)
	inspector.must(201, "POST", service, body) // a retry records nothing new
	svs := served["services"].([]any)
	sv := svs[0].(map[string]any)
	if len(svs) != 1 || sv["method"] != "direct" || sv["received_by"] != "钱宏达" || sv["recorded_by"].(map[string]any)["name"] != "赵明" ||
		sv["recorded_by"].(map[string]any)["title"] != "区住建局执法检查员" {
		t.Fatalf("service: %v", served)
	}
	listed := company.must(200, "GET", docs, nil)["documents"].([]any)[0].(map[string]any)
	if n := len(listed["services"].([]any)); n != 1 {
		t.Fatalf("the list shows %d services", n)
	}

	// Another enterprise: the case and its documents do not exist for it.
	other.must(404, "GET", docs, nil)
	for _, f := range []string{"html", "pdf"} {
		if status, _, body := other.fetch(docs + "/order-1?format=" + f); status != 404 || bytes.Contains(body, []byte(number)) {
			t.Fatalf("another enterprise's %s: %d %s", f, status, body)
		}
	}
	other.must(404, "POST", service, body)
	inspector.must(404, "GET", docs+"/order-9", nil)
	inspector.must(400, "GET", docs+"/order-1?format=docx", nil)
}

// TestTalkPenaltyAndEscalationDocumentsOverHTTP: the 约谈通知书, the
// 行政处罚告知书 and 决定书 (whose service is the penalty's own step) and
// the 提请函, each numbered in its own series and printed with its parties
// and legal basis.
func TestTalkPenaltyAndEscalationDocumentsOverHTTP(t *testing.T) {
	duty := start(t, dataDir(t), pgtest.NewDatabase(t))
	inspector := duty.login("zhao.jiancha")
	head := duty.login("wang.juzhang")
	company := duty.login("qian.zong")
	other := duty.login("zhou.zong")
	orgs := map[string]int64{}
	for _, o := range inspector.must(200, "GET", "/api/v1/orgs?kind=department", nil)["orgs"].([]any) {
		m := o.(map[string]any)
		orgs[m["code"].(string)] = int64(m["id"].(float64))
	}
	opened := inspector.must(201, "POST", "/api/v1/hazards", map[string]any{"grade": "general", "enterprise_id": company.orgID, "location": "塔吊", "description": "限位失灵"})
	hazard := caseOf(opened)["case_no"].(string)
	inspector.must(200, "POST", "/api/v1/hazards/"+hazard+"/order", map[string]any{"measures": "更换限位器", "deadline": day(10)})

	docsOf := func(u *user, no string) []map[string]any {
		var out []map[string]any
		for _, d := range u.must(200, "GET", "/api/v1/cases/"+no+"/documents", nil)["documents"].([]any) {
			out = append(out, d.(map[string]any))
		}
		return out
	}
	html := func(u *user, no, id string, wants ...string) {
		t.Helper()
		status, _, body := u.fetch("/api/v1/cases/" + no + "/documents/" + id)
		if status != 200 {
			t.Fatalf("%s %s: %d %s", no, id, status, body)
		}
		for _, w := range wants {
			if !bytes.Contains(body, []byte(w)) {
				t.Errorf("%s %s lacks %q", no, id, w)
			}
		}
	}
	year := day(0)[:4]

	// The warning talk's notice.
	talk := inspector.must(201, "POST", "/api/v1/cases/"+hazard+"/warning-talks", map[string]any{
		"persons":      []map[string]any{{"name": "钱宏达", "role": "企业负责人"}, {"name": "孙建军", "role": "项目经理"}},
		"scheduled_at": day(3)[:10] + "T09:30:00+08:00", "place": "区住建局三楼会议室", "subject": "隐患整改不力"})
	talkNo := caseOf(talk)["case_no"].(string)
	d := docsOf(company, talkNo)
	if len(d) != 1 || d[0]["title"] != "约谈通知书" || d[0]["number"] != "城住建约谈〔"+year+"〕1号" {
		t.Fatalf("talk documents %v", d)
	}
	html(company, talkNo, "talk-notice", "约谈通知书", "晋城市宏达建筑工程有限公司：", "钱宏达（企业负责人）、孙建军（项目经理）", "区住建局三楼会议室", "9时30分", hazard, "第六十五条")
	inspector.must(201, "POST", "/api/v1/cases/"+talkNo+"/documents/talk-notice/service", map[string]any{"method": "邮寄", "served_at": day(0), "received_by": "晋城市宏达建筑工程有限公司"})

	// The penalty: notice, waiver, decision, service as the penalty's step.
	p := inspector.must(201, "POST", "/api/v1/cases/"+hazard+"/penalties", map[string]any{
		"party": map[string]any{"kind": "unit", "name": "晋城市宏达建筑工程有限公司"}, "proposed": map[string]any{"kind": "fine", "amount_yuan": 50000},
		"facts": "塔吊限位失灵，经责令限期整改逾期未整改", "grounds": "《中华人民共和国安全生产法》第一百零二条", "co_officer_login": "sun.jiancha"})
	no := caseOf(p)["case_no"].(string)
	path := "/api/v1/penalties/" + no + "/"
	if d := docsOf(inspector, no); len(d) != 0 {
		t.Fatalf("documents before the notice: %v", d)
	}
	inspector.must(200, "POST", path+"notify", map[string]any{"note": "依法告知"})
	html(company, no, "penalty-notice", "行政处罚告知书", "城住建罚告〔"+year+"〕1号", "罚款人民币50000元（伍万元整）",
		"第一百零二条", "第四十四条", "陈述和申辩", "要求举行听证", "赵明", "孙丽")
	company.must(200, "POST", path+"waiver", map[string]any{"statement": "本单位放弃陈述、申辩和听证权利"})
	head.must(200, "POST", path+"decision", map[string]any{"penalty": map[string]any{"kind": "fine", "amount_yuan": 50000}, "reasons": "事实清楚，证据确凿"})
	decision := "/api/v1/cases/" + no + "/documents/penalty-decision"
	inspector.must(409, "POST", decision+"/service", map[string]any{"method": "直接", "served_at": day(0), "received_by": "钱宏达"})
	inspector.must(200, "POST", path+"service", map[string]any{"method": "direct", "received_by": "钱宏达"})
	d = docsOf(inspector, no)
	if len(d) != 2 || d[1]["number"] != "城住建罚决〔"+year+"〕1号" || d[1]["service_step"].(map[string]any)["received_by"] != "钱宏达" ||
		!strings.HasSuffix(d[1]["service_endpoint"].(string), "/penalties/"+no+"/service") {
		t.Fatalf("penalty documents %v", d)
	}
	html(company, no, "penalty-decision", "行政处罚决定书", "城住建罚决〔"+year+"〕1号", "城住建罚告〔"+year+"〕1号",
		"书面放弃陈述、申辩和要求听证的权利", "十五日内", "百分之三", "晋城市城区人民政府申请行政复议", "晋城市城区人民法院", "第七十三条")
	if status, h, pdf := company.fetch(decision + "?format=pdf"); status != 200 || h.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("decision PDF: %d %v", status, h)
	}
	other.must(404, "GET", "/api/v1/cases/"+no+"/documents", nil)

	// The escalation's letter to the city bureau.
	esc := head.must(201, "POST", "/api/v1/cases/"+hazard+"/escalations", map[string]any{
		"to_org_id": orgs["1405-jsj"], "reason": "authority_limit", "summary": "拟责令停产停业整顿，超出区级权限"})
	escNo := caseOf(esc)["case_no"].(string)
	d = docsOf(head, escNo)
	if len(d) != 1 || d[0]["title"] != "提请函" || d[0]["number"] != "城住建提请〔"+year+"〕1号" {
		t.Fatalf("escalation documents %v", d)
	}
	html(head, escNo, "escalation-letter", "提请函", "晋城市住房和城乡建设局：", "拟责令停产停业整顿，超出区级权限", hazard, "王海涛")
	// The letter passes between authorities: the enterprise does not see
	// the escalation at all, let alone record the letter's service.
	company.must(404, "POST", "/api/v1/cases/"+escNo+"/documents/escalation-letter/service", map[string]any{"method": "电子", "served_at": day(0), "received_by": "x"})
	company.must(404, "GET", "/api/v1/cases/"+escNo+"/documents", nil)
}
