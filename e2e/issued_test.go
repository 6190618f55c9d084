package e2e

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/duty-project/duty/internal/pgtest"
	"github.com/duty-project/duty/rules"
)

// TestDocumentsAsIssued: through the real binary, an order whose measures
// were typed as a numbered list prints them as typed; the penalty's
// documents name both officers with the 执法证号 the organisation holds;
// documents carry no English; and the service recorded on the case page
// keeps its time of day, shown there and in the API.
func TestDocumentsAsIssued(t *testing.T) {
	chrome := chromium(t)
	duty := start(t, dataDir(t), pgtest.NewDatabase(t))
	shots := artefacts(t)
	inspector := duty.login("zhao.jiancha")
	head := duty.login("wang.juzhang")
	company := duty.login("qian.zong")

	opened := inspector.must(201, "POST", "/api/v1/hazards", map[string]any{"grade": "general", "enterprise_id": company.orgID, "location": "塔吊", "description": "限位失灵"})
	hazard := caseOf(opened)["case_no"].(string)
	inspector.must(200, "POST", "/api/v1/hazards/"+hazard+"/order", map[string]any{"measures": "1. 更换限位器\n2. 塔吊停止使用至验收合格", "deadline": day(10)})
	text := func(u *user, no, id string) string {
		t.Helper()
		status, _, body := u.fetch("/api/v1/cases/" + no + "/documents/" + id)
		if status != 200 {
			t.Fatalf("%s %s: %d %s", no, id, status, body)
		}
		return string(body)
	}
	order := text(company, hazard, "order-1")
	for _, want := range []string{`<p class="item">1. 更换限位器</p><p class="item">2. 塔吊停止使用至验收合格</p>`,
		`赵明<span class="title">（区住建局执法检查员）</span></span><span class="cert">执法证号：14050220180031</span>`,
		"签收时间：　　年　　月　　日　　时　　分"} {
		if !strings.Contains(order, want) {
			t.Errorf("the order lacks %q", want)
		}
	}

	p := inspector.must(201, "POST", "/api/v1/cases/"+hazard+"/penalties", map[string]any{
		"party": map[string]any{"kind": "unit", "name": "晋城市宏达建筑工程有限公司"}, "proposed": map[string]any{"kind": "fine", "amount_yuan": 50000},
		"facts": "塔吊限位失灵，经责令限期整改逾期未整改", "grounds": "《中华人民共和国安全生产法》第一百零二条", "co_officer_login": "sun.jiancha"})
	no := caseOf(p)["case_no"].(string)
	inspector.must(200, "POST", "/api/v1/penalties/"+no+"/notify", map[string]any{"note": "依法告知"})
	company.must(200, "POST", "/api/v1/penalties/"+no+"/waiver", map[string]any{"statement": "本单位放弃陈述、申辩和听证权利"})
	head.must(200, "POST", "/api/v1/penalties/"+no+"/decision", map[string]any{"penalty": map[string]any{"kind": "fine", "amount_yuan": 50000}, "reasons": "事实清楚，证据确凿"})
	docs := map[string]string{"order-1": order}
	for _, id := range []string{"penalty-notice", "penalty-decision"} {
		page := text(company, no, id)
		docs[id] = page
		for _, want := range []string{"执法证号：14050220180031", "孙丽", "执法证号：14050220200026"} {
			if !strings.Contains(page, want) {
				t.Errorf("the %s lacks %q", id, want)
			}
		}
	}
	style := regexp.MustCompile(`(?s)<style>.*?</style>|<title>.*?</title>|<[^>]*>`)
	caseNo := regexp.MustCompile(`\b[A-Z]{2}-\d{6}-\d{4}-\d{6}\b`)
	for id, page := range docs {
		if w := regexp.MustCompile(`[A-Za-z]{2,}`).FindAllString(caseNo.ReplaceAllString(style.ReplaceAllString(page, " "), ""), -1); len(w) > 0 {
			t.Errorf("the %s has English: %q", id, w)
		}
	}

	// Service, recorded on the case page with its time of day.
	b := browse(t, chrome, duty.base, "zhao.jiancha")
	b.open("/cases/" + hazard)
	// Now, to the minute, in Beijing: an hour earlier would be refused as
	// before the order's day when the test runs just after midnight there.
	served := time.Now().In(rules.China).Truncate(time.Minute)
	b.fill("service-order-1", map[string]string{"method": "直接", "served_at": served.Format("2006-01-02T15:04"), "received_by": "钱宏达"})
	b.sees(`tr[data-doc="order-1"]`, served.Format("2006年1月2日 15:04"))
	b.shot(shots, "case-documents-served.png")
	d := inspector.must(200, "GET", "/api/v1/cases/"+hazard+"/documents", nil)["documents"].([]any)[0].(map[string]any)
	sv := d["services"].([]any)[0].(map[string]any)
	if at, err := time.Parse(time.RFC3339, sv["served_at"].(string)); err != nil || !at.Equal(served) {
		t.Fatalf("served at %v (%v), want %v", sv["served_at"], err, served)
	}
}
