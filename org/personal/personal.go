// Package personal checks and masks the personal information duty keeps
// about a person (个人信息, 个人信息保护法): the 居民身份证号 (citizen
// identity number, GB 11643-1999) and a mainland mobile number.
//
// It only checks and masks. Where a full number may be read, and by whom,
// is decided where persons are stored (store: person_identities) and
// served (the API); a page, list, export, log line, notification or URL
// shows the masked form.
package personal

import (
	"fmt"
	"strings"
	"time"

	"github.com/duty-project/duty/org/regioncode"
)

// IDNumberLength is the length of a second-generation identity number.
const IDNumberLength = 18

// idWeights are GB 11643's weights for positions 1–17 (2^(18−i) mod 11).
var idWeights = [IDNumberLength - 1]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// idChecks maps the weighted sum mod 11 to the check character.
const idChecks = "10X98765432"

// Error is a number that is not valid. Position is 1-based; 0 means the
// number as a whole (its length). Reason is in Chinese with English in
// brackets. The number itself is never part of the message: an error
// may be logged, and a log must not hold a full identity number.
type Error struct {
	What     string // 居民身份证号 or 手机号
	Position int
	Reason   string
}

func (e *Error) Error() string {
	if e.Position == 0 {
		return fmt.Sprintf("%s: %s", e.What, e.Reason)
	}
	return fmt.Sprintf("%s: 第%d位%s", e.What, e.Position, e.Reason)
}

const idWhat = "居民身份证号 (identity number)"

// ParseIDNumber checks an 18-character identity number and returns it in
// canonical form (spaces dropped, a lower-case x upper-cased): digits at
// positions 1–17, a province that exists in positions 1–2, a real birth
// date (YYYYMMDD) at positions 7–14 from 1800 on, and the check character
// at 18. The first-generation 15-digit number is refused: it was
// withdrawn in 2013, and a person's record needs the 18-digit one.
func ParseIDNumber(s string) (string, error) {
	n := strings.ToUpper(strings.TrimSpace(s))
	if l := len([]rune(n)); l != IDNumberLength {
		return "", &Error{What: idWhat, Reason: fmt.Sprintf("应为18位，实为%d位 (must be 18 characters, not %d)", l, l)}
	}
	sum := 0
	for i, r := range n[:IDNumberLength-1] {
		if r < '0' || r > '9' {
			return "", &Error{What: idWhat, Position: i + 1, Reason: "应为数字 (must be a digit)"}
		}
		sum += int(r-'0') * idWeights[i]
	}
	if n[17] != 'X' && (n[17] < '0' || n[17] > '9') {
		return "", &Error{What: idWhat, Position: 18, Reason: "应为数字或X (must be a digit or X)"}
	}
	if _, ok := regioncode.ProvinceName(n[:2]); !ok || n[:2] == "10" {
		return "", &Error{What: idWhat, Position: 1, Reason: "前两位不是省级行政区划代码 (positions 1–2 are not a province code)"}
	}
	birth, err := time.Parse("20060102", n[6:14])
	if err != nil || birth.Year() < 1800 {
		return "", &Error{What: idWhat, Position: 7, Reason: "第7–14位不是有效的出生日期 (positions 7–14 are not a valid birth date YYYYMMDD)"}
	}
	if want := idChecks[sum%11]; n[17] != want {
		return "", &Error{What: idWhat, Position: 18, Reason: fmt.Sprintf("校验码错误 (check character at position 18 is wrong: should be %c)", want)}
	}
	return n, nil
}

// BirthDate is the birth date a valid identity number carries.
func BirthDate(idNumber string) (time.Time, error) {
	n, err := ParseIDNumber(idNumber)
	if err != nil {
		return time.Time{}, err
	}
	return time.Parse("20060102", n[6:14])
}

// MaskIDNumber shows the first six and the last four characters of an
// identity number (110105********123X): enough for a person to recognise
// their own, or a clerk to tell two persons apart, and not the birth
// date. Anything not 18 characters long is masked whole.
func MaskIDNumber(s string) string {
	n := strings.TrimSpace(s)
	if len(n) != IDNumberLength {
		return strings.Repeat("*", len([]rune(n)))
	}
	return n[:6] + strings.Repeat("*", 8) + n[14:]
}

const phoneWhat = "手机号 (mobile number)"

// ParsePhone checks a mainland mobile number — 11 digits beginning 1, the
// second 3–9 — and returns the 11 digits. Spaces and hyphens between
// digits, and a leading +86 or 86, are accepted and dropped.
func ParsePhone(s string) (string, error) {
	p := strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(s))
	if rest, ok := strings.CutPrefix(p, "+86"); ok {
		p = rest
	} else if len(p) == 13 && strings.HasPrefix(p, "86") {
		p = p[2:]
	}
	if l := len([]rune(p)); l != 11 {
		return "", &Error{What: phoneWhat, Reason: fmt.Sprintf("应为11位，实为%d位 (must be 11 digits, not %d)", l, l)}
	}
	for i, r := range p {
		if r < '0' || r > '9' {
			return "", &Error{What: phoneWhat, Position: i + 1, Reason: "应为数字 (must be a digit)"}
		}
	}
	if p[0] != '1' {
		return "", &Error{What: phoneWhat, Position: 1, Reason: "应为1 (a mobile number begins with 1)"}
	}
	if p[1] < '3' {
		return "", &Error{What: phoneWhat, Position: 2, Reason: "应为3–9 (no mobile number begins 10, 11 or 12)"}
	}
	return p, nil
}

// MaskPhone shows the first three and the last four digits (138****5678).
func MaskPhone(s string) string {
	p := strings.TrimSpace(s)
	if len(p) != 11 {
		return strings.Repeat("*", len([]rune(p)))
	}
	return p[:3] + "****" + p[7:]
}
