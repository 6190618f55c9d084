package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/duty-project/duty/internal/pgtest"
)

// TestLanguageSwitchInTheBrowser: the pages open in Chinese; the switch in
// the layout turns them English on the same page and keeps the choice on
// the next page, and turns them back.
func TestLanguageSwitchInTheBrowser(t *testing.T) {
	chrome := chromium(t)
	duty := start(t, dataDir(t), pgtest.NewDatabase(t))
	shots := artefacts(t)

	v := browse(t, chrome, duty.base, "zhao.jiancha")
	lang := func() string { return value(v, chromedp.Evaluate[string](`document.documentElement.lang`)) }
	if got := lang(); got != "zh-CN" {
		t.Fatalf("<html lang> is %q at first, want zh-CN", got)
	}
	v.sees("header", "执法工作台")
	here := v.path()

	v.run(chromedp.Click(css(`.langs a[lang="en"]`)), chromedp.WaitReady(css(`html[lang="en"]`)), chromedp.WaitReady(css("footer")))
	if got := v.path(); got != here {
		t.Fatalf("the switch went from %s to %s, want the same page", here, got)
	}
	v.sees("header", "Enforcement desk")
	v.sees("footer", "(Beijing time)")
	if h := value(v, chromedp.Text(css("header"))); strings.Contains(h, "执法工作台") {
		t.Fatalf("the header is still Chinese after the switch: %s", h)
	}
	v.shot(shots, "lang-en.png")

	v.open("/notices")
	if got := lang(); got != "en" {
		t.Fatalf("the next page is %q, want the choice kept (en)", got)
	}
	v.run(chromedp.Click(css(`.langs a[lang="zh-CN"]`)), chromedp.WaitReady(css(`html[lang="zh-CN"]`)), chromedp.WaitReady(css("footer")))
	v.sees("header", "站内信")
}
