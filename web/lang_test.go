package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/duty-project/duty/i18n"
)

// TestLanguageSwitch: the layout is Chinese by default; ?lang=en keeps the
// choice in a cookie and returns to the same page, which is then English
// (its <html lang> too), and ?lang=zh-CN switches back; the API is asked
// in the visitor's language.
func TestLanguageSwitch(t *testing.T) {
	var asked string
	s := &Server{API: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked = r.Header.Get("Accept-Language")
		w.WriteHeader(http.StatusUnauthorized)
	})}
	h := s.Handler()
	get := func(path, lang string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, path, nil)
		if lang != "" {
			r.AddCookie(&http.Cookie{Name: i18n.CookieName, Value: lang})
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	zh := get("/login?next=%2Fdesk", "")
	if body := zh.Body.String(); !strings.Contains(body, `<html lang="zh-CN">`) || !strings.Contains(body, "登录名") ||
		!strings.Contains(body, `href="/login?lang=en&amp;next=%2Fdesk"`) {
		t.Fatalf("default page is not Chinese with a switch to English on the same page:\n%s", body)
	}
	sw := get("/login?next=%2Fdesk&lang=en", "")
	if sw.Code != http.StatusSeeOther || sw.Header().Get("Location") != "/login?next=%2Fdesk" {
		t.Fatalf("switch: %d to %q, want 303 to the same page", sw.Code, sw.Header().Get("Location"))
	}
	if c := sw.Result().Cookies(); len(c) != 1 || c[0].Name != i18n.CookieName || c[0].Value != i18n.English {
		t.Fatalf("switch set cookies %v", c)
	}
	en := get("/login?next=%2Fdesk", i18n.English)
	if body := en.Body.String(); !strings.Contains(body, `<html lang="en">`) || !strings.Contains(body, "Login name") || strings.Contains(body, "登录名") {
		t.Fatalf("page after the switch is not English:\n%s", body)
	}
	get("/", i18n.English)
	if asked != i18n.English {
		t.Errorf("the API was asked in %q, want en", asked)
	}
	if back := get("/login?lang=zh-CN", i18n.English); back.Result().Cookies()[0].Value != i18n.Chinese {
		t.Errorf("switching back kept %v", back.Result().Cookies())
	}
}

// TestRefusedStatesAreCatalogued: a refusal of a step in the wrong state
// names the state and the steps (casekit.WrongState) from the catalogue,
// for every kind whose refusals are catalogued: every state and step of
// those workflows has its message in both languages.
func TestRefusedStatesAreCatalogued(t *testing.T) {
	for _, pkg := range []string{"hazard", "talk", "escalation", "accident", "penalty", "inspection"} {
		kind := workflowKinds[pkg]
		states, actions := workflowValues(t, pkg)
		if len(states) == 0 || len(actions) == 0 {
			t.Fatalf("workflows/%s: the source scan found nothing", pkg)
		}
		for _, s := range states {
			if id := "state." + string(kind) + "." + s; !i18n.Has(i18n.Chinese, id) || !i18n.Has(i18n.English, id) {
				t.Errorf("%s is not in the catalogue", id)
			}
		}
		for _, a := range actions {
			if id := "action." + string(kind) + "." + a; !i18n.Has(i18n.Chinese, id) || !i18n.Has(i18n.English, id) {
				t.Errorf("%s is not in the catalogue", id)
			}
		}
	}
}
