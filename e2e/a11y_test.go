package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/duty-project/duty/internal/pgtest"
	"github.com/duty-project/duty/rules"
)

// TestEveryPageIsAccessible runs axe-core (vendored from npm by
// scripts/vendor, injected here: never part of the binary) on every kind
// of page — login, desk, inbox, board and its case list, a case with its
// forms and documents, the policy record, a person's record and a printed
// document — at a desktop's width and a phone's, and fails on any serious
// or critical violation (labels, contrast, landmarks, language, names of
// controls…).
func TestEveryPageIsAccessible(t *testing.T) {
	chrome := chromium(t)
	axe := axeSource(t)
	duty := start(t, dataDir(t), pgtest.NewDatabase(t))
	chartsInBinary(t, duty.base)
	inspector := duty.login("zhao.jiancha")
	company := duty.login("qian.zong")
	opened := inspector.must(201, "POST", "/api/v1/hazards", map[string]any{"grade": "major", "enterprise_id": company.orgID,
		"location": "凤台街工地3号楼", "description": "脚手架连墙件缺失"})
	no := caseOf(opened)["case_no"].(string)
	inspector.must(200, "POST", "/api/v1/hazards/"+no+"/order", map[string]any{"measures": "1. 补设连墙件\n2. 3号楼停止作业", "deadline": day(20)})

	// An inspection's checklist with a failed item, whose decision form
	// shows on its card.
	ins := caseOf(inspector.must(201, "POST", "/api/v1/inspections", map[string]any{"enterprise_id": company.orgID,
		"second_officer_login": "sun.jiancha", "place": "凤台街工地3号楼"}))["case_no"].(string)
	inspector.must(200, "POST", "/api/v1/inspections/"+ins+"/items", map[string]any{"no": "8", "result": "failed", "note": "临边无防护"})

	// A rescue team's alarm, waiting for the 主要负责人's acknowledgement.
	rescuer := duty.login("zhou.jiuhu")
	jy := caseOf(rescuer.must(201, "POST", "/api/v1/rescue-inspections", map[string]any{"enterprise_id": company.orgID,
		"place": "3号楼塔吊", "findings": "塔吊基础沉降", "major": true, "advice": "停止塔吊作业，撤出作业人员"}))["case_no"].(string)
	// The year's plan, drawn on.
	plan := caseOf(inspector.must(201, "POST", "/api/v1/plans", map[string]any{"year": time.Now().In(rules.China).Year()}))["case_no"].(string)
	inspector.must(201, "POST", "/api/v1/plans/"+plan+"/draws", map[string]any{"count": 1})

	anon := anonymous(t, chrome, duty.base)
	anon.open("/login")
	anon.accessible(axe, "login")
	for _, width := range []int64{1280, 390} {
		anon.resize(width)
		anon.open("/public/inspections")
		anon.accessible(axe, fmt.Sprintf("public results at %d px", width))
	}

	pages := []struct{ login, path, name string }{
		{"zhao.jiancha", "/desk", "desk"},
		{"zhao.jiancha", "/cases/" + no, "case (inspector)"},
		{"zhao.jiancha", "/cases/" + ins, "inspection's checklist"},
		{"zhou.jiuhu", "/rescue", "rescue team's page"},
		{"qian.zong", "/cases/" + jy, "rescue alarm (enterprise)"},
		{"zhao.jiancha", "/cases/" + plan, "yearly plan"},
		{"zhao.jiancha", "/people/me", "record"},
		{"zhao.jiancha", "/cases/" + no + "/documents/order-1?format=html", "document"},
		{"qian.zong", "/inbox", "inbox"},
		{"qian.zong", "/duties", "duties (enterprise)"},
		{"zhao.jiancha", "/duties", "duties (department)"},
		{"qian.zong", "/cases/" + no, "case (enterprise)"},
		{"zhang.shuji", "/board", "board"},
		{"zhang.shuji", "/board/cases?measure=found&from=2026-01-01&to=2030-12-31", "board's case list"},
		{"admin.quan", "/policies", "policies"},
	}
	browsers := map[string]*visitor{}
	for _, p := range pages {
		b := browsers[p.login]
		if b == nil {
			b = browse(t, chrome, duty.base, p.login)
			browsers[p.login] = b
		}
		for _, width := range []int64{1280, 390} {
			b.resize(width)
			b.open(p.path)
			if p.name == "board" {
				b.run(chromedp.WaitReady(css(`#chart-trend[data-drawn]`)))
			}
			b.accessible(axe, fmt.Sprintf("%s at %d px", p.name, width))
		}
	}
	// The keyboard: the first Tab reaches a visible link past the header,
	// which takes the next Tab into the page's content; focus is outlined.
	b := browsers["zhao.jiancha"]
	b.resize(1280)
	b.open("/desk")
	b.run(chromedp.KeyEvent(kb.Tab))
	if got := value(b, chromedp.Evaluate[string](`(() => { const a = document.activeElement, r = a.getBoundingClientRect();
		return a.className + ' ' + a.textContent + ' ' + (r.top >= 0 && r.height > 0) + ' ' + getComputedStyle(a).outlineStyle })()`)); got != "skip 跳到正文 true solid" {
		t.Errorf("the first Tab on the desk focuses %q", got)
	}
	b.run(chromedp.KeyEvent(kb.Enter), chromedp.KeyEvent(kb.Tab))
	if got := value(b, chromedp.Evaluate[bool](`!!document.activeElement.closest('main') && getComputedStyle(document.activeElement).outlineStyle === 'solid'`)); !got {
		t.Errorf("after the skip link, Tab does not reach the content with a visible focus: %s",
			value(b, chromedp.Evaluate[string](`document.activeElement.outerHTML.slice(0, 200)`)))
	}
}

