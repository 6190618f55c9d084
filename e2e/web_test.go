package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/duty-project/duty/internal/pgtest"
)

// TestPagesInARealBrowser walks one major hazard from report to 销号
// through the pages in headless Chromium, as the inspector, the
// enterprise and the district party secretary each see them; checks that
// a refused step shows the API's message and leaves the case unchanged,
// and that pages not one's own are refused. Screenshots of the main pages
// are kept in $DUTY_ARTEFACTS (default: a duty-e2e-logs folder in the
// temporary directory).
func TestPagesInARealBrowser(t *testing.T) {
	chrome := chromium(t)
	duty := start(t, dataDir(t), pgtest.NewDatabase(t))
	shots := artefacts(t)
	company := duty.login("qian.zong") // for the enterprise's id

	inspector := browse(t, chrome, duty.base, "zhao.jiancha")
	inspector.shot(shots, "desk.png")
	inspector.fill("hazard:open", map[string]string{"enterprise_id": itoa(company.orgID), "grade": "major",
		"location": "凤台街工地3号楼", "description": "脚手架连墙件缺失"})
	no := strings.TrimPrefix(inspector.path(), "/cases/")
	if !strings.HasPrefix(no, "YH-") {
		t.Fatalf("after opening a hazard the browser is at %s", inspector.path())
	}
	// A deadline in the past is refused with the API's message; the case stays as it was.
	inspector.fill("hazard:order", map[string]string{"measures": "补设连墙件", "deadline": "2020-01-01"})
	inspector.sees(".error", "整改期限应晚于现在")
	inspector.sees(".summary", "已登记")
	inspector.fill("hazard:order", map[string]string{"measures": "补设连墙件，3号楼停止作业", "deadline": time.Now().AddDate(0, 0, 20).Format(time.DateOnly)})
	inspector.sees(".notice", "已办理")

	enterprise := browse(t, chrome, duty.base, "qian.zong")
	enterprise.sees("main", no)
	enterprise.shot(shots, "inbox.png")
	enterprise.open("/cases/" + no)
	enterprise.fill("hazard:submit_plan", map[string]string{"responsible_person": "钱宏达", "measures": "补设连墙件",
		"funds_yuan": "150000", "deadline": time.Now().AddDate(0, 0, 15).Format(time.DateOnly), "emergency_plan": "人员撤离预案"})
	inspector.open("/cases/" + no)
	inspector.fill("hazard:review_plan", map[string]string{"approve": "true", "comment": "同意"})

	evidence := filepath.Join(t.TempDir(), "整改后照片.jpg")
	photo := []byte("a photograph of the fixed scaffolding")
	if err := os.WriteFile(evidence, photo, 0o644); err != nil {
		t.Fatal(err)
	}
	enterprise.open("/cases/" + no)
	enterprise.upload("hazard:report_completion", "evidence", evidence)
	enterprise.fill("hazard:report_completion", map[string]string{"summary": "已补设全部连墙件"})
	sum := sha256.Sum256(photo)
	enterprise.sees("ul.evidence", "整改后照片.jpg")
	if got := value(enterprise, chromedp.TextContent(css("ul.evidence code"))); !strings.Contains(got, hex.EncodeToString(sum[:])) {
		t.Fatalf("the evidence is not kept with its hash: %q", got) // behind a toggle, so not visible text
	}

	inspector.open("/cases/" + no)
	inspector.fill("hazard:reinspect", map[string]string{"passed": "true", "findings": "符合要求，予以销号"})
	inspector.sees(".summary", "已销号")
	inspector.sees(".timeline", "复查合格，予以销号")
	inspector.shot(shots, "case.png")

	// Pages that are not one's own.
	enterprise.open("/desk")
	enterprise.sees("main", "执法工作台供监管部门使用")
	other := browse(t, chrome, duty.base, "zhou.zong")
	other.open("/cases/" + no)
	other.sees("h1", "未找到")

	secretary := browse(t, chrome, duty.base, "zhang.shuji")
	secretary.open("/board")
	secretary.sees("table.stats", "100")
	secretary.shot(shots, "board.png")
	secretary.open("/board?by=industry")
	secretary.sees("table.stats", "建筑施工")

	// The policy record, as a region's administrator sees it.
	// An administrator with no other post lands on it.
	admin := browse(t, chrome, duty.base, "admin.quan")
	admin.open("/")
	if admin.path() != "/policies" {
		t.Fatalf("the policy administrator lands on %s", admin.path())
	}
	admin.sees("main", "双人审核")
	admin.shot(shots, "policies.png")
	t.Logf("screenshots in %s", shots)
}

