package uscc

import (
	"strings"
	"testing"

	"github.com/duty-project/duty/i18n"
)

// Codes of well-known enterprises, as they publish them: each must pass.
var realCodes = []struct{ code, holder, region string }{
	{"914403001922038216", "华为技术有限公司", "440300"},
	{"91330100799655058B", "阿里巴巴(中国)有限公司", "330100"},
	{"9144030071526726XG", "腾讯科技(深圳)有限公司", "440300"},
	{"91110000710926094P", "中国石油化工股份有限公司", "110000"},
	{"91110108551385082Q", "小米科技有限责任公司", "110108"},
}

func TestRealCodes(t *testing.T) {
	for _, r := range realCodes {
		c, err := Parse(r.code)
		if err != nil || string(c) != r.code || c.RegionCode() != r.region || !c.IsEnterprise() || c.Category() != "企业" {
			t.Errorf("%s (%s): %q, %v, region %s", r.code, r.holder, c, err, c.RegionCode())
		}
	}
	// Lower case and spaces, as spreadsheets have them, are accepted.
	if c, err := Parse(" 9144030071526726xg\t"); err != nil || c != "9144030071526726XG" {
		t.Errorf("lower case: %q, %v", c, err)
	}
}

func TestErrorsNameThePosition(t *testing.T) {
	for _, tc := range []struct {
		code     string
		position int
		reason   string
		says, en string
	}{
		{"914403001922038217", 18, ReasonCheck, "第18位校验码应为6，不是7", "should be 6, not 7"},
		{"91440300I922038216", 9, ReasonChar, "第9位字符“I”不是合法字符", "character 9, “I”, is not allowed"},
		{"9144O3001922038216", 5, ReasonChar, "第5位字符“O”不是合法字符", "character 5, “O”"},
		{"9144030019220382", 0, ReasonLength, "应为18位，实为16位", "must be 18 characters, not 16"},
		{"9144030019220382161", 0, ReasonLength, "实为19位", "not 19"},
		{"Z14403001922038216", 1, ReasonChar, "第1位字符“Z”不是合法字符", "“Z”, is not allowed"},
		{"B14403001922038216", 1, ReasonAuthority, "登记管理部门代码“B”不存在", "no registration authority has code “B”"},
		{"9144A3001922038216", 5, ReasonDigit, "应为数字", "must be a digit"},
		{"919903001922038216", 3, ReasonRegion, "第3–8位不是行政区划代码（行政区划代码“990300”第1位起：省级代码99不存在）", "no province has code 99"},
		{"9144030019220382１6", 17, ReasonChar, "不是合法字符", "“１”, is not allowed"}, // a full-width digit
		{"", 0, ReasonLength, "实为0位", "not 0"},
	} {
		_, err := Parse(tc.code)
		e, ok := err.(*Error)
		if !ok || e.Position != tc.position || e.Reason != tc.reason || !strings.Contains(e.Error(), tc.says) {
			t.Errorf("Parse(%q) = %v; want position %d, reason %s, saying %q", tc.code, err, tc.position, tc.reason, tc.says)
			continue
		}
		m := e.Msg()
		if en := i18n.T(i18n.English, m.ID, m.Args); !strings.Contains(en, tc.en) {
			t.Errorf("Parse(%q) in English: %q, want it to say %q", tc.code, en, tc.en)
		}
	}
}

func TestEveryWrongCheckCharacterIsRefused(t *testing.T) {
	for _, r := range realCodes {
		for i := 0; i < len(alphabet); i++ {
			c := r.code[:17] + alphabet[i:i+1]
			_, err := Parse(c)
			if (c == r.code) != (err == nil) {
				t.Errorf("Parse(%q) = %v", c, err)
			}
		}
	}
}

func TestRegionCode(t *testing.T) {
	if rc, err := RegionCode("91110108551385082Q"); err != nil || rc != "110108" {
		t.Errorf("RegionCode = %q, %v", rc, err)
	}
	if _, err := RegionCode("91110108551385082A"); err == nil {
		t.Error("RegionCode accepted a bad code")
	}
}

// A single changed character is always caught: a property of the check
// with prime modulus 31 and weights that are never 0 mod 31.
func FuzzParse(f *testing.F) {
	for _, r := range realCodes {
		f.Add(r.code, uint8(3), uint8(7))
	}
	f.Add("91440300I922038216", uint8(0), uint8(0))
	f.Fuzz(func(t *testing.T, s string, pos, by uint8) {
		c, err := Parse(s)
		if err != nil {
			if e, ok := err.(*Error); !ok || e.Position < 0 || e.Position > Length {
				t.Fatalf("Parse(%q): %v is not an *Error with a position", s, err)
			}
			return
		}
		if check, ok := CheckChar(string(c[:17])); !ok || check != c[17] {
			t.Fatalf("valid %q, but CheckChar says %c", c, check)
		}
		i := int(pos) % Length
		v := (value(c[i]) + 1 + int(by)%30) % 31 // a different character
		changed := string(c[:i]) + alphabet[v:v+1] + string(c[i+1:])
		if _, err := Parse(changed); err == nil {
			t.Fatalf("%q is valid and so is %q, one character apart", c, changed)
		}
	})
}
