package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// casesAPI answers as the API would for a visitor who may read some cases:
// each case's timeline records evidence at its steps; any other case is
// 404, as the API answers a case the visitor may not see.
type casesAPI map[string][]map[string]any

func (c casesAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if r.URL.Path == "/api/v1/me" {
		_, _ = w.Write([]byte(`{"id":3,"login":"zhao.jiancha","name":"赵明","posts":[{"id":1,"role":"inspector","title":"执法检查员","org":{"id":2,"kind":"department","name":"区住建局"}}]}`))
		return
	}
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/api/v1/hazards":
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"case":{"case_no":"YH-140502-2026-000003"}}`))
		return
	case r.URL.Path == "/api/v1/orgs":
		_, _ = w.Write([]byte(`{"orgs":[]}`))
		return
	case strings.HasSuffix(r.URL.Path, "/documents"):
		_, _ = w.Write([]byte(`{"documents":[]}`))
		return
	case strings.HasSuffix(r.URL.Path, "/seen"):
		w.WriteHeader(http.StatusNoContent)
		return
	}
	no := strings.TrimPrefix(r.URL.Path, "/api/v1/cases/")
	steps, ok := c[no]
	if !ok || r.Method != http.MethodGet {
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"code":"not_found","message":"no case"}`))
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{
		"case":     map[string]any{"workflow_id": "hazard/" + no, "case_no": no, "kind": "hazard", "state": "completion_reported"},
		"timeline": steps,
	})
}

// evidenceStepEntry is the audit entry of a step that recorded files.
func evidenceStepEntry(seq int, action, who string, files ...[2]string) map[string]any {
	var ev []map[string]string
	for _, f := range files {
		ev = append(ev, map[string]string{"name": f[0], "sha256": f[1], "uri": "evidence:" + f[1]})
	}
	return map[string]any{"seq": seq, "at": fmt.Sprintf("2026-12-0%dT09:30:00+08:00", seq), "action": action,
		"actor":   map[string]any{"person_id": seq, "name": who, "title": "职务" + who},
		"details": map[string]any{"summary": "…", "evidence": ev}}
}

// keepFile puts a file in the evidence folder under its hash.
func keepFile(t *testing.T, dir string, b []byte) string {
	t.Helper()
	s := sha256.Sum256(b)
	sum := hex.EncodeToString(s[:])
	if err := os.WriteFile(filepath.Join(dir, sum), b, 0o640); err != nil {
		t.Fatal(err)
	}
	return sum
}