// artefacts is the folder screenshots are kept in: $DUTY_ARTEFACTS, or
// duty-e2e-logs in the temporary directory.
func artefacts(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("DUTY_ARTEFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "duty-e2e-logs")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// chromium is the browser to drive: $DUTY_CHROMIUM or Debian's, which
// scripts/test installs.
func chromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("DUTY_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if _, err := exec.LookPath(p); err == nil {
			return p
		}
	}
	t.Fatal("no Chromium: install Debian's chromium package (scripts/test does) or set DUTY_CHROMIUM")
	return ""
}

// visitor is one person's browser, logged in.
type visitor struct {
	t    *testing.T
	ctx  context.Context
	base string
}

// browse starts a browser of its own (its own cookies) and logs in.
func browse(t *testing.T, chrome, base, login string) *visitor {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chrome), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.WindowSize(1300, 1000),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-component-update", true),
		// A browser in China asks for Chinese; headless Chromium would ask
		// for en-US, and the pages follow Accept-Language.
		chromedp.Flag("lang", "zh-CN"), chromedp.Flag("accept-lang", "zh-CN,zh"))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	v := &visitor{t: t, ctx: ctx, base: base}
	v.run(chromedp.Navigate(base+"/login"),
		chromedp.SetValue(css(`input[name="login"]`), login),
		chromedp.SetValue(css(`input[name="password"]`), "duty-demo"),
		chromedp.Click(css(`form.login button`)),
		chromedp.WaitVisible(css(`nav`)))
	return v
}

// css is a CSS selector (a plain string would also match page text).
func css(sel string) chromedp.CSS { return chromedp.CSS(sel) }

func (v *visitor) run(actions ...chromedp.Action[chromedp.Void]) {
	v.t.Helper()
	if err := chromedp.Do(v.ctx, actions...); err != nil {
		body, _ := chromedp.Run(v.ctx, chromedp.Text(css("main")))
		v.t.Fatalf("browser: %v\npage: %s", err, body)
	}
}

// value runs one action that answers with a value.
func value[T any](v *visitor, a chromedp.Action[T]) T {
	v.t.Helper()
	x, err := chromedp.Run(v.ctx, a)
	if err != nil {
		v.t.Fatalf("browser: %v", err)
	}
	return x
}

func (v *visitor) open(path string) {
	v.t.Helper()
	v.run(chromedp.Navigate(v.base+path), chromedp.WaitReady(css("footer")))
}

// fill fills the form of a step and submits it, then waits for the next
// page. A form folded away (in a closed <details>) is unfolded first, as
// a person would; a choice between radio buttons is clicked.
func (v *visitor) fill(form string, values map[string]string) {
	v.t.Helper()
	sel := `form[data-form="` + form + `"]`
	value(v, chromedp.Evaluate[bool](`(() => { const d = document.querySelector('`+sel+`')?.closest('details'); if (d) d.open = true; return true })()`))
	actions := []chromedp.Action[chromedp.Void]{chromedp.WaitVisible(css(sel))}
	for name, val := range values {
		field := sel + ` [name="` + name + `"]`
		if value(v, chromedp.Evaluate[string](`document.querySelector('`+field+`')?.type || ""`)) == "radio" {
			actions = append(actions, chromedp.Click(css(field+`[value="`+val+`"]`)))
			continue
		}
		actions = append(actions, chromedp.SetValue(css(field), val))
	}
	v.run(actions...)
	// Mark the page so the wait below sees the next one, not this one.
	value(v, chromedp.Evaluate[string](`document.body.dataset.old = "1"`))
	v.run(chromedp.Click(css(sel+` button[type="submit"]`)),
		chromedp.WaitReady(css(`body:not([data-old])`)), chromedp.WaitReady(css("footer")))
}

// upload attaches a file to a form's file input.
func (v *visitor) upload(form, field, path string) {
	v.t.Helper()
	v.run(chromedp.SetUploadFiles(css(`form[data-form="`+form+`"] input[name="`+field+`"]`), []string{path}))
}

// sees fails unless the element's text contains want.
func (v *visitor) sees(sel, want string) {
	v.t.Helper()
	text := value(v, chromedp.Text(css(sel)))
	if !strings.Contains(text, want) {
		v.t.Fatalf("%s does not show %q at %s:\n%s", sel, want, v.path(), text)
	}
}

func (v *visitor) path() string {
	v.t.Helper()
	loc := value(v, chromedp.Location())
	if i := strings.Index(loc, "://"); i >= 0 {
		loc = loc[i+3:]
		if j := strings.Index(loc, "/"); j >= 0 {
			loc = loc[j:]
		}
	}
	if i := strings.IndexByte(loc, '?'); i >= 0 {
		loc = loc[:i]
	}
	return loc
}

// shot keeps a full-page screenshot.
func (v *visitor) shot(dir, name string) {
	v.t.Helper()
	png := value(v, chromedp.FullScreenshot(100))
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		v.t.Fatal(err)
	}
}
