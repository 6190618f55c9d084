package documents

import (
	"bytes"
	"encoding/json"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/workflows/casekit"
	"github.com/duty-project/duty/workflows/escalation"
	"github.com/duty-project/duty/workflows/talk"
)

// renderWith renders a document as render does, with the officers'
// 执法证号 on record.
func renderWith(t *testing.T, view json.RawMessage, id string, certs map[int64]string) string {
	t.Helper()
	docs, err := List(view)
	if err != nil {
		t.Fatal(err)
	}
	related := map[string]string{}
	for i, d := range docs {
		related[d.ID] = Number(issuer.Code, d.Code, d.Year(), i+1)
	}
	for _, d := range docs {
		if d.ID == id {
			var buf bytes.Buffer
			if err := Render(&buf, Input{Doc: d, Number: related[id], View: view, Issuer: issuer, Related: related, Certificates: certs}); err != nil {
				t.Fatal(err)
			}
			return buf.String()
		}
	}
	t.Fatalf("no document %s", id)
	return ""
}

// A measure list typed with its own numbers prints them as typed, never
// numbered again ("1. 1."); one typed without prints numbered.
func TestMeasuresPrintNumberedAsTyped(t *testing.T) {
	for _, c := range []struct {
		typed    string
		numbered bool
		want     []string
	}{
		{"1. 补设连墙件\n2. 3号楼停止作业", true, []string{`<p class="item">1. 补设连墙件</p><p class="item">2. 3号楼停止作业</p>`}},
		{"1、补设连墙件\n2、加设剪刀撑", true, []string{`<p class="item">1、补设连墙件</p>`}},
		{"（一）补设连墙件\n（二）加设剪刀撑", true, []string{`<p class="item">（一）补设连墙件</p>`}},
		{"①补设连墙件\n②加设剪刀撑", true, []string{`<p class="item">①补设连墙件</p>`}},
		{"一、补设连墙件\n二、加设剪刀撑", true, []string{`<p class="item">一、补设连墙件</p>`}},
		{"补设连墙件\n3号楼停止作业", false, []string{`<ol class="items"><li>补设连墙件</li><li>3号楼停止作业</li></ol>`}},
		{"1.5米高处作业平台加设护栏", false, []string{`<li>1.5米高处作业平台加设护栏</li>`}},
	} {
		if got := Items(c.typed); got.Numbered != c.numbered {
			t.Errorf("%q read as numbered=%v", c.typed, got.Numbered)
		}
		v := hazardView()
		v.Orders[0].Measures = c.typed
		page := renderWith(t, raw(t, v), "order-1", nil)
		contains(t, "the order with "+c.typed, page, c.want...)
		if c.numbered && strings.Contains(page, `<ol class="items">`) {
			t.Errorf("%q is numbered twice", c.typed)
		}
	}
}

// Every officer the step names signs with their 执法证号 ("未登记" when
// none is on record); a step that names one officer leaves a second line
// to sign by hand, as two officers must act (行政处罚法 Art.42).
func TestOfficersSignWithTheirCertificates(t *testing.T) {
	certs := map[int64]string{inspector.PersonID: "14050220180031", head.PersonID: "14050220150007"}
	page := renderWith(t, raw(t, penaltyView(t, false)), "penalty-decision", certs)
	contains(t, "the decision", page, `赵明<span class="title">（区住建局执法检查员）</span></span><span class="cert">执法证号：14050220180031`,
		`孙丽<span class="title">（区住建局执法检查员）</span></span><span class="cert">执法证号：未登记`)
	if n := strings.Count(page, `<p class="officer">`); n != 2 {
		t.Errorf("the decision has %d officers' lines", n)
	}

	page = renderWith(t, raw(t, hazardView()), "order-1", certs)
	contains(t, "the order", page, `赵明<span class="title">（区住建局执法检查员）</span></span><span class="cert">执法证号：14050220180031`,
		`<span class="name">__________</span><span class="cert">执法证号：__________</span>`)
	if n := strings.Count(page, `<p class="officer">`); n != 2 {
		t.Errorf("the order has %d officers' lines", n)
	}
	ids, err := Officers(Input{Doc: Document{ID: "penalty-decision", Kind: PenaltyDecision}, View: raw(t, penaltyView(t, false))})
	if err != nil || len(ids) != 2 || ids[0].PersonID != inspector.PersonID || ids[1].PersonID != inspector2.PersonID {
		t.Fatalf("officers %v, %v", ids, err)
	}
}

// The receipt line asks for the time of service, not the day only.
func TestReceiptAsksForTheTimeOfService(t *testing.T) {
	page := renderWith(t, raw(t, hazardView()), "order-1", nil)
	contains(t, "the order", page, "签收时间：　　年　　月　　日　　时　　分")
}

