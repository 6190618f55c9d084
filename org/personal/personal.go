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
	"strings"
	"time"

	"github.com/duty-project/duty/i18n"
	"github.com/duty-project/duty/org/regioncode"
)

// IDNumberLength is the length of a second-generation identity number.
const IDNumberLength = 18

// idWeights are GB 11643's weights for positions 1–17 (2^(18−i) mod 11).
var idWeights = [IDNumberLength - 1]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// idChecks maps the weighted sum mod 11 to the check character.
const idChecks = "10X98765432"

// Error is a number that is not valid. Position is 1-based; 0 means the
// number as a whole (its length). Reason says what is wrong (the Reason…
// constants); the message of the catalogue it names
// (personal.<what>.<reason>) says it in the reader's language. The number
// itself is never part of the message: an error may be logged, and a log
// must not hold a full identity number.
type Error struct {
	What     string // WhatIDNumber or WhatPhone
	Position int
	Reason   string
	// Length is the number's length (ReasonLength); Want the check
	// character it should end in (ReasonCheck).
	Length int
	Want   string
}

// What a number is.
const (
	WhatIDNumber = "id_number" // 居民身份证号
	WhatPhone    = "phone"     // 手机号
)

// The reasons a number is refused.
const (
	ReasonLength     = "length"      // the wrong number of characters
	ReasonDigit      = "digit"       // a character that should be a digit is not
	ReasonDigitOrX   = "digit_or_x"  // the check character is neither a digit nor X
	ReasonProvince   = "province"    // positions 1–2 are not a province
	ReasonBirth      = "birth"       // positions 7–14 are not a birth date
	ReasonCheck      = "check"       // the check character is wrong
	ReasonFirstDigit = "first_digit" // a mobile number begins with 1
	ReasonSecond     = "second"      // and then 3–9
)

// Message is the reason as a message of the catalogue.
func (e *Error) Msg() i18n.Msg {
	return i18n.Msg{ID: "personal." + e.What + "." + e.Reason, Args: i18n.Args{"Position": e.Position, "Length": e.Length, "Want": e.Want}}
}

// Error is the reason in Chinese.
func (e *Error) Error() string { m := e.Msg(); return i18n.T(i18n.Chinese, m.ID, m.Args) }

// ParseIDNumber checks an 18-character identity number and returns it in
// canonical form (spaces dropped, a lower-case x upper-cased): digits at
// positions 1–17, a province that exists in positions 1–2, a real birth
// date (YYYYMMDD) at positions 7–14 from 1800 on, and the check character
// at 18. The first-generation 15-digit number is refused: it was
// withdrawn in 2013, and a person's record needs the 18-digit one.
func ParseIDNumber(s string) (string, error) {
	n := strings.ToUpper(strings.TrimSpace(s))
	if l := len([]rune(n)); l != IDNumberLength {
		return "", &Error{What: WhatIDNumber, Reason: ReasonLength, Length: l}
	}
	sum := 0
	for i, r := range n[:IDNumberLength-1] {
		if r < '0' || r > '9' {
			return "", &Error{What: WhatIDNumber, Position: i + 1, Reason: ReasonDigit}
		}
		sum += int(r-'0') * idWeights[i]
	}
	if n[17] != 'X' && (n[17] < '0' || n[17] > '9') {
		return "", &Error{What: WhatIDNumber, Position: 18, Reason: ReasonDigitOrX}
	}
	if _, ok := regioncode.ProvinceName(n[:2]); !ok || n[:2] == "10" {
		return "", &Error{What: WhatIDNumber, Position: 1, Reason: ReasonProvince}
	}
	birth, err := time.Parse("20060102", n[6:14])
	if err != nil || birth.Year() < 1800 {
		return "", &Error{What: WhatIDNumber, Position: 7, Reason: ReasonBirth}
	}
	if want := idChecks[sum%11]; n[17] != want {
		return "", &Error{What: WhatIDNumber, Position: 18, Reason: ReasonCheck, Want: string(want)}
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
		return "", &Error{What: WhatPhone, Reason: ReasonLength, Length: l}
	}
	for i, r := range p {
		if r < '0' || r > '9' {
			return "", &Error{What: WhatPhone, Position: i + 1, Reason: ReasonDigit}
		}
	}
	if p[0] != '1' {
		return "", &Error{What: WhatPhone, Position: 1, Reason: ReasonFirstDigit}
	}
	if p[1] < '3' {
		return "", &Error{What: WhatPhone, Position: 2, Reason: ReasonSecond}
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
