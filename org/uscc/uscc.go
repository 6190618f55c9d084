// Package uscc checks the 统一社会信用代码 (unified social credit code, GB
// 32100-2015) every enterprise and public body in China carries, and reads
// what it encodes.
//
// A code is 18 characters over a 31-character alphabet — the digits and
// the capital letters without I, O, S, V and Z — valued 0–30 in that order:
//
//	position 1      registration authority (登记管理部门: 9 市场监管/工商, 1 机构编制, 5 民政, …)
//	position 2      category within it (机构类别: for 9, 1 企业, 2 个体工商户, 3 农民专业合作社)
//	positions 3–8   the administrative division code of the registering office
//	positions 9–17  the organisation's code (主体标识码, formerly the 组织机构代码)
//	position 18     the check character: (31 − Σ value(cᵢ)·(3ⁱ mod 31), i = 0…16, mod 31) mod 31
//
// Parse refuses a code with the position of the first error and a reason
// the catalogue says in Chinese or English, so that regulators can fix
// spreadsheets by cell.
package uscc

import (
	"strings"

	"github.com/duty-project/duty/i18n"
	"github.com/duty-project/duty/org/regioncode"
)

// Length is the number of characters of a code.
const Length = 18

// alphabet lists the characters in value order (0–30).
const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// weights are 3^i mod 31 for positions 1–17.
var weights = func() [Length - 1]int {
	var w [Length - 1]int
	p := 1
	for i := range w {
		w[i] = p
		p = p * 3 % 31
	}
	return w
}()

// value is a character's value in the alphabet, or -1.
func value(c byte) int { return strings.IndexByte(alphabet, c) }

// authorities name the registration authorities of position 1 (GB 32100
// table 1).
var authorities = map[byte]string{
	'1': "机构编制", '2': "外交", '3': "司法行政", '4': "文化", '5': "民政", '6': "旅游", '7': "宗教",
	'8': "工会", '9': "市场监管 (工商)", 'A': "中央军委改革和编制办公室", 'N': "农业", 'Y': "其他",
}

// categories name position 2 for the authorities whose categories every
// regulator meets; others are not named, not refused.
var categories = map[string]string{
	"11": "机关", "12": "事业单位", "13": "中央编办直接管理机构编制的群众团体", "19": "其他",
	"51": "社会团体", "52": "民办非企业单位", "53": "基金会", "59": "其他",
	"91": "企业", "92": "个体工商户", "93": "农民专业合作社",
}

// Error is a code that is not valid. Position is 1-based; 0 means the
// code as a whole (its length). Reason says what is wrong (the Reason…
// constants); the message of the catalogue it names (uscc.<reason>) says
// it in the reader's language.
type Error struct {
	Code     string
	Position int
	Reason   string
	// Length is the code's length (ReasonLength); Char the character at
	// Position; Want the check character the code should end in
	// (ReasonCheck); Region why positions 3–8 are not a region code
	// (ReasonRegion).
	Length int
	Char   string
	Want   string
	Region *regioncode.Error
}

// The reasons a code is refused.
const (
	ReasonLength    = "length"    // not 18 characters
	ReasonChar      = "char"      // a character outside the alphabet
	ReasonAuthority = "authority" // no registration authority has position 1's code
	ReasonDigit     = "digit"     // a letter in the region code (positions 3–8)
	ReasonRegion    = "region"    // positions 3–8 are not a region code
	ReasonCheck     = "check"     // the check character is wrong
)

// Message is the reason as a message of the catalogue.
func (e *Error) Msg() i18n.Msg {
	args := i18n.Args{"Code": e.Code, "Position": e.Position}
	switch e.Reason {
	case ReasonLength:
		args["Length"] = e.Length
	case ReasonChar, ReasonAuthority, ReasonDigit:
		args["Char"] = e.Char
	case ReasonRegion:
		args["Region"] = e.Region.Msg()
	case ReasonCheck:
		args["Char"], args["Want"] = e.Char, e.Want
	}
	return i18n.Msg{ID: "uscc." + e.Reason, Args: args}
}

