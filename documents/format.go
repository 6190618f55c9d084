package documents

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/duty-project/duty/calendar"
	"github.com/duty-project/duty/rules"
)

var numerals = []rune("〇一二三四五六七八九")

// SignDate is the date under a document's seal, in Chinese numerals:
// 二〇二六年十二月一日 (Beijing date).
func SignDate(t time.Time) string {
	if t.IsZero() {
		return "　　年　　月　　日"
	}
	t = t.In(rules.China)
	var b strings.Builder
	for _, c := range strconv.Itoa(t.Year()) {
		b.WriteRune(numerals[c-'0'])
	}
	return b.String() + "年" + smallNumber(int(t.Month())) + "月" + smallNumber(t.Day()) + "日"
}

// Date is a date in a document's text: 2026年12月1日 (Beijing date).
func Date(t time.Time) string {
	if t.IsZero() {
		return "　　年　　月　　日"
	}
	t = t.In(rules.China)
	return fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day())
}

// DateTime is a moment in a document's text: 2026年12月1日9时30分.
func DateTime(t time.Time) string {
	if t.IsZero() {
		return Date(t)
	}
	c := t.In(rules.China)
	return fmt.Sprintf("%s%d时%02d分", Date(t), c.Hour(), c.Minute())
}

// Day is a calendar date in a document's text: 2026年12月1日.
func Day(d calendar.Date) string {
	if d.IsZero() {
		return Date(time.Time{})
	}
	return fmt.Sprintf("%d年%d月%d日", d.Year(), int(d.Month()), d.Day())
}

// Deadline is the last day of a period in a document's text. A deadline
// given as an instant — "2026-12-31" is read as 23:59:59 that day, and a
// period's End is 00:00 the day after its last day — prints as the day it
// falls on, the latter stepped back to its last day.
func Deadline(t time.Time) string {
	c := t.In(rules.China)
	if !t.IsZero() && c.Hour() == 0 && c.Minute() == 0 && c.Second() == 0 {
		c = c.Add(-time.Second)
	}
	return Date(c)
}

// smallNumber writes 1–99 in Chinese numerals as dates and periods do:
// 一, 十, 十二, 二十, 三十一.
func smallNumber(n int) string {
	switch {
	case n <= 0 || n >= 100:
		return strconv.Itoa(n)
	case n < 10:
		return string(numerals[n])
	case n == 10:
		return "十"
	case n < 20:
		return "十" + string(numerals[n-10])
	case n%10 == 0:
		return string(numerals[n/10]) + "十"
	}
	return string(numerals[n/10]) + "十" + string(numerals[n%10])
}

// Period says a statutory period in words: 五个工作日, 十五日, 六个月.
func Period(p calendar.Period) string {
	switch p.Unit {
	case calendar.UnitWorkingDay:
		return smallNumber(p.N) + "个工作日"
	case calendar.UnitMonth:
		return smallNumber(p.N) + "个月"
	}
	return smallNumber(p.N) + "日"
}

var (
	capitalDigits = []string{"零", "壹", "贰", "叁", "肆", "伍", "陆", "柒", "捌", "玖"}
	capitalUnits  = []string{"", "拾", "佰", "仟"}
	capitalGroups = []string{"", "万", "亿", "万亿"}
)

// Yuan writes an amount of yuan as a penalty document does: in figures
// and in capitals, 人民币50000元（伍万元整）.
func Yuan(n int64) string {
	return fmt.Sprintf("人民币%d元（%s）", n, CapitalYuan(n))
}

// CapitalYuan writes whole yuan in capital numerals (大写): 伍万元整,
// 壹拾万零伍佰元整.
func CapitalYuan(n int64) string {
	if n <= 0 {
		return "零元整"
	}
	var groups []int64
	for v := n; v > 0; v /= 10000 {
		groups = append(groups, v%10000)
	}
	var b strings.Builder
	written, zero := false, false // zero: a 零 is owed before the next digit
	for g := len(groups) - 1; g >= 0; g-- {
		v := groups[g]
		if v == 0 {
			zero = zero || written
			continue
		}
		if written && v < 1000 {
			zero = true
		}
		digits := [4]int64{v / 1000, v / 100 % 10, v / 10 % 10, v % 10}
		for i, d := range digits {
			if d == 0 {
				zero = zero || written
				continue
			}
			if zero {
				b.WriteString("零")
				zero = false
			}
			b.WriteString(capitalDigits[d] + capitalUnits[3-i])
			written = true
		}
		b.WriteString(capitalGroups[g])
		zero = false
	}
	return b.String() + "元整"
}