// photo is a real JPEG of w×h pixels: the left half red, the right blue.
func photo(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{220, 20, 20, 255}
			if x >= w/2 {
				c = color.RGBA{20, 20, 220, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func getPage(h http.Handler, path string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
	return w
}

// A case's evidence is served only under that case, only if the visitor
// may read the case, only if a step of the case recorded it, and as what
// its bytes are: photos and PDFs to be shown, anything else (an SVG or an
// HTML page with script) as a download that cannot run in this site.
func TestEvidenceIsServedOnlyUnderItsCaseAndSafely(t *testing.T) {
	dir := t.TempDir()
	jpg := photo(t, 64, 48)
	pdf := []byte("%PDF-1.4\n1 0 obj << /Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >> endobj\n%%EOF\n")
	svg := []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.cookie)"><script>alert(1)</script></svg>`)
	html := []byte(`<!doctype html><html><body><script>fetch('/api/v1/me')</script></body></html>`)
	others := photo(t, 32, 32)
	jpgSum, pdfSum, svgSum, htmlSum, otherSum := keepFile(t, dir, jpg), keepFile(t, dir, pdf), keepFile(t, dir, svg), keepFile(t, dir, html), keepFile(t, dir, others)
	unstored := strings.Repeat("ab", 32) // recorded through the API, never uploaded
	// Case B's photo was uploaded to B; a step of A recorded its hash
	// through the API (whoever once read B may know it).
	if err := os.WriteFile(filepath.Join(dir, otherSum+".cases"), []byte("YH-140502-2026-000002\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	const a, b = "YH-140502-2026-000001", "YH-140502-2026-000002"
	api := casesAPI{
		a: {evidenceStepEntry(1, "report", "赵明", [2]string{"现场照片.jpg", jpgSum}),
			evidenceStepEntry(2, "report_completion", "钱宏达", [2]string{"验收报告.pdf", pdfSum}, [2]string{"示意图.svg", svgSum},
				[2]string{"说明.html", htmlSum}, [2]string{"未上传.jpg", unstored}, [2]string{"别案照片的哈希.jpg", otherSum})},
		b: {evidenceStepEntry(1, "report", "孙建军", [2]string{"别案照片.jpg", otherSum})},
	}
	s := &Server{API: api, EvidenceDir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	h := s.Handler()
	under := func(no, sum string) string { return "/cases/" + no + "/evidence/" + sum }

	// The photo of the case: shown, sandboxed, private, never sniffed.
	w := getPage(h, under(a, jpgSum))
	if w.Code != http.StatusOK || !bytes.Equal(w.Body.Bytes(), jpg) {
		t.Fatalf("the case's photo: %d, %d bytes", w.Code, w.Body.Len())
	}
	want := map[string]string{"Content-Type": "image/jpeg", "X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=3600"}
	for k, v := range want {
		if got := w.Header().Get(k); got != v {
			t.Errorf("photo %s = %q, want %q", k, got, v)
		}
	}
	if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "sandbox") || !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("photo Content-Security-Policy = %q, want a sandbox allowing nothing", csp)
	}
	if cd := w.Header().Get("Content-Disposition"); !strings.HasPrefix(cd, "inline") || !strings.Contains(cd, "filename*=utf-8''") {
		t.Errorf("photo Content-Disposition = %q, want inline with its Chinese name", cd)
	}

	// Another case's file, an unknown hash, a file recorded but never
	// uploaded, a path in place of a hash, a case the visitor may not
	// read: 404, and none of the bytes.
	for what, path := range map[string]string{
		"another case's photo":         under(a, otherSum),
		"an unknown hash":              under(a, strings.Repeat("0", 64)),
		"a file never uploaded":        under(a, unstored),
		"an upper-case hash":           under(a, strings.ToUpper(jpgSum)),
		"a path":                       under(a, "..%2f..%2fetc%2fpasswd"),
		"a case not the visitor's":     under("YH-140502-2026-000009", jpgSum),
		"another case's thumbnail":     under(a, otherSum) + "/thumb",
		"another case's photo, viewed": under(a, otherSum) + "/view",
	} {
		w := getPage(h, path)
		if w.Code != http.StatusNotFound || bytes.Contains(w.Body.Bytes(), others[:64]) || bytes.Contains(w.Body.Bytes(), jpg[:64]) {
			t.Errorf("%s: %d, want 404 without the file", what, w.Code)
		}
	}
	// The same file is served under the case that recorded it.
	if w := getPage(h, under(b, otherSum)); w.Code != http.StatusOK {
		t.Errorf("case B's own photo: %d", w.Code)
	}

	// A PDF is shown in the browser's viewer, with no script of the site's.
	w = getPage(h, under(a, pdfSum))
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/pdf" || !strings.HasPrefix(w.Header().Get("Content-Disposition"), "inline") {
		t.Errorf("PDF: %d %q %q", w.Code, w.Header().Get("Content-Type"), w.Header().Get("Content-Disposition"))
	}
	if csp := w.Header().Get("Content-Security-Policy"); !strings.HasPrefix(csp, "default-src 'none'") || strings.Contains(csp, "script-src") ||
		!strings.Contains(csp, "; sandbox;") {
		t.Errorf("PDF Content-Security-Policy = %q, want a sandbox loading nothing but itself, with no script", csp)
	}
	// Script-bearing files are downloads: never rendered, sandboxed if tried.
	for name, sum := range map[string]string{"SVG": svgSum, "HTML": htmlSum} {
		w := getPage(h, under(a, sum))
		if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/octet-stream" ||
			!strings.HasPrefix(w.Header().Get("Content-Disposition"), "attachment") ||
			!strings.Contains(w.Header().Get("Content-Security-Policy"), "sandbox") || w.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s served as %d %q %q %q, want an attachment", name, w.Code, w.Header().Get("Content-Type"),
				w.Header().Get("Content-Disposition"), w.Header().Get("Content-Security-Policy"))
		}
	}

	// The thumbnail: a small JPEG, kept beside the file; none for a PDF.
	w = getPage(h, under(a, jpgSum)+"/thumb")
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "image/jpeg" {
		t.Fatalf("thumbnail: %d %q", w.Code, w.Header().Get("Content-Type"))
	}
	if _, err := os.Stat(filepath.Join(dir, jpgSum+".thumb.jpg")); err != nil {
		t.Errorf("the thumbnail is not kept beside the file: %v", err)
	}
	if w := getPage(h, under(a, pdfSum)+"/thumb"); w.Code != http.StatusNotFound {
		t.Errorf("thumbnail of a PDF: %d, want 404", w.Code)
	}

	// The viewer names the step, who recorded the photo and when.
	w = getPage(h, under(a, jpgSum)+"/view")
	for _, want := range []string{"现场照片.jpg", "发现隐患时", "赵明", "2026年12月1日", under(a, jpgSum)} {
		if !strings.Contains(w.Body.String(), want) {
			t.Errorf("the viewer does not show %q:\n%s", want, w.Body)
		}
	}
	// The case page shows each file with its step and uploader; a thumbnail
	// for the photo, a link for the PDF, no link for what is not stored.
	w = getPage(h, "/cases/"+a)
	page := w.Body.String()
	for _, want := range []string{under(a, jpgSum) + "/thumb", under(a, jpgSum) + "/view", under(a, pdfSum) + `" target="_blank"`,
		"整改证据", "发现隐患时", "钱宏达", "未上传文件"} {
		if !strings.Contains(page, want) {
			t.Errorf("the case page does not show %q", want)
		}
	}
	for what, sum := range map[string]string{"a file never uploaded": unstored, "another case's file": otherSum} {
		if strings.Contains(page, under(a, sum)) {
			t.Errorf("the case page links %s", what)
		}
	}
}

