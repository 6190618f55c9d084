package i18n

import (
	"regexp"
	"strings"
)

// englishTail matches the English that follows Chinese in the engine's
// bilingual strings ("重大隐患 major · 凤台街" → "重大隐患 · 凤台街"): a
// space, then ASCII words up to a separator or the end.
var englishTail = regexp.MustCompile(`(\p{Han}[）)]?)\s+[A-Za-z][A-Za-z0-9 ,.'’:;()/&+-]*?(\s*(?:·|→|¥|$))`)

// article is a statute's article as the engine cites it ("Art.73").
var article = regexp.MustCompile(`\s*Art\.\s?(\d+)`)

// ChinesePart keeps the Chinese of a bilingual string the engine wrote
// (a case's title, a deadline's description): the pages and the case
// file's cover print it so.
func ChinesePart(s string) string {
	s = article.ReplaceAllString(s, "第${1}条")
	out := strings.TrimSpace(englishTail.ReplaceAllString(s, "$1$2"))
	if strings.Count(out, "(") > strings.Count(out, ")") {
		out += ")"
	}
	return out
}
