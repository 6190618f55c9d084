package e2e

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/duty-project/duty/internal/pgtest"
)

// runDuty runs the binary with args and returns its output and exit status.
func runDuty(t *testing.T, args ...string) (string, int) {
	t.Helper()
	out, err := exec.Command(binary(t), args...).CombinedOutput()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return string(out), exit.ExitCode()
	}
	if err != nil {
		t.Fatalf("duty %v: %v\n%s", args, err, out)
	}
	return string(out), 0
}

// TestACaseFileOfAPaidPenaltyVerifiesOffline drives a penalty to payment
// (closed), exports its case file (案卷) through the API and through
// `duty archive`, and checks both with `duty audit verify --bundle`,
// which needs no database: green as made, red naming the file with one
// byte changed. An open case is refused, and only the department's head
// may export.
func TestACaseFileOfAPaidPenaltyVerifiesOffline(t *testing.T) {
	db := pgtest.NewDatabase(t)
	dir := dataDir(t)
	duty := start(t, dir, db)
	inspector := duty.login("zhao.jiancha")
	head := duty.login("wang.juzhang")
	company := duty.login("qian.zong")
	other := duty.login("zhou.zong")

	opened := inspector.must(201, "POST", "/api/v1/hazards", map[string]any{"grade": "major", "enterprise_id": company.orgID,
		"location": "凤台街工地3号楼", "description": "脚手架连墙件缺失"})
	hazard := caseOf(opened)["case_no"].(string)
	p := inspector.must(201, "POST", "/api/v1/cases/"+hazard+"/penalties", map[string]any{
		"party":    map[string]any{"kind": "unit", "name": "晋城市宏达建筑工程有限公司"},
		"proposed": map[string]any{"kind": "fine", "amount_yuan": 50000}, "facts": "重大事故隐患逾期未整改",
		"grounds": "安全生产法第一百零二条", "co_officer_login": "sun.jiancha"})
	no := caseOf(p)["case_no"].(string)
	path := "/api/v1/penalties/" + no + "/"
	inspector.must(200, "POST", path+"notify", map[string]any{"note": "依法告知"})
	company.must(200, "POST", path+"waiver", map[string]any{"statement": "本单位放弃陈述、申辩和听证权利"})
	head.must(409, "GET", "/api/v1/cases/"+no+"/archive", nil) // not closed yet
	head.must(200, "POST", path+"decision", map[string]any{"penalty": map[string]any{"kind": "fine", "amount_yuan": 50000},
		"reasons": "事实清楚，证据确凿", "document_no": "城住建罚〔2026〕7号"})
	inspector.must(200, "POST", path+"service", map[string]any{"method": "direct", "received_by": "钱宏达"})
	paid := company.must(200, "POST", path+"payment", map[string]any{"amount_fen": 5000000, "receipt": "非税收入缴款书 0001"})
	if state(paid) != "paid" || caseOf(paid)["closed_at"] == nil {
		t.Fatalf("after payment: %s", state(paid))
	}
	steps := len(actions(paid))

	// Who may: the department's head; not its inspector, not the
	// enterprise, and another enterprise does not see the case at all.
	refused := head.must(409, "GET", "/api/v1/cases/"+hazard+"/archive", nil)
	if msg := refused["message"].(string); !strings.Contains(msg, "尚未结案") || !strings.Contains(msg, hazard) {
		t.Fatalf("an open case: %v", refused)
	}
	inspector.must(403, "GET", "/api/v1/cases/"+no+"/archive", nil)
	company.must(403, "GET", "/api/v1/cases/"+no+"/archive", nil)
	other.must(404, "GET", "/api/v1/cases/"+no+"/archive", nil)

	status, hdr, body := head.fetch("/api/v1/cases/" + no + "/archive")
	if status != 200 || hdr.Get("Content-Type") != "application/zip" || !strings.Contains(hdr.Get("Content-Disposition"), "attachment") {
		t.Fatalf("the case file: %d %v", status, hdr)
	}
	work := t.TempDir()
	fromAPI := filepath.Join(work, "api.zip")
	if err := os.WriteFile(fromAPI, body, 0o600); err != nil {
		t.Fatal(err)
	}
	out, code := runDuty(t, "audit", "verify", "--bundle", fromAPI)
	if code != 0 || !strings.Contains(out, "OK: case file of "+no) || !strings.Contains(out, "manifest sha256:"+hdr.Get("X-Duty-Manifest-SHA256")) {
		t.Fatalf("verify the API's case file: exit %d\n%s", code, out)
	}
	m := manifestOf(t, body)
	if len(m.Cases) != 1 || m.Cases[0].CaseNo != no || m.Cases[0].State != "paid" || m.Cases[0].Steps != steps ||
		m.RetentionLabel != "30年" || !strings.HasPrefix(m.CreatedBy, "王") {
		t.Fatalf("manifest: %+v", m)
	}
	decision := ""
	for _, f := range m.Files {
		if strings.HasSuffix(f.Path, "-penalty-decision.html") {
			decision = f.Path
			if f.Number != "城住建罚〔2026〕7号" {
				t.Errorf("the decision's number: %q", f.Number)
			}
		}
	}
	if decision == "" {
		t.Fatalf("no decision among %+v", m.Files)
	}

	// The closed case's page offers the case file to the department's
	// head, and its link brings the zip through the pages; the enterprise
	// and the inspector are not offered one.
	shots := artefacts(t)
	v := browse(t, chromium(t), duty.base, "wang.juzhang")
	v.open("/cases/" + no)
	v.sees("#archive", "下载案卷")
	v.shot(shots, "archive-case-1280.png")
	axe := axeSource(t)
	v.accessible(axe, "a closed case's page at 1280 px")
	href := value(v, chromedp.Evaluate[string](`document.querySelector('#archive a').getAttribute('href')`))
	cookies, err := chromedp.Call(v.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{v.base}})
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest("GET", v.base+href, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cookies.Cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	viaPage, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/zip" || len(resp.Header.Get("X-Duty-Manifest-SHA256")) != 64 {
		t.Fatalf("the page's case file link %s: %d %v", href, resp.StatusCode, resp.Header)
	}
	if err := os.WriteFile(filepath.Join(work, "page.zip"), viaPage, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, code := runDuty(t, "audit", "verify", "--bundle", filepath.Join(work, "page.zip")); code != 0 {
		t.Fatalf("verify the page's case file: exit %d\n%s", code, out)
	}
	v.resize(390)
	v.open("/cases/" + no)
	v.fitsWidth(390)
	v.accessible(axe, "a closed case's page at 390 px")
	v.shot(shots, "archive-case-390.png")
	for _, login := range []string{"qian.zong", "zhao.jiancha"} {
		b := browse(t, chromium(t), duty.base, login)
		b.open("/cases/" + no)
		if n := value(b, chromedp.Evaluate[int](`document.querySelectorAll('#archive').length`)); n != 0 {
			t.Errorf("%s is offered the case file", login)
		}
	}

	// `duty archive`, twice with the same time and maker: the same bytes.
	cli := func(name string) []byte {
		t.Helper()
		file := filepath.Join(work, name)
		out, code := runDuty(t, "archive", no, "--out", file, "--database-url", db, "--data", dir,
			"--at", "2026-12-07T10:00:00Z", "--by", "王局长（局长，城区住房和城乡建设局）")
		if code != 0 || !strings.Contains(out, "wrote "+file) || !strings.Contains(out, "manifest sha256:") {
			t.Fatalf("duty archive: exit %d\n%s", code, out)
		}
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	first, second := cli("cli-1.zip"), cli("cli-2.zip")
	if !bytes.Equal(first, second) {
		t.Error("duty archive made the same case file twice with different bytes")
	}
	if out, code := runDuty(t, "audit", "verify", "--bundle", filepath.Join(work, "cli-1.zip")); code != 0 {
		t.Fatalf("verify duty archive's case file: exit %d\n%s", code, out)
	}
	// Printed for the paper archive, by the API and by the command: one
	// PDF, a page at least for the cover, the contents, the timeline and
	// each document.
	head.must(400, "GET", "/api/v1/cases/"+no+"/archive?format=doc", nil)
	status, hdr, printed := head.fetch("/api/v1/cases/" + no + "/archive?format=pdf")
	if status != 200 || hdr.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(printed, []byte("%PDF-")) {
		t.Fatalf("the printed case file: %d %v %.40q", status, hdr, printed)
	}
	if pages := len(regexp.MustCompile(`/Type\s*/Page\b`).FindAll(printed, -1)); pages < 3+m.documents() {
		t.Errorf("the printed case file has %d pages for %d documents", pages, m.documents())
	}
	printedFile := filepath.Join(shots, "archive-case-file.pdf")
	if out, code := runDuty(t, "archive", no, "--out", filepath.Join(work, "cli-3.zip"), "--pdf", printedFile, "--database-url", db, "--data", dir); code != 0 {
		t.Fatalf("duty archive --pdf: exit %d\n%s", code, out)
	}
	if b, err := os.ReadFile(printedFile); err != nil || !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("duty archive --pdf wrote %.40q, %v", b, err)
	}
	if out, code := runDuty(t, "archive", hazard, "--out", filepath.Join(work, "open.zip"), "--database-url", db, "--data", dir); code != 1 ||
		!strings.Contains(out, "is not closed") {
		t.Fatalf("duty archive of an open case: exit %d\n%s", code, out)
	}

	// One byte changed in the decision: red, naming the file.
	zr, err := zip.NewReader(bytes.NewReader(first), int64(len(first)))
	if err != nil {
		t.Fatal(err)
	}
	changed := bytes.Clone(first)
	for _, f := range zr.File {
		if f.Name == decision {
			off, err := f.DataOffset()
			if err != nil {
				t.Fatal(err)
			}
			changed[off+int64(f.CompressedSize64)/2] ^= 0x20
		}
	}
	bad := filepath.Join(work, "changed.zip")
	if err := os.WriteFile(bad, changed, 0o600); err != nil {
		t.Fatal(err)
	}
	out, code = runDuty(t, "audit", "verify", "--bundle", bad)
	if code != 1 || !strings.Contains(out, "BROKEN file "+decision) || !strings.Contains(out, "FAILED: case file of "+no) {
		t.Fatalf("verify with one byte changed: exit %d\n%s", code, out)
	}
	t.Logf("one byte changed:\n%s", out)
}

// bundleManifest is what the test reads of a case file's manifest.
type bundleManifest struct {
	CreatedBy      string `json:"created_by"`
	RetentionLabel string `json:"retention_label"`
	Cases          []struct {
		CaseNo string `json:"case_no"`
		State  string `json:"state"`
		Steps  int    `json:"steps"`
	} `json:"cases"`
	Files []struct {
		Path   string `json:"path"`
		Number string `json:"number"`
	} `json:"files"`
}

// documents counts the documents the case file holds.
func (m bundleManifest) documents() int {
	n := 0
	for _, f := range m.Files {
		if strings.Contains(f.Path, "/documents/") && strings.HasSuffix(f.Path, ".html") {
			n++
		}
	}
	return n
}

func manifestOf(t *testing.T, b []byte) bundleManifest {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	f, err := zr.Open("manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	raw, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	var m bundleManifest
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}
