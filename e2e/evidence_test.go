package e2e

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
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

// TestEvidenceYouCanSee takes photos through the pages as a phone would
// send them: the inspector's at discovery (the hazard report form) and at
// the re-inspection, the enterprise's with its completion. The case page
// shows each as a thumbnail with the step, who took it and when; a click
// opens the viewer, which steps to the next photo; at a desktop's width
// and a phone's (390 px), accessible. An enterprise with no part in the
// case gets 404 for the photo and its thumbnail, a visitor not logged in
// the login page. Screenshots are kept in $DUTY_ARTEFACTS.
func TestEvidenceYouCanSee(t *testing.T) {
	chrome := chromium(t)
	axe := axeSource(t)
	duty := start(t, dataDir(t), pgtest.NewDatabase(t))
	shots := artefacts(t)
	company := duty.login("qian.zong")
	found := writePhoto(t, "现场照片.jpg", 1600, 1200, color.RGBA{200, 60, 40, 255})
	fixed := writePhoto(t, "整改后.jpg", 1200, 1600, color.RGBA{40, 160, 60, 255})
	checked := writePhoto(t, "复查照片.jpg", 1600, 1200, color.RGBA{40, 80, 200, 255})

	inspector := browse(t, chrome, duty.base, "zhao.jiancha")
	inspector.open("/desk")
	// The report form offers files (photos and PDFs) and, separately, the camera.
	form := `form[data-form="hazard:open"]`
	if got := value(inspector, chromedp.Evaluate[string](`[...document.querySelectorAll('`+form+` input[type=file]')].map(i => i.accept + '|' + (i.getAttribute('capture') || '') + '|' + i.multiple + '|' + (i.labels[0]?.textContent || '')).join(';')`)); got != "image/*,application/pdf||true|选择照片或PDF文件;image/*|environment|false|拍照" {
		t.Fatalf("the report form's file inputs: %s", got)
	}
	value(inspector, chromedp.Evaluate[bool](`(() => { document.querySelector('`+form+`').closest('details').open = true; return true })()`))
	inspector.resize(390)
	inspector.fitsWidth(390)
	inspector.run(chromedp.ScrollIntoView(css(form + ` input[capture]`)))
	inspector.shot(shots, "desk-report-photo-390.png")
	inspector.resize(1280)
	inspector.upload("hazard:open", "evidence", found)
	inspector.fill("hazard:open", map[string]string{"enterprise_id": itoa(company.orgID), "grade": "general",
		"location": "凤台街工地3号楼", "description": "脚手架连墙件缺失"})
	no := strings.TrimPrefix(inspector.path(), "/cases/")
	if !strings.HasPrefix(no, "YH-") {
		t.Fatalf("after reporting the hazard the browser is at %s", inspector.path())
	}
	inspector.sees("ul.evidence", "现场照片.jpg")
	inspector.sees("ul.evidence", "发现隐患时")
	inspector.sees("ul.evidence", "赵明")
	inspector.sees("ul.evidence", time.Now().In(rules.China).Format("2006年1月2日"))
	inspector.thumbnailLoaded(`ul.evidence li:nth-child(1) img`, 320)

	inspector.fill("hazard:order", map[string]string{"measures": "补设连墙件", "deadline": time.Now().AddDate(0, 0, 10).Format(time.DateOnly)})
	enterprise := browse(t, chrome, duty.base, "qian.zong")
	enterprise.open("/cases/" + no)
	report := filepath.Join(t.TempDir(), "验收报告.pdf")
	if err := os.WriteFile(report, []byte(onePagePDF), 0o644); err != nil {
		t.Fatal(err)
	}
	enterprise.run(chromedp.SetUploadFiles(css(`form[data-form="hazard:report_completion"] input[name="evidence"]:not([capture])`), []string{fixed, report}))
	enterprise.fill("hazard:report_completion", map[string]string{"summary": "已补设全部连墙件"})
	inspector.open("/cases/" + no)
	if got := value(inspector, chromedp.Evaluate[int](`document.querySelectorAll('form[data-form="hazard:reinspect"] input[type=file][capture=environment]').length`)); got != 1 {
		t.Fatalf("the re-inspection form offers %d camera inputs, want 1", got)
	}
	inspector.upload("hazard:reinspect", "evidence", checked)
	inspector.fill("hazard:reinspect", map[string]string{"passed": "true", "findings": "符合要求，予以销号"})
	inspector.sees(".summary", "已销号")

	for _, width := range []int64{1280, 390} {
		w := strconv.FormatInt(width, 10)
		inspector.resize(width)
		inspector.open("/cases/" + no)
		for i, want := range []string{"发现隐患时", "整改证据", "整改证据", "复查时"} {
			inspector.sees(`ul.evidence li:nth-child(`+strconv.Itoa(i+1)+`)`, want)
		}
		inspector.sees(`ul.evidence li:nth-child(2)`, "钱宏达")
		inspector.thumbnailLoaded(`ul.evidence li:nth-child(2) img`, 240) // portrait: 240×320
		inspector.thumbnailLoaded(`ul.evidence li:nth-child(4) img`, 320)
		inspector.sees(`ul.evidence li:nth-child(3) a.thumb[target="_blank"]`, "PDF")
		if width == 390 {
			inspector.fitsWidth(390)
		}
		inspector.shot(shots, "case-evidence-"+w+".png")
		inspector.accessible(axe, "case with evidence at "+w)

		// A click on the first photo opens the viewer, which goes on to the next.
		inspector.submit(`ul.evidence li:nth-child(1) a.thumb`)
		if !strings.HasSuffix(inspector.path(), "/view") {
			t.Fatalf("a click on the thumbnail leads to %s", inspector.path())
		}
		inspector.sees("figure.viewer", "发现隐患时")
		inspector.sees("figure.viewer", "赵明")
		inspector.sees("main", "第 1 / 3 张")
		inspector.thumbnailLoaded(`figure.viewer img`, 1600)
		inspector.accessible(axe, "viewer at "+w)
		if width == 390 {
			inspector.fitsWidth(390)
			if img := value(inspector, chromedp.Evaluate[float64](`document.querySelector('figure.viewer img').getBoundingClientRect().width`)); img > 390 || img < 300 {
				t.Errorf("the photo is %.0f px wide on a 390-px phone", img)
			}
		}
		inspector.shot(shots, "evidence-viewer-"+w+".png")
		inspector.submit(`nav.pager a[rel="next"]`)
		inspector.sees("figure.viewer", "整改证据")
		inspector.sees("figure.viewer", "钱宏达")
		inspector.submit(`nav.pager a[rel="next"]`)
		inspector.sees("figure.viewer", "复查时")
		if n := value(inspector, chromedp.Evaluate[int](`document.querySelectorAll('nav.pager a[rel="next"]').length`)); n != 0 {
			t.Errorf("the last photo offers a next one")
		}
		if width == 390 {
			inspector.shot(shots, "evidence-viewer-reinspection-390.png")
		}
	}

	// A PDF opens in the browser's own viewer (sandboxed: see web/evidenceview.go).
	inspector.resize(1280)
	inspector.open("/cases/" + no)
	pdfURL := value(inspector, chromedp.Evaluate[string](`document.querySelector('ul.evidence li:nth-child(3) a.thumb').getAttribute('href')`))
	inspector.run(chromedp.Navigate(duty.base+pdfURL), chromedp.Sleep(3*time.Second))
	if got := value(inspector, chromedp.Evaluate[string](`document.contentType`)); got != "application/pdf" {
		t.Errorf("the PDF opens as %q", got)
	}
	inspector.shot(shots, "evidence-pdf.png")

	// Whoever may not read the case gets nothing of its photos.
	inspector.open("/cases/" + no)
	photoURL := strings.TrimSuffix(value(inspector, chromedp.Evaluate[string](`document.querySelector('ul.evidence li:nth-child(1) a.thumb').getAttribute('href')`)), "/view")
	other := browse(t, chrome, duty.base, "zhou.zong")
	for _, path := range []string{photoURL, photoURL + "/thumb", photoURL + "/view"} {
		other.open(path)
		other.sees("h1", "未找到")
	}
	other.shot(shots, "evidence-refused.png")
	anon := anonymous(t, chrome, duty.base)
	anon.open(photoURL)
	if anon.path() != "/login" {
		t.Errorf("a visitor not logged in is at %s, want the login page", anon.path())
	}
	// The enterprise, a party to the case, sees the photo itself.
	enterprise.run(chromedp.Navigate(duty.base + photoURL))
	enterprise.thumbnailLoaded(`img`, 1600)
	t.Logf("screenshots in %s", shots)
}

// onePagePDF is a PDF of one page saying so.
const onePagePDF = "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n" +
	"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 144]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>endobj\n" +
	"4 0 obj<</Length 44>>stream\nBT /F1 24 Tf 20 60 Td (Hello PDF) Tj ET\nendstream\nendobj\n" +
	"5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

// thumbnailLoaded waits for an image to load and checks its width in
// pixels (a thumbnail's 320, or the photo's own).
func (v *visitor) thumbnailLoaded(sel string, width int) {
	v.t.Helper()
	var got int
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		got = value(v, chromedp.Evaluate[int](`(() => { const i = document.querySelector('`+sel+`'); return i && i.complete ? i.naturalWidth : -1 })()`))
		if got > 0 {
			break
		}
	}
	if got != width {
		v.t.Fatalf("%s at %s is %d px wide, want %d", sel, v.path(), got, width)
	}
}

// writePhoto writes a real JPEG photo of one colour with a lighter band,
// as a camera would send one.
func writePhoto(t *testing.T, name string, w, h int, c color.RGBA) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			px := c
			if y > h/3 && y < h/2 {
				px = color.RGBA{240, 240, 240, 255}
			}
			img.SetRGBA(x, y, px)
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
