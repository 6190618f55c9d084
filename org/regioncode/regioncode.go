// Package regioncode reads China's administrative division codes (行政区划
// 代码, GB/T 2260): six digits, two for the province, two for the city,
// two for the county, where a level that is not reached is "00"
// (140000 山西省, 140500 晋城市, 140502 城区). A nine-digit code (the
// statistics bureau's 统计用区划代码 without its last three digits) names
// a township under its county.
//
// duty's regions table keys a region by the short form, its code with
// the trailing zero pairs removed ("14", "1405", "140502"), so that a
// region's path (/14/1405/140502/) is a prefix of its children's. Short
// and Full convert between the two forms.
package regioncode

import (
	"strings"
	"unicode/utf8"

	"github.com/duty-project/duty/i18n"
)

// Levels, as stored in regions.level.
const (
	Province = "province" // 省级: 省, 自治区, 直辖市
	City     = "city"     // 地级: 地级市, 地区, 自治州, 盟, 直辖市的市辖区/县 grouping
	County   = "county"   // 县级: 市辖区, 县级市, 县, 自治县, 旗
	Township = "township" // 乡级: 街道, 镇, 乡
)

// provinces are the two-digit province codes in use (GB/T 2260), with
// 10 for bodies registered nationally (a 统一社会信用代码 issued by a
// central authority carries 100000) and 81–83 for Hong Kong, Macao and
// Taiwan (residence permits, 港澳台居民居住证).
var provinces = map[string]string{
	"10": "中央", "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区",
	"21": "辽宁省", "22": "吉林省", "23": "黑龙江省",
	"31": "上海市", "32": "江苏省", "33": "浙江省", "34": "安徽省", "35": "福建省", "36": "江西省", "37": "山东省",
	"41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区", "46": "海南省",
	"50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省", "54": "西藏自治区",
	"61": "陕西省", "62": "甘肃省", "63": "青海省", "64": "宁夏回族自治区", "65": "新疆维吾尔自治区",
	"71": "台湾省", "81": "香港特别行政区", "82": "澳门特别行政区", "83": "台湾地区 (居住证)",
}

// ProvinceName names the province a code (of any length ≥ 2) lies in, and
// reports whether its first two digits are a province code in use.
func ProvinceName(code string) (string, bool) {
	if len(code) < 2 {
		return "", false
	}
	name, ok := provinces[code[:2]]
	return name, ok
}

// Error is a code that is not a division code: Position is the 1-based
// position of the first offending character, 0 when the length is wrong.
// Reason says what is wrong (the Reason… constants); the message of the
// catalogue it names (regioncode.<reason>) says it in the reader's
// language.
type Error struct {
	Code     string
	Position int
	Reason   string
	// Length is the code's length (ReasonLength); Char the character at
	// Position (ReasonDigit).
	Length int
	Char   string
}

// The reasons a code is refused.
const (
	ReasonLength   = "length"   // not 2, 4, 6 or 9 characters
	ReasonDigit    = "digit"    // a character that is not a digit
	ReasonProvince = "province" // no province has the first two digits
	ReasonNation   = "nation"   // 10 is the nation, with nothing under it
	ReasonTownship = "township" // a township code of 000
	ReasonCounty   = "county"   // a township not under a county
	ReasonCity     = "city"     // a county not under a city
)

// Message is the reason as a message of the catalogue.
func (e *Error) Msg() i18n.Msg {
	args := i18n.Args{"Code": e.Code, "Position": e.Position}
	switch e.Reason {
	case ReasonLength:
		args["Length"] = e.Length
	case ReasonDigit:
		args["Char"] = e.Char
	case ReasonProvince:
		args["Province"] = e.Code[:2]
	}
	return i18n.Msg{ID: "regioncode." + e.Reason, Args: args}
}

// Error is the reason in Chinese.
func (e *Error) Error() string { m := e.Msg(); return i18n.T(i18n.Chinese, m.ID, m.Args) }

// Parse checks a division code in either form — full (6 or 9 digits) or
// short (2, 4 or 6 digits, trailing zero pairs removed) — and returns its
// short form, the form duty's regions table uses. Surrounding spaces are
// ignored. It checks the structure and the province, not that the code
// is in the current GB/T 2260 list, which changes every year.
func Parse(code string) (string, error) {
	code = strings.TrimSpace(code)
	switch len(code) {
	case 2, 4, 6, 9:
	default:
		return "", &Error{Code: code, Reason: ReasonLength, Length: len([]rune(code))}
	}
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			r, _ := utf8.DecodeRuneInString(code[i:])
			return "", &Error{Code: code, Position: utf8.RuneCountInString(code[:i]) + 1, Reason: ReasonDigit, Char: string(r)}
		}
	}
	if _, ok := provinces[code[:2]]; !ok {
		return "", &Error{Code: code, Position: 1, Reason: ReasonProvince}
	}
	// 10 is the national registration (100000, in a credit code), never a
	// province with cities under it.
	if code[:2] == "10" && code != "100000" && code != "10" {
		return "", &Error{Code: code, Position: 3, Reason: ReasonNation}
	}
	short := Short(code)
	if len(short) == 9 && code[6:] == "000" {
		return "", &Error{Code: code, Position: 7, Reason: ReasonTownship}
	}
	if len(code) == 9 && code[4:6] == "00" {
		return "", &Error{Code: code, Position: 5, Reason: ReasonCounty}
	}
	if len(code) >= 6 && code[2:4] == "00" && code[4:6] != "00" {
		return "", &Error{Code: code, Position: 3, Reason: ReasonCity}
	}
	return short, nil
}

// Short removes a code's trailing zero pairs: 140000 → 14, 140500 → 1405,
// 140502 → 140502, 140502001 → 140502001. It does not validate.
func Short(code string) string {
	if len(code) == 9 {
		if code[6:] != "000" {
			return code
		}
		code = code[:6]
	}
	for len(code) > 2 && strings.HasSuffix(code, "00") {
		code = code[:len(code)-2]
	}
	return code
}

// Full pads a short code to six digits: 14 → 140000, 1405 → 140500. A
// nine-digit township code is returned as it is.
func Full(code string) string {
	if len(code) >= 6 {
		return code
	}
	return code + strings.Repeat("0", 6-len(code))
}

// Level is the level a code names, from its length in short form: two
// digits a province, four a city, six a county, nine a township.
func Level(code string) string {
	switch len(Short(code)) {
	case 2:
		return Province
	case 4:
		return City
	case 6:
		return County
	case 9:
		return Township
	}
	return ""
}

// Parent is the short code of the level above, "" for a province. A
// county directly under a province (省直辖县级行政区划, e.g. 429004 仙桃市)
// gets the grouping code 4290 as its parent, as GB/T 2260 lists it; a
// deployment that has no such region records the province instead.
func Parent(code string) string {
	s := Short(code)
	switch len(s) {
	case 4:
		return s[:2]
	case 6:
		return Short(s[:4])
	case 9:
		return s[:6]
	}
	return ""
}
