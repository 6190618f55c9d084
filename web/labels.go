package web

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/duty-project/duty/calendar"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/i18n"
	"github.com/duty-project/duty/rules"
)

// The words a page shows for the engine's values — states, kinds, step
// names, deadline states, sides, roles and the choices of the forms — are
// messages of the catalogue (i18n/messages), keyed "group.value" (or
// "group.kind.value" where a value means different things in different
// kinds of case), the same keys the refusals name a state or a step by. A
// test checks that every value the workflows export has its entry.

// label is the Chinese words for a key; see labelIn.
func label(key string) string { return labelIn(i18n.Chinese, key) }

// labelIn is the words for a key in lang, or the value itself (the last
// part of the key) if the catalogue lacks it: a page never fails for want
// of a word, and the test keeps the catalogue complete.
func labelIn(lang, key string) string {
	if i18n.Has(lang, key) {
		return i18n.T(lang, key, nil)
	}
	return key[strings.LastIndexByte(key, '.')+1:]
}

// hasLabel reports whether the catalogue has a key.
func hasLabel(key string) bool { return i18n.Has(i18n.Chinese, key) }

func kindLabel(k cases.Kind) string { return label("kind." + string(k)) }

func stateLabel(k cases.Kind, state string) string {
	return label("state." + string(k) + "." + state)
}

func actionLabel(k cases.Kind, action string) string {
	return label("action." + string(k) + "." + action)
}

// listLabel names each value of a list in a group, joined with 、
// ("warning fine daily_fine" → 警告、罚款、按日连续处罚).
func listLabel(group string, values ...string) string {
	return listLabelIn(i18n.Chinese, group, values...)
}

// listLabelIn is listLabel in lang, joined as lang lists things.
func listLabelIn(lang, group string, values ...string) string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = labelIn(lang, group+"."+v)
	}
	if lang == i18n.English {
		return strings.Join(out, ", ")
	}
	return strings.Join(out, "、")
}

// deadlineLabel says what a deadline is, in Chinese: by its key where the
// key says it, else the Chinese part of what the workflow wrote.
func deadlineLabel(d cases.Deadline) string {
	k := d.Key
	switch {
	case strings.HasPrefix(k, "rectify-"):
		if n, err := strconv.Atoi(strings.TrimPrefix(k, "rectify-")); err == nil && n > 1 {
			return fmt.Sprintf("整改完成（第%d轮）", n)
		}
		return "整改完成"
	case strings.HasPrefix(k, "rung-"):
		parts := strings.SplitN(k, "-", 3)
		if len(parts) == 3 {
			return "启动下一执法措施：" + label("rung."+parts[2])
		}
	case k == "talk-report":
		return "约谈后提交书面整改报告"
	case strings.HasPrefix(k, "ack-"):
		if _, org, ok := strings.Cut(d.What, ": "); ok {
			return "签收：" + org
		}
		return "签收"
	case k == "decision":
		return "作出处罚决定（行政处罚法第六十条）"
	case k == "service":
		return "送达处罚决定书（第六十一条）"
	case k == "payment":
		return "缴纳罚款（第六十七条）"
	case k == "investigation":
		return "提交事故调查报告"
	case k == "approval":
		return "批复调查报告"
	case k == "assessment":
		return "整改措施落实情况评估"
	case k == "unit-report":
		return "事故单位报告"
	case strings.HasPrefix(k, "report-"):
		// "上报 report passed up to 晋城市住房和城乡建设局 (2 h, Art.10)",
		// or, while it is due, "上报 report up to 省级 province (2 h, Art.10)".
		if _, to, ok := strings.Cut(d.What, " to "); ok {
			if i := strings.LastIndex(to, " ("); i > 0 {
				to = to[:i]
			}
			return "逐级上报至" + zh(strings.TrimSpace(to)) + "（2小时内）"
		}
		return "逐级上报（2小时内）"
	}
	return zh(d.What)
}

// zh keeps the Chinese of a bilingual string the engine wrote
// (i18n.ChinesePart).
func zh(s string) string { return i18n.ChinesePart(s) }

// chinaTime is how every moment is shown: Beijing time, Chinese style.
const chinaTime = "2006年1月2日 15:04"

// when formats a moment in Beijing time, as every date in duty is read:
// 2026年12月7日 14:05; a moment at the end of a day (a date deadline,
// 23:59:59) is shown as the date alone.
func when(v any) string {
	switch v.(type) {
	case calendar.Date, calendar.Deadline, *calendar.Deadline:
		return day(v)
	}
	t, ok := asTime(v)
	if !ok {
		if s, isStr := v.(string); isStr {
			return s
		}
		return ""
	}
	t = t.In(rules.China)
	if t.Hour() == 23 && t.Minute() == 59 && t.Second() == 59 {
		return t.Format("2006年1月2日")
	}
	return t.Format(chinaTime)
}

// dueDay formats a deadline as the last day on which an act is in time:
// a period's end is the first instant after it (00:00 Beijing time on
// the next day), so that instant shows as the day before; any other
// moment as when() shows it.
func dueDay(t time.Time) string {
	b := t.In(rules.China)
	if b.Hour() == 0 && b.Minute() == 0 && b.Second() == 0 && b.Nanosecond() == 0 {
		return b.Add(-time.Second).Format("2006年1月2日")
	}
	return when(t)
}

// day formats a moment's date in Beijing time: 2026年12月7日.
func day(v any) string {
	t, ok := asTime(v)
	if !ok {
		return ""
	}
	return t.In(rules.China).Format("2006年1月2日")
}

func asTime(v any) (time.Time, bool) {
	var t time.Time
	switch x := v.(type) {
	case calendar.Date:
		t = x.Start()
	case calendar.Deadline:
		t = x.Last.Start()
	case *calendar.Deadline:
		if x == nil {
			return t, false
		}
		t = x.Last.Start()
	case time.Time:
		t = x
	case *time.Time:
		if x == nil {
			return t, false
		}
		t = *x
	case string:
		p, err := time.Parse(time.RFC3339Nano, x)
		if err != nil {
			if p, err = time.ParseInLocation(time.DateOnly, x, rules.China); err != nil {
				return t, false
			}
		}
		t = p
	default:
		return t, false
	}
	return t, !t.IsZero()
}

// yuan formats an amount in yuan with thousands separators: ¥1,250,000.
func yuan(v int64) string {
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	s := strconv.FormatInt(v, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return sign + "¥" + s
}

// fen formats an amount in fen as yuan: ¥1,250,000.50 (the fen only when
// there are any).
func fen(v int64) string {
	s := yuan(v / 100)
	if r := v % 100; r != 0 {
		if r < 0 {
			r = -r
		}
		s += fmt.Sprintf(".%02d", r)
	}
	return s
}

// serviceLabel names a service method (送达方式); the document service
// form posts the Chinese word itself, which stays as it is.
func serviceLabel(m string) string {
	if hasLabel("service." + m) {
		return label("service." + m)
	}
	return m
}
