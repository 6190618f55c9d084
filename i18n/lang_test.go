package i18n_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/duty-project/duty/i18n"
)

// TestFromRequest: ?lang= beats the cookie, the cookie beats the
// browser's Accept-Language, and Chinese is the default.
func TestFromRequest(t *testing.T) {
	for _, c := range []struct {
		name, query, cookie, accept, want string
	}{
		{name: "nothing", want: i18n.Chinese},
		{name: "browser English", accept: "en-GB,en;q=0.9", want: i18n.English},
		{name: "browser Chinese", accept: "zh-CN,zh;q=0.9,en;q=0.8", want: i18n.Chinese},
		{name: "browser Traditional Chinese", accept: "zh-TW", want: i18n.Chinese},
		{name: "browser unsupported", accept: "fr-FR", want: i18n.Chinese},
		{name: "browser garbage", accept: ";;;", want: i18n.Chinese},
		{name: "cookie over browser", cookie: "zh-CN", accept: "en", want: i18n.Chinese},
		{name: "cookie English", cookie: "en", want: i18n.English},
		{name: "query over cookie", query: "zh-CN", cookie: "en", want: i18n.Chinese},
		{name: "query English", query: "en", want: i18n.English},
		{name: "query unknown", query: "klingon", want: i18n.Chinese},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/desk", nil)
			if c.query != "" {
				r = httptest.NewRequest(http.MethodGet, "/desk?lang="+c.query, nil)
			}
			if c.cookie != "" {
				r.AddCookie(&http.Cookie{Name: i18n.CookieName, Value: c.cookie})
			}
			if c.accept != "" {
				r.Header.Set("Accept-Language", c.accept)
			}
			if got := i18n.FromRequest(r); got != c.want {
				t.Errorf("got %s, want %s", got, c.want)
			}
		})
	}
}
