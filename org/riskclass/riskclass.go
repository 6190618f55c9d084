// Package riskclass names the risk classes of 分类分级监督管理 (安全生产法
// Art.62): an enterprise's class decides how often the annual inspection
// plan visits it. Provinces write the classes as letters (A–D) or as
// colours (红橙黄蓝); both name the same four steps, A/红 the highest risk.
// How often each class is inspected is the province's choice and belongs
// in the rule set, not here.
package riskclass

import (
	"strings"

	"github.com/duty-project/duty/i18n"
)

// Classes, as stored in orgs.risk_class ("" is not yet classified).
const (
	A = "A" // 红 重大风险: inspected most often
	B = "B" // 橙 较大风险
	C = "C" // 黄 一般风险
	D = "D" // 蓝 低风险
)

// All lists the classes from the highest risk down.
var All = []string{A, B, C, D}

// names are each class's name for people.
var names = map[string]string{
	A: "A类 (红色, 重大风险) class A, red: major risk",
	B: "B类 (橙色, 较大风险) class B, orange: considerable risk",
	C: "C类 (黄色, 一般风险) class C, yellow: general risk",
	D: "D类 (蓝色, 低风险) class D, blue: low risk",
}

// aliases are how spreadsheets write the classes.
var aliases = map[string]string{
	"A": A, "A类": A, "红": A, "红色": A, "重大风险": A, "1": A,
	"B": B, "B类": B, "橙": B, "橙色": B, "较大风险": B, "2": B,
	"C": C, "C类": C, "黄": C, "黄色": C, "一般风险": C, "3": C,
	"D": D, "D类": D, "蓝": D, "蓝色": D, "低风险": D, "4": D,
}

// Parse reads a class as a register writes it — A–D (either case), A类,
// 红/橙/黄/蓝 (色), 重大/较大/一般/低风险, or 1–4 — and returns the letter.
// An empty string is "not yet classified" and returns "".
func Parse(s string) (string, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if s == "" {
		return "", nil
	}
	if c, ok := aliases[s]; ok {
		return c, nil
	}
	return "", &Error{Class: s}
}

// Error is a class that is not one.
type Error struct{ Class string }

// Message is the reason as a message of the catalogue.
func (e *Error) Msg() i18n.Msg {
	return i18n.Msg{ID: "riskclass.unknown", Args: i18n.Args{"Class": e.Class}}
}

// Error is the reason in Chinese.
func (e *Error) Error() string { m := e.Msg(); return i18n.T(i18n.Chinese, m.ID, m.Args) }

// Name is a class's name for people; "未分级 unclassified" for "".
func Name(class string) string {
	if class == "" {
		return "未分级 unclassified"
	}
	return names[class]
}
