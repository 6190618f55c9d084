package web

import (
	"encoding/json"
	"fmt"
	"html/template"
	"math"
	"strings"
	"time"

	"github.com/duty-project/duty/api"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/i18n"
	"github.com/duty-project/duty/workflows/accident"
)

// pageNames are the templates in templates/, each rendered inside layout.html.
var pageNames = []string{"login", "desk", "inbox", "board", "case", "policies", "record", "ledgers", "error", "accidents", "notices", "orgregister", "orgstaff", "orgperson", "evidence", "rescue", "public", "campaigns", "campaignboard", "publicreport", "publicfollow", "duties"}

// partials are the templates some pages share besides the layout.
var partials = map[string][]string{
	"desk": {"templates/queue.html"}, "inbox": {"templates/queue.html"}, "case": {"templates/inspection.html", "templates/rescuecase.html", "templates/yearplan.html", "templates/campaign.html", "templates/reportcase.html"},
}

// parsePages parses every page with the layout, once for each language
// (by language, then page name); the templates are in the binary, so a
// failure here is a programming error.
func parsePages() map[string]map[string]*template.Template {
	all := map[string]map[string]*template.Template{}
	for _, lang := range i18n.Languages {
		out := map[string]*template.Template{}
		for _, name := range pageNames {
			// Every page may show a form, and an accident step's form names
			// what it is about (accident.html).
			files := append([]string{"templates/layout.html", "templates/accident.html", "templates/" + name + ".html"}, partials[name]...)
			out[name] = template.Must(template.New(name).Funcs(funcs).Funcs(langFuncs(lang)).ParseFS(assets, files...))
		}
		all[lang] = out
	}
	return all
}

var funcs = template.FuncMap{
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[fmt.Sprint(kv[i])] = kv[i+1]
		}
		return m
	},
	"when":          when,
	"kindLabel":     kindLabel,
	"stateLabel":    stateLabel,
	"actionLabel":   actionLabel,
	"label":         func(group string, v any) string { return label(group + "." + fmt.Sprint(v)) },
	"listLabel":     func(group string, v []string) string { return listLabel(group, v...) },
	"deadlineLabel": deadlineLabel,
	"zh":            zh,
	"day":           day,
	"yuan":          yuan,
	"fen":           fen,
	"heldFor":       heldFor,
	"add":           func(a, b int) int { return a + b },
	"json": func(v any) string {
		if v == nil {
			return ""
		}
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return ""
		}
		return string(b)
	},
	"ifMissed": ifMissed,
	// say shows a form's words: a message ID of the catalogue, or a
	// choice's own text (a person's name).
	"say": func(s string) string { return sayIn(i18n.Chinese, s) },
	"dueAt": func(v any) string {
		if t, ok := v.(time.Time); ok {
			return dueDay(t)
		}
		return when(v)
	},
	"pct": func(v, max int64) float64 {
		if max <= 0 {
			return 0
		}
		return math.Round(float64(v)*1000/float64(max)) / 10
	},
	"industry": func(code string) string { return industryName(code) },
	// organisationHome is where the visitor's organisation pages start.
	"organisationHome": organisationHome,
	"posted": func(p page, name string) string {
		if p.Posted == nil {
			return ""
		}
		return p.Posted.Get(name)
	},
	"str": func(v any) string {
		if v == nil {
			return ""
		}
		return fmt.Sprint(v)
	},
	"hazardForm":       func() actionForm { return hazardForm },
	"inspectionForm":   func() actionForm { return inspectionForm },
	"rescueOpenForm":   func() actionForm { return rescueOpenForm },
	"planForm":         func() actionForm { return planForm },
	"hasForm":          hasForm,
	"findings":         func() []option { return findingOptions },
	"itemDecisions":    func() []option { return itemDecisionOptions },
	"accidentOpenForm": func() actionForm { return accidentOpenForm },
	"blocker":          blockerText,
	"minutesLate":      func(l accident.LevelReport) string { return minutesLate(i18n.Chinese, l) },
	// detail reads a step's details (JSON) as a map, for the fields a page names.
	"detail": func(raw json.RawMessage) map[string]any {
		var m map[string]any
		_ = json.Unmarshal(raw, &m)
		return m
	},
}

// heldFor says how long an escalation has been held, in days and hours.
func heldFor(hours float64) string {
	d, h := int(hours)/24, int(hours)%24
	if d > 0 {
		return fmt.Sprintf("%d天%d小时", d, h)
	}
	return fmt.Sprintf("%d小时", h)
}

// ifMissed tells an enterprise what follows when a deadline of its own
// passes, by the deadline's key, in Chinese (ifMissedIn).
func ifMissed(k cases.Kind, key string) string { return ifMissedIn(i18n.Chinese, k, key) }

// ifMissedIn is ifMissed in lang.
func ifMissedIn(lang string, k cases.Kind, key string) string {
	id := "if_missed.recorded"
	switch {
	case strings.HasPrefix(key, "rectify"):
		id = "if_missed.ladder"
	case key == "talk-report":
		id = "if_missed.talk_report"
	case key == "payment":
		id = "if_missed.payment"
	case k == cases.KindPenalty:
		id = "if_missed.penalty"
	}
	return i18n.T(lang, id, nil)
}

// industryName names an industry code for people.
func industryName(code string) string {
	if code == "" {
		return ""
	}
	return api.IndustryLabel(code)
}
