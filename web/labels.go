package web

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

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

// deadlineLabel says what a deadline is, in Chinese (deadlineLabelIn).
func deadlineLabel(d cases.Deadline) string { return deadlineLabelIn(i18n.Chinese, d) }

// deadlineLabelIn says what a deadline is, in lang: by its key where the
// key says it, else the part in lang of what the workflow wrote.
func deadlineLabelIn(lang string, d cases.Deadline) string {
	t := func(id string, args i18n.Args) string { return i18n.T(lang, id, args) }
	k := d.Key
	switch {
	case strings.HasPrefix(k, "rectify-"):
		if n, err := strconv.Atoi(strings.TrimPrefix(k, "rectify-")); err == nil && n > 1 {
			return t("deadline.what.rectify_round", i18n.Args{"N": n})
		}
		return t("deadline.what.rectify", nil)
	case strings.HasPrefix(k, "rung-"):
		parts := strings.SplitN(k, "-", 3)
		if len(parts) == 3 {
			return t("deadline.what.rung", i18n.Args{"Rung": i18n.Ref("rung." + parts[2])})
		}
	case k == "talk-report":
		return t("deadline.what.talk_report", nil)
	case strings.HasPrefix(k, "ack-"):
		if _, org, ok := strings.Cut(d.What, ": "); ok {
			return t("deadline.what.ack_org", i18n.Args{"Org": org})
		}
		return t("deadline.what.ack", nil)
	case k == "decision":
		return t("deadline.what.decision", nil)
	case k == "service":
		return t("deadline.what.service", nil)
	case k == "payment":
		return t("deadline.what.payment", nil)
	case k == "investigation":
		return t("deadline.what.investigation", nil)
	case k == "approval":
		return t("deadline.what.approval", nil)
	case k == "assessment":
		return t("deadline.what.assessment", nil)
	case k == "unit-report":
		return t("deadline.what.unit_report", nil)
	case strings.HasPrefix(k, "report-"):
		// "上报 report passed up to 晋城市住房和城乡建设局 (2 h, Art.10)",
		// or, while it is due, "上报 report up to 省级 province (2 h, Art.10)".
		if _, to, ok := strings.Cut(d.What, " to "); ok {
			if i := strings.LastIndex(to, " ("); i > 0 {
				to = to[:i]
			}
			return t("deadline.what.report_up_to", i18n.Args{"To": bilingualIn(lang, strings.TrimSpace(to))})
		}
		return t("deadline.what.report_up", nil)
	}
	return bilingualIn(lang, d.What)
}

// bilingualIn keeps of a string the engine wrote in both languages
// ("重大隐患 major · 凤台街") the part in lang: its Chinese (zh), or its
// English, the Chinese words dropped and the names, which have no
// English, kept ("major · 凤台街" would lose the street: a run of Chinese
// is dropped only where English follows it within the same part).
func bilingualIn(lang, s string) string {
	if lang != i18n.English {
		return zh(s)
	}
	parts := strings.Split(s, " · ")
	for i, p := range parts {
		if j := strings.IndexFunc(p, func(r rune) bool { return r < 0x80 && unicode.IsLetter(r) }); j > 0 && strings.ContainsFunc(p[:j], isHan) {
			parts[i] = strings.TrimSpace(p[j:])
		}
	}
	return strings.Join(parts, " · ")
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
func serviceLabel(lang, m string) string { return labelIn(lang, "service."+m) }