// Error is the reason in Chinese.
func (e *Error) Error() string { m := e.Msg(); return i18n.T(i18n.Chinese, m.ID, m.Args) }

// Code is a checked 统一社会信用代码 in canonical form (upper case).
type Code string

// Parse checks s and returns it in canonical form: surrounding spaces
// are dropped and letters upper-cased (spreadsheets hold both). Anything
// else wrong is an *Error naming the first position at fault: the
// length, a character outside the alphabet (I, O, S, V, Z and anything
// not a digit or letter), an unknown registration authority, a region
// code that is not one, or the check character.
func Parse(s string) (Code, error) {
	c := strings.ToUpper(strings.TrimSpace(s))
	if n := len([]rune(c)); n != Length {
		return "", &Error{Code: s, Reason: ReasonLength, Length: n}
	}
	if len(c) != Length { // 18 runes but more bytes: a character outside ASCII
		for i, r := range []rune(c) {
			if r > 0x7f {
				return "", &Error{Code: s, Position: i + 1, Reason: ReasonChar, Char: string(r)}
			}
		}
	}
	sum := 0
	for i := 0; i < Length; i++ {
		v := value(c[i])
		if v < 0 {
			return "", &Error{Code: s, Position: i + 1, Reason: ReasonChar, Char: string(c[i])}
		}
		if i < Length-1 {
			sum += v * weights[i]
		}
	}
	if _, ok := authorities[c[0]]; !ok {
		return "", &Error{Code: s, Position: 1, Reason: ReasonAuthority, Char: string(c[0])}
	}
	for i := 2; i < 8; i++ {
		if c[i] < '0' || c[i] > '9' {
			return "", &Error{Code: s, Position: i + 1, Reason: ReasonDigit, Char: string(c[i])}
		}
	}
	if _, err := regioncode.Parse(c[2:8]); err != nil {
		// Only a six-digit code reaches here, so regioncode's error is
		// always its own.
		re, _ := err.(*regioncode.Error)
		pos := 3
		if re.Position > 0 {
			pos = 2 + re.Position
		}
		return "", &Error{Code: s, Position: pos, Reason: ReasonRegion, Region: re}
	}
	if want := alphabet[(31-sum%31)%31]; c[Length-1] != want {
		return "", &Error{Code: s, Position: Length, Reason: ReasonCheck, Char: string(c[Length-1]), Want: string(want)}
	}
	return Code(c), nil
}

// CheckChar computes the check character for the first 17 characters of
// a code. ok is false when one of them is outside the alphabet.
func CheckChar(first17 string) (check byte, ok bool) {
	if len(first17) != Length-1 {
		return 0, false
	}
	sum := 0
	for i := 0; i < Length-1; i++ {
		v := value(first17[i])
		if v < 0 {
			return 0, false
		}
		sum += v * weights[i]
	}
	return alphabet[(31-sum%31)%31], true
}

// RegionCode is the six-digit administrative division code of the office
// that registered the holder (positions 3–8): where an enterprise was
// registered, which is usually but not always where it operates.
func (c Code) RegionCode() string { return string(c[2:8]) }

// RegionCode checks s and returns its region code.
func RegionCode(s string) (string, error) {
	c, err := Parse(s)
	if err != nil {
		return "", err
	}
	return c.RegionCode(), nil
}

// Authority names the registration authority (position 1).
func (c Code) Authority() string { return authorities[c[0]] }

// Category names the kind of holder (position 2) where the standard's
// table is known here (机构编制, 民政, 市场监管); "" otherwise.
func (c Code) Category() string { return categories[string(c[:2])] }

// IsEnterprise reports whether the code was issued to an enterprise by the
// market regulator (91…): what a 生产经营单位 usually holds, though
// individual businesses (92) and cooperatives (93) are 生产经营单位 too.
func (c Code) IsEnterprise() bool { return c[0] == '9' && c[1] == '1' }