// exifJPEG is a JPEG with an EXIF segment saying how to turn it.
func exifJPEG(t *testing.T, jpg []byte, orientation uint16) []byte {
	t.Helper()
	var tiff bytes.Buffer
	tiff.WriteString("MM\x00\x2a")
	_ = binary.Write(&tiff, binary.BigEndian, uint32(8)) // IFD0 at 8
	_ = binary.Write(&tiff, binary.BigEndian, uint16(1)) // one entry
	_ = binary.Write(&tiff, binary.BigEndian, []uint16{0x0112, 3})
	_ = binary.Write(&tiff, binary.BigEndian, uint32(1))
	_ = binary.Write(&tiff, binary.BigEndian, []uint16{orientation, 0})
	_ = binary.Write(&tiff, binary.BigEndian, uint32(0)) // no next IFD
	seg := append([]byte("Exif\x00\x00"), tiff.Bytes()...)
	out := []byte{0xff, 0xd8, 0xff, 0xe1}
	out = binary.BigEndian.AppendUint16(out, uint16(len(seg)+2))
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

// Thumbnails are small JPEGs of real photos, upright as the phone said,
// transparent parts white; no thumbnail is made of what is not a photo or
// claims more pixels than the server will decode.
func TestThumbnails(t *testing.T) {
	decode := func(b []byte) image.Image {
		t.Helper()
		img, format, err := image.Decode(bytes.NewReader(b))
		if err != nil || format != "jpeg" {
			t.Fatalf("thumbnail is %s: %v", format, err)
		}
		return img
	}
	near := func(c color.Color, r, g, b uint8) bool {
		cr, cg, cb, _ := c.RGBA()
		d := func(x uint32, y uint8) bool { return int(x>>8)-int(y) < 40 && int(y)-int(x>>8) < 40 }
		return d(cr, r) && d(cg, g) && d(cb, b)
	}

	// A large photo shrinks to 320 on its long side; left stays red.
	b, err := makeThumbnail(bytes.NewReader(photo(t, 1200, 900)), thumbSize)
	if err != nil {
		t.Fatal(err)
	}
	img := decode(b)
	if img.Bounds().Dx() != 320 || img.Bounds().Dy() != 240 {
		t.Fatalf("thumbnail of 1200×900 is %v", img.Bounds())
	}
	if !near(img.At(10, 120), 220, 20, 20) || !near(img.At(310, 120), 20, 20, 220) {
		t.Errorf("thumbnail colours: left %v right %v", img.At(10, 120), img.At(310, 120))
	}

	// A phone's portrait photo stored sideways (orientation 6: turn 90°
	// clockwise): 400×200 as stored, 160×320 upright, the stored left
	// (red) on top.
	b, err = makeThumbnail(bytes.NewReader(exifJPEG(t, photo(t, 400, 200), 6)), thumbSize)
	if err != nil {
		t.Fatal(err)
	}
	img = decode(b)
	if img.Bounds().Dx() != 160 || img.Bounds().Dy() != 320 {
		t.Fatalf("an orientation-6 photo's thumbnail is %v, want 160×320", img.Bounds())
	}
	if !near(img.At(80, 10), 220, 20, 20) || !near(img.At(80, 310), 20, 20, 220) {
		t.Errorf("orientation 6: top %v bottom %v, want red on top", img.At(80, 10), img.At(80, 310))
	}

	// A transparent PNG becomes white, not black.
	var pngBuf bytes.Buffer
	if err := png.Encode(&pngBuf, image.NewNRGBA(image.Rect(0, 0, 50, 50))); err != nil {
		t.Fatal(err)
	}
	b, err = makeThumbnail(bytes.NewReader(pngBuf.Bytes()), thumbSize)
	if err != nil {
		t.Fatal(err)
	}
	if c := decode(b).At(25, 25); !near(c, 255, 255, 255) {
		t.Errorf("a transparent PNG's thumbnail is %v, want white", c)
	}

	// Not a photo; a PNG header claiming 30000×30000 pixels.
	huge := bytes.Clone(pngBuf.Bytes())
	binary.BigEndian.PutUint32(huge[16:], 30000)
	binary.BigEndian.PutUint32(huge[20:], 30000)
	for what, in := range map[string][]byte{"a PDF": []byte("%PDF-1.4\n"), "a huge PNG": huge} {
		if _, err := makeThumbnail(bytes.NewReader(in), thumbSize); !errors.Is(err, errNoThumbnail) {
			t.Errorf("%s: %v, want no thumbnail", what, err)
		}
	}
	for o := range uint16(9) {
		want := max(int(o), 1)
		if got := exifOrientation(bytes.NewReader(exifJPEG(t, photo(t, 8, 8), o))); got != want {
			t.Errorf("orientation %d read as %d", o, got)
		}
	}
}

// postReport posts the desk's hazard report form with one photo.
func postReport(h http.Handler, file []byte) *httptest.ResponseRecorder {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range map[string]string{"form": "hazard:open", "enterprise_id": "7", "grade": "general", "location": "3号楼", "description": "连墙件缺失"} {
		_ = mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("evidence", "现场照片.jpg")
	_, _ = fw.Write(file)
	_ = mw.Close()
	r := httptest.NewRequest(http.MethodPost, "/desk/hazards", &body)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// A photo taken at discovery is kept with the hazard report, listed as
// uploaded to the case the report opened; an enterprise's report form is
// refused before its files are read.
func TestAPhotoAtDiscoveryIsKeptForItsCase(t *testing.T) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	jpg := photo(t, 40, 30)
	enterpriseDir := t.TempDir()
	h := (&Server{API: &fakeAPI{}, EvidenceDir: enterpriseDir, Logger: logger}).Handler()
	if w := postReport(h, jpg); w.Code != http.StatusForbidden || len(folder(t, enterpriseDir)) != 0 {
		t.Fatalf("an enterprise's report: %d, folder %v", w.Code, folder(t, enterpriseDir))
	}

	dir := t.TempDir()
	h = (&Server{API: casesAPI{}, EvidenceDir: dir, Logger: logger}).Handler()
	w := postReport(h, jpg)
	if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/cases/YH-140502-2026-000003") {
		t.Fatalf("the inspector's report: %d %s", w.Code, w.Header().Get("Location"))
	}
	sum := sha256.Sum256(jpg)
	name := hex.EncodeToString(sum[:])
	if b, err := os.ReadFile(filepath.Join(dir, name+".cases")); err != nil || string(b) != "YH-140502-2026-000003\n" {
		t.Fatalf("the photo at discovery: cases %q %v, folder %v", b, err, folder(t, dir))
	}
}
