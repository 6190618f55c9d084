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
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/workflows/accident"
	"github.com/duty-project/duty/workflows/escalation"
	"github.com/duty-project/duty/workflows/hazard"
	"github.com/duty-project/duty/workflows/penalty"
	"github.com/duty-project/duty/workflows/talk"
)

// pageNames are the templates in templates/, each rendered inside layout.html.
var pageNames = []string{"login", "desk", "inbox", "board", "case", "policies", "record", "error", "orgregister", "orgstaff", "orgperson"}

// parsePages parses every page with the layout; the templates are in the
// binary, so a failure here is a programming error.
func parsePages() map[string]*template.Template {
	out := map[string]*template.Template{}
	for _, name := range pageNames {
		out[name] = template.Must(template.New(name).Funcs(funcs).ParseFS(assets, "templates/layout.html", "templates/"+name+".html"))
	}
	return out
}

var funcs = template.FuncMap{
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[fmt.Sprint(kv[i])] = kv[i+1]
		}
		return m
	},
	"when":       when,
	"kindLabel":  func(k cases.Kind) string { return k.Label() },
	"stateLabel": stateLabel,
	// caseStateLabel is stateLabel for a kind read as text (a record's).
	"caseStateLabel": func(kind, state string) string { return stateLabel(cases.Kind(kind), state) },
	// day is a date as Chinese write it: 2026年12月7日.
	"day":         func(t time.Time) string { return t.In(rules.China).Format("2006年1月2日") },
	"actionLabel": actionLabel,
	"heldFor":     heldFor,
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
	"hazardForm": func() actionForm { return hazardForm },
	// detail reads a step's details (JSON) as a map, for the fields a page names.
	"detail": func(raw json.RawMessage) map[string]any {
		var m map[string]any
		_ = json.Unmarshal(raw, &m)
		return m
	},
}

// when formats a moment in Beijing time, as every date in duty is read.
func when(v any) string {
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x
	case *time.Time:
		if x == nil {
			return ""
		}
		t = *x
	case string:
		p, err := time.Parse(time.RFC3339Nano, x)
		if err != nil {
			return x
		}
		t = p
	default:
		return fmt.Sprint(v)
	}
	if t.IsZero() {
		return ""
	}
	return t.In(rules.China).Format("2006-01-02 15:04")
}

// stateLabel is a state's name for people, by kind of case.
func stateLabel(k cases.Kind, state string) string {
	switch k {
	case cases.KindHazard:
		return hazard.State(state).Label()
	case cases.KindTalk:
		return talk.State(state).Label()
	case cases.KindPenalty:
		return penalty.State(state).Label()
	case cases.KindEscalation:
		return escalation.State(state).Label()
	case cases.KindAccident:
		return accident.State(state).Label()
	}
	return state
}

// actionLabels name the steps of a timeline for people.
var actionLabels = map[string]string{
	"report": "登记 reported", "order": "责令整改 ordered", "remind": "提醒 reminder", "overdue": "逾期 overdue",
	"submit_plan": "提交方案 plan submitted", "review_plan": "审查方案 plan reviewed", "report_completion": "报告完成 completion reported",
	"reinspect": "复查 re-inspected", "request_extension": "申请延期 extension requested", "decide_extension": "审批延期 extension decided",
	"ladder": "执法升级 ladder", "rung_overdue": "未按期启动执法措施 rung not started in time", "rung_auto_started": "系统自动启动 started by the engine",
	"rung_not_auto_started": "无法自动启动 could not start by itself",
	"notify":                "告知/通知 notified", "record_talk": "约谈记录 talk recorded", "submit_talk_report": "书面报告 report submitted",
	"report_overdue": "逾期未报告 report overdue", "cancel_talk": "取消 cancelled", "open": "立案 opened", "plead": "陈述申辩 plea",
	"waive_rights": "放弃陈述申辩和听证 rights waived", "decide_on_the_spot": "当场处罚 decided on the spot", "decide": "决定 decided",
	"serve": "送达 served", "pay": "缴纳 paid", "submit": "提请 submitted", "acknowledge": "签收 acknowledged", "forward": "转办 forwarded",
	"return": "退回 returned", "ack_overdue": "逾期未签收 acknowledgement overdue", "repeat_offender": "屡查屡犯 repeat offender",
}

func actionLabel(a string) string {
	if l, ok := actionLabels[a]; ok {
		return l
	}
	return strings.ReplaceAll(a, "_", " ")
}

// heldFor says how long an escalation has been held, in days and hours.
func heldFor(hours float64) string {
	d, h := int(hours)/24, int(hours)%24
	if d > 0 {
		return fmt.Sprintf("%d 天 %d 小时 (%dd %dh)", d, h, d, h)
	}
	return fmt.Sprintf("%d 小时 (%dh)", h, h)
}

// ifMissed tells an enterprise what follows when a deadline of its own
// passes, by the deadline's key.
func ifMissed(k cases.Kind, key string) string {
	switch {
	case strings.HasPrefix(key, "rectify"):
		return "逾期将启动执法升级：约谈 → 书面警告 → 行政处罚 → 提请上级部门 (the enforcement ladder starts)"
	case key == "talk-report":
		return "逾期未报告，约谈失败，执法升级至书面警告 (the talk fails; a written warning follows)"
	case key == "payment":
		return "逾期每日加处罚款数额3%，以罚款数额为限 (3% of the fine a day, up to the fine; then the court)"
	case k == cases.KindPenalty:
		return "逾期视为放弃 (the right lapses)"
	}
	return "逾期将记录在案 (a miss stays on record)"
}

// industryName names an industry code for people.
func industryName(code string) string {
	if code == "" {
		return ""
	}
	return api.IndustryLabel(code)
}
