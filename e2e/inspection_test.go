package e2e

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/duty-project/duty/internal/pgtest"
	"github.com/duty-project/duty/rules"
)

// TestAnInspectionWithAChecklistOnAPhone inspects 宏达建筑 through the
// pages on a 390-px phone: the district's inspector opens the inspection
// from the desk with a colleague as second officer, the construction
// checklist comes with their 执法证号, each item is checked on its own
// card (临边防护 failed, with a photo), the record cannot be signed while
// the failed item has no decision, the failed item is ordered put right
// by a deadline and becomes a hazard case linked both ways, both officers
// sign and the 主要负责人's refusal is noted, which reaches the
// department's head. The checklist and the closed inspection are kept as
// screenshots, with no JSON and nothing wider than the phone.
func TestAnInspectionWithAChecklistOnAPhone(t *testing.T) {
	chrome := chromium(t)
	duty := start(t, dataDir(t), pgtest.NewDatabase(t))
	shots := artefacts(t)
	company := duty.login("qian.zong")

	zhao := browse(t, chrome, duty.base, "zhao.jiancha")
	zhao.resize(390)
	zhao.open("/desk")
	value(zhao, chromedp.Evaluate[bool](`document.querySelector('#inspect').open = true`))
	zhao.fitsWidth(390)
	zhao.shot(shots, "inspection-desk-390.png")
	zhao.fill("inspection:open", map[string]string{"enterprise_id": itoa(company.orgID), "second_officer_login": "sun.jiancha", "place": "凤台街工地3号楼"})
	no := strings.TrimPrefix(zhao.path(), "/cases/")
	if !strings.HasPrefix(no, "JC-") {
		t.Fatalf("after opening an inspection the browser is at %s", zhao.path())
	}
	zhao.sees("section.inspection", "建筑施工安全检查表")
	zhao.open("/desk")
	zhao.sees("#mine", no)
	zhao.sees("#mine", "逐项记录检查结果")
	zhao.open("/cases/" + no)
	zhao.sees("section.inspection", "赵明（执法证号 14050220180031）、孙丽（执法证号 14050220200026）")
	zhao.sees("#item-1", "房屋市政工程生产安全重大事故隐患判定标准")
	zhao.noJSON()
	zhao.fitsWidth(390)
	zhao.shot(shots, "inspection-checklist-390.png")

	// Item 8 fails, with a photo taken on site; 3 is not applicable; the
	// rest pass — one card at a time.
	photo := filepath.Join(t.TempDir(), "临边.png")
	writePNG(t, photo)
	zhao.upload("record-8", "photos", photo)
	zhao.fill("record-8", map[string]string{"result": "failed", "note": "5层东侧临边无防护"})
	zhao.sees("#item-8", "不符合：5层东侧临边无防护")
	zhao.sees("#item-8", "临边.png")
	zhao.fill("record-3", map[string]string{"result": "not_applicable", "note": "本工程无深基坑"})
	sun := browse(t, chrome, duty.base, "sun.jiancha")
	sun.resize(390)
	for i := 1; i <= 10; i++ {
		if i == 3 || i == 8 {
			continue
		}
		v := zhao
		if i%2 == 0 {
			v = sun // the second officer checks too, on their own phone
		}
		v.open("/cases/" + no)
		v.fill("record-"+strconv.Itoa(i), map[string]string{"result": "passed"})
	}
	zhao.open("/cases/" + no)
	zhao.sees("section.inspection", "已检查10项，不符合1项")
	zhao.shot(shots, "inspection-checked-390.png")

	// The record cannot be signed while item 8 has no decision: the page
	// does not offer it, and the API refuses it, saying why, with nothing
	// changed.
	if n := value(zhao, chromedp.Evaluate[int](`document.querySelectorAll('form[data-form="inspection:sign_record"]').length`)); n != 0 {
		t.Error("the record is offered for signing with a failed item undecided")
	}
	officer := duty.login("zhao.jiancha")
	before := officer.must(200, "GET", "/api/v1/cases/"+no, nil)
	refused := officer.must(409, "POST", "/api/v1/inspections/"+no+"/signatures", map[string]any{"signer": "officer"})
	if msg, _ := refused["message"].(string); !strings.Contains(msg, "尚有不符合项未作出处理决定（第 8 项）") {
		t.Errorf("the refusal says %q", msg)
	}
	if after := officer.must(200, "GET", "/api/v1/cases/"+no, nil); seq(after) != seq(before) {
		t.Errorf("a refused signature moved the case from step %v to %v", seq(before), seq(after))
	}

	// Ordered put right by a deadline: a hazard case opens with the order,
	// linked to the inspection.
	due := time.Now().Add(10 * 24 * time.Hour).In(rules.China).Format(time.DateOnly)
	zhao.fill("decide-8", map[string]string{"decision": "order", "measures": "设置临边防护栏杆、挂设安全网", "deadline": due})
	var hz string
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end) && hz == ""; time.Sleep(300 * time.Millisecond) {
		zhao.open("/cases/" + no)
		hz = value(zhao, chromedp.Evaluate[string](`document.querySelector('#item-8 .decision a')?.textContent || ""`))
	}
	if !strings.HasPrefix(hz, "YH-") {
		t.Fatal("the failed item has no hazard case link")
	}
	zhao.sees("#item-8 .decision", "责令限期整改")
	zhao.open("/cases/" + hz)
	zhao.sees(".summary", "整改中（已责令）")
	zhao.sees("section.content", no)
	zhao.sees("section.content", "临边、洞口防护设施设置到位")
	zhao.sees("section.content", "设置临边防护栏杆、挂设安全网")

	// Both officers sign; the 主要负责人 refuses, which is noted.
	sun.open("/cases/" + no)
	sun.fill("inspection:sign_record", map[string]string{"signer": "officer"})
	zhao.open("/cases/" + no)
	zhao.fill("inspection:sign_record", map[string]string{"signer": "officer"})
	zhao.fill("inspection:refuse_to_sign", map[string]string{"name": "钱宏达", "reason": "对检查结果有异议，拒绝签字"})
	zhao.sees(".summary", "已结束")
	zhao.sees("ul.signatures", "钱宏达 拒绝签字")
	zhao.sees("ul.signatures", "孙丽（执法证号 14050220200026）已签字")
	zhao.noJSON()
	zhao.fitsWidth(390)
	zhao.shot(shots, "inspection-closed-390.png")
	zhao.resize(1280)
	zhao.shot(shots, "inspection-closed-1280.png")

	// The printable 现场检查记录, numbered like every document, with both
	// officers' 执法证号 and the refusal noted.
	zhao.sees("#documents", "现场检查记录")
	zhao.open("/cases/" + no + "/documents/inspection-record?format=html")
	zhao.sees("h1", "现场检查记录")
	zhao.sees(".number", "城住建检记〔")
	zhao.sees("main", "赵明（执法证号 14050220180031）、孙丽（执法证号 14050220200026）")
	zhao.sees("main", "钱宏达 拒绝签字")
	zhao.sees("main", hz)
	zhao.shot(shots, "inspection-record.png")

	// The refusal reaches the department's head (安全生产法 Art.68).
	head := duty.login("wang.juzhang")
	found := false
	for _, n := range head.settledNotifications(no, 1) {
		found = found || n["action"] == "refuse_to_sign"
	}
	if !found {
		t.Error("the department's head was not told of the refusal to sign")
	}
	// The closed inspection's live history replays against the code (it
	// is saved with the release that ships inspections).
	saveHistory(t, duty, "inspection/"+no, "")
	t.Logf("screenshots in %s", shots)
}

// writePNG writes a small photo.
func writePNG(t *testing.T, path string) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for x := range 8 {
		img.Set(x, x, color.RGBA{R: 200, A: 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