// axeSource is axe-core as scripts/vendor installs it.
func axeSource(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		t.Fatalf("axe-core is not vendored (run scripts/vendor; scripts/test does): %v", err)
	}
	return string(b)
}

// anonymous is a browser of its own that has not logged in.
func anonymous(t *testing.T, chrome, base string) *visitor {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chrome), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.WindowSize(1300, 1000),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("lang", "zh-CN"), chromedp.Flag("accept-lang", "zh-CN,zh"))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	return &visitor{t: t, ctx: ctx, base: base}
}

// axeViolation is one rule axe found broken, with a few of its elements.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target  []any  `json:"target"`
		HTML    string `json:"html"`
		Summary string `json:"failureSummary"`
	} `json:"nodes"`
}

// accessible runs axe-core on the page as it stands and fails on any
// serious or critical violation.
func (v *visitor) accessible(axe, name string) {
	v.t.Helper()
	// The page's own policy allows no script but its own: axe comes in
	// through the DevTools protocol, as an extension's would.
	value(v, chromedp.Evaluate[bool](axe+";\ntrue"))
	// What is folded away is checked too: forms, tables, details.
	value(v, chromedp.Evaluate[bool](`document.querySelectorAll('details').forEach(d => d.open = true); true`))
	found := value(v, chromedp.Evaluate[[]axeViolation](`axe.run(document, {resultTypes: ['violations']}).then(r =>
		r.violations.map(x => ({
			id: x.id, impact: x.impact, help: x.help,
			nodes: x.nodes.slice(0, 4).map(n => ({target: n.target, html: n.html.slice(0, 200), failureSummary: n.failureSummary}))})))`,
		chromedp.EvalAwaitPromise))
	for _, x := range found {
		if x.Impact != "serious" && x.Impact != "critical" {
			v.t.Logf("%s (%s): %s %s: %s (%d elements)", name, v.path(), x.Impact, x.ID, x.Help, len(x.Nodes))
			continue
		}
		var b strings.Builder
		for _, n := range x.Nodes {
			fmt.Fprintf(&b, "\n    %v %s\n      %s", n.Target, n.HTML, strings.ReplaceAll(n.Summary, "\n", "\n      "))
		}
		v.t.Errorf("%s (%s): %s %s: %s%s", name, v.path(), x.Impact, x.ID, x.Help, b.String())
	}
}