// everyDocument is one document of each kind and variant, by file name.
func everyDocument(t *testing.T) map[string]string {
	t.Helper()
	hz := raw(t, hazardView())
	pv := raw(t, penaltyView(t, false))
	// 孙丽's number is not on record.
	certs := map[int64]string{inspector.PersonID: "14050220180031", head.PersonID: "14050220150007"}
	out := map[string]string{
		"hazard-order":          renderWith(t, hz, "order-1", certs),
		"reinspection-failed":   renderWith(t, hz, "reinspection-1", certs),
		"reinspection-passed":   renderWith(t, hz, "reinspection-2", certs),
		"penalty-notice":        renderWith(t, pv, "penalty-notice", certs),
		"penalty-decision":      renderWith(t, pv, "penalty-decision", certs),
		"penalty-decision-spot": renderWith(t, raw(t, penaltyView(t, true)), "penalty-decision", certs),
	}
	tv := talk.View{Summary: summary(cases.KindTalk, "YT-140502-2026-000003", "scheduled"),
		Notice: talk.Input{CaseRef: casekit.CaseRef{ParentCaseNo: "YH-140502-2026-000012", Enterprise: hongda},
			ActingOrg: bureau, ScheduledAt: at(12, 4, 9), Place: "区住建局三楼会议室", Subject: "隐患逾期未整改", ConvenedBy: inspector,
			Persons: []talk.Person{{Name: "钱宏达", Role: "主要负责人"}}}}
	out["talk-notice"] = renderWith(t, raw(t, tv), "talk-notice", certs)
	for _, r := range []escalation.Reason{escalation.ReasonAuthorityLimit, escalation.ReasonTransfer, escalation.ReasonClosure, escalation.ReasonClosureUnsafeAfterStop,
		escalation.ReasonClosureRefusedStop, escalation.ReasonLicenceSuspension, escalation.ReasonListedSupervision,
		escalation.ReasonCrime} {
		ev := escalation.View{Summary: summary(cases.KindEscalation, "TQ-140502-2026-000002", "submitted"),
			Request: escalation.Input{CaseRef: casekit.CaseRef{ParentCaseNo: "CF-140502-2026-000004", Enterprise: hongda},
				From: bureau, To: cases.Org{ID: 2, Name: "晋城市住房和城乡建设局"}, Reason: r, Summary: "拟处罚款超出县级权限。",
				AmountYuan: 800000, RequestedBy: head, AckDue: at(12, 4, 0)}}
		out["escalation-"+string(r)] = renderWith(t, raw(t, ev), "escalation-letter", certs)
	}
	return out
}

var (
	styleBlock = regexp.MustCompile(`(?s)<style>.*?</style>|<title>.*?</title>`)
	tag        = regexp.MustCompile(`<[^>]*>`)
	caseNumber = regexp.MustCompile(`\b[A-Z]{2}-\d{6}-\d{4}-\d{6}\b`)
	latin      = regexp.MustCompile(`[A-Za-z]{2,}`)
)

// Official documents are in Chinese only: no English word in their text
// (case numbers and the paper size aside).
func TestDocumentsAreInChineseOnly(t *testing.T) {
	for name, page := range everyDocument(t) {
		text := html.UnescapeString(tag.ReplaceAllString(styleBlock.ReplaceAllString(page, ""), " "))
		text = caseNumber.ReplaceAllString(text, "")
		if w := latin.FindAllString(text, -1); len(w) > 0 {
			t.Errorf("%s has English %q:\n%s", name, w, strings.Join(strings.Fields(text), " "))
		}
	}
}

// Printed to PDF, every document ends on a page with its seal and
// signatures and some of its text: no page carries only the footer, nor
// only the seal. Long facts push a
// decision over a page at every length in turn. The PDFs are kept in
// $DUTY_DOCUMENTS_OUT when set.
func TestDocumentsPrintWithoutAFooterOnlyPage(t *testing.T) {
	if FindChromium() == "" {
		t.Skip("no Chromium (scripts/ensure-chromium installs it)")
	}
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("no pdftotext (poppler-utils; scripts/ensure-chromium installs it)")
	}
	docs := everyDocument(t)
	for n := 0; n <= 8; n += 2 {
		v := penaltyView(t, false)
		v.Case.Facts += strings.Repeat("\n经查，你单位凤台街工地3号楼脚手架连墙件缺失，外架未设剪刀撑，经责令限期整改逾期未整改，存在重大事故隐患。", 2*n)
		docs["penalty-decision-long-"+string(rune('0'+n))] = renderWith(t, raw(t, v), "penalty-decision", nil)
	}
	dir := os.Getenv("DUTY_DOCUMENTS_OUT")
	if dir == "" {
		dir = t.TempDir()
	}
	for name := range docs { // the letters differ in a line of text only
		if strings.HasPrefix(name, "escalation-") && name != "escalation-authority_limit" && name != "escalation-transfer" {
			delete(docs, name)
		}
	}
	printer := NewPrinter() // two at a time
	var wg sync.WaitGroup
	for name, page := range docs {
		wg.Go(func() {
			pdf, err := printer.PDF(t.Context(), []byte(page))
			if err != nil {
				t.Error(err)
				return
			}
			file := filepath.Join(dir, name+".pdf")
			if err := os.WriteFile(file, pdf, 0o644); err != nil {
				t.Error(err)
				return
			}
			out, err := exec.Command("pdftotext", "-layout", file, "-").Output()
			if err != nil {
				t.Error(err)
				return
			}
			pages := strings.Split(strings.TrimRight(string(out), "\f\n "), "\f")
			last := pages[len(pages)-1]
			if !strings.Contains(last, "（印章）") || !strings.Contains(last, "签收") || !strings.Contains(last, "本文书一式两份") {
				t.Errorf("%s: the last of %d pages lacks the seal, the signatures or the footer:\n%s", name, len(pages), last)
			}
			if !strings.Contains(last, "《") { // GB/T 9704: the seal never stands on a page without text
				t.Errorf("%s: the seal's page (%d of %d) has no text of the document's own:\n%s", name, len(pages), len(pages), last)
			}
			for i, p := range pages {
				if len(strings.Fields(p)) < 3 {
					t.Errorf("%s: page %d of %d is (nearly) empty:\n%s", name, i+1, len(pages), p)
				}
			}
		})
	}
	wg.Wait()
}
