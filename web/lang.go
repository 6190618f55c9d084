package web

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"time"

	"github.com/duty-project/duty/calendar"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/i18n"
	"github.com/duty-project/duty/workflows/accident"
)

// The pages speak the visitor's language (i18n.FromRequest): Chinese
// unless they chose English with the switch in the layout. Each language
// has its own parsed set of templates, whose t function renders from the
// catalogue in that language, so converting a template is replacing its
// literal text with {{t "id"}} (or {{t "id" "Name" value …}} for a message
// with arguments).

// langFuncs are the template functions bound to one language.
func langFuncs(lang string) template.FuncMap {
	fm := template.FuncMap{
		"t": func(id string, kv ...any) string {
			var args i18n.Args
			if len(kv) > 0 {
				args = i18n.Args{}
				for i := 0; i+1 < len(kv); i += 2 {
					args[fmt.Sprint(kv[i])] = kv[i+1]
				}
			}
			return i18n.T(lang, id, args)
		},
		// The names of the engine's values, in lang (labels.go).
		"kindLabel":   func(k cases.Kind) string { return labelIn(lang, "kind."+string(k)) },
		"stateLabel":  func(k cases.Kind, s string) string { return labelIn(lang, "state."+string(k)+"."+s) },
		"actionLabel": func(k cases.Kind, a string) string { return labelIn(lang, "action."+string(k)+"."+a) },
		"label":       func(group string, v any) string { return labelIn(lang, group+"."+fmt.Sprint(v)) },
		"listLabel":   func(group string, v []string) string { return listLabelIn(lang, group, v...) },
		// What blocks a gate of 四不放过, and why a case could not start.
		"gateBlockers": func(g any) []string { return gateBlockers(lang, g) },
		"say":          func(s string) string { return sayIn(lang, s) },
		// What a deadline is, and what follows when it passes.
		"deadlineLabel": func(d cases.Deadline) string { return deadlineLabelIn(lang, d) },
		"ifMissed":      func(k cases.Kind, key string) string { return ifMissedIn(lang, k, key) },
		"blocker":       func(s string) string { return blockerIn(lang, s) },
		// A case's title, its words in lang (titles.go).
		"caseTitle": func(s string) string { return caseTitle(lang, s) },
		// How late a level received an accident's report.
		"minutesLate": func(l accident.LevelReport) string { return minutesLate(lang, l) },
	}
	if lang != i18n.Chinese {
		// when and day are Chinese style (labels.go); in another
		// language a moment reads as that language writes it.
		fm["when"] = func(v any) string { return whenIn(lang, v) }
		// zh keeps the Chinese of what the engine wrote in both
		// languages; in another language, its English.
		fm["zh"] = func(s string) string { return bilingualIn(lang, s) }
		fm["dueAt"] = func(v any) string {
			if t, ok := v.(time.Time); ok {
				b := t.In(i18n.Beijing)
				if b.Hour() == 0 && b.Minute() == 0 && b.Second() == 0 && b.Nanosecond() == 0 {
					// a period's end: the day before is the last in time (dueDay)
					return i18n.Date(lang, b.Add(-time.Second))
				}
			}
			return fm["when"].(func(any) string)(v)
		}
		fm["heldFor"] = func(hours float64) string {
			return i18n.T(lang, "page.held_for", i18n.Args{"Days": int(hours) / 24, "Hours": int(hours) % 24})
		}
		fm["day"] = func(v any) string {
			if t, ok := asTime(v); ok {
				return i18n.Date(lang, t)
			}
			return ""
		}
	}
	return fm
}

// langWriter carries the request's language and address to render, which
// is handed only the writer (its many callers build a page without the
// request).
type langWriter struct {
	http.ResponseWriter
	lang string
	here *url.URL
}

// Unwrap lets http.ResponseController reach the real writer.
func (w *langWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// withLang settles the visitor's language for each request. A GET with
// ?lang= is the switch: the choice is kept in the lang cookie (a year; it
// is no secret, so scripts may read it) and the browser sent back to the
// same page without the parameter, so the address stays clean and the
// choice holds on every page after.
func withLang(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lang := i18n.FromRequest(r)
		if v := r.URL.Query().Get("lang"); v != "" && r.Method == http.MethodGet {
			http.SetCookie(w, &http.Cookie{Name: i18n.CookieName, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
				SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
			u := *r.URL
			q := u.Query()
			q.Del("lang")
			u.RawQuery = q.Encode()
			http.Redirect(w, r, localPath(u.RequestURI()), http.StatusSeeOther)
			return
		}
		next.ServeHTTP(&langWriter{ResponseWriter: w, lang: lang, here: r.URL}, r)
	})
}

// langOf is the language render writes in: the request's, or Chinese for
// a writer that did not come through withLang (tests calling a handler).
func langOf(w http.ResponseWriter) (string, *url.URL) {
	if lw, ok := w.(*langWriter); ok {
		return lw.lang, lw.here
	}
	return i18n.Default, &url.URL{Path: "/"}
}

// langOption is one choice of the language switch.
type langOption struct {
	Lang, Name, Href string
	Current          bool
}

// langOptions are the language switch's links: the page the visitor is
// on, in each language, each named in its own language.
func langOptions(current string, here *url.URL) []langOption {
	names := map[string]string{i18n.Chinese: "中文", i18n.English: "English"}
	out := make([]langOption, 0, len(i18n.Languages))
	for _, l := range i18n.Languages {
		u := url.URL{Path: here.Path}
		q := here.Query()
		q.Set("lang", l)
		u.RawQuery = q.Encode()
		out = append(out, langOption{Lang: l, Name: names[l], Href: u.RequestURI(), Current: l == current})
	}
	return out
}

// reqLang is the request's language; no request (a test's) reads Chinese.
func reqLang(r *http.Request) string {
	if r == nil {
		return i18n.Default
	}
	return i18n.FromRequest(r)
}

// sayIn shows in lang a form's label, hint or choice: a message of the
// catalogue by its ID, or a choice's own text as it is.
func sayIn(lang, s string) string {
	if i18n.Has(lang, s) {
		return i18n.T(lang, s, nil)
	}
	return s
}

// dayIn is day in lang: a moment's date in Beijing time.
func dayIn(lang string, v any) string {
	if lang == i18n.Chinese {
		return day(v)
	}
	t, ok := asTime(v)
	if !ok {
		return ""
	}
	return i18n.Date(lang, t)
}

// whenIn is when in lang: a moment as lang writes it, a date alone where
// when shows one.
func whenIn(lang string, v any) string {
	if lang == i18n.Chinese {
		return when(v)
	}
	switch v.(type) {
	case calendar.Date, calendar.Deadline, *calendar.Deadline:
		if t, ok := asTime(v); ok {
			return i18n.Date(lang, t)
		}
		return ""
	}
	t, ok := asTime(v)
	if !ok {
		if s, isStr := v.(string); isStr {
			return s
		}
		return ""
	}
	return i18n.When(lang, t)
}
