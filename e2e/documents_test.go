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
