package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/duty-project/duty/internal/pgtest"
)

// TestTheOrganisationPagesOnAPhone opens the organisation administrator's
// pages in a real browser 390 px wide: the register, an organisation's
// people with their forms, and a person; nothing is wider than the
// screen (the forms stack).
func TestTheOrganisationPagesOnAPhone(t *testing.T) {
	chrome := chromium(t)
	duty := start(t, dataDir(t), pgtest.NewDatabase(t))
	company := duty.login("qian.zong")
	shots := os.Getenv("DUTY_ARTEFACTS")
	if shots == "" {
		shots = filepath.Join(os.TempDir(), "duty-screenshots")
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	admin := browse(t, chrome, duty.base, "yang.zuzhi")
	admin.sees("h1", "组织管理") // where the organisation administrator lands
	admin.run(chromedp.EmulateViewport(390, 844))
	for i, page := range []struct{ path, h1, main string }{
		{"/organisation", "企业名录", "晋城市宏达建筑工程有限公司"},
		{fmt.Sprintf("/organisation/orgs/%d", company.orgID), "晋城市宏达建筑工程有限公司", "钱宏达"},
		{fmt.Sprintf("/organisation/persons/%d", company.personID), "钱宏达", "任职经历"},
	} {
		path := page.path
		admin.open(path)
		admin.sees("h1", page.h1)
		admin.sees("main", page.main)
		if w := value(admin, chromedp.Evaluate[float64](`document.documentElement.scrollWidth`)); w > 390 {
			admin.shot(shots, fmt.Sprintf("organisation-phone-%d.png", i))
			t.Errorf("%s is %v px wide on a 390 px screen", path, w)
		}
	}
	admin.shot(shots, "organisation-phone.png")
}
